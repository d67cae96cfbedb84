/**
 * WebAssembly-backend benchmark: edgegrad on its `'wasm'` backend and on its `'js'` backend
 * against TensorFlow.js 4.22's WebAssembly backend (XNNPACK, SIMD, `setThreadsCount(1)`), and,
 * where they load, onnxruntime-web and jax-js (bench/baselines.ts), all in one process.
 *
 *   npx tsx bench/wasm.bench.ts            # print the tables
 *   npx tsx bench/wasm.bench.ts --write    # also rewrite the wasm section of docs/benchmarks.md
 *   npx tsx bench/wasm.bench.ts --fresh    # bundled, in a fresh node process (print only)
 *
 * Cases: square matmul n = 256/512/1024 (GFLOP/s), conv2d forward on LeNet conv2 and a VGG-small
 * layer (GFLOP/s), one SGD step of a 784-256-10 MLP at batch 128 (ms), LeNet5 inference at
 * batch 256 (ms), and the integer/binary GEMMs (bench/wasm-int.ts). Each case's contenders are
 * timed in alternating rounds, in process CPU time (`--wall`: wall clock); tables use the fastest
 * call and show our median too. Outputs are
 * checked against tfjs before timing. Under tsx the JS kernels run a little slower than in a
 * fresh process (see bench/util.ts); the wasm kernels are unaffected.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { backend, conv2d, initTrain, key, nn, normal, randint, sgd, trainStep } from '../src/index.js';
import type { BackendName, Params, Tensor } from '../src/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { assertClose, fmt, interleaved, machine, rerunBundled, writeSection, type Contender } from './util.js';
import { loadBaselines, type Baselines } from './baselines.js';
import { intCases } from './wasm-int.js';
import { cpuTimed } from './wasm-cputime.js';

const marker = (suffix: string): [string, string] => [
  `<!-- wasm-table${suffix}:begin (written by \`npx tsx bench/wasm.bench.ts --write${suffix ? ' --without=ort' : ''}\`) -->`,
  `<!-- wasm-table${suffix}:end -->`,
];

/** Runs `fn` on the given backend (restoring nothing: every contender sets its own). */
const on = (name: BackendName, fn: () => void) => (): void => { backend.set(name); fn(); };

function randomF32(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export interface Row { name: string; unit: 'GFLOP/s' | 'ms' | 'GMAC/s'; values: Map<string, { min: number; p50: number }> }

const rows: Row[] = [];

/** Times contenders and records a row; `work` converts ms to the unit (undefined: report ms). */
async function record(name: string, unit: Row['unit'], work: number | undefined, cs: Contender[], rounds: number): Promise<void> {
  // --wall: wall-clock samples (bench/util.ts); default: process CPU time (bench/wasm-cputime.ts),
  // since on the shared VM wall-clock ratios of the same code swung by up to 2×.
  const t = process.argv.includes('--wall') ? await interleaved(cs, rounds) : await cpuTimed(cs, rounds, 1);
  const values = new Map<string, { min: number; p50: number }>();
  for (const [k, v] of t) values.set(k, work === undefined ? { min: v.min, p50: v.p50 } : { min: work / (v.min * 1e6), p50: work / (v.p50 * 1e6) });
  rows.push({ name, unit, values });
  console.log(`${name}: ${[...values].map(([k, v]) => `${k} ${fmt(v.min)}`).join(', ')} ${unit}`);
}

async function matmuls(bl: Baselines): Promise<void> {
  for (const n of [256, 512, 1024]) {
    const a = randomF32(n * n, n), b = randomF32(n * n, n + 1), c = new Float32Array(n * n);
    const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
    const ref = tf.tidy(() => tf.matMul(ta, tb).dataSync());
    backend.set('wasm');
    gemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
    assertClose(`matmul ${n}`, c, ref, 1e-5);
    const ours = (): void => { gemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false); };
    const big = n >= 1024;
    const cs: Contender[] = [
      { name: 'wasm', fn: on('wasm', ours), iterations: big ? 3 : 10 },
      { name: 'tfjs-wasm', fn: () => { tf.tidy(() => { tf.matMul(ta, tb).dataSync(); }); }, iterations: big ? 3 : 10 },
      { name: 'js', fn: on('js', ours), iterations: big ? 1 : 3 },
      ...await bl.matmul(n, a, b, ref),
    ];
    await record(`matmul n = ${n}`, 'GFLOP/s', 2 * n ** 3, cs, big ? 4 : 6);
    ta.dispose(); tb.dispose();
  }
}

