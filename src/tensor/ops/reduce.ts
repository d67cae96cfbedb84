/**
 * Reductions with `{axis, keepdims}` and the numerically stable softmax family.
 */
import { record } from '../tape.js';
import { NumError, fmtShape } from '../../errors.js';
import type { DType } from '../dtype.js';
import { allocate, arithmeticType } from '../dtype.js';
import * as k from '../kernels/reduce.js';
import { checkShape, normAxes, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { AxisOptions } from '../tensor.js';
import { add, asTensor, div, exp, log, sub } from './elementwise.js';
import { reshape } from './movement.js';

interface Plan {
  axes: number[];
  outer: number;
  r: number;
  outShape: number[];
}

/**
 * Moves the reduced axes last and lays the data out as a contiguous `outer × r` block — except a
 * sum over the leading axes of a contiguous tensor (`leading`), which the column-sum kernel
 * reads in place.
 */
function plan(op: string, x: Tensor, opts: AxisOptions | undefined, code: number): Plan & { data: Tensor['data']; offset: number; leading: boolean } {
  const axes = normAxes(op, opts?.axis, x.ndim);
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const r = sizeOf(axes.map((i) => x.shape[i]!));
  const outer = sizeOf(keep.map((i) => x.shape[i]!));
  const outShape = opts?.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keep.map((i) => x.shape[i]!);
  const leading = code === k.R_SUM && keep.length > 0 && axes.length > 0 && axes.every((a, i) => a === i) && x.isContiguous();
  if (leading) return { axes, outer, r, outShape, data: x.data, offset: x.offset, leading };
  const order = [...keep, ...axes];
  const view = new Tensor(x.data, order.map((i) => x.shape[i]!), x.dtype, order.map((i) => x.strides[i]!), x.offset);
  const contig = view.isContiguous();
  const data = contig ? x.data : view.toTyped();
  return { axes, outer, r, outShape, data, offset: contig ? x.offset : 0, leading };
}

function reduceRaw(op: string, code: number, x: Tensor, opts: AxisOptions | undefined, dtype: DType): [Tensor, Plan] {
  const p = plan(op, x, opts, code);
  if (p.r === 0 && code !== k.R_SUM && p.outer > 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'zero-size reduction has no identity', 'a non-empty reduced axis', fmtShape(x.shape));
  }
  const out = allocate(dtype, p.outer);
  if (p.leading) k.sumLeading(p.data, p.offset, p.r, p.outer, out);
  else k.reduceRows(code, p.data, p.offset, p.outer, p.r, out);
  return [new Tensor(out, p.outShape, dtype), p];
}

/**
 * Sum over `axis` (default: all axes). Integer and bool inputs sum in int32.
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), { axis: 0 }).toArray(); // [4, 6]
 * ```
 */
export function sum(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('sum', 'x', x);
  const [out, p] = reduceRaw('sum', k.R_SUM, t, opts, arithmeticType(t.dtype));
  return record('sum', { axes: p.axes, keepdims: opts?.keepdims === true }, [t], out);
}

/**
 * Arithmetic mean over `axis` (default: all axes); integer inputs give float32.
 * @example
 * ```ts
 * mean(tensor([1, 2, 3, 4])).item(); // 2.5
 * ```
 */
export function mean(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('mean', 'x', x);
  const axes = normAxes('mean', opts?.axis, t.ndim);
  const count = sizeOf(axes.map((i) => t.shape[i]!));
  return div(sum(t, opts), count);
}

/**
 * Maximum over `axis` (default: all). NaN propagates. The gradient is shared evenly among ties.
 * @example
 * ```ts
 * max(tensor([[1, 5], [7, 2]]), { axis: 1 }).toArray(); // [5, 7]
 * ```
 */
export function max(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('max', 'x', x);
  const [out, p] = reduceRaw('max', k.R_MAX, t, opts, t.dtype);
  return record('max', { axes: p.axes, keepdims: opts?.keepdims === true }, [t], out);
}

/**
 * Minimum over `axis` (default: all). NaN propagates.
 * @example
 * ```ts
 * min(tensor([3, -1, 2])).item(); // -1
 * ```
 */
export function min(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('min', 'x', x);
  if (t.dtype === 'float32' || t.dtype === 'float64') {
    // -max(-x) keeps the primitive set closed while still giving exact values.
    return negate(max(negate(t), opts));
  }
  return reduceRaw('min', k.R_MIN, t, opts, t.dtype)[0];
}

function negate(x: Tensor): Tensor {
  return sub(0, x);
}

