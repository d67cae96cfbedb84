/**
 * Creation functions. All take shapes as arrays and an optional `{dtype}` (default float32).
 */
import { checkElements } from '../validate.js';
import { NumError, describe, fmtShape } from '../errors.js';
import type { DType, TypedArray } from './dtype.js';
import { allocate, dtypeOfArray, isDType } from './dtype.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** Values accepted by {@link tensor}. */
export type TensorInput = number | boolean | TypedArray | Tensor | readonly TensorInput[];

/** Options of the creation functions. */
export interface CreateOptions {
  /** Element type; default float32 (bool for boolean input, the array's type for typed arrays). */
  dtype?: DType | undefined;
}

function checkDType(op: string, dtype: unknown): DType | undefined {
  if (dtype === undefined) return undefined;
  if (!isDType(dtype)) {
    throw new NumError('DTYPE_MISMATCH', op, 'unknown dtype', 'float32 | float64 | int32 | int8 | uint8 | bool', describe(dtype));
  }
  return dtype;
}

/** Writes a converted value: bool stores 0/1. */
function store(out: TypedArray, i: number, v: number, dtype: DType): void {
  out[i] = dtype === 'bool' ? (v !== 0 && v === v ? 1 : 0) : v;
}

/**
 * Creates a tensor from a number, nested arrays, a typed array (copied) or another tensor.
 *
 * @throws {NumError} `SHAPE_MISMATCH` for ragged nested arrays or a `shape` of the wrong size,
 *   `DTYPE_MISMATCH` for an unknown dtype, `INVALID_ARGUMENT` for non-numeric entries.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);                        // float32 [2, 2]
 * tensor([1, 2, 3], { dtype: 'int32' });
 * tensor(new Float64Array(6), { shape: [2, 3] });  // float64 [2, 3]
 * ```
 */
export function tensor(values: TensorInput, opts?: CreateOptions & { shape?: readonly number[] | undefined }): Tensor {
  const op = 'tensor';
  let dtype = checkDType(op, opts?.dtype);
  let shape: number[];
  let flat: TypedArray;
  if (values instanceof Tensor) {
    dtype ??= values.dtype;
    shape = values.shape.slice();
    const src = values.toTyped();
    flat = allocate(dtype, src.length);
    for (let i = 0; i < src.length; i++) store(flat, i, src[i]!, dtype);
  } else if (ArrayBuffer.isView(values)) {
    const own = dtypeOfArray(values);
    if (own === undefined) {
      throw new NumError('DTYPE_MISMATCH', op, 'unsupported typed array', 'Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array', describe(values));
    }
    dtype ??= own;
    shape = [values.length];
    flat = allocate(dtype, values.length);
    for (let i = 0; i < values.length; i++) store(flat, i, values[i]!, dtype);
  } else {
    shape = [];
    let probe: unknown = values;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    if (probe !== undefined && typeof probe !== 'number' && typeof probe !== 'boolean') {
      throw new NumError('INVALID_ARGUMENT', op, 'entries must be numbers or booleans', 'number | boolean', describe(probe));
    }
    const dt: DType = dtype ?? (typeof probe === 'boolean' ? 'bool' : 'float32');
    dtype = dt;
    const n = sizeOf(shape);
    flat = allocate(dt, n);
    let k = 0;
    const fill = (v: unknown, dim: number): void => {
      if (dim === shape.length) {
        if (typeof v === 'number') store(flat, k++, v, dt);
        else if (typeof v === 'boolean') store(flat, k++, v ? 1 : 0, dt);
        else if (Array.isArray(v)) {
          throw new NumError('SHAPE_MISMATCH', op, 'ragged nested array', `a number at depth ${dim}`, `an array of length ${v.length}`);
        } else throw new NumError('INVALID_ARGUMENT', op, 'entries must be numbers or booleans', 'number | boolean', describe(v));
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[dim]) {
        throw new NumError('SHAPE_MISMATCH', op, `ragged nested array at depth ${dim}`, `length ${shape[dim]}`,
          Array.isArray(v) ? `length ${v.length}` : describe(v));
      }
      for (const e of v) fill(e, dim + 1);
    };
    fill(values, 0);
  }
  if (opts?.shape !== undefined) {
    const target = checkShape(op, opts.shape);
    if (sizeOf(target) !== flat.length) {
      throw new NumError('SHAPE_MISMATCH', op, 'shape does not match the number of values', `${flat.length} elements`, `${fmtShape(target)} (${sizeOf(target)} elements)`);
    }
    shape = target;
  }
  return new Tensor(flat, shape, dtype);
}

