/**
 * Stateless neural-network functions: batch normalisation, dropout, losses, accuracy.
 * All are compositions of differentiable primitives, so they work under grad(grad(·)).
 */
import { noGrad, stopGradient } from '../autograd/grad.js';
import { NumError, describe, fmtShape } from '../errors.js';
import { options } from '../validate.js';
import { bernoulli } from '../random.js';
import type { Key } from '../random.js';
import { arange } from '../tensor/create.js';
import { isFloat } from '../tensor/dtype.js';
import { add, asTensor, astype, div, equal, mul, sqrt, square, sub, where } from '../tensor/ops/elementwise.js';
import { gather, reshape } from '../tensor/ops/movement.js';
import { argmax, logSoftmax, mean, sum } from '../tensor/ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Scale per channel (`[C]`); default none. */
  weight?: Tensor | undefined;
  /** Shift per channel (`[C]`); default none. */
  bias?: Tensor | undefined;
  /** Running mean `[C]` (used in eval mode, updated in training mode). */
  runningMean: Tensor;
  /** Running (unbiased) variance `[C]`. */
  runningVar: Tensor;
  /** Batch statistics (true) or running statistics (false). */
  training: boolean;
  /** Running-statistics update rate, PyTorch convention. Default 0.1. */
  momentum?: number | undefined;
  /** Default 1e-5. */
  eps?: number | undefined;
}

/**
 * Batch normalisation over axis 1 (channels) of `[N, C]` or `[N, C, H, W]` inputs, PyTorch
 * semantics: training mode normalises with the batch's biased variance and returns running
 * statistics updated with the unbiased one, `r ← (1 − m)·r + m·batch`; eval mode uses the
 * running statistics. The running statistics are not differentiated.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 10], [3, 30]]);
 * const { y, runningMean } = batchNorm(x, { weight: ones([2]), bias: zeros([2]), runningMean: zeros([2]), runningVar: ones([2]), training: true, eps: 0 });
 * y.toArray();           // [[-1, -1], [1, 1]]
 * runningMean.toArray(); // [0.2, 2]
 * ```
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions): { y: Tensor; runningMean: Tensor; runningVar: Tensor } {
  const op = 'batchNorm';
  options(op, 'opts', opts);
  if (opts === undefined) throw new NumError('INVALID_ARGUMENT', op, 'opts with runningMean and runningVar are required', 'BatchNormOptions', 'undefined');
  const t = asTensor(op, 'x', x);
  if (t.ndim < 2) throw new NumError('SHAPE_MISMATCH', op, 'x must have a channel axis', '[N, C, ...]', fmtShape(t.shape));
  const c = t.shape[1]!;
  const bshape = t.shape.map((d, i) => (i === 1 ? d : 1));
  const perChannel = (name: string, v: Tensor | undefined): Tensor | undefined => {
    if (v === undefined) return undefined;
    const u = asTensor(op, name, v);
    if (u.ndim !== 1 || u.shape[0] !== c) throw new NumError('SHAPE_MISMATCH', op, `${name} must have one entry per channel`, `[${c}]`, fmtShape(u.shape));
    return reshape(u, bshape);
  };
  const rm = perChannel('runningMean', opts.runningMean)!;
  const rv = perChannel('runningVar', opts.runningVar)!;
  const eps = opts.eps ?? 1e-5;
  const m = opts.momentum ?? 0.1;
  if (!(eps >= 0) || !(m >= 0 && m <= 1)) throw new NumError('INVALID_ARGUMENT', op, 'eps must be >= 0 and momentum in [0, 1]', 'eps >= 0, 0 <= momentum <= 1', `eps ${eps}, momentum ${describe(m)}`);
  const axes = t.shape.map((_, i) => i).filter((i) => i !== 1);
  let y: Tensor;
  let runningMean = opts.runningMean;
  let runningVar = opts.runningVar;
  if (opts.training) {
    const count = t.size / c;
    const mu = mean(t, { axis: axes, keepdims: true });
    const centered = sub(t, mu);
    const v = mean(square(centered), { axis: axes, keepdims: true });
    y = div(centered, sqrt(add(v, eps)));
    [runningMean, runningVar] = noGrad(() => {
      const unbiased = mul(v, count > 1 ? count / (count - 1) : 1);
      return [
        reshape(add(mul(stopGradient(rm), 1 - m), mul(stopGradient(mu), m)), [c]),
        reshape(add(mul(stopGradient(rv), 1 - m), mul(stopGradient(unbiased), m)), [c]),
      ];
    });
  } else {
    y = div(sub(t, rm), sqrt(add(rv, eps)));
  }
  const g = perChannel('weight', opts.weight);
  const b = perChannel('bias', opts.bias);
  if (g !== undefined) y = mul(y, g);
  if (b !== undefined) y = add(y, b);
  return { y, runningMean: runningMean.astype(opts.runningMean.dtype), runningVar: runningVar.astype(opts.runningVar.dtype) };
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1−p),
 * so the expected value is unchanged. `p = 0` returns `x`.
 *
 * @example
 * ```ts
 * const h = dropout(key(0), ones([1000]), 0.5); // each entry 0 or 2
 * console.assert(h.toTyped().every((v) => v === 0 || v === 2));
 * ```
 */
