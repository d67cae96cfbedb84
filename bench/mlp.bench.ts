/**
 * MLP training-step benchmark: one SGD step (lr 0.1) of a 784-256-10 ReLU MLP with softmax
 * cross-entropy at batch 128 on random data. edgegrad (`trainStep(nn.mlp([256, 10]), sgd(0.1))`,
 * plus the same step written by hand with `valueAndGrad`) against TensorFlow.js 4.22's CPU
 * backend (`tf.train.sgd(0.1).minimize`), all in one process.
 *
 *   npx tsx bench/mlp.bench.ts            # print the table
 *   npx tsx bench/mlp.bench.ts --write    # also rewrite the MLP section of docs/benchmarks.md
 *
 * Both start from the same parameters; before timing, the first step's loss and updated
 * parameters are checked to agree. Each timed call is a whole step: forward, backward, update,
 * and reading the loss back as a number. The contenders are timed in alternating rounds; the
 * table uses each one's fastest step and shows the median too. Takes about 20 seconds.
 */
import * as tf from '@tensorflow/tfjs'; // the full package registers the gradients minimize needs
import {
  add, applyUpdates, crossEntropy, key, matmul, nn, normal, randint, relu, sgd, trainStep, initTrain, transpose, valueAndGrad,
} from '../src/index.js';
import type { Params, Tensor, TrainState } from '../src/index.js';
import { assertClose, fmt, interleaved, machine, writeSection } from './util.js';

const BEGIN = '<!-- mlp-table:begin (written by `npx tsx bench/mlp.bench.ts --write`) -->';
const END = '<!-- mlp-table:end -->';
const BATCH = 128, IN = 784, HIDDEN = 256, CLASSES = 10, LR = 0.1;
/** jax-js (WebAssembly) ms per step, measured earlier on this machine kind (not run here). */
const JAXJS = '9–24';

