/**
 * Sparse × dense benchmark: edgegrad's CSR and row-balanced kernels against our dense float32
 * `gemmInto` and TensorFlow.js 4.22's pure-JS CPU backend on the same shapes, at sparsity
 * 50 / 75 / 90 / 95 / 99 %, all in one process.
 *
 *   npx tsx bench/sparse.bench.ts           # print the tables
 *   npx tsx bench/sparse.bench.ts --write   # also rewrite the Sparse section of docs/benchmarks.md
 *
 * Two products per weight W [out, in] (magnitude-pruned from one random dense matrix):
 * - the pruned linear layer y = x·Wᵀ, x [batch, in]: `denseMatmulCsrTInto(y, x, W, batch)`
 *   against `gemmInto` on x·Wᵀ with the dense W, and `tf.matMul(x, W, false, true)`;
 * - SpMM out = W·B, B [in, batch]: `csrMatmulDenseInto(out, W, B, batch)` against `gemmInto` on
 *   W·B and `tf.matMul(W, B)`.
 * Each sparsity runs in both layouts: CSR (global magnitude pruning, the largest (1 − s)·out·in
 * entries) and row-balanced (`rowBalancedFromDense`, the largest rowNnz = round((1 − s)·in) of
 * every row). Every result is checked once against `gemmInto` on the densified pruned matrix
 * before anything is timed. The public `*Into` entry points are timed as a user calls them
 * (their per-call checks are O(1); the structure scan is cached after the first call).
 *
 * All contenders of one product alternate in rounds (one tinybench run of each per round); the
 * table uses each one's fastest call and shows the median too. "ns / nnz / column" is the time
 * per call divided by nnz × (columns of the dense operand = batch): the cost of one stored
 * non-zero, which should stay flat if time falls in proportion to nnz. For the dense rows, nnz
 * counts every entry of W, so the column is the dense product's time per multiply-add.
 *
 * V8 state: the sparse kernels read `indices` and `data` from typed arrays in their inner loop, and
 * once any ArrayBuffer in a process has been detached (tsx's loader does it) V8 checks for
 * detachment on every typed-array access. So, like bench/xnor.bench.ts, the suite runs twice:
 * in a fresh `node` process (this file bundled with esbuild, started with `--child`; the headline
 * numbers), and in this process after an explicit detach. About 65 seconds in all.
 */
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  csrFromDense, csrMatmulDenseInto, csrToDense, denseMatmulCsrTInto, rowBalancedFromDense, sparse as sp, tensor,
} from '../src/index.js';
import type { SparseMatrix } from '../src/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { fmt, interleaved, machine, runInFreshProcess, writeSection } from './util.js';
import type { Contender } from './util.js';

const BEGIN = '<!-- sparse-table:begin (written by `npx tsx bench/sparse.bench.ts --write`) -->';
const END = '<!-- sparse-table:end -->';

/** Weight W [m out, k in], dense operand with n columns (the batch). */
const SHAPES = [
  { name: 'fc 1024 → 1024, batch 128', m: 1024, k: 1024, n: 128 },
  { name: 'LeNet-size fc 784 → 256, batch 64', m: 256, k: 784, n: 64 },
] as const;
const SPARSITIES = [0.5, 0.75, 0.9, 0.95, 0.99];
const ROUNDS = 6;
/** Target time of one contender's tinybench run per round, ms. */
const ROUND_MS = 40;

type Product = 'linear' | 'spmm';
type Layout = 'CSR' | 'row-balanced';
interface Timing { min: number; p50: number }
interface SparseRow { sparsity: number; layout: Layout; nnz: number; t: Timing }
interface Result { shape: string; product: Product; m: number; k: number; n: number; dense: Timing; tfjs: Timing; rows: SparseRow[] }

/** Deterministic fill in [-0.5, 0.5) (Math.random is banned in this repo). */
function randomF32(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / 2 ** 24 - 0.5;
  }
  return out;
}

