/**
 * Movement ops. `reshape` (of contiguous data), `permute`/`transpose`, `slice` and `broadcastTo`
 * return views that share storage; the others copy.
 */
import { options } from '../../validate.js';
import { NO_PARAMS, record } from '../tape.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { allocate, promoteTypes } from '../dtype.js';
import type { DType } from '../dtype.js';
import { assignStrided, addRow, copyRow } from '../kernels/elementwise.js';
import { broadcastShapes, broadcastStrides, checkShape, contiguousStrides, normAxes, normAxis, resolveReshape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { fromTyped, full } from '../create.js';
import { asTensor, where } from './elementwise.js';

function copyContiguous(x: Tensor): Tensor {
  return new Tensor(x.toTyped(), x.shape, x.dtype);
}

/**
 * This tensor if contiguous, else a row-major copy.
 * @example
 * ```ts
 * contiguous(tensor([[1, 2], [3, 4]]).transpose()).toTyped(); // [1, 3, 2, 4]
 * ```
 */
export function contiguous(x: Tensor): Tensor {
  x = asTensor('contiguous', 'x', x);
  if (x.isContiguous()) return x;
  return record('reshape', NO_PARAMS, [x], copyContiguous(x));
}

/**
 * The elements of `x` in row-major order as float32: a view of its storage when `x` is a
 * contiguous float32 tensor, else a converted or gathered copy. For callers that hand a tensor to
 * a typed-array kernel (fused inference passes, DRESS's packed paths). Not traced.
 *
 * @internal
 * @example
 * ```ts
 * float32Data(tensor([[1, 2], [3, 4]]).transpose()); // Float32Array [1, 3, 2, 4]
 * ```
 */
export function float32Data(x: Tensor): Float32Array {
  const d = x.data;
  if (d instanceof Float32Array && x.isContiguous()) return d.subarray(x.offset, x.offset + x.size);
  return Float32Array.from(x.toTyped());
}

/**
 * Same elements, new shape (one dimension may be -1). A view when `x` is contiguous.
 * @throws {NumError} `SHAPE_MISMATCH` when the sizes differ.
 * @example
 * ```ts
 * arange(6).reshape([2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const t = asTensor('reshape', 'x', x);
  const s = resolveReshape('reshape', t.shape, shape);
  if (sameShape(s, t.shape)) return t;
  const src = t.isContiguous() ? t : copyContiguous(t);
  return record('reshape', NO_PARAMS, [t], new Tensor(src.data, s, t.dtype, contiguousStrides(s), src.offset));
}

/**
 * Reorders axes (a view): output axis i is input axis `axes[i]`.
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const op = 'permute';
  const t = asTensor(op, 'x', x);
  if (!Array.isArray(axes) || axes.length !== t.ndim) {
    throw new NumError('INVALID_ARGUMENT', op, 'axes must list every axis once', `${t.ndim} axes`, Array.isArray(axes) ? `[${axes.join(', ')}]` : describe(axes));
  }
  const norm = axes.map((a) => normAxis(op, a, t.ndim));
  if (new Set(norm).size !== norm.length) {
    throw new NumError('INVALID_ARGUMENT', op, 'axes must be a permutation', `a permutation of 0..${t.ndim - 1}`, `[${axes.join(', ')}]`);
  }
  if (norm.every((a, i) => a === i)) return t;
  const out = new Tensor(t.data, norm.map((a) => t.shape[a]!), t.dtype, norm.map((a) => t.strides[a]!), t.offset);
  return record('permute', { axes: norm }, [t], out);
}

/**
 * Reverses the axes, or reorders them as `permute` when `axes` is given (a view).
 * @example
 * ```ts
 * transpose(tensor([[1, 2, 3]])).shape; // [3, 1]
 * ```
 */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  const t = asTensor('transpose', 'x', x);
  return permute(t, axes ?? t.shape.map((_, i) => t.ndim - 1 - i));
}

/** Swaps the last two axes (matrix transpose of a batch). @internal */
export function mT(x: Tensor): Tensor {
  const n = x.ndim;
  const axes = x.shape.map((_, i) => i);
  axes[n - 1] = n - 2;
  axes[n - 2] = n - 1;
  return permute(x, axes);
}

