/**
 * Datasets: a pair of tensors `x` ([N, ...]) and `y` (int32 [N]) with seeded shuffling, batching,
 * splitting and normalisation. Runtime-neutral and deterministic: every random choice comes from
 * an explicit {@link Key}. Rows are copied with `TypedArray.set` on contiguous runs, never element by
 * element, so batching MNIST-sized data costs a few milliseconds per epoch.
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { permutation } from '../random.js';
import type { Key } from '../random.js';
import { fromTyped, tensor } from '../tensor/create.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { allocate, isFloat } from '../tensor/dtype.js';
import { astype, div, sub } from '../tensor/ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import { checkCount } from '../validate.js';


/**
 * A labelled dataset: inputs `x` of shape `[N, ...]` (any dtype) and int32 labels `y` of shape `[N]`.
 *
 * @example
 * ```ts
 * const ds: Dataset = { x: zeros([4, 2]), y: tensor([0, 1, 0, 1], { dtype: 'int32' }) };
 * ```
 */
export interface Dataset {
  /** Inputs, shape `[N, ...]`. */
  x: Tensor;
  /** Integer labels, int32 of shape `[N]`. */
  y: Tensor;
}

/**
 * Options of {@link batches}.
 *
 * @example
 * ```ts
 * const opts: BatchOptions = { key: foldIn(key(0), epoch), dropLast: true };
 * ```
 */
export interface BatchOptions {
  /** Shuffle with this key (the order is a pure function of the key); default: dataset order. */
  key?: Key | undefined;
  /** Drop the final batch when it has fewer than `batchSize` examples; default false. */
  dropLast?: boolean | undefined;
}

// ---- internal row access -------------------------------------------------------------------------

/** Contiguous row-major access to the rows of a dataset. @internal */
export interface Rows {
  readonly n: number;
  /** Elements per row of x. */
  readonly row: number;
  readonly rowShape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
  readonly offset: number;
  /** Labels, contiguous from index 0. */
  readonly labels: Int32Array;
}

/**
 * Checks the structure every dataset shares: an object `{x, y}` of tensors, each with a leading
 * example axis of the same length. Methods add their own checks (label dtype, input shape) on top.
 * @throws {NumError} `INVALID_ARGUMENT` for a non-object or non-tensor fields, `SHAPE_MISMATCH` for
 *   a missing example axis or different example counts.
 * @example
 * ```ts
 * const d = datasetArg('dress.packedAccuracy', 'data', { x: zeros([4, 2]), y: tensor([0, 1, 0, 1], { dtype: 'int32' }) });
 * d.x.shape[0]; // 4
 * ```
 * @internal
 */
