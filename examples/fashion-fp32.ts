/**
 * FP32 LeNet5 on our Fashion-MNIST split (60,000 / 10,000, seed 0): Adam with a cosine-decayed
 * learning rate. The reported figure is the test accuracy after the last epoch (no early stopping
 * on the test set); the per-epoch figures are printed for the learning curve only.
 *
 *   npx tsx examples/fashion-fp32.ts [--epochs 6] [--lr 1e-3] [--batch 128] [--decay cosine|none] [--train N] [--seed 0] [--out FILE]
 *
 * `--out` saves `{params, modelState}` as .safetensors (for example to start ALQ from it).
 */
import { adam, applyUpdates, batches, crossEntropy, data, evaluate, foldIn, key, nn, schedules, valueAndGrad, type Params } from '../src/index.js';
import { loadFashionMnist } from '../src/node/fashion.js';
import { saveFile } from '../src/node/files.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback;
}

const epochs = Number(flag('epochs', '6'));
const lr = Number(flag('lr', '1e-3'));
const batchSize = Number(flag('batch', '128'));
const decay = flag('decay', 'cosine');
const seed = Number(flag('seed', '0'));

const t0 = performance.now();
const split = loadFashionMnist({ seed: 0, log: console.log });
const nTrain = Number(flag('train', String(split.train.y.shape[0])));
const trainSet = nTrain < split.train.y.shape[0]! ? data.take(split.train, Array.from({ length: nTrain }, (_, i) => i)) : split.train;
const { test } = split;
console.log(`loaded ${trainSet.y.shape[0]} / ${test.y.shape[0]} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${split.source})`);

const model = nn.lenet5() as nn.Layer<Params>;
const init = model.init(key(seed), [1, 28, 28]);
const stepsPerEpoch = Math.ceil(trainSet.y.shape[0]! / batchSize);
const rate = decay === 'cosine' ? schedules.cosine(lr, { decaySteps: epochs * stepsPerEpoch }) : lr;
const opt = adam(rate);
// A plain step (LeNet5 has neither dropout nor batch norm), written out so this script does not
// depend on the training-loop API.
let st = { params: init.params, optState: opt.init(init.params), step: 0 };
const step = (b: data.Dataset): number => {
  const [value, grads] = valueAndGrad((p: Params) => crossEntropy(model.apply(p, b.x, { training: true, state: init.state }), b.y))(st.params);
  const loss = value.item();
  const [updates, optState] = opt.update(grads, st.optState, st.params, { loss, step: st.step });
  st = { params: applyUpdates(st.params, updates), optState, step: st.step + 1 };
  return loss;
};
console.log(`LeNet5, Adam lr ${lr} (${decay}), batch ${batchSize}, ${epochs} epochs, seed ${seed}`);
const tTrain = performance.now();
let acc = 0;
for (let e = 0; e < epochs; e++) {
  let seen = 0, lossSum = 0;
  const te = performance.now();
  for (const b of batches(trainSet, batchSize, { key: foldIn(key(seed + 1), e) })) {
    const loss = step(b);
    seen += b.y.shape[0]!;
    lossSum += loss * b.y.shape[0]!;
  }
  const ev = evaluate(model, st.params, init.state, batches(test, 500));
  acc = ev.accuracy;
  const s = (performance.now() - te) / 1000;
  console.log(`epoch ${e + 1}/${epochs}: train loss ${(lossSum / seen).toFixed(4)}, test loss ${ev.loss.toFixed(4)}, test acc ${(100 * acc).toFixed(2)} %, ${s.toFixed(0)} s (${(seen / s).toFixed(0)} samples/s)`);
}
const out = flag('out', '');
if (out !== '') saveFile(out, { params: st.params, modelState: init.state } as never, { model: 'lenet5', dataset: 'fashion-mnist-60000/10000-seed0', accuracy: String(acc) });
console.log(`final test accuracy ${(100 * acc).toFixed(2)} % after ${epochs} epochs; training ${((performance.now() - tTrain) / 60000).toFixed(1)} min`);