/**
 * Wraps a typed array as a tensor **without copying**: the tensor aliases `data`, so later writes
 * to `data` show through. A `Uint8Array` may be viewed as `bool` with `{dtype: 'bool'}`.
 *
 * @example
 * ```ts
 * const buf = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const t = fromTyped(buf, [2, 3]);
 * t.data === buf; // true
 * ```
 */
export function fromTyped(data: TypedArray, shape?: readonly number[], opts?: { dtype?: DType }): Tensor {
  const op = 'fromTyped';
  const own = dtypeOfArray(data);
  if (own === undefined) {
    throw new NumError('DTYPE_MISMATCH', op, 'unsupported typed array', 'Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array', describe(data));
  }
  let dtype: DType = own;
  if (opts?.dtype !== undefined) {
    if (!(opts.dtype === own || (opts.dtype === 'bool' && own === 'uint8'))) {
      throw new NumError('DTYPE_MISMATCH', op, 'dtype does not match the array type', own === 'uint8' ? 'uint8 | bool' : own, String(opts.dtype));
    }
    dtype = opts.dtype;
  }
  const s = shape === undefined ? [data.length] : checkShape(op, shape);
  if (sizeOf(s) !== data.length) {
    throw new NumError('SHAPE_MISMATCH', op, 'shape does not match the array length', `${data.length} elements`, `${fmtShape(s)} (${sizeOf(s)} elements)`);
  }
  return new Tensor(data, s, dtype);
}

/**
 * A tensor filled with `value`.
 *
 * @example
 * ```ts
 * full([2, 2], 7, { dtype: 'int32' }).toArray(); // [[7, 7], [7, 7]]
 * ```
 */
export function full(shape: readonly number[], value: number | boolean, opts?: CreateOptions): Tensor {
  const s = checkShape('full', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new NumError('INVALID_ARGUMENT', 'full', 'value must be a number or boolean', 'number | boolean', describe(value));
  }
  const dtype = checkDType('full', opts?.dtype) ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const data = allocate(dtype, sizeOf(s));
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (v !== 0) {
    store(data, 0, v, dtype);
    data.fill(data[0]!);
  }
  return new Tensor(data, s, dtype);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * zeros([2, 3]).shape; // [2, 3]
 * ```
 */
export function zeros(shape: readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 0, opts);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * ones([3], { dtype: 'float64' }).toArray(); // [1, 1, 1]
 * ```
 */
export function ones(shape: readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 1, opts);
}

/**
 * Evenly spaced values in `[start, stop)`. `arange(n)` counts from 0. The dtype defaults to
 * int32 when all arguments are integers, else float32.
 *
 * @example
 * ```ts
 * arange(4).toArray();        // [0, 1, 2, 3]
 * arange(0, 1, 0.25).toArray(); // [0, 0.25, 0.5, 0.75]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, opts?: CreateOptions): Tensor {
  const op = 'arange';
  if (stop === undefined) { stop = start; start = 0; }
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite number`, 'finite number', describe(v));
  }
  if (step === 0) throw new NumError('INVALID_ARGUMENT', op, 'step must be non-zero', 'step != 0', '0');
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step);
  const dtype = checkDType(op, opts?.dtype) ?? (allInt ? 'int32' : 'float32');
  const n = checkElements(op, Math.max(0, Math.ceil((stop - start) / step)));
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) store(data, i, start + i * step, dtype);
  return new Tensor(data, [n], dtype);
}

/**
 * An `n × m` matrix with ones on the diagonal.
 *
 * @example
 * ```ts
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m?: number, opts?: CreateOptions): Tensor {
  const cols = m ?? n;
  const s = checkShape('eye', [n, cols]);
  const dtype = checkDType('eye', opts?.dtype) ?? 'float32';
  const data = allocate(dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return new Tensor(data, s, dtype);
}

/** A 0-d tensor holding `v` with the given dtype. @internal */
export function scalar(v: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  store(data, 0, v, dtype);
  return new Tensor(data, [], dtype);
}
