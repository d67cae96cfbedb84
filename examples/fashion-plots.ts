/**
 * The two-dataset plots of the method pages. ALQ and DPU are drawn from the result tables that the
 * repro scripts wrote into those pages (so a plot always shows what the page reports); p-Meta, DRESS
 * and RCT from the JSON records next to this file:
 *
 * - docs/alq-bits.svg: test accuracy vs average weight bits (log axis), ALQ's stages as a line,
 *   BWN (1 bit) and FP32 (32 bits) as reference points, MNIST and Fashion-MNIST side by side;
 * - docs/dpu-bits.svg: test accuracy after each round vs cumulative bits sent (log axis) for FU,
 *   DPU, GCPU and RPU (and DPU-iter where the block has it), one panel per dataset;
 * - docs/pmeta-memory.svg: p-Meta and MAML few-shot accuracy (± 95 % CI) vs peak adaptation memory,
 *   from examples/pmeta-results.json;
 * - docs/dress-sparsity.svg, docs/dress-delta.svg: DRESS subnets, independent models and no-joint
 *   prefixes per sparsity level, and DRESS − independent, from examples/dress-results.json;
 * - docs/rct-accuracy.svg, docs/rct-mean-bits.svg: test accuracy per epoch per method, and RCT's mean
 *   weight bits over training, from examples/rct-results.json.
 *
 *   npx tsx examples/fashion-plots.ts [alq|dpu|pmeta|dress|rct ...]   # default: all
 *
 * DPU's cumulative bits: the blocks list each method's total bits, not the bits of every round, so a
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

type Marker = 'circle' | 'square' | 'triangle';
interface Series {
  label: string; color: string; dash?: string; points: [number, number][]; markersOnly?: boolean;
  /** Half-widths of y error bars, one per point. */
  errors?: number[]; marker?: Marker; hollow?: boolean; lineOnly?: boolean;
}
interface Panel { title: string; series: Series[]; /** Fixed x ticks (value, label); default: decades (log) or a 1-2-5 step (linear). */ xTicks?: [number, string][] }
interface ChartOptions {
  xLog?: boolean;
  /** Legend entries instead of one per series label (series with an empty label are never listed). */
  legend?: Series[];
  /** One y range for every panel (default: each panel's own, from its data). */
  yRange?: [number, number];
}

/** A 1-2-5 tick step that gives about `n` ticks over `span`. */
function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n), p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
}

function markerSvg(x: number, y: number, s: Series, r: number): string {
  const fill = s.hollow === true ? 'white' : s.color;
  const stroke = `stroke="${s.color}" stroke-width="${s.hollow === true ? 2 : 0}"`;
  if (s.marker === 'square') return `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}" fill="${fill}" ${stroke}/>`;
  if (s.marker === 'triangle') return `<polygon points="${x.toFixed(1)},${(y - r - 1).toFixed(1)} ${(x - r).toFixed(1)},${(y + r).toFixed(1)} ${(x + r).toFixed(1)},${(y + r).toFixed(1)}" fill="${fill}" ${stroke}/>`;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${fill}" ${stroke}/>`;
}

