/**
 * Gradient checking against float64 central differences.
 */
import { NumError, describe } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { astype } from '../tensor/ops/elementwise.js';
import { nonNegative, positive } from '../validate.js';
import { grad } from './grad.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-4. */
  rtol?: number;
}

/** Result of {@link gradcheck}. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| over all inputs and elements. */
  maxAbsError: number;
  /** The worst element: which argument, flat index, and both values. */
  worst: { arg: number; index: number; analytic: number; numeric: number } | undefined;
}

/**
 * Compares `grad(f)` with float64 central differences `(f(x+h) − f(x−h)) / 2h` for every
 * element of every input. Inputs are cast to float64 first; `f` must return one element.
 * An element passes when `|analytic − numeric| <= atol + rtol·|numeric|`.
 *
 * @example
 * ```ts
 * const r = gradcheck((x: Tensor) => tanh(x).sum(), [tensor([0.1, -0.3])]);
 * r.ok; // true
 * ```
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts?: GradcheckOptions): GradcheckResult {
  const op = 'gradcheck';
  if (typeof f !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'f must be a function', 'function', describe(f));
  if (!Array.isArray(inputs)) throw new NumError('INVALID_ARGUMENT', op, 'inputs must be an array of Tensors', 'Tensor[]', describe(inputs));
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw new NumError('INVALID_ARGUMENT', op, 'opts must be an options object', 'object', describe(opts));
  }
  // eps = 0 divides 0 by 0: every element would "fail" with NaN instead of saying why.
  const eps = positive(op, 'eps', opts?.eps ?? 1e-6);
  const atol = nonNegative(op, 'atol', opts?.atol ?? 1e-5);
  const rtol = nonNegative(op, 'rtol', opts?.rtol ?? 1e-4);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `inputs[${i}] must be a Tensor`, 'Tensor', describe(x));
  });
  const xs = inputs.map((x) => new Tensor(Float64Array.from(astype(x, 'float64').toTyped()), x.shape.slice(), 'float64'));
  const argnums = xs.map((_, i) => i);
  const analytic = grad((...a: Tensor[]) => f(...a), { argnums }) as (...a: Tensor[]) => Tensor[];
  const gs = analytic(...xs).map((g) => g.toTyped());
  const evalAt = (): number => {
    const y = f(...xs);
    if (!(y instanceof Tensor) || y.size !== 1) throw new NumError('SHAPE_MISMATCH', op, 'f must return a one-element Tensor', 'Tensor of size 1', y instanceof Tensor ? `[${y.shape.join(', ')}]` : describe(y));
    return y.item();
  };
  let maxAbsError = 0;
  let worst: GradcheckResult['worst'];
  let ok = true;
  xs.forEach((x, a) => {
    const d = x.data as Float64Array;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      d[i] = v + eps;
      const fp = evalAt();
      d[i] = v - eps;
      const fm = evalAt();
      d[i] = v;
      const numeric = (fp - fm) / (2 * eps);
      const an = gs[a]![i]!;
      const err = Math.abs(an - numeric);
      if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
      const score = Number.isNaN(err) ? Infinity : err;
      if (worst === undefined || score > maxAbsError) {
        worst = { arg: a, index: i, analytic: an, numeric };
        maxAbsError = score;
      }
    }
  });
  return { ok, maxAbsError, worst };
}
