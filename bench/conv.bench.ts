/**
 * conv2d benchmark: edgegrad's `conv2d` (NCHW; on wasm the direct forward kernel, im2col + GEMM
 * for the gradients) vs TensorFlow.js 4.22's pure-JS
 * CPU backend (`tf.conv2d`, NHWC — its native layout), all in one process.
 *
 *   npx tsx bench/conv.bench.ts            # print the tables
 *   npx tsx bench/conv.bench.ts --write    # also rewrite the conv section of docs/benchmarks.md
 *
 * Two layers: LeNet conv2 (batch 64, 6→16, 14×14, 5×5, valid) and a VGG-small layer (batch 16,
 * 128→128, 16×16, 3×3, pad 1). Two measurements each: the forward pass, and forward + backward
 * (the gradients w.r.t. x and w of sum(conv(x, w) · r) for a fixed random r; `grad` for us,
 * `tf.grads` for tfjs). GFLOP/s counts 2·N·O·Ho·Wo·C·kh·kw per forward and three times that
 * per forward + backward (forward, dL/dx, dL/dw). Inputs are converted to tfjs's NHWC/HWIO
 * layout once, outside the timed calls; before timing, outputs and both gradients are checked
 * to agree with ours to 1e-3 (relative to the largest magnitude). Ours and tfjs are timed in
 * alternating rounds; the table uses each contender's fastest call. Takes about 1.5 minutes, almost all of it in tfjs on the VGG layer.
 */
import * as tf from '@tensorflow/tfjs'; // the full package registers the gradients tf.grads needs
import { conv2d, grad, key, mul, normal, slice, sum } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { assertClose, fmt, interleaved, machine, writeSection } from './util.js';

const BEGIN = '<!-- conv-table:begin (written by `npx tsx bench/conv.bench.ts --write`) -->';
const END = '<!-- conv-table:end -->';

interface Case {
  name: string;
  n: number; c: number; o: number; h: number; w: number; k: number; pad: number;
  /** Rounds and calls per round of [ours, tfjs] for the forward and the forward + backward measurements. */
  plan: { fwd: [rounds: number, ours: number, tfjs: number]; bwd: [rounds: number, ours: number, tfjs: number] };
  /**
   * Batch on which tfjs's forward + backward is checked and timed; its time is scaled by n / tfGradBatch.
   * tfjs's `Conv2DBackpropFilter` reads every element through `TensorBuffer.get` and takes about
   * 150 s per call on the full VGG-small layer; its cost is linear in the batch. `--full` uses n.
   */
  tfGradBatch: number;
}

const FULL = process.argv.includes('--full');
const CASES: Case[] = [
  { name: 'LeNet conv2', n: 64, c: 6, o: 16, h: 14, w: 14, k: 5, pad: 0, plan: { fwd: [5, 8, 3], bwd: [3, 4, 1] }, tfGradBatch: 64 },
  { name: 'VGG-small layer', n: 16, c: 128, o: 128, h: 16, w: 16, k: 3, pad: 1, plan: { fwd: [3, 3, 1], bwd: [FULL ? 1 : 2, 2, 1] }, tfGradBatch: FULL ? 16 : 1 },
];

/** jax-js (WebAssembly) forward GFLOP/s on the same layers, measured earlier on this machine kind (not run here). */
const JAXJS_FWD = [0.2, 2.0];

interface Row {
  name: string; shape: string; mode: 'forward' | 'forward + backward';
  ours: number; oursMedian: number; tfjs: number; oursMs: number; tfjsMs: number;
  /** Batch tfjs was timed on when smaller than the layer's (time scaled up linearly). */
  tfBatch?: number;
}

const gf = (flop: number, ms: number): number => flop / (ms * 1e6);

/** Times ours against tfjs in alternating rounds; returns [ours, tfjs] (ms, fastest and median call). */
async function measure(ours: () => void, theirs: () => void, [rounds, oi, ti]: [number, number, number]): Promise<[{ min: number; p50: number }, { min: number; p50: number }]> {
  const r = await interleaved([{ name: 'ours', fn: ours, iterations: oi }, { name: 'tfjs', fn: theirs, iterations: ti }], rounds);
  return [r.get('ours')!, r.get('tfjs')!];
}

