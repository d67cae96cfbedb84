/**
 * The two-dataset plots of docs/alq.md and docs/dpu.md, drawn from the result tables that the repro
 * scripts wrote into those pages (so a plot always shows what the page reports):
 *
 * - docs/alq-bits.svg: test accuracy vs average weight bits (log axis), ALQ's stages as a line,
 *   BWN (1 bit) and FP32 (32 bits) as reference points, MNIST and Fashion-MNIST side by side;
 * - docs/dpu-bits.svg: test accuracy after each round vs cumulative bits sent (log axis) for FU,
 *   DPU, GCPU and RPU (and DPU-iter where the block has it), one panel per dataset.
 *
 *   npx tsx examples/fashion-plots.ts
 *
 * Cumulative bits: the blocks list each method's total bits, not the bits of every round, so a
 * curve spreads the total evenly over the rounds that sent something (rounds marked ⁰ add
 * nothing). FU, DPU and GCPU change the same number of weights every round, so this is exact up
 * to a few bytes of entropy coding; RPU's per-round sizes vary more.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const docs = (name: string): URL => new URL(`../docs/${name}`, import.meta.url);

/** The text between `<!-- tag:begin ... -->` and `<!-- tag:end -->`. */
function block(doc: string, tag: string): string | undefined {
  const a = doc.indexOf(`<!-- ${tag}:begin`);
  const b = doc.indexOf(`<!-- ${tag}:end -->`);
  return a >= 0 && b > a ? doc.slice(a, b) : undefined;
}

/** Rows of the markdown tables in `text`, each as trimmed cells. */
function rows(text: string): string[][] {
  return text.split('\n').filter((l) => l.startsWith('|') && !l.startsWith('|--') && !l.startsWith('|:-'))
    .map((l) => l.replace(/\\\|/g, '¦').slice(1, -1).split('|').map((c) => c.trim()));
}

const num = (c: string): number => Number(c.replace(/[^0-9.eE+-]/g, ''));

interface Series { label: string; color: string; dash?: string; points: [number, number][]; markersOnly?: boolean }
interface Panel { title: string; series: Series[] }

