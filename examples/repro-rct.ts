// RCT-style integer-only training of LeNet5 on the MNIST split, next to its §7 baselines on the
// same layers, float init, batch order and schedule: FP32, QAT (8-bit copy + float master, STE)
// and fixed-precision RCT at 8 and 16 bits. Prints accuracy, GEMM energy, parameter memory (peak
// and time average) and parameter-movement energy, and writes docs/rct-bits.svg (b(t) per layer).
//
//   npm run repro:rct                          # 3 epochs, every method (long: see docs/rct.md for the time)
//   npm run repro:rct -- --epochs 2 --methods rct,fp32 --no-write
//
// Options: --epochs E (3), --lr η (0.05, constant), --batch B (64), --interval I (100),
// --methods rct,fixed8,fixed16,fp32,qat, --seed S (0), --dataset mnist|fashion (mnist), --no-write,
// --train-size N (the first N training images; default all: 8,000 MNIST, 60,000 Fashion-MNIST),
// --json FILE (puts one record per method into FILE's `runs`, replacing a record of the same
// dataset, method, seed and schedule: per-epoch metrics, and for the integer methods the mean
// weight bits of every trace segment; examples/rct-results.json feeds examples/fashion-plots.ts).
// With --dataset fashion the plot goes to docs/rct-bits-fashion.svg.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { key, rct } from '../src/index.js';
import { datasetName, loadDataset } from '../src/node/datasets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