/** A float32 tensor for edgegrad and the same values for tfjs in NHWC / HWIO layout. */
function pairOf(t: Tensor, perm: number[]): { ours: Tensor; tf: tf.Tensor4D } {
  const data = t.toTyped() as Float32Array;
  return { ours: t, tf: tf.tidy(() => tf.tensor4d(data, t.shape as [number, number, number, number]).transpose(perm) as tf.Tensor4D) };
}

async function runCase(cs: Case, rows: Row[]): Promise<void> {
  const { n, c, o, h, w, k, pad } = cs;
  const ho = h + 2 * pad - k + 1, wo = w + 2 * pad - k + 1;
  const flop = 2 * n * o * ho * wo * c * k * k;
  const opts = { padding: pad };
  const nb = cs.tfGradBatch;

  const xAll = normal(key(1), [n, c, h, w]);
  const rAll = normal(key(3), [n, o, ho, wo]);
  const x = pairOf(xAll, [0, 2, 3, 1]);
  const wt = pairOf(normal(key(2), [o, c, k, k], { std: 1 / Math.sqrt(c * k * k) }), [2, 3, 1, 0]);
  const r = pairOf(rAll, [0, 2, 3, 1]);
  // The (possibly smaller) batch of the tfjs forward + backward check and timing.
  const xb = nb === n ? x : pairOf(slice(xAll, [0], [nb]), [0, 2, 3, 1]);
  const rb = nb === n ? r : pairOf(slice(rAll, [0], [nb]), [0, 2, 3, 1]);
  const tfPad = pad === 0 ? 'valid' : pad;

  const oursFwd = (): Tensor => conv2d(x.ours, wt.ours, opts);
  const oursGrad = (rr: Tensor) => grad((xx: Tensor, ww: Tensor) => sum(mul(conv2d(xx, ww, opts), rr)), { argnums: [0, 1] });
  const oursGradFull = oursGrad(r.ours);
  const tfFwd = (): tf.Tensor4D => tf.conv2d(x.tf, wt.tf, 1, tfPad);
  const tfGradFn = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, tfPad), rb.tf)));
  const tfGrads = (): void => { tf.tidy(() => { for (const g of tfGradFn([xb.tf, wt.tf])) g.dataSync(); }); };

  // Correctness before timing (the gradients on the tfjs batch).
  const yRef = tf.tidy(() => tfFwd().transpose([0, 3, 1, 2]).dataSync());
  const eFwd = assertClose(`${cs.name} forward`, oursFwd().toTyped() as Float32Array, yRef, 1e-3);
  const [gx, gw] = oursGrad(rb.ours)(xb.ours, wt.ours) as [Tensor, Tensor];
  const [gxRef, gwRef] = tf.tidy(() => {
    const [dx, dw] = tfGradFn([xb.tf, wt.tf]) as [tf.Tensor4D, tf.Tensor4D];
    return [dx.transpose([0, 3, 1, 2]).dataSync(), dw.transpose([3, 2, 0, 1]).dataSync()];
  });
  const eGx = assertClose(`${cs.name} dL/dx`, gx.toTyped() as Float32Array, gxRef, 1e-3);
  const eGw = assertClose(`${cs.name} dL/dw`, gw.toTyped() as Float32Array, gwRef, 1e-3);
  console.log(`${cs.name}: agrees with tfjs (max relative diff: forward ${eFwd.toExponential(1)}, dx ${eGx.toExponential(1)}, dw ${eGw.toExponential(1)}${nb < n ? `; gradients on batch ${nb}` : ''})`);

  const [oFwd, tFwd] = await measure(() => { oursFwd(); }, () => { tf.tidy(() => { tfFwd().dataSync(); }); }, cs.plan.fwd);
  const [oBwd, tBwd0] = await measure(() => { oursGradFull(x.ours, wt.ours); }, tfGrads, cs.plan.bwd);
  const tBwd = { min: (tBwd0.min * n) / nb, p50: (tBwd0.p50 * n) / nb };

  const shape = `N${n}, ${c}→${o}, ${h}×${w}, ${k}×${k}, pad ${pad}`;
  for (const [mode, f, ot, tt] of [['forward', flop, oFwd, tFwd], ['forward + backward', 3 * flop, oBwd, tBwd]] as const) {
    const row: Row = { name: cs.name, shape, mode, ours: gf(f, ot.min), oursMedian: gf(f, ot.p50), tfjs: gf(f, tt.min), oursMs: ot.min, tfjsMs: tt.min };
    if (mode !== 'forward' && nb < n) row.tfBatch = nb;
    rows.push(row);
    console.log(`${cs.name} ${mode}: ours ${fmt(row.ours)} GFLOP/s (${fmt(row.oursMs, 1)} ms, median ${fmt(row.oursMedian)}), tfjs ${fmt(row.tfjs)} GFLOP/s (${fmt(row.tfjsMs, 1)} ms${row.tfBatch ? `, scaled from batch ${nb}` : ''}), ours/tfjs ${fmt(row.ours / row.tfjs, 1)}×`);
  }
  for (const p of new Set([x, wt, r, xb, rb])) p.tf.dispose();
}