/** The largest |x| below which a fraction `sparsity` of the entries lies (keep |x| > threshold). */
function magnitudeThreshold(w: Float32Array, sparsity: number): number {
  const mag = Float32Array.from(w, Math.abs).sort();
  const drop = Math.round(sparsity * w.length);
  return drop === 0 ? 0 : mag[drop - 1]!;
}

/** Largest |a − b| relative to max(1, max |b|); throws when above `tol`. */
function check(what: string, a: Float32Array, b: ArrayLike<number>, tol = 1e-4): void {
  let scale = 1, err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  if (!(err / scale <= tol)) throw new Error(`${what}: disagrees with the dense reference, max |diff| ${err} (scale ${scale})`);
}

/** Iterations per round so that one contender's run takes about ROUND_MS. */
function iterationsFor(fn: () => void): number {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  return Math.max(1, Math.min(200, Math.round(ROUND_MS / Math.max(ms, 1e-3))));
}

async function measureProduct(shape: (typeof SHAPES)[number], product: Product, w: Float32Array, sparse: { sparsity: number; layout: Layout; s: SparseMatrix }[], log: (s: string) => void): Promise<Result> {
  const { m, k, n } = shape;
  const linear = product === 'linear';
  // linear: x [n, k], y = x·Wᵀ [n, m]; spmm: B [k, n], out = W·B [m, n].
  const operand = randomF32(k * n, 3 + m + k + n);
  const out = new Float32Array(m * n);
  const outDense = new Float32Array(m * n);
  const denseFor = (a: Float32Array, c: Float32Array): void => {
    if (linear) gemmInto(n, m, k, operand, 0, k, 1, a, 0, 1, k, c, 0, m, false);
    else gemmInto(m, n, k, a, 0, k, 1, operand, 0, n, 1, c, 0, n, false);
  };
  const tw = tf.tensor2d(w, [m, k]);
  const to = linear ? tf.tensor2d(operand, [n, k]) : tf.tensor2d(operand, [k, n]);
  const tfjs = (): Float32Array | Int32Array | Uint8Array => {
    const r = linear ? tf.matMul(to, tw, false, true) : tf.matMul(tw, to);
    const d = r.dataSync();
    r.dispose();
    return d;
  };

  // Sanity checks before anything is timed: dense GEMM against tfjs, every sparse product against
  // the dense GEMM of its densified matrix.
  denseFor(w, outDense);
  check(`${shape.name} ${product}: gemmInto vs tfjs`, outDense, tfjs());
  const run = (s: SparseMatrix): void => {
    if (linear) denseMatmulCsrTInto(out, operand, s, n);
    else csrMatmulDenseInto(out, s, operand, n);
  };
  const ref = new Float32Array(m * n);
  for (const { sparsity, layout, s } of sparse) {
    run(s);
    denseFor(csrToDense(s).data as Float32Array, ref);
    check(`${shape.name} ${product} ${layout} at ${sparsity}`, out, ref);
  }

  const contenders: Contender[] = [
    { name: 'dense', fn: () => { denseFor(w, outDense); }, iterations: 0 },
    { name: 'tfjs', fn: () => { tfjs(); }, iterations: 0 },
    ...sparse.map(({ sparsity, layout, s }) => ({ name: `${layout}@${sparsity}`, fn: () => { run(s); }, iterations: 0 })),
  ];
  for (const c of contenders) c.iterations = iterationsFor(c.fn);
  const t = await interleaved(contenders, ROUNDS);
  tw.dispose();
  to.dispose();

  const dense = t.get('dense')!, tfj = t.get('tfjs')!;
  const rows = sparse.map(({ sparsity, layout, s }) => ({ sparsity, layout, nnz: sp.nnz(s), t: t.get(`${layout}@${sparsity}`)! }));
  log(`  ${shape.name}, ${linear ? 'y = x·Wᵀ' : 'W·B'}: gemmInto ${fmt(dense.min)} ms, tfjs ${fmt(tfj.min)} ms`);
  for (const r of rows) {
    log(`    ${pct(r.sparsity)} ${r.layout.padEnd(12)} nnz ${String(r.nnz).padStart(7)}: ${fmt(r.t.min, 3)} ms (median ${fmt(r.t.p50, 3)}), `
      + `${fmt(dense.min / r.t.min, 1)}× gemmInto, ${fmt(tfj.min / r.t.min, 1)}× tfjs, ${fmt(nsPer(r.t.min, r.nnz, n), 3)} ns/nnz/col`);
  }
  return { shape: shape.name, product, m, k, n, dense, tfjs: tfj, rows };
}