async function convs(bl: Baselines): Promise<void> {
  const cases = [
    { name: 'conv LeNet conv2 (b64, 6→16, 14², 5×5)', n: 64, c: 6, o: 16, h: 14, k: 5, pad: 0 },
    { name: 'conv VGG-small (b16, 128→128, 16², 3×3, pad 1)', n: 16, c: 128, o: 128, h: 16, k: 3, pad: 1 },
  ];
  for (const cs of cases) {
    const ho = cs.h + 2 * cs.pad - cs.k + 1;
    const x = normal(key(1), [cs.n, cs.c, cs.h, cs.h]);
    const w = normal(key(2), [cs.o, cs.c, cs.k, cs.k], { std: 1 / Math.sqrt(cs.c * cs.k * cs.k) });
    const xd = x.toTyped() as Float32Array, wd = w.toTyped() as Float32Array;
    const tx = tf.tidy(() => tf.tensor4d(xd, [cs.n, cs.c, cs.h, cs.h]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
    const tw = tf.tidy(() => tf.tensor4d(wd, [cs.o, cs.c, cs.k, cs.k]).transpose([2, 3, 1, 0]) as tf.Tensor4D);
    const pad = cs.pad === 0 ? 'valid' : cs.pad;
    const ref = tf.tidy(() => tf.conv2d(tx, tw, 1, pad).transpose([0, 3, 1, 2]).dataSync());
    backend.set('wasm');
    assertClose(cs.name, conv2d(x, w, { padding: cs.pad }).toTyped() as Float32Array, ref, 1e-5);
    const ours = (): void => { conv2d(x, w, { padding: cs.pad }); };
    const flop = 2 * cs.n * cs.o * ho * ho * cs.c * cs.k * cs.k;
    await record(cs.name, 'GFLOP/s', flop, [
      { name: 'wasm', fn: on('wasm', ours), iterations: 5 },
      { name: 'tfjs-wasm', fn: () => { tf.tidy(() => { tf.conv2d(tx, tw, 1, pad).dataSync(); }); }, iterations: 5 },
      { name: 'js', fn: on('js', ours), iterations: 2 },
      ...await bl.conv(cs, xd, wd, ref),
    ], 4);
    tx.dispose(); tw.dispose();
  }
}

async function mlp(bl: Baselines): Promise<void> {
  const B = 128;
  const x = normal(key(4), [B, 784]);
  const y = randint(key(5), [B], 0, 10);
  const model = nn.mlp([256, 10]);
  const init = model.init(key(0), [784]);
  const opt = sgd(0.1);
  const step = trainStep({ optimizer: opt, model: model as nn.Layer<Params>, key: key(6) });
  const fresh = () => initTrain(init.params, init.state, opt);
  let sw = fresh(), sj = fresh();
  const p0 = init.params as unknown as [{ weight: Tensor; bias: Tensor }, object, { weight: Tensor; bias: Tensor }];
  const v = (t: Tensor, tr: boolean): tf.Variable => tf.variable(tf.tidy(() => {
    const u = tf.tensor(t.toTyped() as Float32Array, t.shape as number[]);
    return tr ? u.transpose() : u;
  }));
  const w1 = v(p0[0].weight, true), b1 = v(p0[0].bias, false), w2 = v(p0[2].weight, true), b2 = v(p0[2].bias, false);
  const tx = tf.tensor2d(x.toTyped() as Float32Array, [B, 784]);
  const ty = tf.oneHot(tf.tensor1d(y.toTyped() as Int32Array, 'int32'), 10);
  const tfOpt = tf.train.sgd(0.1);
  const tfStep = (): number => tf.tidy(() => tfOpt.minimize(() => tf.losses.softmaxCrossEntropy(ty,
    tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tx, w1), b1)), w2), b2)) as tf.Scalar, true)!.dataSync()[0]!);
  backend.set('wasm');
  const first = step(sw, { x, y });
  const lt = tfStep();
  if (Math.abs(first.loss - lt) > 1e-4 * Math.max(1, Math.abs(lt))) throw new Error(`MLP losses disagree: ${first.loss} vs ${lt}`);
  sw = first.state;
  const jaxC = await bl.mlpStep([p0[0], p0[2]], x, y.toTyped() as Int32Array, 0.1, lt);
  await record('MLP 784-256-10 fwd+bwd+SGD, batch 128', 'ms', undefined, [
    { name: 'wasm', fn: on('wasm', () => { sw = step(sw, { x, y }).state; }), iterations: 15 },
    { name: 'tfjs-wasm', fn: () => { tfStep(); }, iterations: 15 },
    { name: 'js', fn: on('js', () => { sj = step(sj, { x, y }).state; }), iterations: 5 },
    ...jaxC,
  ], 5);
  for (const t of [w1, b1, w2, b2, tx, ty]) t.dispose();
}