function table(rows: Row[]): string {
  const lines = [
    '| layer | pass | edgegrad `conv2d` | tfjs-cpu `conv2d` | ours / tfjs | ours, ms | tfjs, ms | ours, median call | jax-js (WASM), not run here |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const jax = r.mode === 'forward' ? JAXJS_FWD[CASES.findIndex((c) => c.name === r.name)] : undefined;
    lines.push(`| ${r.name} (${r.shape}) | ${r.mode} | ${fmt(r.ours)} | ${fmt(r.tfjs)}${r.tfBatch ? '¹' : ''} | **${fmt(r.ours / r.tfjs, 1)}×** | ${fmt(r.oursMs, 1)} | ${fmt(r.tfjsMs, 0)}${r.tfBatch ? '¹' : ''} | ${fmt(r.oursMedian)} | ${jax === undefined ? '—' : `${fmt(jax, 1)} (ours ${fmt(r.ours / jax, 1)}×)`} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const m = machine();
  console.log(`conv2d float32, Node ${m}, tfjs ${tf.version.tfjs} backend ${tf.getBackend()}`);
  const rows: Row[] = [];
  for (const cs of CASES) await runCase(cs, rows);

  const scaled = rows.find((r) => r.tfBatch !== undefined);
  const md = table(rows) + (scaled ? `\n\n¹ tfjs timed on batch ${scaled.tfBatch} and scaled linearly to the layer's batch (\`Conv2DBackpropFilter\` alone takes about 150 s per full-batch call here; \`--full\` times the full batch). The scaling is conservative: one full-batch call measured about 150 s against about 100 s scaled.` : '');
  console.log(`\nGFLOP/s from each contender's fastest call (forward + backward counts 3× the forward FLOPs), Node ${process.version}\n\n${md}\n`);

  if (process.argv.includes('--write')) {
    const intro = `## conv2d (float32, NCHW)

\`bench/conv.bench.ts\` (run with \`npx tsx bench/conv.bench.ts [--write]\`, about 1.5 minutes) times
edgegrad's \`conv2d\` (on the default backend: in Node \`'wasm'\`, where the untraced forward is the
direct kernel and the traced one plus both gradients im2col/col2im + the wasm GEMM; see
docs/wasm.md) against \`tf.conv2d\` of TensorFlow.js 4.22's CPU backend on two layers, in one
process (wall clock):

- **LeNet conv2**: batch 64, 6 → 16 channels, 14×14 input, 5×5 kernel, no padding;
- **VGG-small layer**: batch 16, 128 → 128 channels, 16×16 input, 3×3 kernel, padding 1.

"forward + backward" computes the gradients w.r.t. x and w of sum(conv(x, w) · r) for a fixed
random r (\`grad(…, { argnums: [0, 1] })\` for us, \`tf.grads\` for tfjs). GFLOP/s counts
2·N·O·Ho·Wo·C·kh·kw per forward and three times that per forward + backward. tfjs gets its
native NHWC/HWIO layout, converted once outside the timed calls (its NCHW path measured the same
or slightly slower); outputs and both gradients are checked against ours (1e-3 relative) before
timing. The two contenders are timed in alternating rounds, so a burst of host contention hits
both, and the table uses each one's fastest call. The jax-js column is a reference measured
earlier on this machine kind with jax-js's WebAssembly backend — **not run here**, so not
comparable call for call.`;
    writeSection(BEGIN, END, intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${m}, tfjs ${tf.version.tfjs}.\n\n${md}`);
  }
}

await main();