/** CPU time (ms) all cores have spent busy since boot (user + nice + sys + irq). */
function busyMs(): number {
  return cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

const pct = (s: number): string => `${Math.round(s * 100)} %`;
const nsPer = (ms: number, count: number, cols: number): number => (ms * 1e6) / (count * cols);

/** The whole suite in the current process. */
async function measure(log: (s: string) => void): Promise<Result[]> {
  await tf.setBackend('cpu');
  await tf.ready();
  const results: Result[] = [];
  for (const shape of SHAPES) {
    const { m, k } = shape;
    const w = randomF32(m * k, 7 + m + k);
    const wt = tensor(w, { shape: [m, k] });
    const sparse: { sparsity: number; layout: Layout; s: SparseMatrix }[] = [];
    for (const sparsity of SPARSITIES) {
      sparse.push({ sparsity, layout: 'CSR', s: csrFromDense(wt, { threshold: magnitudeThreshold(w, sparsity) }) });
      sparse.push({ sparsity, layout: 'row-balanced', s: rowBalancedFromDense(wt, { rowNnz: Math.round((1 - sparsity) * k) }) });
    }
    for (const product of ['linear', 'spmm'] as const) results.push(await measureProduct(shape, product, w, sparse, log));
  }
  return results;
}


function table(main: Result, detached: Result | undefined): string {
  const { m, k, n } = main;
  const what = main.product === 'linear'
    ? `pruned linear layer y = x·Wᵀ, W [${m}, ${k}], x [${n}, ${k}]: \`denseMatmulCsrTInto(y, x, W, ${n})\` vs \`gemmInto\` and tfjs \`matMul(x, W, false, true)\` with the dense W`
    : `SpMM W·B, W [${m}, ${k}], B [${k}, ${n}]: \`csrMatmulDenseInto(out, W, B, ${n})\` vs \`gemmInto\` and tfjs \`matMul(W, B)\` with the dense W`;
  const lines = [
    `**${main.shape}: ${what}**`,
    '',
    '| sparsity | layout | nnz | ms (fastest) | ms (median) | vs `gemmInto` | vs tfjs | ns / nnz / column | after a detach: ms (fastest) | vs `gemmInto` |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const d = main.dense, t = main.tfjs, dd = detached?.dense, dt = detached?.tfjs;
  const total = m * k;
  lines.push(`| 0 % | dense \`gemmInto\` | ${total} | ${fmt(d.min)} | ${fmt(d.p50)} | 1.0× | ${fmt(t.min / d.min, 1)}× | ${fmt(nsPer(d.min, total, n), 3)} | ${fmt(dd?.min ?? NaN)} | 1.0× |`);
  lines.push(`| 0 % | dense tfjs-cpu \`matMul\` | ${total} | ${fmt(t.min, 1)} | ${fmt(t.p50, 1)} | ${fmt(d.min / t.min, 2)}× | 1.0× | ${fmt(nsPer(t.min, total, n), 3)} | ${fmt(dt?.min ?? NaN, 1)} | ${fmt((dd?.min ?? NaN) / (dt?.min ?? NaN), 2)}× |`);
  main.rows.forEach((r, i) => {
    const x = detached?.rows[i];
    const speed = d.min / r.t.min;
    lines.push(`| ${pct(r.sparsity)} | ${r.layout} | ${r.nnz} | ${fmt(r.t.min, 3)} | ${fmt(r.t.p50, 3)} | ${r.sparsity === 0.9 ? `**${fmt(speed, 1)}×**` : `${fmt(speed, 1)}×`} | ${fmt(t.min / r.t.min, 1)}× `
      + `| ${fmt(nsPer(r.t.min, r.nnz, n), 3)} | ${fmt(x?.t.min ?? NaN, 3)} | ${fmt((dd?.min ?? NaN) / (x?.t.min ?? NaN), 1)}× |`);
  });
  for (const layout of ['CSR', 'row-balanced'] as const) {
    const ns = main.rows.filter((r) => r.layout === layout).map((r) => nsPer(r.t.min, r.nnz, n));
    lines.push('', `${layout}: ${fmt(Math.min(...ns), 3)}–${fmt(Math.max(...ns), 3)} ns per non-zero per column over 50–99 % (dense \`gemmInto\`: ${fmt(nsPer(d.min, total, n), 3)} ns per multiply-add).`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const results = await measure((s) => console.log(s));
    console.log(JSON.stringify(results));
    return;
  }
  console.log(`Sparse × dense vs dense GEMM, Node ${machine()}, tfjs ${tf.version_core}`);
  const cpuStart = busyMs(), wallStart = performance.now();
  console.log('Fresh node process:');
  const fresh = await runInFreshProcess<Result[]>(import.meta.url, { withTfjs: true });
  // Put this process in a known state: at least one ArrayBuffer detached (tsx may already have).
  const ab = new ArrayBuffer(8);
  structuredClone(ab, { transfer: [ab] });
  console.log('This process, after an ArrayBuffer detach:');
  const detached = await measure((s) => console.log(s));

  // The VM has 2 cores and is shared with other work: record how busy it was during the run.
  const load = `on average ${fmt((busyMs() - cpuStart) / (performance.now() - wallStart), 2)} of ${cpus().length} cores busy during the run (this single-threaded benchmark ≈ 1)`;
  console.log(load);
  const headline = fresh ?? detached;
  const state = fresh === undefined ? 'this process after an ArrayBuffer detach (the fresh-process run was skipped)' : 'a fresh `node` process';
  const md = headline.map((r, i) => table(r, fresh === undefined ? undefined : detached[i])).join('\n\n');
  console.log(`\nMain columns: ${state}.\n\n${md}\n`);

  if (process.argv.includes('--write')) {
    const intro = `## Sparse × dense (CSR and row-balanced)

\`npx tsx bench/sparse.bench.ts [--write]\` (about 65 seconds) prunes one random dense weight W
[out, in] by magnitude to 50 / 75 / 90 / 95 / 99 % sparsity, in two layouts: **CSR** (global
magnitude pruning, the largest (1 − s)·out·in entries) and **row-balanced** (\`rowBalancedFromDense\`,
the largest rowNnz = round((1 − s)·in) entries of every row, DRESS-style). It times two products
through the public entry points (their per-call checks are O(1); the structure scan is cached):

- the **pruned linear layer** y = x·Wᵀ, x [batch, in]: \`denseMatmulCsrTInto(y, x, W, batch)\`;
- **SpMM** W·B, B [in, batch]: \`csrMatmulDenseInto(out, W, B, batch)\`;

against our dense \`gemmInto\` and TensorFlow.js 4.22's CPU backend (\`tf.matMul(…).dataSync()\`)
on the same product with the unpruned W, in the same process. Every sparse result is checked
against \`gemmInto\` on its densified matrix, and \`gemmInto\` against tfjs, before timing. All
contenders of one product alternate in rounds (6 rounds); fastest call and median call are shown.
"ns / nnz / column" = time per call / (nnz · batch): the cost of one stored non-zero, flat when time
falls in proportion to nnz (for the dense rows nnz counts every entry, so it is the time per
multiply-add). Kernel design: module comment of \`src/sparse/kernels.ts\` and [sparse.md](sparse.md).

The sparse kernels read \`indices\` and \`data\` from typed arrays in their inner loop, so, as for
the XNOR GEMM, the suite runs in two V8 states: the main columns in a fresh \`node\` process
(bundled with esbuild), the last two in the benchmark's own tsx process after an \`ArrayBuffer\`
detach, where V8 checks for detachment on every typed-array access.`;
    writeSection(BEGIN, END, intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${machine()}, tfjs ${tf.version_core}; ${load}. Main columns: ${state}.\n\n${md}`);
  }
}

await main();