function argReduce(op: string, code: number, x: Tensor, opts: { axis?: number; keepdims?: boolean } | undefined): Tensor {
  const t = asTensor(op, 'x', x);
  if (opts?.axis === undefined) {
    const flat = new Tensor(t.toTyped(), [t.size], t.dtype);
    const r = reduceRaw(op, code, flat, { axis: 0 }, 'int32')[0];
    return opts?.keepdims ? reshape(r, t.shape.map(() => 1)) : r;
  }
  if (typeof opts.axis !== 'number') {
    throw new NumError('INVALID_ARGUMENT', op, 'axis must be a single number', 'number', String(opts.axis));
  }
  return reduceRaw(op, code, t, { axis: opts.axis, keepdims: opts.keepdims === true }, 'int32')[0];
}

/**
 * Index of the maximum along `axis` (default: over the flattened tensor), as int32.
 * The first index wins ties; a NaN counts as the maximum.
 * @example
 * ```ts
 * argmax(tensor([[1, 5], [7, 2]]), { axis: 1 }).toArray(); // [1, 0]
 * ```
 */
export function argmax(x: Tensor, opts?: { axis?: number; keepdims?: boolean }): Tensor {
  return argReduce('argmax', k.R_ARGMAX, x, opts);
}

/**
 * Index of the minimum along `axis` (default: over the flattened tensor), as int32.
 * @example
 * ```ts
 * argmin(tensor([3, -1, 2])).item(); // 1
 * ```
 */
export function argmin(x: Tensor, opts?: { axis?: number; keepdims?: boolean }): Tensor {
  return argReduce('argmin', k.R_ARGMIN, x, opts);
}

/**
 * Sums `x` down to `shape` (the reverse of broadcasting). Used by the VJP of broadcasting ops.
 * @example
 * ```ts
 * sumTo(ones([2, 3]), [1, 3]).toArray(); // [[2, 2, 2]]
 * ```
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  x = asTensor('sumTo', 'x', x);
  checkShape('sumTo', shape, 'shape');
  if (sameShape(x.shape, shape)) return x;
  const lead = x.ndim - shape.length;
  if (lead < 0) throw new NumError('SHAPE_MISMATCH', 'sumTo', 'target has more dims than the input', `ndim <= ${x.ndim}`, fmtShape(shape));
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(x, { axis: axes, keepdims: true }), shape);
}

function softAxes(opts: AxisOptions | undefined): AxisOptions {
  return { axis: opts?.axis ?? -1, keepdims: true };
}

/** max over axes as a constant (no gradient), with ±Infinity replaced by 0 so rows of -Inf stay finite. */
function stableShift(x: Tensor, opts: AxisOptions): Tensor {
  const m = max(x, opts);
  const c = new Tensor(m.data, m.shape, m.dtype, m.strides, m.offset);
  const d = c.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!) && !Number.isNaN(d[i]!)) d[i] = 0;
  return c;
}

/**
 * `log(sum(exp(x)))` over `axis` (default: the last axis), computed stably by shifting by the max.
 * Stays finite for logits of ±1e4; its gradient is `softmax(x)`.
 * @example
 * ```ts
 * logsumexp(tensor([1e4, 1e4])).item(); // 10000.693…
 * ```
 */
export function logsumexp(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('logsumexp', 'x', x);
  const o = softAxes(opts);
  const m = stableShift(t, o);
  const out = add(log(sum(exp(sub(t, m)), o)), m);
  if (opts?.keepdims) return out;
  const axes = normAxes('logsumexp', o.axis, t.ndim);
  return reshape(out, t.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * `x - logsumexp(x)` over `axis` (default: last), stable for large logits.
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])).toArray(); // [-0.693…, -0.693…]
 * ```
 */
export function logSoftmax(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('logSoftmax', 'x', x);
  // (x − m) − log Σ exp(x − m) rather than x − logsumexp(x): at |x| ≈ 1e4 the float32 logsumexp
  // carries an ulp of ~1e-3, which the subtraction would pass on to every log-probability.
  const o = softAxes(opts);
  const z = sub(t, stableShift(t, o));
  return sub(z, log(sum(exp(z), o)));
}

/**
 * `exp(x) / sum(exp(x))` over `axis` (default: last), stable for large logits.
 * @example
 * ```ts
 * softmax(tensor([1e4, 1e4])).toArray(); // [0.5, 0.5]
 * ```
 */
export function softmax(x: Tensor, opts?: AxisOptions): Tensor {
  const t = asTensor('softmax', 'x', x);
  const o = softAxes(opts);
  const e = exp(sub(t, stableShift(t, o)));
  return div(e, sum(e, o));
}