/** b(t) of every weight tensor as an SVG line chart. */
export function bitsSvg(st: rct.RctState, title: string): string {
  const keys = Object.keys(st.params);
  const weights = keys.map((k, i) => [k, i] as const).filter(([k]) => k.endsWith('weight'));
  const W = 640, H = 300, L = 50, R = 120, T = 30, B = 40;
  const steps = st.trace.reduce((a, s) => a + s.steps, 0);
  const lo = 2, hi = 18;
  const x = (t: number) => L + ((W - L - R) * t) / Math.max(1, steps);
  const y = (b: number) => T + ((H - T - B) * (hi - b)) / (hi - lo);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${L}" y="18">${title}</text>`];
  for (let b = 4; b <= 16; b += 4) out.push(`<line x1="${L}" x2="${W - R}" y1="${y(b)}" y2="${y(b)}" stroke="#ddd"/><text x="${L - 8}" y="${y(b) + 4}" text-anchor="end">${b}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">optimizer step (of ${steps})</text>`);
  out.push(`<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">weight bits b</text>`);
  weights.forEach(([name, i], j) => {
    let t = 0;
    const pts: string[] = [];
    for (const s of st.trace) {
      const b = s.bits[i]! + 0.06 * (j - 1.5); // small offsets keep equal lines visible
      pts.push(`${x(t).toFixed(1)},${y(b).toFixed(1)}`, `${x(t + s.steps).toFixed(1)},${y(b).toFixed(1)}`);
      t += s.steps;
    }
    const c = colours[j % colours.length]!;
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 8}" y="${T + 16 * j + 10}" fill="${c}">${name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Mean bits per weight element (tensors of rank ≥ 2) in every trace segment, as rct.run's meanBits. */
function traceMeanBits(st: rct.RctState): { steps: number; meanBits: number }[] {
  const ts = Object.values(st.params);
  return st.trace.map((s) => {
    let nb = 0, n = 0;
    ts.forEach((t, i) => { if (t.shape.length >= 2) { nb += t.q.length * s.bits[i]!; n += t.q.length; } });
    return { steps: s.steps, meanBits: n > 0 ? nb / n : 0 };
  });
}

type RunRecord = Record<string, unknown> & { dataset: string; method: string; seed: number; epochs: number; interval: number; trainSize: number };

/** Replaces (or adds) this run's records in `file`'s `runs`, keeping every other record. */
function writeJson(file: string, records: RunRecord[]): void {
  const doc = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as { runs: RunRecord[] } : { runs: [] };
  const same = (a: RunRecord, b: RunRecord): boolean => a.dataset === b.dataset && a.method === b.method && a.seed === b.seed
    && a.epochs === b.epochs && a.interval === b.interval && a.trainSize === b.trainSize && a['learningRate'] === b['learningRate'];
  doc.runs = [...doc.runs.filter((o) => !records.some((n) => same(o, n))), ...records];
  writeFileSync(file, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`wrote ${records.length} record(s) to ${file}`);
}

function main(): void {
  const epochs = Number(arg('epochs', '3'));
  const lr = Number(arg('lr', '0.05'));
  const batchSize = Number(arg('batch', '64'));
  const interval = Number(arg('interval', '100'));
  const seed = Number(arg('seed', '0'));
  const methods = arg('methods', 'rct,fixed8,fixed16,fp32,qat').split(',') as rct.RunMethod[];
  const write = !process.argv.includes('--no-write');
  const dataset = datasetName(process.argv.includes('--dataset') ? arg('dataset', '') : undefined);
  const trainSize = process.argv.includes('--train-size') ? Number(arg('train-size', '')) : undefined;
  const jsonFile = arg('json', '');
  const { train, test, title } = loadDataset(dataset, { seed, trainSize });
  const perEpoch = new Map<string, Record<string, number>[]>();
  console.log(`LeNet5, ${title} ${train.y.shape[0]} / ${test.y.shape[0]}; SGD η = ${lr}, batch ${batchSize}, ${epochs} epochs, I = ${interval}; methods ${methods.join(', ')}`);
  const t0 = performance.now();
  const r = rct.run({
    train, test, key: key(seed), epochs, batchSize, learningRate: lr, methods, controller: { interval },
    onEvent: (e) => {
      if (e.kind !== 'epoch') return;
      const m = e.metrics;
      perEpoch.set(e.phase, [...(perEpoch.get(e.phase) ?? []), { ...m, seconds: e.elapsedMs / 1000 }]);
      const extra = m['meanBits'] === undefined ? '' : `, mean bits ${m['meanBits'].toFixed(2)}, underflow ${m['underflowPercent']!.toFixed(1)} %`;
      console.log(`  ${e.phase.padEnd(7)} epoch ${e.epoch}: test ${(100 * m['accuracy']!).toFixed(2)} %, train loss ${m['trainLoss']!.toFixed(4)}${extra}  (${(e.elapsedMs / 1000).toFixed(0)} s)`);
    },
  });
  const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(100 * v).toFixed(2)} %`);
  console.log('');
  console.log('method    test acc');
  for (const m of methods) console.log(`${m.padEnd(9)} ${pct(r.accuracy[m])}`);
  const lines: string[] = [];
  for (const name of ['rct', 'fixed8', 'fixed16'] as const) {
    const i = r.integer[name];
    if (i === undefined) continue;
    lines.push(`${name}: GEMM energy ${(i.energy.gemm.rct / 1e12).toFixed(3)} J vs FP32 ${(i.energy.gemm.fp32 / 1e12).toFixed(3)} J (saving ${pct(i.energy.gemm.saving)}); `
      + `peak parameter memory ${(i.memory.peakBytes / 1024).toFixed(1)} KiB (saving ${pct(i.memory.savingVsFp32.peak)} vs FP32, ${pct(i.memory.savingVsQat.peak)} vs QAT-8; time-averaged ${pct(i.memory.savingVsFp32.average)} / ${pct(i.memory.savingVsQat.average)}); `
      + `mean weight bits peak ${i.memory.meanBits.peak.toFixed(2)}, time-averaged ${i.memory.meanBits.average.toFixed(2)}; `
      + `movement ${(i.energy.movement.rct / 1e12).toFixed(4)} J = ${i.energy.movement.ratioVsQat.toFixed(3)}× QAT's (${(i.energy.movement.qat / 1e12).toFixed(4)} J); underflow ${pct(i.underflow)}`);
  }
  lines.forEach((l) => console.log(l));
  console.log(`report metrics: ${JSON.stringify(r.report.metrics)}`);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (jsonFile !== '') writeJson(jsonFile, methods.map((m) => {
    const i = m === 'rct' || m === 'fixed8' || m === 'fixed16' ? r.integer[m] : undefined;
    return {
      dataset, method: m, seed, epochs, learningRate: lr, batchSize, interval, trainSize: train.y.shape[0]!, testSize: test.y.shape[0]!,
      stepsPerEpoch: Math.ceil(train.y.shape[0]! / batchSize), accuracy: r.accuracy[m] ?? null, perEpoch: perEpoch.get(m) ?? [],
      ...(i === undefined ? {} : {
        gemmJ: { rct: i.energy.gemm.rct / 1e12, fp32: i.energy.gemm.fp32 / 1e12, saving: i.energy.gemm.saving },
        movementJ: { rct: i.energy.movement.rct / 1e12, qat: i.energy.movement.qat / 1e12, ratioVsQat: i.energy.movement.ratioVsQat },
        memory: { peakBytes: i.memory.peakBytes, savingVsFp32: i.memory.savingVsFp32, savingVsQat: i.memory.savingVsQat, meanBits: i.memory.meanBits },
        underflow: i.underflow, trace: traceMeanBits(i.state),
      }),
      node: process.version, date: new Date().toISOString().slice(0, 10),
    };
  }));
  const st = r.integer.rct?.state;
  if (write && st !== undefined) {
    const svg = `rct-bits${dataset === 'mnist' ? '' : `-${dataset}`}.svg`;
    writeFileSync(new URL(`../docs/${svg}`, import.meta.url), bitsSvg(st, `RCT-style LeNet5 on ${title}: weight bitwidth per layer (η = ${lr}, I = ${interval})`));
    console.log(`wrote docs/${svg}`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
