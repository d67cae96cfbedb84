/**
 * Shape and stride arithmetic shared by the tensor ops. Pure functions over number arrays.
 * @internal
 */
import { checkElements } from '../validate.js';
import { NumError, describe, fmtShape } from '../errors.js';

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides for a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Validates a user-supplied shape: an array of non-negative safe integers. */
export function checkShape(op: string, shape: unknown, arg = 'shape'): number[] {
  if (!Array.isArray(shape)) {
    throw new NumError('INVALID_ARGUMENT', op, `${arg} must be an array of dimensions`, 'number[]', describe(shape));
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new NumError('INVALID_ARGUMENT', op, `${arg} has an invalid dimension`, 'non-negative integers', fmtShape(shape as number[]));
    }
  }
  checkElements(op, sizeOf(shape as number[]), `${arg} ${fmtShape(shape as number[])}`);
  return shape.slice() as number[];
}

/** Normalises one axis (negative counts from the end) or throws OUT_OF_RANGE. */
export function normAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new NumError('OUT_OF_RANGE', op, 'axis out of range', `an integer in [${-ndim}, ${ndim - 1}]`, describe(axis));
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises an axis option (undefined = all axes) into sorted unique axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list) && typeof axis !== 'number') {
    throw new NumError('INVALID_ARGUMENT', op, 'axis must be a number or an array of numbers', 'number | number[]', describe(axis));
  }
  const out = list.map((a) => normAxis(op, a, ndim));
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  if (sorted.length !== out.length) {
    throw new NumError('INVALID_ARGUMENT', op, 'repeated axis', 'distinct axes', `[${list.join(', ')}]`);
  }
  return sorted;
}

/** numpy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new NumError('SHAPE_MISMATCH', op, 'shapes cannot be broadcast together', `compatible shapes`, `${fmtShape(a)} and ${fmtShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` (broadcast from `srcShape`/`srcStrides`): 0 on broadcast dims. */
export function broadcastStrides(
  srcShape: readonly number[],
  srcStrides: readonly number[],
  shape: readonly number[],
): number[] {
  const n = shape.length;
  const lead = n - srcShape.length;
  const out = new Array<number>(n).fill(0);
  for (let i = lead; i < n; i++) {
    out[i] = srcShape[i - lead] === 1 ? 0 : srcStrides[i - lead]!;
  }
  return out;
}

/** True when strides are the row-major strides of the shape (size-1 dims ignored). */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    if (strides[i] !== acc) return false;
    acc *= d;
  }
  return true;
}

/** Shapes equal element by element. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves one `-1` in a reshape target. */
export function resolveReshape(op: string, from: readonly number[], to: readonly number[]): number[] {
  if (!Array.isArray(to)) {
    throw new NumError('INVALID_ARGUMENT', op, 'shape must be an array', 'number[]', describe(to));
  }
  const total = sizeOf(from);
  let infer = -1;
  let known = 1;
  const out = to.slice();
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (infer >= 0) throw new NumError('INVALID_ARGUMENT', op, 'more than one -1 in shape', 'at most one -1', fmtShape(to));
      infer = i;
    } else if (!Number.isSafeInteger(d) || d < 0) {
      throw new NumError('INVALID_ARGUMENT', op, 'shape has an invalid dimension', 'non-negative integers or one -1', fmtShape(to));
    } else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new NumError('SHAPE_MISMATCH', op, 'cannot infer -1 dimension', `a shape whose size divides ${total}`, fmtShape(to));
    }
    out[infer] = total / known;
  } else if (known !== total) {
    throw new NumError('SHAPE_MISMATCH', op, 'sizes differ', `${total} elements (from ${fmtShape(from)})`, `${fmtShape(to)} (${known} elements)`);
  }
  return out;
}
