/**
 * Building sparse matrices from tensors (by threshold, by mask, row-balanced), reading their
 * stored values as a trainable tensor, and densifying them back.
 *
 * @module
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { fromTyped } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { Csr, RowBalancedCsr, SparseMatrix } from './csr.js';
import { csrFromDenseArray, rowBalancedFromCsr, rowBalancedFromDenseArray, rowStart, sparseRows } from './csr.js';
import { elements, matrixArg, tensorArg } from './primitives.js';

/**
 * A view of a sparse matrix's stored values as a 1-D float32 Tensor (no copy): the trainable
 * parameter to pair with its pattern in {@link sparseLinear} / {@link sparseConv2d}.
 * @example
 * ```ts
 * const w = csrFromDense(tensor([[0, 1.5], [2, 0]]));
 * const values = csrValues(w);             // [nnz], trains on w's pattern
 * values.toArray(); // [1.5, 2]
 * ```
 */
export function csrValues(s: SparseMatrix): Tensor {
  sparseRows('csrValues', s, true);
  return fromTyped(s.data, [s.data.length]);
}

function denseRowMajor(op: string, t: Tensor): [ArrayLike<number>, number, number] {
  const x = matrixArg(op, 't', t);
  return [elements(x), x.shape[0]!, x.shape[1]!];
}

/** Options of {@link csrFromDense}. */
export interface CsrFromDenseOptions {
  /** Keep entries with `|x| > threshold`. Default 0 (every non-zero; NaN is kept). */
  threshold?: number | undefined;
}

/**
 * The canonical CSR matrix of a 2-D tensor's entries with `|x| > threshold` (float32 values).
 *
 * @throws {NumError} `SHAPE_MISMATCH` unless `t` is 2-D; `INVALID_ARGUMENT` for a negative or
 *   non-finite threshold.
 * @example
 * ```ts
 * const a = csrFromDense(tensor([[0, 1.5], [2, 0]]));   // indptr [0, 1, 2], indices [1, 0]
 * const pruned = csrFromDense(tensor([[0.01, 1], [0.5, -0.02]]), { threshold: 0.05 });  // magnitude pruning
 * Array.from(pruned.indices); // [1, 0]
 * ```
 */
export function csrFromDense(t: Tensor, opts?: CsrFromDenseOptions): Csr {
  const op = 'csrFromDense';
  const threshold = opts?.threshold ?? 0;
  if (typeof threshold !== 'number' || !(threshold >= 0) || threshold === Infinity) {
    throw new NumError('INVALID_ARGUMENT', op, 'threshold must be a finite number >= 0', '>= 0', describe(threshold));
  }
  const [x, m, n] = denseRowMajor(op, t);
  return csrFromDenseArray(x, m, n, threshold);
}

function maskArgs(op: string, values: Tensor, mask: Tensor): [ArrayLike<number>, ArrayLike<number>, number, number] {
  const [x, m, n] = denseRowMajor(op, values);
  const mk = tensorArg(op, 'mask', mask);
  if (mk.ndim !== 2 || mk.shape[0] !== m || mk.shape[1] !== n) {
    throw new NumError('SHAPE_MISMATCH', op, 'mask must have the shape of values', fmtShape([m, n]), fmtShape(mk.shape));
  }
  return [x, elements(mk), m, n];
}

/**
 * The CSR matrix with the pattern of `mask` (non-zero = stored) and the values of `values` at
 * those positions. Stored values may be zero: the pattern comes from the mask alone, which is
 * what a pruned layer that keeps training on a fixed pattern needs.
 *
 * @throws {NumError} `SHAPE_MISMATCH` unless both are 2-D with the same shape.
 * @example
 * ```ts
 * const weight = tensor([[0.05, -0.3], [0.2, 0]]);
 * const w = csrFromMask(weight, greater(abs(weight), 0.1));
 * Array.from(w.indices); // [1, 0]
 * ```
 */
export function csrFromMask(values: Tensor, mask: Tensor): Csr {
  const [x, keep, m, n] = maskArgs('csrFromMask', values, mask);
  return csrFromDenseArray(x, m, n, 0, keep);
}

/** Options of {@link rowBalancedFromDense}. */
export interface RowBalancedOptions {
  /** Entries kept per row (the largest in magnitude). */
  rowNnz: number;
}

/**
 * A row-balanced sparse matrix keeping the `rowNnz` largest-magnitude entries of every row (ties
 * go to the lower column): DRESS's row-based sparsity.
 *
 * @throws {NumError} `SHAPE_MISMATCH` unless `t` is 2-D; `INVALID_ARGUMENT` unless
 *   `0 <= rowNnz <= columns`.
 * @example
 * ```ts
 * const w = rowBalancedFromDense(normal(key(0), [10, 64]), { rowNnz: 16 }); // 16 weights per output neuron
 * w.indices.length; // 160
 * ```
 */
export function rowBalancedFromDense(t: Tensor, opts: RowBalancedOptions): RowBalancedCsr {
  const op = 'rowBalancedFromDense';
  const [x, m, n] = denseRowMajor(op, t);
  const r = opts?.rowNnz;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > n) {
    throw new NumError('INVALID_ARGUMENT', op, 'rowNnz must be an integer in [0, columns]', `0..${n}`, describe(r));
  }
  return rowBalancedFromDenseArray(x, m, n, r);
}

/**
 * A row-balanced sparse matrix with the pattern of `mask`, which must keep the same number of
 * entries in every row.
 *
 * @throws {NumError} `INVALID_ARGUMENT` when mask rows keep different numbers of entries.
 * @example
 * ```ts
 * const weight = tensor([[1, 2, 3], [4, 5, 6]]);
 * const w = rowBalancedFromMask(weight, tensor([[true, false, true], [false, true, true]]));
 * Array.from(w.indices); // [0, 2, 1, 2]
 * ```
 */
export function rowBalancedFromMask(values: Tensor, mask: Tensor): RowBalancedCsr {
  const [x, keep, m, n] = maskArgs('rowBalancedFromMask', values, mask);
  return rowBalancedFromCsr(csrFromDenseArray(x, m, n, 0, keep));
}

/**
 * The dense float32 `[m, n]` tensor of a sparse matrix (either layout).
 * @throws {NumError} `FORMAT` for a malformed matrix.
 * @example
 * ```ts
 * csrToDense(csrFromDense(tensor([[0, 2], [3, 0]]))); // [[0, 2], [3, 0]]
 * ```
 */
export function csrToDense(s: SparseMatrix): Tensor {
  const rows = sparseRows('csrToDense', s, true);
  const { m, k } = rows;
  const out = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let p = rowStart(rows, i), e = rowStart(rows, i + 1); p < e; p++) out[i * k + rows.indices[p]!] = s.data[p]!;
  }
  return new Tensor(out, [m, k], 'float32');
}