/** Small multi-panel line chart with a log10 x axis; one shared legend on the right. */
function chart(panels: Panel[], xLabel: string, yLabel: string, title: string): string {
  const PW = 330, H = 380, L = 56, R = 150, T = 44, B = 48, GAP = 40;
  const W = L + panels.length * PW + (panels.length - 1) * GAP + R;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  const legend = new Map<string, Series>();
  panels.forEach((p, k) => {
    const x0 = L + k * (PW + GAP);
    const pts = p.series.flatMap((s) => s.points);
    const xs = pts.map(([x]) => Math.log10(x));
    const ys = pts.map(([, y]) => y);
    const xlo = Math.floor(Math.min(...xs)), xhi = Math.ceil(Math.max(...xs));
    const span = Math.max(...ys) - Math.min(...ys);
    const stepY = span > 20 ? 10 : span > 8 ? 2 : span > 3 ? 1 : 0.5;
    const ylo = Math.floor(Math.min(...ys) / stepY) * stepY, yhi = Math.ceil(Math.max(...ys) / stepY) * stepY;
    const sx = (v: number): number => x0 + ((Math.log10(v) - xlo) * PW) / Math.max(1e-9, xhi - xlo);
    const sy = (v: number): number => T + ((yhi - v) * (H - T - B)) / Math.max(1e-9, yhi - ylo);
    out.push(`<text x="${x0 + PW / 2}" y="${T - 8}" text-anchor="middle" font-size="13">${p.title}</text>`);
    for (let v = ylo; v <= yhi + 1e-9; v += stepY) {
      out.push(`<line x1="${x0}" x2="${x0 + PW}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#dddddd"/>`);
      out.push(`<text x="${x0 - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toFixed(1))}</text>`);
    }
    for (let e = xlo; e <= xhi; e++) {
      const xv = sx(10 ** e);
      out.push(`<line x1="${xv.toFixed(1)}" x2="${xv.toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#eeeeee"/>`);
      out.push(`<text x="${xv.toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${e >= -1 && e <= 2 ? String(10 ** e) : `1e${e}`}</text>`);
    }
    out.push(`<rect x="${x0}" y="${T}" width="${PW}" height="${H - T - B}" fill="none" stroke="#888888"/>`);
    out.push(`<text x="${x0 + PW / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>`);
    for (const s of p.series) {
      const path = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      if (s.markersOnly !== true) out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`}/>`);
      for (const [x, y] of s.points) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="${s.markersOnly === true ? 5 : 3}" fill="${s.color}"/>`);
      legend.set(s.label, s);
    }
  });
  out.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${yLabel}</text>`);
  [...legend.values()].forEach((s, k) => {
    const lx = W - R + 14, ly = T + 12 + 20 * k;
    if (s.markersOnly === true) out.push(`<circle cx="${lx + 12}" cy="${ly}" r="5" fill="${s.color}"/>`);
    else out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** ALQ panel from one alq-results block: FP32 and BWN as points, ALQ stages as a line. */
function alqPanel(text: string, title: string): Panel {
  const rs = rows(text).filter((r) => r.length === 4 && r[0] !== 'model');
  const acc = (r: string[]): number => num(r[3]!);
  const fp = rs.find((r) => r[0]!.startsWith('FP32'))!;
  const bwn = rs.find((r) => r[0]!.startsWith('BWN'))!;
  const stages = rs.filter((r) => r[0]!.startsWith('ALQ'));
  // With --eval-size the stages are measured on a test subset and the final model once more on all of it.
  const final = rs.find((r) => r[0]!.includes('ALQ final'));
  return {
    title, series: [
      { label: 'ALQ (stages)', color: '#d62728', points: stages.map((r) => [num(r[1]!), acc(r)]) },
      ...(final === undefined ? [] : [{ label: 'ALQ final (all test)', color: '#ff7f0e', markersOnly: true, points: [[num(final[1]!), acc(final)]] as [number, number][] }]),
      { label: 'BWN (1 bit)', color: '#1f77b4', markersOnly: true, points: [[1, acc(bwn)]] },
      { label: 'FP32 (32 bits)', color: '#222222', markersOnly: true, points: [[32, acc(fp)]] },
    ],
  };
}

const DPU_COLORS: Record<string, string> = { FU: '#222222', DPU: '#d62728', 'DPU-iter': '#ff7f0e', GCPU: '#1f77b4', RPU: '#2ca02c' };

/**
 * DPU panel from one dpu-results block. Round 0 (a full deployment, the same for every method)
 * is left out: the curves start at the first partial update.
 */
function dpuPanel(text: string, title: string, methods: readonly string[]): Panel {
  const all = rows(text);
  const header = all.find((r) => r[0] === 'round')!;
  const perRound = all.filter((r) => /^\d+$/.test(r[0]!));
  const bitsRows = new Map(all.filter((r) => r.length === 5 && r[0] !== 'method').map((r) => [r[0]!, r]));
  const series: Series[] = [];
  for (const m of methods) {
    const col = header.indexOf(m);
    if (col < 0) continue;
    const updates = perRound.filter((r) => !r[col]!.includes('ᶠ'));
    const sent = updates.filter((r) => !r[col]!.includes('⁰')).length;
    const total = num(bitsRows.get(m)?.[2] ?? '0');
    let cum = 0;
    // Rounds before a method's first update sent nothing yet and have no place on a log axis.
    const points = updates.map((r): [number, number] => {
      cum += r[col]!.includes('⁰') ? 0 : total / sent;
      return [cum, num(r[col]!.replace(/[ᶠʳ⁰]/g, ''))];
    }).filter(([x]) => x > 0);
    series.push({ label: m, color: DPU_COLORS[m] ?? '#8c564b', points });
  }
  return { title, series };
}

function main(): void {
  const alqDoc = readFileSync(docs('alq.md'), 'utf8');
  const alqPanels: Panel[] = [];
  const am = block(alqDoc, 'alq-results');
  const af = block(alqDoc, 'alq-results-fashion');
  if (am !== undefined) alqPanels.push(alqPanel(am, 'MNIST (8,000 / 2,000)'));
  if (af !== undefined) alqPanels.push(alqPanel(af, 'Fashion-MNIST'));
  const subset = /On the first ([0-9,]+) test images/.exec(af ?? '')?.[1];
  const note = subset === undefined ? '' : ` (Fashion: stages on ${subset} test images)`;
  writeFileSync(docs('alq-bits.svg'), chart(alqPanels, 'average weight bits (log)', 'test accuracy (%)', `ALQ on LeNet5: test accuracy vs average weight bits${note}`));
  console.log(`wrote docs/alq-bits.svg (${alqPanels.length} panels)`);

  const dpuDoc = readFileSync(docs('dpu.md'), 'utf8');
  const methods = ['FU', 'DPU', 'DPU-iter', 'GCPU', 'RPU'];
  const dpuPanels: Panel[] = [];
  const dm = block(dpuDoc, 'dpu-results');
  const df = block(dpuDoc, 'dpu-results-fashion');
  if (dm !== undefined) dpuPanels.push(dpuPanel(dm, 'MNIST (7 rounds, to 7,000 images)', methods));
  if (df !== undefined) dpuPanels.push(dpuPanel(df, 'Fashion-MNIST (8 rounds, to 50,000 images)', methods));
  writeFileSync(docs('dpu-bits.svg'), chart(dpuPanels, 'cumulative bits sent (log)', 'test accuracy after the round (%)', 'DPU at k = 0.01: accuracy after each update round vs cumulative bits sent'));
  console.log(`wrote docs/dpu-bits.svg (${dpuPanels.length} panels)`);
}

main();