/**
 * Strided slice as a view: `x[starts[i]:ends[i]:steps[i]]` on each axis, python semantics
 * (negative indices count from the end, bounds clamp). Missing trailing entries take the whole
 * axis. Steps must be positive.
 * @example
 * ```ts
 * slice(arange(10), [1], [8], [3]).toArray(); // [1, 4, 7]
 * slice(zeros([4, 5]), [0, -2]).shape;        // [4, 2]
 * ```
 */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly number[], steps?: readonly number[]): Tensor {
  const op = 'slice';
  const t = asTensor(op, 'x', x);
  for (const [name, arr] of [['starts', starts], ['ends', ends], ['steps', steps]] as const) {
    if (arr === undefined && name !== 'starts') continue;
    if (!Array.isArray(arr) || arr.length > t.ndim || arr.some((v) => !Number.isInteger(v))) {
      throw new NumError('INVALID_ARGUMENT', op, `${name} must be an array of at most ${t.ndim} integers`, `integer[${t.ndim}]`, Array.isArray(arr) ? `[${arr.join(', ')}]` : describe(arr));
    }
  }
  const shape: number[] = [];
  const strides: number[] = [];
  const st: number[] = [];
  const sp: number[] = [];
  let offset = t.offset;
  for (let i = 0; i < t.ndim; i++) {
    const n = t.shape[i]!;
    const step = steps?.[i] ?? 1;
    if (step <= 0) throw new NumError('INVALID_ARGUMENT', op, `step on axis ${i} must be positive`, 'step >= 1', String(step));
    let s = starts[i] ?? 0;
    let e = ends?.[i] ?? n;
    if (s < 0) s += n;
    if (e < 0) e += n;
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, s), n);
    const len = Math.ceil((e - s) / step);
    shape.push(len);
    strides.push(t.strides[i]! * step);
    st.push(s);
    sp.push(step);
    if (len > 0) offset += s * t.strides[i]!;
  }
  if (sameShape(shape, t.shape)) return t;
  return record('slice', { starts: st, steps: sp }, [t], new Tensor(t.data, shape, t.dtype, strides, offset));
}

/**
 * The transpose of `slice`: a zero tensor of `shape` with `x` written at
 * `starts + i·steps`. Used by the gradient of slice and by {@link pad}.
 * @example
 * ```ts
 * unslice(ones([2]), [5], [1], [2]).toArray(); // [0, 1, 0, 1, 0]
 * ```
 */
export function unslice(x: Tensor, shape: readonly number[], starts: readonly number[], steps: readonly number[]): Tensor {
  const op = 'unslice';
  const t = asTensor(op, 'x', x);
  const s = checkShape(op, shape);
  for (const [name, arr] of [['starts', starts], ['steps', steps]] as const) {
    if (!Array.isArray(arr) || arr.some((v) => !Number.isInteger(v))) throw new NumError('INVALID_ARGUMENT', op, `${name} must be an array of integers`, `integer[${t.ndim}]`, describe(arr));
  }
  if (s.length !== t.ndim || starts.length !== t.ndim || steps.length !== t.ndim) {
    throw new NumError('SHAPE_MISMATCH', op, 'rank mismatch', `${t.ndim} dims`, `shape ${fmtShape(s)}, ${starts.length} starts, ${steps.length} steps`);
  }
  for (let i = 0; i < t.ndim; i++) {
    const last = starts[i]! + (t.shape[i]! - 1) * steps[i]!;
    if (t.shape[i]! > 0 && (starts[i]! < 0 || steps[i]! < 1 || last >= s[i]!)) {
      throw new NumError('OUT_OF_RANGE', op, `axis ${i} does not fit`, `start + (n-1)·step < ${s[i]}`, `${starts[i]} + ${t.shape[i]! - 1}·${steps[i]}`);
    }
  }
  const out = allocate(t.dtype, sizeOf(s));
  const cs = contiguousStrides(s);
  let off = 0;
  for (let i = 0; i < t.ndim; i++) off += starts[i]! * cs[i]!;
  assignStrided(out, off, cs.map((c, i) => c * steps[i]!), t.data, t.offset, t.strides, t.shape);
  return record('unslice', { shape: s, starts: starts.slice(), steps: steps.slice() }, [t], new Tensor(out, s, t.dtype));
}

