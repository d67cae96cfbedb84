/**
 * Evaluation in eval mode, without gradients, with one default batch size for every method.
 */
import { noGrad } from '../autograd/grad.js';
import type { Params } from '../tree.js';
import { batches } from '../data/dataset.js';
import type { Dataset } from '../data/dataset.js';
import { NumError, describe } from '../errors.js';
import { accuracy, crossEntropy } from '../nn/functional.js';
import type { Ctx, Layer } from '../nn/layers.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The batch size of every evaluation pass unless a caller sets `evalBatchSize`.
 *
 * @example
 * ```ts
 * evaluate(model, params, state, test, { batchSize: EVAL_BATCH_SIZE });
 * ```
 */
export const EVAL_BATCH_SIZE = 500;

/**
 * Options of {@link evaluate} and {@link predict}.
 *
 * @example
 * ```ts
 * const opts: EvalOptions = { batchSize: 1000 };
 * ```
 */
export interface EvalOptions {
  /** Batch size when `data` is a dataset; default {@link EVAL_BATCH_SIZE}. */
  batchSize?: number | undefined;
  /** Loss on logits and labels; default cross-entropy. */
  loss?: ((logits: Tensor, y: Tensor) => Tensor) | undefined;
  /** Extra layer context (e.g. `kernels` for packed inference). */
  ctx?: Omit<Ctx, 'training' | 'state'> | undefined;
}

function batchesOf(op: string, data: Dataset | Iterable<Dataset>, batchSize: number | undefined): Iterable<Dataset> {
  if (data === null || typeof data !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'data must be a dataset or an iterable of batches', 'Dataset | Iterable<Dataset>', describe(data));
  if (Symbol.iterator in data) return data;
  return batches(data, batchSize ?? EVAL_BATCH_SIZE);
}

function checkModel(op: string, model: unknown): void {
  if (model === null || typeof model !== 'object' || typeof (model as Layer).apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'model must be a layer', '{init, apply}', describe(model));
  }
}

/**
 * Accuracy and per-sample mean loss of a model in eval mode over a dataset (batched by
 * `batchSize`) or over given batches. No gradients are recorded.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a missing model or data.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const { params, state } = model.init(key(0), [4]);
 * const test = { x: normal(key(1), [50, 4]), y: randint(key(2), [50], 0, 3) };
 * const { accuracy, loss } = evaluate(model, params, state, test);
 * console.assert(accuracy >= 0 && accuracy <= 1 && loss > 0);
 * ```
 */
export function evaluate(
  model: Layer<Params>, params: Params, modelState: Params, data: Dataset | Iterable<Dataset>, opts: EvalOptions = {},
): { accuracy: number; loss: number; count: number } {
  const op = 'evaluate';
  checkModel(op, model);
  const loss = opts.loss ?? crossEntropy;
  const it = batchesOf(op, data, opts.batchSize);
  return noGrad(() => {
    let correct = 0, total = 0, lossSum = 0;
    for (const b of it) {
      const logits = model.apply(params, b.x, { ...opts.ctx, training: false, state: modelState });
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
 * @throws {NumError} `INVALID_ARGUMENT` for a missing model or data.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const { params, state } = model.init(key(0), [4]);
 * const test = { x: normal(key(1), [50, 4]), y: randint(key(2), [50], 0, 3) };
 * const preds = predict(model, params, state, test); // Int32Array
 * preds.length; // 50
 * ```
 */
export function predict(model: Layer<Params>, params: Params, modelState: Params, data: Dataset | Iterable<Dataset>, opts: EvalOptions = {}): Int32Array {
  const op = 'predict';
  checkModel(op, model);
  const it = batchesOf(op, data, opts.batchSize);
  return noGrad(() => {
    const out: number[] = [];
    for (const b of it) {
      const logits = model.apply(params, b.x, { ...opts.ctx, training: false, state: modelState });
      out.push(...(logits.argmax({ axis: 1 }).toTyped() as Int32Array));
    }
    return Int32Array.from(out);
  });
}
