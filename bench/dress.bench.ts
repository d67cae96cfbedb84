/**
 * DRESS benchmark: every nested subnet of a packed LeNet5 (50 / 75 / 87.5 / 93.75 % of every row
 * pruned) against the dense backbone at the same batch (64), in the same process, on the JS
 * backend (the only one until the WebAssembly SpMM lands).
 *
 *   npx tsx bench/dress.bench.ts           # print the tables
 *   npx tsx bench/dress.bench.ts --write   # also rewrite the DRESS section of docs/benchmarks.md
 *
 * Per layer, the GEMM each layer runs: conv1/conv2 `W·X` on the im2col matrix X (row-balanced
 * SpMM `spmmInto`, stride n_1, rank-ordered columns) and fc1/fc2 `x·Wᵀ` (`denseSpmmTInto`),
 * against the dense `gemmInto` of the same product. End to end: `dress.packedRunner(...).apply`
 * of each subnet against `model.apply` of the dense float model (im2col + GEMM). Every subnet's
 * per-layer result is checked against `gemmInto` on its unpacked weights before timing.
 * "ns / nnz / column" = time / (nnz · columns of the dense operand). Runs in a fresh node
 * process (bundled with esbuild) so typed-array reads skip V8's detach check, as the sparse bench.
 */
import { cpus } from 'node:os';
import { dress, im2col, key, makeWindow, nn, normal, type Params, type Tensor } from '../src/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { denseSpmmTInto, spmmInto, type KernelRows } from '../src/sparse/kernels.js';
import { fmt, interleaved, machine, runInFreshProcess, writeSection } from './util.js';

const BEGIN = '<!-- dress-table:begin (written by `npx tsx bench/dress.bench.ts --write`) -->';
const END = '<!-- dress-table:end -->';
const BATCH = 64;

interface Row { layer: string; level: number; sparsity: number; nnz: number; cols: number; ms: number; denseMs: number }

