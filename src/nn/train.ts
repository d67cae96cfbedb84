/**
 * Training and evaluation loops as small pure functions over a layer, an optimizer and
 * batches. They hold no state of their own: everything a loop needs to resume travels in
 * {@link TrainState}, which is a plain tree and saves with `saveTree`.
 */
import { noGrad, valueAndGrad } from '../autograd/grad.js';
import type { Params } from '../tree.js';
import { applyUpdates } from '../optim/index.js';
import type { GradientTransformation } from '../optim/index.js';
import { foldIn } from '../random.js';
import type { Key } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { accuracy, crossEntropy } from './functional.js';
import type { Ctx, Layer } from './layers.js';

/** Everything a training run carries from step to step. */
export interface TrainState<S> {
  params: Params;
  /** Non-trainable model state (batch-norm statistics). */
  modelState: Params;
  optState: S;
  /** Number of steps taken; also folded into the dropout key. */
  step: number;
}

/** A batch of inputs and integer labels. */
export interface Batch { x: Tensor; y: Tensor }

/**
 * Builds a training step: loss and gradient through the model in training mode, one optimizer
 * update, and the new batch-norm statistics. Pure: returns a new state.
 *
 * @example
 * ```ts
 * const step = trainStep(nn.lenet5(), adam(1e-3));
 * let st = { params, modelState: state, optState: opt.init(params), step: 0 };
 * const { state: next, loss } = step(st, { x, y }, key(0));
 * ```
 */
export function trainStep<S>(
  model: Layer<Params>,
  opt: GradientTransformation<S>,
  loss: (logits: Tensor, y: Tensor) => Tensor = crossEntropy,
): (st: TrainState<S>, batch: Batch, k?: Key) => { state: TrainState<S>; loss: number } {
  return (st, batch, k) => {
    const ctx: Ctx = { training: true, state: st.modelState, key: k === undefined ? undefined : foldIn(k, st.step) };
    const [value, grads] = valueAndGrad((p: Params) => loss(model.apply(p, batch.x, ctx), batch.y))(st.params);
    const [updates, optState] = opt.update(grads, st.optState, st.params, { loss: value.item(), step: st.step });
    return {
      state: { params: applyUpdates(st.params, updates), modelState: ctx.newState ?? st.modelState, optState, step: st.step + 1 },
      loss: value.item(),
    };
  };
}

/**
 * Accuracy and mean loss of a model in eval mode over batches (no gradients recorded).
 *
 * @example
 * ```ts
 * const { accuracy, loss } = evaluate(model, params, state, batches(test, 500));
 * ```
 */
export function evaluate(
  model: Layer<Params>, params: Params, modelState: Params, data: Iterable<Batch>,
  loss: (logits: Tensor, y: Tensor) => Tensor = crossEntropy,
): { accuracy: number; loss: number; count: number } {
  return noGrad(() => {
    let correct = 0, total = 0, lossSum = 0;
    for (const b of data) {
      const logits = model.apply(params, b.x, { training: false, state: modelState });
      const n = b.x.shape[0]!;
      correct += accuracy(logits, b.y) * n;
      lossSum += loss(logits, b.y).item() * n;
      total += n;
    }
    return { accuracy: total ? correct / total : 0, loss: total ? lossSum / total : 0, count: total };
  });
}

/**
 * Predicted classes (arg-max of the logits) for every example, in eval mode.
 *
 * @example
 * ```ts
 * const preds = predict(model, params, state, batches(test, 500)); // Int32Array
 * ```
 */
export function predict(model: Layer<Params>, params: Params, modelState: Params, data: Iterable<Batch>): Int32Array {
  return noGrad(() => {
    const out: number[] = [];
    for (const b of data) {
      const logits = model.apply(params, b.x, { training: false, state: modelState });
      out.push(...(logits.argmax({ axis: 1 }).toTyped() as Int32Array));
    }
    return Int32Array.from(out);
  });
}