/** Small multi-panel chart (log10 x axis unless `xLog: false`); one shared legend on the right. */
function chart(panels: Panel[], xLabel: string, yLabel: string, title: string, opts: ChartOptions = {}): string {
  const PW = 330, H = 380, L = 56, R = 170, T = 44, B = 48, GAP = 40;
  const xLog = opts.xLog ?? true;
  const tx = (v: number): number => (xLog ? Math.log10(v) : v);
  const W = L + panels.length * PW + (panels.length - 1) * GAP + R;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  const legend = new Map<string, Series>();
  panels.forEach((p, k) => {
    const x0 = L + k * (PW + GAP);
    const pts = p.series.flatMap((s) => s.points.map(([x, y], i): [number, number, number] => [x, y, s.errors?.[i] ?? 0]));
    const xs = [...pts.map(([x]) => tx(x)), ...(p.xTicks ?? []).map(([v]) => tx(v))];
    const ys = pts.flatMap(([, y, e]) => [y - e, y + e]);
    const span = Math.max(...ys) - Math.min(...ys);
    const stepY = opts.yRange !== undefined ? niceStep(opts.yRange[1] - opts.yRange[0], 6) : span > 40 ? 20 : span > 20 ? 10 : span > 8 ? 2 : span > 3 ? 1 : 0.5;
    const [ylo, yhi] = opts.yRange ?? [Math.floor(Math.min(...ys) / stepY) * stepY, Math.ceil(Math.max(...ys) / stepY) * stepY];
    const stepX = niceStep(Math.max(...xs) - Math.min(...xs), 5);
    const fixed = p.xTicks !== undefined;
    const xlo = fixed ? Math.min(...xs) : xLog ? Math.floor(Math.min(...xs)) : Math.floor(Math.min(...xs) / stepX) * stepX;
    const xhi = fixed ? Math.max(...xs) : xLog ? Math.ceil(Math.max(...xs)) : Math.ceil(Math.max(...xs) / stepX) * stepX;
    // Fixed ticks get a margin so that markers on the first and last tick stay inside the frame.
    const pad = fixed ? 0.06 * (xhi - xlo) : 0;
    const sx = (v: number): number => x0 + ((tx(v) - xlo + pad) * PW) / Math.max(1e-9, xhi - xlo + 2 * pad);
    const sy = (v: number): number => T + ((yhi - v) * (H - T - B)) / Math.max(1e-9, yhi - ylo);
    out.push(`<text x="${x0 + PW / 2}" y="${T - 8}" text-anchor="middle" font-size="13">${p.title}</text>`);
    for (let v = ylo; v <= yhi + 1e-9; v += stepY) {
      out.push(`<line x1="${x0}" x2="${x0 + PW}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#dddddd"/>`);
      out.push(`<text x="${x0 - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toFixed(1))}</text>`);
    }
    const ticks: [number, string][] = p.xTicks ?? (xLog
      ? Array.from({ length: xhi - xlo + 1 }, (_, i): [number, string] => [10 ** (xlo + i), xlo + i >= -1 && xlo + i <= 4 ? String(10 ** (xlo + i)) : `1e${xlo + i}`])
      : Array.from({ length: Math.round((xhi - xlo) / stepX) + 1 }, (_, i): [number, string] => [xlo + i * stepX, String(Number((xlo + i * stepX).toFixed(6)))]));
    for (const [v, label] of ticks) {
      const xv = sx(v);
      out.push(`<line x1="${xv.toFixed(1)}" x2="${xv.toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#eeeeee"/>`);
      out.push(`<text x="${xv.toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${label}</text>`);
    }
    out.push(`<rect x="${x0}" y="${T}" width="${PW}" height="${H - T - B}" fill="none" stroke="#888888"/>`);
    out.push(`<text x="${x0 + PW / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>`);
    for (const s of p.series) {
      const path = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      if (s.markersOnly !== true && s.points.length > 1) out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`}/>`);
      s.points.forEach(([x, y], i) => {
        const e = s.errors?.[i] ?? 0;
        if (e > 0) out.push(`<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${sy(y - e).toFixed(1)}" y2="${sy(y + e).toFixed(1)}" stroke="${s.color}" stroke-width="1.5"/>`);
        if (s.lineOnly !== true && (s.marker !== undefined || s.markersOnly === true || s.points.length <= 40)) out.push(markerSvg(sx(x), sy(y), s, s.markersOnly === true ? 5 : 3));
      });
      if (s.label !== '') legend.set(s.label, s);
    }
  });
  out.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">${yLabel}</text>`);
  (opts.legend ?? [...legend.values()]).forEach((s, k) => {
    const lx = W - R + 14, ly = T + 12 + 20 * k;
    if (s.markersOnly === true) out.push(markerSvg(lx + 12, ly, s, 5));
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

const json = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as T;
const TITLES: Record<string, string> = { mnist: 'MNIST', fashion: 'Fashion-MNIST' };

/** One few-shot result of examples/pmeta-results.json (accuracy and CI in %). */
interface PmetaRun { dataset: string; shots: number; bn: string; method: string; rho?: number; accuracy: number; ci: number; peakKiB: number }

/** p-Meta: accuracy ± 95 % CI vs peak adaptation memory; colour = method, shape = shots, hollow = bn batch. */
function pmetaPlot(): void {
  const { runs } = json<{ runs: PmetaRun[] }>('pmeta-results.json');
  const RHO: Record<string, string> = { 0.5: '#1f77b4', 0.75: '#d62728', 1: '#2ca02c' };
  const name = (r: PmetaRun): string => (r.method === 'MAML' ? 'MAML' : `p-Meta, ρ = ${r.rho ?? 0.5}`);
  const colour = (r: PmetaRun): string => (r.method === 'MAML' ? '#222222' : RHO[String(r.rho ?? 0.5)] ?? '#8c564b');
  const ticks: [number, string][] = [200, 500, 1000, 2000, 4000].map((v) => [v, String(v)]);
  const datasets = [...new Set(runs.map((r) => r.dataset))];
  const panels: Panel[] = datasets.map((d) => ({
    title: `${TITLES[d] ?? d}, 3-way (conv4-32)`, xTicks: ticks,
    series: runs.filter((r) => r.dataset === d).map((r): Series => ({
      label: '', color: colour(r), markersOnly: true, marker: r.shots === 1 ? 'circle' : 'square', hollow: r.bn === 'batch',
      points: [[r.peakKiB, r.accuracy]], errors: [r.ci],
    })),
  }));
  const seen = new Map(runs.map((r) => [name(r), colour(r)]));
  const legend: Series[] = [
    ...[...seen].map(([label, color]): Series => ({ label, color, markersOnly: true, points: [] })),
    { label: '1-shot', color: '#777777', markersOnly: true, points: [] },
    { label: '5-shot', color: '#777777', markersOnly: true, marker: 'square', points: [] },
    { label: 'bn: batch', color: '#777777', markersOnly: true, hollow: true, points: [] },
  ];
  writeFileSync(docs('pmeta-memory.svg'), chart(panels, 'peak adaptation memory (KiB, log)', 'meta-test accuracy (%) ± 95 % CI',
    'p-Meta vs MAML: few-shot accuracy vs on-device peak memory (bn frozen unless hollow; 200 meta-iterations)', { legend, yRange: [50, 90] }));
  console.log(`wrote docs/pmeta-memory.svg (${panels.length} panels)`);
}

/** One DRESS run of examples/dress-results.json (accuracies as fractions, per level). */
interface DressRun { dataset: string; seed: number; dense: number; dress: number[]; independent: number[]; prefix: number[] }

/** DRESS: accuracy per sparsity level of the nested subnets, the independent models and the no-joint prefixes. */
function dressPlot(): void {
  const { levels, runs } = json<{ levels: number[]; runs: DressRun[] }>('dress-results.json');
  const ticks = levels.map((s, j): [number, string] => [j, `${100 * s} %`]);
  const at = (v: number[]): [number, number][] => v.map((a, j) => [j, 100 * a]);
  const panels: Panel[] = runs.map((r) => ({
    title: `${TITLES[r.dataset] ?? r.dataset}, seed ${r.seed}`, xTicks: ticks,
    series: [
      { label: 'dense backbone', color: '#888888', dash: '2 4', points: [[0, 100 * r.dense], [levels.length - 1, 100 * r.dense]], lineOnly: true },
      { label: 'independent (×4)', color: '#222222', points: at(r.independent) },
      { label: 'DRESS (1 model)', color: '#d62728', points: at(r.dress), marker: 'square' },
      { label: 'prefixes, no joint', color: '#1f77b4', dash: '6 4', points: at(r.prefix) },
    ],
  }));
  writeFileSync(docs('dress-sparsity.svg'), chart(panels, 'row sparsity (each level halves the non-zeros)', 'test accuracy (%)',
    'DRESS on LeNet5: nested subnets vs independently pruned models (magnitude ranking, 2 epochs each)', { xLog: false, yRange: [0, 100] }));
  console.log(`wrote docs/dress-sparsity.svg (${panels.length} panels)`);
  // The gaps are tenths of a point, invisible on the 0–100 axis: a second chart shows DRESS − independent.
  const palette = ['#1f77b4', '#9467bd', '#d62728', '#ff7f0e'];
  const delta: Series[] = runs.map((r, k) => ({
    label: `${r.dataset === 'mnist' ? 'MNIST' : 'Fashion'}, seed ${r.seed}`, color: palette[k % palette.length]!, ...(r.dataset === 'mnist' ? { dash: '6 4' } : {}),
    points: r.dress.map((a, j): [number, number] => [j, 100 * (a - r.independent[j]!)]),
  }));
  const band = (v: number, label: string): Series => ({ label, color: '#888888', dash: '2 4', lineOnly: true, points: [[0, v], [levels.length - 1, v]] });
  writeFileSync(docs('dress-delta.svg'), chart([{ title: 'DRESS − independent at the same sparsity', xTicks: ticks, series: [...delta, band(-1.5, 'target: −1.5')] }],
    'row sparsity', 'Δ accuracy (points)', 'DRESS: gap to the independently pruned models', { xLog: false, yRange: [-2, 1] }));
  console.log('wrote docs/dress-delta.svg');
}

/** One method's run of examples/rct-results.json: test accuracy per epoch and, for RCT, mean weight bits per trace segment. */
interface RctRun {
  dataset: string; method: string; interval: number; stepsPerEpoch: number;
  perEpoch: { accuracy: number }[]; trace?: { steps: number; meanBits: number }[];
}

const RCT_COLORS: Record<string, string> = { fp32: '#222222', qat: '#888888', rct: '#d62728', fixed8: '#1f77b4', fixed16: '#2ca02c' };
const rctName = (r: RctRun): string => ({ fp32: 'FP32', qat: 'QAT-8', rct: `RCT-style, I = ${r.interval}`, fixed8: 'fixed RCT, 8 bits', fixed16: 'fixed RCT, 16 bits' })[r.method] ?? r.method;

/** RCT: test accuracy after each epoch per method, and the RCT runs' mean weight bitwidth over training. */
function rctPlots(): void {
  const { runs } = json<{ runs: RctRun[] }>('rct-results.json');
  const datasets = [...new Set(runs.map((r) => r.dataset))];
  const colour = (r: RctRun): string => (r.method === 'rct' && r.interval !== 100 ? '#ff7f0e' : RCT_COLORS[r.method] ?? '#8c564b');
  const order = ['fp32', 'qat', 'rct', 'fixed8', 'fixed16'];
  runs.sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method) || a.interval - b.interval);
  const epochs = (d: string): number => Math.max(...runs.filter((r) => r.dataset === d).map((r) => r.perEpoch.length));
  const acc: Panel[] = datasets.map((d) => ({
    title: TITLES[d] ?? d, xTicks: Array.from({ length: epochs(d) }, (_, i): [number, string] => [i + 1, String(i + 1)]),
    series: runs.filter((r) => r.dataset === d).map((r): Series => ({
      label: rctName(r), color: colour(r), ...(r.method === 'qat' ? { dash: '6 4' } : {}), points: r.perEpoch.map((e, i) => [i + 1, 100 * e.accuracy]),
    })),
  }));
  writeFileSync(docs('rct-accuracy.svg'), chart(acc, 'epoch', 'test accuracy after the epoch (%)', 'RCT-style integer training of LeNet5: test accuracy per epoch (SGD η = 0.05)', { xLog: false }));
  const bits: Panel[] = datasets.map((d) => ({
    title: TITLES[d] ?? d,
    series: runs.filter((r) => r.dataset === d && r.trace !== undefined).map((r): Series => {
      let t = 0;
      const points = r.trace!.flatMap((s): [number, number][] => {
        const a = t;
        t += s.steps;
        return [[a / r.stepsPerEpoch, s.meanBits], [t / r.stepsPerEpoch, s.meanBits]];
      });
      return { label: rctName(r), color: colour(r), lineOnly: true, points };
    }),
  }));
  writeFileSync(docs('rct-mean-bits.svg'), chart(bits, 'epoch (steps / steps per epoch)', 'mean weight bits', 'RCT-style: mean weight bitwidth over training (per-layer bits weighted by size)', { xLog: false, yRange: [6, 14] }));
  console.log(`wrote docs/rct-accuracy.svg and docs/rct-mean-bits.svg (${datasets.length} panels each)`);
}

function alqDpuPlots(): void {
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

// `npx tsx examples/fashion-plots.ts [alq] [dpu] [pmeta] [dress] [rct]`: the named plots (default all).
const PLOTS: Record<string, () => void> = { alq: alqDpuPlots, dpu: alqDpuPlots, pmeta: pmetaPlot, dress: dressPlot, rct: rctPlots };
const wanted = process.argv.slice(2).filter((a) => a in PLOTS);
for (const f of new Set((wanted.length > 0 ? wanted : Object.keys(PLOTS)).map((a) => PLOTS[a]!))) f();