/**
 * Broadcasts to `shape` by numpy rules (a view with zero strides).
 * @throws {NumError} `SHAPE_MISMATCH` if not broadcastable.
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [3, 2]).toArray(); // [[1, 2], [1, 2], [1, 2]]
 * ```
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const op = 'broadcastTo';
  const t = asTensor(op, 'x', x);
  const s = checkShape(op, shape);
  const b = broadcastShapes(op, t.shape, s);
  if (!sameShape(b, s)) {
    throw new NumError('SHAPE_MISMATCH', op, 'cannot broadcast', `a shape broadcastable to ${fmtShape(s)}`, fmtShape(t.shape));
  }
  if (sameShape(t.shape, s)) return t;
  const out = new Tensor(t.data, s, t.dtype, broadcastStrides(t.shape, t.strides, s), t.offset);
  return record('broadcast', NO_PARAMS, [t], out);
}

/**
 * Inserts a size-1 axis at `axis`.
 * @example
 * ```ts
 * expandDims(zeros([2, 3]), 0).shape; // [1, 2, 3]
 * ```
 */
export function expandDims(x: Tensor, axis: number): Tensor {
  const t = asTensor('expandDims', 'x', x);
  const a = normAxis('expandDims', axis, t.ndim + 1);
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return reshape(t, s);
}

/**
 * Removes size-1 axes (all of them, or the given ones).
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * ```
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const op = 'squeeze';
  const t = asTensor(op, 'x', x);
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes(op, axis, t.ndim);
  for (const a of axes) {
    if (t.shape[a] !== 1) throw new NumError('SHAPE_MISMATCH', op, `axis ${a} is not of size 1`, 'size 1', `${t.shape[a]} in ${fmtShape(t.shape)}`);
  }
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
}

/** Validates a non-empty list of tensor arguments. */
function tensorList(op: string, tensors: readonly Tensor[]): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new NumError('INVALID_ARGUMENT', op, 'needs a non-empty array of tensors', 'Tensor[]', describe(tensors));
  }
  return tensors.map((t, i) => asTensor(op, `tensors[${i}]`, t));
}

/**
 * Joins tensors along an existing axis.
 * @example
 * ```ts
 * concat([zeros([2, 3]), ones([1, 3])], 0).shape; // [3, 3]
 * ```
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'concat';
  const ts = tensorList(op, tensors);
  const first = ts[0]!;
  const ax = normAxis(op, axis, first.ndim);
  let dtype: DType = first.dtype;
  let total = 0;
  for (const [i, t] of ts.entries()) {
    if (t.ndim !== first.ndim || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new NumError('SHAPE_MISMATCH', op, `tensors[${i}] does not match along the other axes`, fmtShape(first.shape.map((d, j) => (j === ax ? -1 : d))).replace('-1', '*'), fmtShape(t.shape));
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[ax]!;
  }
  if (ts.length === 1) return first;
  const shape = first.shape.slice();
  shape[ax] = total;
  const out = allocate(dtype, sizeOf(shape));
  const cs = contiguousStrides(shape);
  let start = 0;
  for (const t of ts) {
    assignStrided(out, start * cs[ax]!, cs, t.data, t.offset, t.strides, t.shape);
    start += t.shape[ax]!;
  }
  return record('concat', { axis: ax }, ts, new Tensor(out, shape, dtype));
}

/**
 * Joins tensors of equal shape along a new axis.
 * @example
 * ```ts
 * stack([zeros([3]), ones([3])], 1).shape; // [3, 2]
 * ```
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  const ts = tensorList(op, tensors);
  const first = ts[0]!;
  for (const [i, t] of ts.entries()) {
    if (!sameShape(t.shape, first.shape)) throw new NumError('SHAPE_MISMATCH', op, `tensors[${i}] has a different shape`, fmtShape(first.shape), fmtShape(t.shape));
  }
  const ax = normAxis(op, axis, first.ndim + 1);
  return concat(ts.map((t) => expandDims(t, ax)), ax);
}

/**
 * Pads with a constant: `widths[i] = [before, after]` for every axis.
 * @example
 * ```ts
 * pad(tensor([1, 2]), [[1, 2]]).toArray(); // [0, 1, 2, 0, 0]
 * ```
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  const op = 'pad';
  const t = asTensor(op, 'x', x);
  if (!Array.isArray(widths) || widths.length !== t.ndim ||
      widths.some((w) => !Array.isArray(w) || w.length !== 2 || !w.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new NumError('INVALID_ARGUMENT', op, 'widths must give [before, after] non-negative integers for every axis', `${t.ndim} pairs`, describe(widths));
  }
  const shape = t.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
  const starts = widths.map((w) => w[0]);
  const steps = starts.map(() => 1);
  const out = unslice(t, shape, starts, steps);
  if (value === 0) return out;
  const inside = unslice(full(t.shape, true), shape, starts, steps);
  return where(inside, out, value);
}

function checkIndices(op: string, indices: Tensor | readonly number[], n: number): Tensor {
  if (!(indices instanceof Tensor) && !(Array.isArray(indices) && indices.every((v) => typeof v === 'number'))) {
    // Typed arrays (BigInt64Array included) are not accepted here: wrap them with fromTyped.
    throw new NumError('INVALID_ARGUMENT', op, 'indices must be an int Tensor or an array of numbers', 'Tensor | number[]', describe(indices));
  }
  const idx = indices instanceof Tensor ? indices : fromTyped(Int32Array.from(indices as number[]), [(indices as number[]).length]);
  if (idx.dtype !== 'int32' && idx.dtype !== 'int8' && idx.dtype !== 'uint8') {
    throw new NumError('DTYPE_MISMATCH', op, 'indices must be integers', 'int32 | int8 | uint8', idx.dtype);
  }
  const flat = idx.toTyped();
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (!(v >= 0 && v < n) || !Number.isInteger(v)) {
      throw new NumError('OUT_OF_RANGE', op, `index ${i} out of range`, `0 <= index < ${n}`, String(v));
    }
  }
  return idx;
}

/**
 * Takes entries along `axis` (numpy `take`): output shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * @throws {NumError} `OUT_OF_RANGE` for an index outside `[0, x.shape[axis])`.
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4], [5, 6]]), [2, 0]).toArray(); // [[5, 6], [1, 2]]
 * ```
 */