interface Dense { weight: Tensor; bias: Tensor }
type MlpParams = [Dense, Record<string, never>, Dense];

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const m = machine();
  console.log(`MLP ${IN}-${HIDDEN}-${CLASSES} SGD step, batch ${BATCH}. Node ${m}, tfjs ${tf.version.tfjs} backend ${tf.getBackend()}`);

  const x = normal(key(4), [BATCH, IN]);
  const y = randint(key(5), [BATCH], 0, CLASSES);
  const model = nn.mlp([HIDDEN, CLASSES]);
  const init = model.init(key(0), [IN]);
  const opt = sgd(LR);
  const step = trainStep({ optimizer: opt, model: model as nn.Layer<Params>, key: key(6) });
  const fresh = (): TrainState<ReturnType<typeof opt.init>> => initTrain(init.params, init.state, opt);

  // Hand-written: the same network without the layer wrappers, through valueAndGrad + sgd + applyUpdates.
  const lossFn = (p: MlpParams): Tensor => {
    const h = relu(add(matmul(x, transpose(p[0].weight)), p[0].bias));
    return crossEntropy(add(matmul(h, transpose(p[2].weight)), p[2].bias), y);
  };
  const vg = valueAndGrad(lossFn);
  const manualStep = (p: MlpParams, s: ReturnType<typeof opt.init>): [MlpParams, ReturnType<typeof opt.init>, number] => {
    const [loss, g] = vg(p);
    const [u, s2] = opt.update(g as Params, s, p as unknown as Params);
    return [applyUpdates(p as unknown as Params, u) as unknown as MlpParams, s2, loss.item()];
  };

  // tfjs: same initial parameters, stored [in, out].
  const p0 = init.params as unknown as MlpParams;
  const asVar = (t: Tensor, tr: boolean): tf.Variable => tf.variable(tf.tidy(() => {
    const v = tf.tensor(t.toTyped() as Float32Array, t.shape as number[]);
    return tr ? v.transpose() : v;
  }));
  const w1 = asVar(p0[0].weight, true), b1 = asVar(p0[0].bias, false);
  const w2 = asVar(p0[2].weight, true), b2 = asVar(p0[2].bias, false);
  const tx = tf.tensor2d(x.toTyped() as Float32Array, [BATCH, IN]);
  const ty = tf.oneHot(tf.tensor1d(y.toTyped() as Int32Array, 'int32'), CLASSES);
  const tfOpt = tf.train.sgd(LR);
  const tfLoss = (): tf.Scalar => {
    const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tx, w1), b1)), w2), b2);
    return tf.losses.softmaxCrossEntropy(ty, logits) as tf.Scalar; // mean over the batch
  };
  const tfStep = (): number => tf.tidy(() => tfOpt.minimize(tfLoss, true)!.dataSync()[0]!);

  // Correctness: the first step of each contender from the same start.
  const first = step(fresh(), { x, y });
  const [pm, , lossManual] = manualStep(p0, opt.init(init.params));
  const lossTf = tfStep();
  if (Math.abs(first.loss - lossTf) > 1e-4 * Math.max(1, Math.abs(lossTf)) || Math.abs(lossManual - lossTf) > 1e-4 * Math.max(1, Math.abs(lossTf))) {
    throw new Error(`losses disagree: trainStep ${first.loss}, manual ${lossManual}, tfjs ${lossTf}`);
  }
  const pt = first.state.params as unknown as MlpParams;
  const w1Ref = tf.tidy(() => w1.transpose().dataSync()), w2Ref = tf.tidy(() => w2.transpose().dataSync());
  let err = 0;
  for (const p of [pt, pm]) {
    err = Math.max(err, assertClose('w1 after one step', p[0].weight.toTyped() as Float32Array, w1Ref, 1e-4));
    err = Math.max(err, assertClose('b1 after one step', p[0].bias.toTyped() as Float32Array, b1.dataSync(), 1e-4));
    err = Math.max(err, assertClose('w2 after one step', p[2].weight.toTyped() as Float32Array, w2Ref, 1e-4));
    err = Math.max(err, assertClose('b2 after one step', p[2].bias.toTyped() as Float32Array, b2.dataSync(), 1e-4));
  }
  console.log(`first step agrees with tfjs: loss ${first.loss.toFixed(5)} vs ${lossTf.toFixed(5)}, parameters max relative diff ${err.toExponential(1)}`);

  // Timing: each contender keeps training from where it is (the state threads through the calls).
  let st = first.state;
  let mp = pm, ms = opt.init(init.params);
  const t = await interleaved([
    { name: 'trainStep', fn: () => { st = step(st, { x, y }).state; }, iterations: 15 },
    { name: 'manual', fn: () => { [mp, ms] = manualStep(mp, ms); }, iterations: 15 },
    { name: 'tfjs', fn: () => { tfStep(); }, iterations: 3 },
  ], 6);
  const ours = t.get('trainStep')!, manual = t.get('manual')!, tfjs = t.get('tfjs')!;
  console.log(`trainStep ${fmt(ours.min, 1)} ms (median ${fmt(ours.p50, 1)}), valueAndGrad+sgd ${fmt(manual.min, 1)} ms (median ${fmt(manual.p50, 1)}), tfjs ${fmt(tfjs.min, 1)} ms (median ${fmt(tfjs.p50, 1)})`);

  // Matmul FLOPs: forward and dW of both layers, dX of the second only (nothing needs d loss / d input).
  const flop = 2 * 2 * BATCH * (IN * HIDDEN + HIDDEN * CLASSES) + 2 * BATCH * HIDDEN * CLASSES;
  const md = [
    '| contender | ms per step (fastest) | ms per step (median) | GFLOP/s (matmuls, fastest) | tfjs / contender |',
    '|---|---:|---:|---:|---:|',
    `| edgegrad \`trainStep(nn.mlp([256, 10]), sgd(0.1))\` | ${fmt(ours.min, 1)} | ${fmt(ours.p50, 1)} | ${fmt(flop / (ours.min * 1e6))} | **${fmt(tfjs.min / ours.min, 1)}×** |`,
    `| edgegrad by hand: \`valueAndGrad\` + \`sgd\` + \`applyUpdates\` | ${fmt(manual.min, 1)} | ${fmt(manual.p50, 1)} | ${fmt(flop / (manual.min * 1e6))} | **${fmt(tfjs.min / manual.min, 1)}×** |`,
    `| tfjs-cpu \`tf.train.sgd(0.1).minimize\` | ${fmt(tfjs.min, 1)} | ${fmt(tfjs.p50, 1)} | ${fmt(flop / (tfjs.min * 1e6))} | 1.0× |`,
    `| jax-js (WebAssembly), **not run here** | ${JAXJS} | — | — | — |`,
  ].join('\n');
  console.log(`\nNode ${process.version}\n\n${md}\n`);

  if (process.argv.includes('--write')) {
    const intro = `## MLP training step (784-256-10, batch 128)

\`bench/mlp.bench.ts\` (run with \`npx tsx bench/mlp.bench.ts [--write]\`, about 20 seconds) times
one SGD step (lr 0.1) of a 784-256-10 MLP (ReLU, softmax cross-entropy) at batch 128 on random
data: forward, backward, parameter update and reading the loss back. edgegrad runs it through
\`trainStep(nn.mlp([256, 10]), sgd(0.1))\` and, as a check on the layer overhead, through a
hand-written loss with \`valueAndGrad\` + \`sgd\` + \`applyUpdates\`; tfjs-cpu through
\`tf.train.sgd(0.1).minimize\` on \`tf.variable\`s. All start from the same parameters, and the
first step's loss and updated parameters are checked to agree before timing. The contenders are
timed in alternating rounds. GFLOP/s counts the matmuls a step needs — forward and weight
gradient of both layers, input gradient of the second: 4·128·(784·256 + 256·10) + 2·128·256·10
FLOPs (the input gradient of the first layer is neither needed nor computed). The jax-js row is
a reference measured earlier on this machine kind — **not run here**.`;
    writeSection(BEGIN, END, intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${m}, tfjs ${tf.version.tfjs}.\n\n${md}`);
  }
  for (const t of [w1, b1, w2, b2, tx, ty]) t.dispose();
}

await main();