export function datasetArg(op: string, name: string, v: unknown): Dataset {
  const want = '{x: Tensor [N, ...], y: Tensor [N, ...]}';
  if (v === null || typeof v !== 'object') throw new NumError('INVALID_ARGUMENT', op, `${name} must be a dataset {x, y}`, want, describe(v));
  const { x, y } = v as { x?: unknown; y?: unknown };
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name}.x and ${name}.y must be tensors`, want, `{x: ${describe(x)}, y: ${describe(y)}}`);
  }
  if (x.ndim < 1 || y.ndim < 1 || x.shape[0] !== y.shape[0]) {
    throw new NumError('SHAPE_MISMATCH', op, `${name}.x and ${name}.y must hold the same number of examples`, want, `x ${fmtShape(x.shape)}, y ${fmtShape(y.shape)}`);
  }
  return v as Dataset;
}

/** Validates a dataset with int32 labels and returns contiguous access to its rows (copies only strided views). @internal */
export function rowsOf(op: string, ds: unknown): Rows {
  const { x, y } = datasetArg(op, 'dataset', ds);
  if (y.dtype !== 'int32' || y.ndim !== 1) {
    throw new NumError('DTYPE_MISMATCH', op, 'dataset y must be an int32 vector', 'int32 [N]', `${y.dtype} ${fmtShape(y.shape)}`);
  }
  const n = x.shape[0]!;
  const rowShape = x.shape.slice(1);
  const row = rowShape.reduce((a, b) => a * b, 1);
  const contiguous = x.isContiguous();
  const labels = y.toTyped({ copy: false }) as Int32Array;
  return {
    n, row, rowShape, dtype: x.dtype,
    data: contiguous ? x.data : x.toTyped(),
    offset: contiguous ? x.offset : 0,
    labels,
  };
}

/** Below this row size, rows are copied element by element (cheaper than a subarray per row). */
const SMALL_ROW = 16;

/** Copies rows `idx[start..end)` into a new x tensor (indices must be valid). @internal */
export function gatherRows(src: Rows, idx: ArrayLike<number>, start: number, end: number): Tensor {
  const m = end - start;
  const row = src.row;
  const out = allocate(src.dtype, m * row);
  const data = src.data;
  const off = src.offset;
  if (row < SMALL_ROW) {
    let o = 0;
    for (let i = start; i < end; i++) {
      const b = off + idx[i]! * row;
      for (let c = 0; c < row; c++) out[o++] = data[b + c]!;
    }
  } else {
    let i = start;
    while (i < end) {
      // Coalesce a run of consecutive indices into one copy.
      const first = idx[i]!;
      let j = i + 1;
      while (j < end && idx[j] === first + (j - i)) j++;
      out.set(data.subarray(off + first * row, off + (first + (j - i)) * row), (i - start) * row);
      i = j;
    }
  }
  return fromTyped(out, [m, ...src.rowShape], { dtype: src.dtype });
}

/** Copies labels `idx[start..end)` into a new int32 tensor. @internal */
export function gatherLabels(src: Rows, idx: ArrayLike<number>, start: number, end: number): Tensor {
  const out = new Int32Array(end - start);
  const labels = src.labels;
  for (let i = start; i < end; i++) out[i - start] = labels[idx[i]!]!;
  return fromTyped(out, [end - start]);
}

// ---- public API ----------------------------------------------------------------------------------

/**
 * A random permutation of `0 … n−1` as an `Int32Array` (the data of {@link permutation}: the
 * same key gives the same order on every runtime).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or `n`.
 * @example
 * ```ts
 * const order = shuffle(key(0), 5); // e.g. Int32Array [3, 0, 4, 1, 2]
 * ```
 */
export function shuffle(k: Key, n: number): Int32Array {
  return permutation(k, n).toTyped({ copy: false }) as Int32Array;
}

/**
 * The examples at `indices` (in that order, repeats allowed), copied into a new dataset.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a malformed dataset or non-integer indices,
 *   `OUT_OF_RANGE` for an index outside `[0, N)`.
 * @example
 * ```ts
 * const ds = { x: arange(200).reshape([200, 1]), y: zeros([200], { dtype: 'int32' }) };
 * const firstTwo = take(ds, [0, 1]);
 * firstTwo.x.toArray(); // [[0], [1]]
 * const picked = take(ds, shuffle(key(1), ds.y.size).subarray(0, 100));
 * ```
 */
export function take(ds: Dataset, indices: ArrayLike<number> | Tensor): Dataset {
  const op = 'take';
  const src = rowsOf(op, ds);
  let idx: ArrayLike<number>;
  if (indices instanceof Tensor) {
    if (indices.ndim !== 1 || isFloat(indices.dtype) || indices.dtype === 'bool') {
      throw new NumError('INVALID_ARGUMENT', op, 'indices must be a 1-D integer tensor', 'int [M]', `${indices.dtype} ${fmtShape(indices.shape)}`);
    }
    idx = indices.toTyped({ copy: false });
  } else if (indices !== null && typeof indices === 'object' && typeof indices.length === 'number') {
    idx = indices;
  } else {
    throw new NumError('INVALID_ARGUMENT', op, 'indices must be an array-like of integers or a tensor', 'ArrayLike<number> | Tensor', describe(indices));
  }
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new NumError('INVALID_ARGUMENT', op, `indices[${i}] must be an integer`, 'integer', describe(v));
    }
    if (v < 0 || v >= src.n) throw new NumError('OUT_OF_RANGE', op, `indices[${i}] is out of range`, `[0, ${src.n})`, String(v));
  }
  return { x: gatherRows(src, idx, 0, idx.length), y: gatherLabels(src, idx, 0, idx.length) };
}

/**
 * Mini-batches covering the dataset once: every example appears in exactly one batch (with
 * `dropLast`, the `N mod batchSize` examples of the short last batch are skipped). With a `key` the
 * order is a seeded permutation ({@link shuffle}); without one it is the dataset order. The returned
 * iterable can be iterated again and yields the same batches each time; use a fresh key per epoch
 * (e.g. `foldIn(k, epoch)`). Each batch is a fresh copy.
 *
 * @throws {NumError} for a malformed dataset or a `batchSize` that is not a positive integer.
 * @example
 * ```ts
 * const train = { x: zeros([300, 1, 28, 28]), y: zeros([300], { dtype: 'int32' }) };
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const { x, y } of batches(train, 128, { key: foldIn(key(0), epoch) })) {
 *     // x: [<=128, 1, 28, 28], y: int32 [<=128]
 *   }
 * }
 * ```
 */
export function batches(ds: Dataset, batchSize: number, opts?: BatchOptions): Iterable<Dataset> {
  const op = 'batches';
  const src = rowsOf(op, ds);
  const size = checkCount(op, 'batchSize', batchSize, 1);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{key?, dropLast?}', describe(opts));
  }
  const n = src.n;
  let order: ArrayLike<number>;
  if (opts?.key !== undefined) order = shuffle(opts.key, n);
  else {
    const ident = new Int32Array(n);
    for (let i = 0; i < n; i++) ident[i] = i;
    order = ident;
  }
  const end = opts?.dropLast === true ? n - (n % size) : n;
  return {
    *[Symbol.iterator](): Generator<Dataset, void, undefined> {
      for (let s = 0; s < end; s += size) {
        const e = Math.min(s + size, end);
        yield { x: gatherRows(src, order, s, e), y: gatherLabels(src, order, s, e) };
      }
    },
  };
}

/**
 * A seeded random split into two disjoint datasets: the first holds `nFirst` examples, the
 * second the remaining `N − nFirst`. Both come out in a random order (the rows of
 * `shuffle(k, N)` in turn), so the same key always gives the same split.
 *
 * @throws {NumError} `OUT_OF_RANGE` unless `0 <= nFirst <= N`; `INVALID_ARGUMENT` for a bad key.
 * @example
 * ```ts
 * const all = { x: zeros([60, 4]), y: zeros([60], { dtype: 'int32' }) };
 * const [train, val] = splitDataset(all, 50, key(0));
 * val.y.shape; // [10]
 * ```
 */
export function splitDataset(ds: Dataset, nFirst: number, k: Key): [Dataset, Dataset] {
  const op = 'splitDataset';
  const src = rowsOf(op, ds);
  const m = checkCount(op, 'nFirst', nFirst, 0, src.n);
  const order = shuffle(k, src.n);
  return [
    { x: gatherRows(src, order, 0, m), y: gatherLabels(src, order, 0, m) },
    { x: gatherRows(src, order, m, src.n), y: gatherLabels(src, order, m, src.n) },
  ];
}

function checkStat(op: string, name: string, v: unknown, positive: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
    const want = positive ? 'a finite number > 0' : 'a finite number';
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be ${want}`, want, describe(v));
  }
}