export function dropout(k: Key, x: Tensor, p: number): Tensor {
  const t = asTensor('dropout', 'x', x);
  // Scaling by 1/(1−p) has no integer meaning: an int tensor used to come back as NaN/Infinity.
  if (!isFloat(t.dtype)) throw new NumError('DTYPE_MISMATCH', 'dropout', 'x must be a float tensor', 'float32 | float64', t.dtype);
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new NumError('OUT_OF_RANGE', 'dropout', 'p must be in [0, 1)', '0 <= p < 1', describe(p));
  if (p === 0) return t;
  const keep = bernoulli(k, 1 - p, t.shape);
  return where(keep, div(t, 1 - p), 0);
}

function checkLabels(op: string, logits: Tensor, labels: Tensor): [number, number] {
  if (logits.ndim !== 2) throw new NumError('SHAPE_MISMATCH', op, 'logits must be [N, classes]', '2-D', fmtShape(logits.shape));
  const [n, c] = logits.shape as [number, number];
  if (labels.dtype !== 'int32' && labels.dtype !== 'int8' && labels.dtype !== 'uint8') {
    throw new NumError('DTYPE_MISMATCH', op, 'labels must be integer class indices', 'int32 | int8 | uint8', labels.dtype);
  }
  if (labels.ndim !== 1 || labels.shape[0] !== n) throw new NumError('SHAPE_MISMATCH', op, 'one label per row of logits', `[${n}]`, fmtShape(labels.shape));
  const lv = labels.toTyped();
  for (let i = 0; i < lv.length; i++) {
    if (!(lv[i]! >= 0 && lv[i]! < c)) throw new NumError('OUT_OF_RANGE', op, `label ${i} out of range`, `0 <= label < ${c}`, String(lv[i]));
  }
  return [n, c];
}

/**
 * Mean softmax cross-entropy of integer labels: `−mean_i log softmax(logits_i)[labels_i]`,
 * computed through the stable `logSoftmax`.
 *
 * @throws {NumError} `DTYPE_MISMATCH` for non-integer labels, `OUT_OF_RANGE` for a label ≥ classes.
 * @example
 * ```ts
 * crossEntropy(tensor([[2, 0], [0, 2]]), tensor([0, 1], { dtype: 'int32' })).item(); // 0.127
 * ```
 */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const op = 'crossEntropy';
  const l = asTensor(op, 'logits', logits);
  const y = asTensor(op, 'labels', labels);
  if (!isFloat(l.dtype)) throw new NumError('DTYPE_MISMATCH', op, 'logits must be float', 'float32 | float64', l.dtype);
  const [n, c] = checkLabels(op, l, y);
  const flatIdx = add(mul(arange(n), c), astype(y, 'int32'));
  const picked = gather(reshape(logSoftmax(l), [n * c]), flatIdx);
  return mul(mean(picked), -1);
}

/**
 * Mean squared error `mean((pred − target)²)`.
 * @example
 * ```ts
 * mseLoss(tensor([1, 2]), tensor([1, 4])).item(); // 2
 * ```
 */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  return mean(square(sub(asTensor('mseLoss', 'pred', pred), asTensor('mseLoss', 'target', target))));
}

/**
 * Fraction of rows whose arg-max equals the label (a plain number).
 * @example
 * ```ts
 * accuracy(tensor([[2, 0], [0, 2]]), tensor([0, 0], { dtype: 'int32' })); // 0.5
 * ```
 */
export function accuracy(logits: Tensor, labels: Tensor): number {
  const l = asTensor('accuracy', 'logits', logits);
  const y = asTensor('accuracy', 'labels', labels);
  const [n] = checkLabels('accuracy', l, y);
  if (n === 0) return 0;
  return sum(equal(argmax(l, { axis: 1 }), astype(y, 'int32'))).item() / n;
}