async function lenet(bl: Baselines): Promise<void> {
  const N = 256;
  const model = nn.lenet5();
  const { params, state } = model.init(key(0), [1, 28, 28]);
  const x = normal(key(6), [N, 1, 28, 28]);
  const ps = params as unknown as Record<string, { weight?: Tensor; bias?: Tensor }>;
  const layers = Object.values(ps).filter((p) => p.weight !== undefined) as { weight: Tensor; bias: Tensor }[];
  const [c1, c2, f1, f2] = layers as [{ weight: Tensor; bias: Tensor }, { weight: Tensor; bias: Tensor }, { weight: Tensor; bias: Tensor }, { weight: Tensor; bias: Tensor }];
  const t = (a: Tensor, perm?: number[]): tf.Tensor => tf.tidy(() => {
    const u = tf.tensor(a.toTyped() as Float32Array, a.shape as number[]);
    return perm ? u.transpose(perm) : u;
  });
  const tw1 = t(c1.weight, [2, 3, 1, 0]) as tf.Tensor4D, tb1 = t(c1.bias), tw2 = t(c2.weight, [2, 3, 1, 0]) as tf.Tensor4D, tb2 = t(c2.bias);
  const tf1 = t(f1.weight, [1, 0]) as tf.Tensor2D, tg1 = t(f1.bias), tf2 = t(f2.weight, [1, 0]) as tf.Tensor2D, tg2 = t(f2.bias);
  const tx = tf.tidy(() => tf.tensor4d(x.toTyped() as Float32Array, [N, 1, 28, 28]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
  // Our flatten is over NCHW; transpose back before flattening so both see the same feature order.
  const tfFwd = (): tf.Tensor => {
    let h = tf.relu(tf.maxPool(tf.add(tf.conv2d(tx, tw1, 1, 'valid'), tb1) as tf.Tensor4D, 2, 2, 'valid'));
    h = tf.relu(tf.maxPool(tf.add(tf.conv2d(h as tf.Tensor4D, tw2, 1, 'valid'), tb2) as tf.Tensor4D, 2, 2, 'valid'));
    const flat = h.transpose([0, 3, 1, 2]).reshape([N, 800]) as tf.Tensor2D;
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(flat, tf1), tg1)) as tf.Tensor2D, tf2), tg2);
  };
  const ref = tf.tidy(() => tfFwd().dataSync());
  const ours = (): Tensor => model.apply(params, x, { training: false, state });
  backend.set('wasm');
  assertClose('LeNet5', ours().toTyped() as Float32Array, ref, 1e-4);
  await record('LeNet5 inference, batch 256', 'ms', undefined, [
    { name: 'wasm', fn: on('wasm', () => { ours(); }), iterations: 5 },
    { name: 'tfjs-wasm', fn: () => { tf.tidy(() => { tfFwd().dataSync(); }); }, iterations: 5 },
    { name: 'js', fn: on('js', () => { ours(); }), iterations: 1 },
    ...await bl.lenet(params, x, ref),
  ], 4);
  for (const u of [tw1, tb1, tw2, tb2, tf1, tg1, tf2, tg2, tx]) u.dispose();
}

const CONTENDERS = ['wasm', 'js', 'tfjs-wasm', 'ort-web', 'jax-js'];