/**
 * `(x − mean) / std`. Integer and bool inputs are converted to float32 first; float inputs keep
 * their dtype. `mean` and `std` are numbers, or arrays with one value per channel along axis 1
 * (NCHW). Built from differentiable ops.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-finite mean or a std that is not `> 0`,
 *   `SHAPE_MISMATCH` when per-channel arrays do not match `x.shape[1]`.
 * @example
 * ```ts
 * const xn = normalize(full([2, 1, 28, 28], 0.1307), 0.1307, 0.3081);             // MNIST
 * const cn = normalize(ones([2, 3, 32, 32]), [0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]); // CIFAR-10
 * xn.toTyped()[0]; // 0
 * cn.shape; // [2, 3, 32, 32]
 * ```
 */
export function normalize(x: Tensor, mean: number | readonly number[], std: number | readonly number[]): Tensor {
  const op = 'normalize';
  if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'x must be a Tensor', 'Tensor', describe(x));
  const xf = isFloat(x.dtype) ? x : astype(x, 'float32');
  const perChannel = (name: string, v: number | readonly number[], positive: boolean): number | Tensor => {
    if (!Array.isArray(v)) {
      checkStat(op, name, v, positive);
      return v as number;
    }
    const arr = v as readonly number[];
    if (xf.ndim < 2 || xf.shape[1] !== arr.length) {
      throw new NumError('SHAPE_MISMATCH', op, `per-channel ${name} must have one value per channel (axis 1)`,
        xf.ndim < 2 ? 'x of ndim >= 2' : `${xf.shape[1]} values`, xf.ndim < 2 ? fmtShape(xf.shape) : `${arr.length} values`);
    }
    arr.forEach((a, i) => checkStat(op, `${name}[${i}]`, a, positive));
    const shape = [arr.length, ...new Array<number>(xf.ndim - 2).fill(1)];
    return tensor(arr as number[], { dtype: xf.dtype, shape });
  };
  const m = perChannel('mean', mean, false);
  const s = perChannel('std', std, true);
  return div(sub(xf, m), s);
}