export function gather(x: Tensor, indices: Tensor | readonly number[], opts?: { axis?: number }): Tensor {
  const op = 'gather';
  const t = asTensor(op, 'x', x);
  if (t.ndim === 0) throw new NumError('SHAPE_MISMATCH', op, 'cannot gather from a scalar', 'ndim >= 1', '0');
  const ax = normAxis(op, options(op, 'opts', opts).axis ?? 0, t.ndim);
  const idx = checkIndices(op, indices, t.shape[ax]!);
  const n = t.shape[ax]!;
  const outer = sizeOf(t.shape.slice(0, ax));
  const inner = sizeOf(t.shape.slice(ax + 1));
  const flat = idx.toTyped();
  const src = t.isContiguous() ? t : copyContiguous(t);
  const shape = [...t.shape.slice(0, ax), ...idx.shape, ...t.shape.slice(ax + 1)];
  const out = allocate(t.dtype, sizeOf(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < flat.length; j++, o += inner) {
      copyRow(inner, src.data, src.offset + (a * n + flat[j]!) * inner, 1, out, o, 1);
    }
  }
  return record('gather', { axis: ax }, [t, idx], new Tensor(out, shape, t.dtype));
}

/**
 * The transpose of {@link gather}: adds rows of `src` into a zero tensor of `size` entries along
 * `axis`, at `indices` (repeated indices accumulate).
 * @example
 * ```ts
 * scatterAdd(tensor([1, 2, 3]), [0, 2, 0], { axis: 0, size: 3 }).toArray(); // [4, 0, 2]
 * ```
 */
export function scatterAdd(src: Tensor, indices: Tensor | readonly number[], opts: { axis?: number; size: number }): Tensor {
  const op = 'scatterAdd';
  const t = asTensor(op, 'src', src);
  const o = options(op, 'opts', opts);
  const size = o.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new NumError('INVALID_ARGUMENT', op, 'size must be a non-negative integer', 'integer >= 0', describe(size));
  const idx = checkIndices(op, indices, size);
  const axis = o.axis ?? 0;
  const ax = normAxis(op, axis, t.ndim - idx.ndim + 1);
  const mid = t.shape.slice(ax, ax + idx.ndim);
  if (!sameShape(mid, idx.shape)) {
    throw new NumError('SHAPE_MISMATCH', op, 'src does not hold the indices shape at axis', fmtShape(idx.shape), fmtShape(mid));
  }
  const outer = sizeOf(t.shape.slice(0, ax));
  const inner = sizeOf(t.shape.slice(ax + idx.ndim));
  const shape = [...t.shape.slice(0, ax), size, ...t.shape.slice(ax + idx.ndim)];
  const flat = idx.toTyped();
  const s = t.isContiguous() ? t : copyContiguous(t);
  const out = allocate(t.dtype, sizeOf(shape));
  let i = s.offset;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < flat.length; j++, i += inner) addRow(inner, s.data, i, 1, out, (a * size + flat[j]!) * inner, 1);
  }
  return record('scatterAdd', { axis: ax, size }, [t, idx], new Tensor(out, shape, t.dtype));
}