function busyMs(): number {
  return cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

async function measure(log: (s: string) => void): Promise<{ layers: Row[]; e2e: { level: number; ms: number; denseMs: number }[] }> {
  const model = nn.lenet5() as nn.Layer<Params>;
  const init = model.init(key(0), [1, 28, 28]);
  const masks = dress.nestedMasks(init.params, { criterion: 'magnitude' });
  const packed = dress.toSparse(dress.trainable(init.params, masks), masks);
  const x = normal(key(1), [BATCH, 1, 28, 28]);
  // The dense operand each layer sees (random activations of the right shape).
  const conv = (c: number, hw: number, k: number, seed: number): { b: Float32Array; p: number } => {
    const t = normal(key(seed), [BATCH, c, hw, hw]);
    const win = makeWindow('bench', hw, hw, k, {});
    return { b: im2col(t, win, 0).toTyped() as Float32Array, p: BATCH * win.ho * win.wo };
  };
  const inputs: Record<string, { b: Float32Array; p: number; conv: boolean }> = {
    '0.weight': { ...conv(1, 28, 5, 2), conv: true }, '3.weight': { ...conv(20, 12, 5, 3), conv: true },
    '7.weight': { b: normal(key(4), [BATCH, 800]).toTyped() as Float32Array, p: BATCH, conv: false },
    '9.weight': { b: normal(key(5), [BATCH, 500]).toTyped() as Float32Array, p: BATCH, conv: false },
  };
  const layers: Row[] = [];
  for (const l of packed.layers) {
    const inp = inputs[l.path]!;
    // The dense backbone's weight of this layer (what the dense GEMM multiplies).
    const full = (init.params as Record<string, Tensor>[])[Number(l.path.split('.')[0])]!['weight']!.toTyped() as Float32Array;
    const out = new Float32Array(l.rows * inp.p);
    const denseFn = inp.conv
      ? () => gemmInto(l.rows, inp.p, l.cols, full, 0, l.cols, 1, inp.b, 0, inp.p, 1, out, 0, inp.p, false)
      : () => gemmInto(inp.p, l.rows, l.cols, inp.b, 0, l.cols, 1, full, 0, 1, l.cols, out, 0, l.rows, false);
    const contenders = [{ name: 'dense', fn: denseFn, iterations: 3 }];
    const n1 = l.counts[0]!;
    l.counts.forEach((n, j) => {
      const rows: KernelRows = { m: l.rows, k: l.cols, indptr: null, rowNnz: n, stride: n1, indices: l.columns, nnz: l.rows * n };
      const fn = inp.conv ? () => spmmInto(out, rows, l.values, inp.b, inp.p) : () => denseSpmmTInto(out, rows, l.values, inp.b, inp.p);
      // correctness against the dense GEMM on the unpacked subnet
      const wj = dress.unpackLayer(l, j);
      const ref = new Float32Array(out.length);
      if (inp.conv) gemmInto(l.rows, inp.p, l.cols, wj, 0, l.cols, 1, inp.b, 0, inp.p, 1, ref, 0, inp.p, false);
      else gemmInto(inp.p, l.rows, l.cols, inp.b, 0, l.cols, 1, wj, 0, 1, l.cols, ref, 0, l.rows, false);
      fn();
      let err = 0, scale = 1;
      for (let q = 0; q < ref.length; q++) { err = Math.max(err, Math.abs(out[q]! - ref[q]!)); scale = Math.max(scale, Math.abs(ref[q]!)); }
      if (!(err / scale <= 1e-4)) throw new Error(`${l.path} level ${j}: sparse and dense disagree (${err})`);
      contenders.push({ name: `level ${j}`, fn, iterations: 3 });
    });
    const t = await interleaved(contenders, 5);
    l.counts.forEach((n, j) => layers.push({
      layer: l.path, level: j, sparsity: packed.levels[j]!, nnz: l.rows * n, cols: inp.p, ms: t.get(`level ${j}`)!.min, denseMs: t.get('dense')!.min,
    }));
    log(`  ${l.path}: dense ${fmt(t.get('dense')!.min, 3)} ms, subnets ${l.counts.map((_, j) => fmt(t.get(`level ${j}`)!.min, 3)).join(' / ')} ms`);
  }
  const runner = dress.packedRunner(model, packed);
  const e2eContenders = [{ name: 'dense', fn: () => { model.apply(init.params, x); }, iterations: 2 }];
  packed.levels.forEach((_, j) => e2eContenders.push({ name: `level ${j}`, fn: () => { runner.apply(x, j); }, iterations: 2 }));
  const t = await interleaved(e2eContenders, 4);
  const e2e = packed.levels.map((_, j) => ({ level: j, ms: t.get(`level ${j}`)!.min, denseMs: t.get('dense')!.min }));
  log(`  end to end: dense ${fmt(t.get('dense')!.min)} ms, subnets ${e2e.map((e) => fmt(e.ms)).join(' / ')} ms`);
  return { layers, e2e };
}

function table(r: Awaited<ReturnType<typeof measure>>): string {
  const ns = (row: Row): number => (row.ms * 1e6) / (row.nnz * row.cols);
  const lines = ['| layer | level | sparsity | nnz | time (ms) | dense (ms) | speed-up | ns / nnz / column |', '|---|---|---|---|---|---|---|---|'];
  for (const row of r.layers) {
    lines.push(`| ${row.layer} | ${row.level} | ${fmt(100 * row.sparsity, 2)} % | ${row.nnz} | ${fmt(row.ms, 3)} | ${fmt(row.denseMs, 3)} | ${fmt(row.denseMs / row.ms, 2)}× | ${fmt(ns(row), 3)} |`);
  }
  lines.push('', '| end to end (batch 64) | time (ms) | dense float model (ms) | speed-up |', '|---|---|---|---|');
  for (const e of r.e2e) lines.push(`| subnet ${e.level} | ${fmt(e.ms)} | ${fmt(e.denseMs)} | ${fmt(e.denseMs / e.ms, 2)}× |`);
  const sparsest = r.layers.filter((x) => x.level === 3);
  const spread = [...new Set(r.layers.map((x) => x.layer))].map((name) => {
    const v = r.layers.filter((x) => x.layer === name).map(ns);
    return `${name} ${fmt(Math.max(...v) / Math.min(...v), 2)}×`;
  });
  const gemmSum = sparsest.reduce((a, x) => a + x.ms, 0), denseSum = sparsest.reduce((a, x) => a + x.denseMs, 0);
  lines.push('', `93.75 % subnet, sum of its four GEMMs: ${fmt(gemmSum, 3)} ms vs dense ${fmt(denseSum, 3)} ms (${fmt(denseSum / gemmSum, 2)}×). `
    + `Spread of ns / nnz / column across the four levels (max / min): ${spread.join(', ')}.`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const r = await measure((s) => console.log(s));
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`DRESS subnets vs dense, Node ${machine()}`);
  const cpuStart = busyMs(), wallStart = performance.now();
  const fresh = await runInFreshProcess<Awaited<ReturnType<typeof measure>>>(import.meta.url);
  const r = fresh ?? await measure((s) => console.log(s));
  const load = `on average ${fmt((busyMs() - cpuStart) / (performance.now() - wallStart), 2)} of ${cpus().length} cores busy during the run (this single-threaded benchmark ≈ 1)`;
  const md = table(r);
  console.log(`\n${load}\n\n${md}\n`);
  if (process.argv.includes('--write')) {
    const intro = `## DRESS subnets (row-balanced, rank-ordered, stride n_1)

\`npx tsx bench/dress.bench.ts [--write]\` packs a LeNet5 (magnitude ranking of a random init) into four
nested subnets (50 / 75 / 87.5 / 93.75 % of every row pruned) and times, at batch 64, each layer's GEMM
on the packed prefix (\`spmmInto\` on the im2col matrix for the convs, \`denseSpmmTInto\` for the fcs,
stride n_1, rank-ordered unsorted columns) against the dense \`gemmInto\` of the same product, and the
whole forward pass (\`dress.packedRunner\`) against \`model.apply\` of the dense float model. Results are
checked against \`gemmInto\` on the unpacked subnet first. Fastest of 5 interleaved rounds; fresh node process.`;
    writeSection(BEGIN, END, intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${machine()}; ${load}.\n\n${md}`);
  }
}

await main();
