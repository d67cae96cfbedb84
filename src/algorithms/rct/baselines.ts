/**
 * The float baselines of spec §7 on the same layers, schedule and float init as RCT: FP32
 * training and QAT (float master, per-tensor symmetric 8-bit copy with round to nearest in the
 * forward and backward passes, straight-through estimator; update to the master). Both run on
 * the shared training loop (`fit`).
 */
import { customVjp } from '../../autograd/grad.js';
import type { Dataset } from '../../data/dataset.js';
import { crossEntropy } from '../../nn/functional.js';
import { sgd } from '../../optim/alias.js';
import { chain } from '../../optim/combine.js';
import { addDecayedWeights } from '../../optim/transforms.js';
import type { ScalarOrSchedule } from '../../optim/base.js';
import type { Key } from '../../random.js';
import { fromTyped } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { evaluate } from '../../train/evaluate.js';
import { fit, initTrain } from '../../train/loop.js';
import type { Objective } from '../../train/loop.js';
import type { RunEvent } from '../../train/events.js';
import type { Params } from '../../tree.js';
import { mapWithPath } from '../../tree.js';
import { roundHalfEven } from './fixed.js';
import type { RctNet } from './net.js';
import { checkCount } from '../../validate.js';

/**
 * Per-tensor symmetric b-bit fake quantisation with a straight-through gradient: step
 * `s = max|w| / (2^(b−1) − 1)`, `w_q = s · roundHalfEven(w / s)`.
 * @example
 * ```ts
 * rct.fakeQuantize(tensor([0.5, -0.1, 0.26]), 2).toArray(); // [0.5, 0, 0.5]
 * ```
 */
export function fakeQuantize(w: Tensor, bits: number): Tensor {
  checkCount('rct.fakeQuantize', 'bits', bits, 2, 32);
  const hi = 2 ** (bits - 1) - 1;
  const ste = customVjp(
    (x: Tensor) => {
      const v = x.toTyped();
      let m = 0;
      for (const e of v) m = Math.max(m, Math.abs(e));
      const s = m > 0 ? m / hi : 1;
      const out = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = s * roundHalfEven(v[i]! / s);
      return [fromTyped(out, x.shape), null] as const;
    },
    (_r: null, ct: Tensor) => [ct],
  );
  return ste(w);
}

/**
 * The QAT view: weights (rank ≥ 2) fake-quantised to `bits`, biases kept in float.
 * @example
 * ```ts
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const q = rct.qatView(params, 4) as { weight: Tensor; bias: Tensor }[];
 * new Set(q[0]!.weight.toTyped()).size <= 15; // true: at most 2·7 + 1 levels at 4 bits
 * q[0]!.bias.toArray(); // the biases unchanged
 * ```
 */
export function qatView(params: Params, bits: number): Params {
  return mapWithPath((_p, t: Tensor) => (t.ndim >= 2 ? fakeQuantize(t, bits) : t), params);
}

/** Options shared by the float baselines. @internal */
export interface FloatRunOptions {
  net: RctNet;
  init: Params;
  train: Dataset;
  test: Dataset;
  epochs: number;
  batchSize: number;
  learningRate: ScalarOrSchedule;
  weightDecay: number;
  key: Key;
  evalBatchSize?: number | undefined;
  /** QAT bits; undefined = FP32. */
  qatBits?: number | undefined;
  onEpoch?: ((epoch: number, accuracy: number, trainLoss: number) => void) | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
  phase: string;
}

/** Trains FP32 or QAT with plain SGD on the shared loop; returns the final test accuracy and the state. @internal */
export function runFloat(o: FloatRunOptions): { accuracy: number; state: unknown; params: Params } {
  const model = o.net.float;
  const bits = o.qatBits;
  const objective: Objective | undefined = bits === undefined ? undefined
    : (p, batch, ctx) => crossEntropy(model.apply(qatView(p, bits), batch.x, ctx), batch.y);
  // Same update as rct.optimizer: w ← w − η·(G + wd·w).
  const opt = chain(addDecayedWeights(o.weightDecay), sgd(o.learningRate));
  let st = initTrain(o.init, [], opt);
  const evalOf = (p: Params): number => evaluate(model, bits === undefined ? p : qatView(p, bits), [], o.test, { batchSize: o.evalBatchSize }).accuracy;
  let accuracy = 0;
  st = fit(st, {
    optimizer: opt, model, objective, train: o.train, batchSize: o.batchSize, epochs: o.epochs, key: o.key,
    method: 'rct', phase: o.phase, onEvent: o.onEvent,
    afterEpoch: (s, e) => {
      accuracy = evalOf(s.params);
      o.onEpoch?.(e.epoch, accuracy, e.trainLoss);
      return { accuracy };
    },
  }).state;
  return { accuracy, state: st, params: st.params };
}
