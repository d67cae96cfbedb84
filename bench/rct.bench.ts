/**
 * RCT benchmarks, in one process and on one backend per row:
 *
 * - the integer GEMM (`intGemmInto`, 16-bit-capable weights × 8-bit activations/errors, int32
 *   partials per 512 terms into float64) against our float32 GEMM (`gemmInto`) on the three
 *   training GEMMs of LeNet5's conv2 and fc1 at batch 64 (forward, backward-data, weight
 *   gradient), on the JS backend and on WebAssembly where available;
 * - one RCT training step of LeNet5 (batch 64) against one FP32 autograd step (plain SGD).
 *
 *   npx tsx bench/rct.bench.ts            # print the tables
 *   npx tsx bench/rct.bench.ts --write    # also rewrite the RCT section of docs/benchmarks.md
 *
 * Ratio = f32 time / integer time (> 1: the integer kernel is faster). Contenders alternate in
 * rounds; the GEMM rows are timed in process CPU time (bench/wasm-cputime.ts: on the shared VM
 * wall-clock ratios of the same code swung 1.05–2.3×), the step rows in wall-clock time
 * (bench/util.ts); tables use each one's fastest batch and show the median.
 */
import { backend, data, initTrain, key, purposeKey, rct, sgd, trainStep } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { intGemmInto } from '../src/tensor/kernels/intgemm.js';
import { fmt, interleaved, machine, writeSection } from './util.js';
import { cpuTimed } from './wasm-cputime.js';

const BEGIN = '<!-- rct-table:begin (written by `npx tsx bench/rct.bench.ts --write`) -->';
const END = '<!-- rct-table:end -->';

interface Shape { name: string; m: number; n: number; k: number; ta: boolean; tb: boolean }

// LeNet5 at batch 64: conv2 has O = 50, C·k·k = 500, N·Ho·Wo = 64·64 = 4096; fc1 has 500 × 800, N = 64.
const SHAPES: Shape[] = [
  { name: 'conv2 forward (50×4096×500)', m: 50, n: 4096, k: 500, ta: false, tb: false },
  { name: 'conv2 backward-data (500×4096×50)', m: 500, n: 4096, k: 50, ta: true, tb: false },
  { name: 'conv2 weight gradient (50×500×4096)', m: 50, n: 500, k: 4096, ta: false, tb: true },
  { name: 'fc1 forward (64×500×800)', m: 64, n: 500, k: 800, ta: false, tb: true },
  { name: 'fc1 backward-data (64×800×500)', m: 64, n: 800, k: 500, ta: false, tb: false },
  { name: 'fc1 weight gradient (500×800×64)', m: 500, n: 800, k: 64, ta: true, tb: false },
];

function ints(len: number, max: number, seed: number): Int16Array {
  const out = new Int16Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = (s % (2 * max + 1)) - max; }
  return out;
}

async function gemmRows(): Promise<string[]> {
  const rows: string[] = [];
  const backends = backend.available() ? ['js', 'wasm'] as const : ['js'] as const;
  for (const be of backends) {
    backend.set(be);
    for (const s of SHAPES) {
      const a16 = ints(s.m * s.k, 2047, 1), b8 = Int8Array.from(ints(s.k * s.n, 127, 2));
      const af = Float32Array.from(a16), bf = Float32Array.from(b8);
      const [aRs, aCs] = s.ta ? [1, s.m] : [s.k, 1];
      const [bRs, bCs] = s.tb ? [1, s.k] : [s.n, 1];
      const ci = new Float64Array(s.m * s.n), cf = new Float32Array(s.m * s.n);
      const t = await cpuTimed([
        { name: 'int', fn: () => intGemmInto(s.m, s.n, s.k, a16, 0, aRs, aCs, b8, 0, bRs, bCs, ci, 0, s.n, 1, false, 2047, 127), iterations: be === 'js' ? 2 : 10 },
        { name: 'f32', fn: () => gemmInto(s.m, s.n, s.k, af, 0, aRs, aCs, bf, 0, bRs, bCs, cf, 0, s.n, false), iterations: be === 'js' ? 2 : 10 },
      ], 4);
      const ti = t.get('int')!, tf = t.get('f32')!;
      rows.push(`| ${be} | ${s.name} | ${fmt(ti.min)} (${fmt(ti.p50)}) | ${fmt(tf.min)} (${fmt(tf.p50)}) | ${fmt(tf.min / ti.min)} |`);
      console.log(rows[rows.length - 1]);
    }
  }
  return rows;
}

async function stepRows(): Promise<string[]> {
  const { train } = loadMnist({ seed: 0 });
  const batch = data.take(train, Array.from({ length: 64 }, (_, j) => j));
  const net = rct.lenet5();
  const init = net.float.init(key(0), [1, 28, 28]).params;
  const cfg = rct.config(net, { learningRate: 0.05 });
  const st = rct.init(cfg, init);
  const opt = sgd(0.05);
  const step = trainStep({ optimizer: opt, model: net.float, key: key(1) });
  let fst = initTrain(init, [], opt);
  const out: string[] = [];
  for (const be of backend.available() ? ['js', 'wasm'] as const : ['js'] as const) {
    backend.set(be);
    const t = await interleaved([
      { name: 'rct', fn: () => { rct.trainStep(cfg, st, batch, purposeKey(key(2), 'method', st.step)); }, iterations: 2 },
      { name: 'fp32', fn: () => { fst = step(fst, batch).state; }, iterations: 2 },
    ], 3);
    const r = t.get('rct')!, f = t.get('fp32')!;
    out.push(`| ${be} | LeNet5 step, batch 64 | ${fmt(r.min)} (${fmt(r.p50)}) | ${fmt(f.min)} (${fmt(f.p50)}) | ${fmt(f.min / r.min)} |`);
    console.log(out[out.length - 1]);
  }
  return out;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  console.log(machine());
  const g = await gemmRows();
  const s = process.argv.includes('--gemm-only') ? [] : await stepRows();
  const body = [
    `Machine: ${machine()}. Times in ms: fastest call (median in parentheses); ratio = f32 / integer (> 1: integer faster). GEMM rows: process CPU time; step rows: wall clock.`,
    'Differences below 1.5× are within the noise of this shared 2-core VM.',
    '',
    '| backend | GEMM (m×n×k) | integer GEMM ms | f32 GEMM ms | ratio |',
    '|---|---|---|---|---|',
    ...g,
    '',
    '| backend | training step | RCT ms | FP32 ms | ratio |',
    '|---|---|---|---|---|',
    ...s,
  ].join('\n');
  if (write) writeSection(BEGIN, END, '## RCT: integer GEMM and training step', body);
}

void main();
