// A toy method on the harness: magnitude pruning to a target sparsity (docs/methods.md).
import {
  abs, adam, chain, cost, evaluate, fit, greater, initTrain, mul, recorder, tree, zeros,
  type Dataset, type GradientTransformation, type nn, type Params, type Report, type RunEvent, type Tensor,
} from '../src/index.js';

export interface PruneRunOptions {
  model: nn.Layer<Params>; params: Params; modelState: Params; train: Dataset; validation: Dataset;
  key: Tensor; sparsity: number; epochs: number; onEvent?: (e: RunEvent) => void;
}

/** Masks keeping the largest |w| of every weight matrix (biases stay dense). */
export function magnitudeMasks(params: Params, sparsity: number): Params {
  return tree.map((w: Tensor) => {
    if (w.ndim < 2) return zeros(w.shape).add(1);
    const sorted = Float32Array.from(abs(w).toTyped()).sort();
    return greater(abs(w), sorted[Math.floor(sparsity * (sorted.length - 1))]!).astype('float32');
  }, params);
}

/** The ParamView and the transform: effective weights w ⊙ m, and updates masked the same way. */
const applyMasks = (params: Params, masks: Params): Params => tree.map((w: Tensor, m: Tensor) => mul(w, m), params, masks);
const maskUpdates = (masks: Params): GradientTransformation<Record<string, never>> => ({
  init: () => ({}), update: (u) => [applyMasks(u, masks), {}],
});

export function run(o: PruneRunOptions): { params: Params; report: Report } {
  const rec = recorder('prune', o.onEvent);
  const train = (name: string, params: Params, masks: Params): Params => rec.phase(name, (emit) => {
    const opt = chain(maskUpdates(masks), adam(1e-2));
    return fit(initTrain(applyMasks(params, masks), o.modelState, opt), {
      optimizer: opt, model: o.model, train: o.train, batchSize: 32, epochs: o.epochs, key: o.key,
      afterEpoch: (s, e) => emit('epoch', { epoch: e.epoch, step: s.step }, { trainLoss: e.trainLoss, ...accuracyOf(o, s.params) }),
    }).state.params;
  });
  const dense = train('train', o.params, tree.map((w: Tensor) => zeros(w.shape).add(1), o.params));
  const masks = rec.phase('select', (emit) => {
    const m = magnitudeMasks(dense, o.sparsity);
    emit('step', {}, { kept: tree.leaves(m).reduce((a, t: Tensor) => a + t.sum().item(), 0) });
    return m;
  });
  const pruned = train('finetune', dense, masks);
  return { params: pruned, report: rec.report(accuracyOf(o, pruned), { bytes: cost.storageBytes(pruned).total }) };
}

const accuracyOf = (o: PruneRunOptions, p: Params) => ({ accuracy: evaluate(o.model, p, o.modelState, o.validation).accuracy });