function table(): string {
  const lines = [
    '| case | unit | edgegrad wasm | edgegrad js | tfjs-wasm | onnxruntime-web | jax-js | wasm vs tfjs-wasm | wasm vs ort | wasm vs jax-js | wasm, median |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows.filter((x) => x.unit !== 'GMAC/s')) {
    const g = (k: string): number => r.values.get(k)?.min ?? NaN;
    // Ratio as "how many times faster": for ms lower is better.
    const ratio = (k: string): string => {
      const x = r.unit === 'ms' ? g(k) / g('wasm') : g('wasm') / g(k);
      return Number.isFinite(x) ? `${fmt(x, 2)}×` : '—';
    };
    lines.push(`| ${r.name} | ${r.unit} | ${CONTENDERS.map((k) => fmt(g(k), r.unit === 'ms' ? 1 : 1)).join(' | ')} | ${ratio('tfjs-wasm')} | ${ratio('ort-web')} | ${ratio('jax-js')} | ${fmt(r.values.get('wasm')?.p50 ?? NaN, 1)} |`);
  }
  for (const r of rows.filter((x) => x.values.has('jax-js eager'))) {
    const e = r.values.get('jax-js eager')!.min, w = r.values.get('wasm')!.min;
    lines.push('', `${r.name}, jax-js without \`jit\` (eager, as the issue's 12.1 ms reference): ${fmt(e, 1)} ms; edgegrad wasm ${fmt(e / w, 2)}× faster.`);
  }
  const ints = rows.filter((x) => x.unit === 'GMAC/s');
  if (ints.length > 0) {
    lines.push('', '| integer / binary kernel | unit | edgegrad wasm | edgegrad js | wasm / js | our f32 wasm GEMM, same shape | int16 / f32 |', '|---|---|---:|---:|---:|---:|---:|');
    for (const r of ints) {
      const g = (k: string): number => r.values.get(k)?.min ?? NaN;
      const f = g('f32-wasm');
      lines.push(`| ${r.name} | ${r.unit} | ${fmt(g('wasm'), 1)} | ${fmt(g('js'), 1)} | ${fmt(g('wasm') / g('js'), 1)}× | ${fmt(f, 1)} | ${Number.isFinite(f) ? `${fmt(g('wasm') / f, 2)}×` : '—'} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const tfjsWasm = process.env.EDGEGRAD_TFJS_WASM_DIR;
  if (tfjsWasm !== undefined) setWasmPaths(tfjsWasm);
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const m = machine();
  const without = (process.argv.find((a) => a.startsWith('--without='))?.slice(10) ?? '').split(',');
  const bl = await loadBaselines({ ort: !without.includes('ort'), jax: !without.includes('jax') });
  const suffix = without.includes('ort') ? '-jaxjs' : '';
  console.log(`Node ${m}; tfjs ${tf.version.tfjs} backend ${tf.getBackend()} (SIMD ${String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))}); ${bl.describe}`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const want = (s: string): boolean => only === undefined || only.split(',').includes(s);
  if (want('matmul')) await matmuls(bl);
  if (want('conv')) await convs(bl);
  if (want('mlp')) await mlp(bl);
  if (want('lenet')) await lenet(bl);
  if (want('int')) rows.push(...await intCases());
  const md = table();
  console.log(`\n${md}\n`);
  if (process.argv.includes('--write')) {
    const intro = `## WebAssembly SIMD backend vs tfjs-wasm, onnxruntime-web, jax-js

\`bench/wasm.bench.ts\` (\`npx tsx bench/wasm.bench.ts [--write]\`) times edgegrad on its \`'wasm'\` and
\`'js'\` backends against WebAssembly engines a JS user would deploy instead, in one process, all
single-threaded: TensorFlow.js 4.22 \`tfjs-backend-wasm\` (XNNPACK, SIMD, \`setThreadsCount(1)\`),
onnxruntime-web 1.30 (wasm, \`numThreads = 1\`, graphs encoded in code) and jax-js 0.1.25 (wasm),
where they load. Fastest call per contender; ratios are "times faster than" (higher is better
for us). See docs/wasm.md for the kernels.`;
    const [begin, end] = marker(suffix);
    writeSection(begin, end, suffix ? '### jax-js, separate run (`--without=ort`)' : intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${m}; ${bl.describe}.\n\n${md}`);
  }
}

// --fresh: the same cases bundled and run in a fresh node process (how a user runs the built
// package; under tsx our JS kernels pay a detach check on every typed-array access). Prints only.
if (process.argv.includes('--fresh')) await rerunBundled(import.meta.url, process.argv.slice(2).filter((a) => a !== '--fresh' && a !== '--write'));
else await main();
