/**
 * Products of sparse matrices with dense tensors and the differentiable sparse linear / conv
 * ops that pruned and DRESS subnets train with (gradients w.r.t. the stored values, on the same
 * pattern, and w.r.t. the dense input, without ever densifying the weight). The gradients come
 * from the `spmm` / `sddmm` primitives in `primitives.ts`; building matrices is in `build.ts`.
 *
 * @module
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { fromTyped } from '../tensor/create.js';
import { floatType } from '../tensor/dtype.js';
import { add, astype } from '../tensor/ops/elementwise.js';
import { contiguous, permute, reshape } from '../tensor/ops/movement.js';
import { im2col, makeWindow } from '../tensor/ops/conv.js';
import type { Conv2dOptions, Pair } from '../tensor/ops/conv.js';
import { Tensor } from '../tensor/tensor.js';
import { nonNegativeInt } from '../validate.js';
import type { SparseMatrix, SparsePattern, SparseRows } from './csr.js';
import { sparseRows } from './csr.js';
import { denseSpmmTInto, spmmInto, spmvInto } from './kernels.js';
import { matrixArg, spmm, spmvColumn, tensorArg } from './primitives.js';

function valuesArg(op: string, rows: SparseRows, values: unknown): Tensor {
  const v = tensorArg(op, 'values', values);
  if (v.dtype !== 'float32' && v.dtype !== 'float64') throw new NumError('DTYPE_MISMATCH', op, 'values must be floating point', 'float32 | float64', v.dtype);
  if (v.ndim !== 1 || v.shape[0] !== rows.nnz) {
    throw new NumError('SHAPE_MISMATCH', op, 'values must hold one entry per stored element of the pattern', `[${rows.nnz}]`, fmtShape(v.shape));
  }
  return v;
}

function dimMismatch(op: string, what: string, want: number, t: Tensor): NumError {
  return new NumError('SHAPE_MISMATCH', op, what, String(want), fmtShape(t.shape));
}

/**
 * Matrix-vector product `A · x` (SpMV): a `Float32Array` in gives a `Float32Array` out (one
 * pass over the non-zeros, no Tensor); a 1-D Tensor in gives a Tensor out, differentiable w.r.t.
 * `x`.
 *
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` when `x` has the wrong length.
 * @example
 * ```ts
 * const a = csrFromDense(tensor([[0, 1, 0], [2, 0, 3]]));
 * const y = csrMatvec(a, Float32Array.of(1, 2, 3));   // Float32Array of length m
 * Array.from(y); // [2, 11]
 * const yt = csrMatvec(a, tensor([1, 2, 3]));           // Tensor [m]
 * ```
 */
export function csrMatvec(csr: SparseMatrix, x: Float32Array): Float32Array;
export function csrMatvec(csr: SparseMatrix, x: Tensor): Tensor;
export function csrMatvec(csr: SparseMatrix, x: Float32Array | Tensor): Float32Array | Tensor {
  const op = 'csrMatvec';
  const rows = sparseRows(op, csr, true);
  if (x instanceof Float32Array) return csrMatvecInto(new Float32Array(rows.m), csr, x);
  // The Tensor path runs on the argument's own methods and class, never on an imported Tensor or
  // op module, so that a Float32Array-only caller's bundle stays at the kernel's size.
  if (!isTensorLike(x)) throw new NumError('INVALID_ARGUMENT', op, "argument 'x' must be a Float32Array or a Tensor", 'Float32Array | Tensor', describe(x));
  if (x.ndim !== 1 || x.shape[0] !== rows.k) throw dimMismatch(op, 'x must be a vector with one entry per column', rows.k, x);
  return spmvColumn(rows, csr.data, x.reshape([rows.k, 1])).reshape([rows.m]);
}

/** A Tensor by shape (the same test as `packBits`), without importing the class. */
function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && Array.isArray((v as Tensor).shape) && typeof (v as Tensor).reshape === 'function'
    && ArrayBuffer.isView((v as Tensor).data);
}

/**
 * `out = A · x` into a caller-owned buffer (no allocation); returns `out`.
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` for wrong lengths.
 * @example
 * ```ts
 * const a = csrFromDense(tensor([[0, 1, 0], [2, 0, 3]]));
 * const y = new Float32Array(a.shape[0]);
 * for (const x of [Float32Array.of(1, 2, 3), Float32Array.of(1, 1, 1)]) csrMatvecInto(y, a, x);
 * Array.from(y); // [1, 5]
 * ```
 */
export function csrMatvecInto(out: Float32Array, csr: SparseMatrix, x: Float32Array): Float32Array {
  const op = 'csrMatvecInto';
  const rows = sparseRows(op, csr, true);
  checkBuffer(op, 'x', x, rows.k);
  checkBuffer(op, 'out', out, rows.m);
  spmvInto(out, rows, csr.data, x);
  return out;
}

function checkBuffer(op: string, arg: string, a: unknown, length: number): void {
  if (!(a instanceof Float32Array)) throw new NumError('INVALID_ARGUMENT', op, `${arg} must be a Float32Array`, 'Float32Array', describe(a));
  if (a.length !== length) throw new NumError('SHAPE_MISMATCH', op, `${arg} has the wrong length`, String(length), String(a.length));
}

/**
 * Sparse × dense product `A · B` (SpMM): A m×k sparse, B a `[k, n]` tensor → `[m, n]`.
 * Differentiable w.r.t. `b`; for gradients w.r.t. A's values use {@link sparseMatmul}.
 *
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` when B has the wrong rows.
 * @example
 * ```ts
 * const a = csrFromDense(tensor([[0, 2], [1, 0]])), b = tensor([[1, 2], [3, 4]]);
 * const y = csrMatmulDense(a, b); // [[6, 8], [1, 2]]
 * ```
 */
export function csrMatmulDense(csr: SparseMatrix, b: Tensor): Tensor {
  const op = 'csrMatmulDense';
  const rows = sparseRows(op, csr, true);
  const bt = matrixArg(op, 'b', b);
  if (bt.shape[0] !== rows.k) throw dimMismatch(op, 'b must have one row per column of the sparse matrix', rows.k, bt);
  return spmm('AB', rows, fromTyped(csr.data, [rows.nnz]), bt);
}

/**
 * `out = A · B` into a caller-owned buffer: B and out are row-major `Float32Array`s of `n`
 * columns (`k·n` and `m·n` long). Returns `out`.
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` for wrong lengths.
 * @example
 * ```ts
 * const a = csrFromDense(tensor([[0, 2], [1, 0]]));
 * const out = new Float32Array(2 * 2);
 * csrMatmulDenseInto(out, a, Float32Array.of(1, 2, 3, 4), 2);
 * Array.from(out); // [6, 8, 1, 2]
 * ```
 */
export function csrMatmulDenseInto(out: Float32Array, csr: SparseMatrix, b: Float32Array, n: number): Float32Array {
  const op = 'csrMatmulDenseInto';
  const rows = sparseRows(op, csr, true);
  nonNegativeInt(op, 'n', n);
  checkBuffer(op, 'b', b, rows.k * n);
  checkBuffer(op, 'out', out, rows.m * n);
  spmmInto(out, rows, csr.data, b, n);
  return out;
}

/**
 * Dense × transposed sparse `a · Aᵀ`: `a` `[p, k]`, A m×k sparse → `[p, m]`. This is the
 * forward pass of a pruned linear layer `y = x · Wᵀ` with W stored `[out, in]`.
 * Differentiable w.r.t. `a`.
 *
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` when `a` has the wrong columns.
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3]]), w = csrFromDense(tensor([[1, 0, 0], [0, 0, 1]]));
 * const y = denseMatmulCsrT(x, w); // [[1, 3]]
 * ```
 */
export function denseMatmulCsrT(a: Tensor, csr: SparseMatrix): Tensor {
  const op = 'denseMatmulCsrT';
  const rows = sparseRows(op, csr, true);
  const at = matrixArg(op, 'a', a);
  if (at.shape[1] !== rows.k) throw dimMismatch(op, 'a must have one column per column of the sparse matrix', rows.k, at);
  return spmm('BAt', rows, fromTyped(csr.data, [rows.nnz]), at);
}

/**
 * `out = a · Aᵀ` into a caller-owned buffer: `a` is row-major `p × k`, out `p × m`. Returns `out`.
 * @throws {NumError} `FORMAT` for a malformed matrix; `SHAPE_MISMATCH` for wrong lengths.
 * @example
 * ```ts
 * const w = csrFromDense(tensor([[1, 0, 0], [0, 0, 1]])), batch = 1;
 * const y = new Float32Array(batch * 2);
 * denseMatmulCsrTInto(y, Float32Array.of(1, 2, 3), w, batch);
 * Array.from(y); // [1, 3]
 * ```
 */
export function denseMatmulCsrTInto(out: Float32Array, a: Float32Array, csr: SparseMatrix, p: number): Float32Array {
  const op = 'denseMatmulCsrTInto';
  const rows = sparseRows(op, csr, true);
  nonNegativeInt(op, 'p', p);
  checkBuffer(op, 'a', a, p * rows.k);
  checkBuffer(op, 'out', out, p * rows.m);
  denseSpmmTInto(out, rows, csr.data, a, p);
  return out;
}

/**
 * `A · B` for the sparse matrix with structure `pattern` and stored values `values` (a 1-D
 * tensor, one entry per stored element, in storage order), B `[k, n]` → `[m, n]`.
 * Differentiable w.r.t. `values` (the gradient lives on the pattern) and `b`, to any order.
 *
 * @throws {NumError} `FORMAT` for a malformed pattern; `SHAPE_MISMATCH` for wrong sizes.
 * @example
 * ```ts
 * const pattern = csrFromDense(tensor([[0, 2], [1, 0]])), values = csrValues(pattern), b = tensor([[1, 2], [3, 4]]);
 * const g = grad((v: Tensor) => sum(sparseMatmul(pattern, v, b)))(values); // [7, 3]
 * ```
 */
export function sparseMatmul(pattern: SparsePattern, values: Tensor, b: Tensor): Tensor {
  const op = 'sparseMatmul';
  const rows = sparseRows(op, pattern);
  const v = valuesArg(op, rows, values);
  const bt = matrixArg(op, 'b', b);
  if (bt.shape[0] !== rows.k) throw dimMismatch(op, 'b must have one row per column of the sparse matrix', rows.k, bt);
  return spmm('AB', rows, v, bt);
}

/**
 * A sparse linear layer `y = x · Wᵀ (+ bias)` with W `[out, in]` given as `pattern` + `values`.
 * `x` is `[..., in]`; the result `[..., out]`. Differentiable w.r.t. `x`, `values` and `bias`
 * without densifying W: the forward pass costs O(nnz · batch).
 *
 * @throws {NumError} `FORMAT` for a malformed pattern; `SHAPE_MISMATCH` for wrong sizes.
 * @example
 * ```ts
 * const w = csrFromDense(normal(key(0), [3, 8]), { threshold: 0.02 });
 * const x = ones([4, 8]), bias = zeros([3]), labels = tensor([0, 1, 2, 0], { dtype: 'int32' });
 * const loss = (v: Tensor) => crossEntropy(sparseLinear(x, w, v, bias), labels);
 * const dv = grad(loss)(csrValues(w));
 * console.assert(dv.size === w.indices.length);
 * ```
 */
export function sparseLinear(x: Tensor, pattern: SparsePattern, values: Tensor, bias?: Tensor): Tensor {
  const op = 'sparseLinear';
  const rows = sparseRows(op, pattern);
  const v = valuesArg(op, rows, values);
  const xt = tensorArg(op, 'x', x);
  if (xt.ndim < 1 || xt.shape[xt.ndim - 1] !== rows.k) throw dimMismatch(op, 'the last axis of x must match the input features', rows.k, xt);
  const lead = xt.shape.slice(0, -1);
  let y = spmm('BAt', rows, v, reshape(xt, [lead.reduce((a, d) => a * d, 1), rows.k]));
  y = reshape(y, [...lead, rows.m]);
  if (bias !== undefined) {
    const b = tensorArg(op, 'bias', bias);
    if (b.ndim !== 1 || b.shape[0] !== rows.m) throw dimMismatch(op, 'bias must have one entry per output', rows.m, b);
    y = add(y, b);
  }
  return y;
}

/** Options of {@link sparseConv2d}. */
export interface SparseConv2dOptions extends Omit<Conv2dOptions, 'groups'> {
  /** Kernel size `[kh, kw]` (or one number); the pattern's columns are `Ci·kh·kw`. */
  kernelSize: Pair;
  /** Optional bias `[Co]`. */
  bias?: Tensor | undefined;
}

/**
 * 2-D convolution with a sparse weight: the weight is `pattern` + `values` over rows `Co` and
 * columns `Ci·kh·kw` (the OIHW kernel flattened per output channel, as `csrFromDense` of
 * `w.reshape([Co, -1])` gives). Computed as im2col plus SpMM, so the cost follows nnz; x
 * `[N, Ci, H, W]` → `[N, Co, Ho, Wo]`. Differentiable w.r.t. `x`, `values` and `bias`.
 *
 * @throws {NumError} `FORMAT` for a malformed pattern; `SHAPE_MISMATCH` for wrong sizes.
 * @example
 * ```ts
 * const weight = normal(key(0), [16, 3, 3, 3]);
 * const w = csrFromDense(weight.reshape([16, -1]), { threshold: 0.01 });
 * const y = sparseConv2d(ones([2, 3, 8, 8]), w, csrValues(w), { kernelSize: 3, padding: 1 });
 * y.shape; // [2, 16, 8, 8]
 * ```
 */
export function sparseConv2d(x: Tensor, pattern: SparsePattern, values: Tensor, opts: SparseConv2dOptions): Tensor {
  const op = 'sparseConv2d';
  const rows = sparseRows(op, pattern);
  const v = valuesArg(op, rows, values);
  const xt = tensorArg(op, 'x', x);
  if (xt.ndim !== 4) throw new NumError('SHAPE_MISMATCH', op, 'x must be 4-D (NCHW)', '[N, C, H, W]', fmtShape(xt.shape));
  const [n, c, h, w] = xt.shape as [number, number, number, number];
  if (opts?.kernelSize === undefined) throw new NumError('INVALID_ARGUMENT', op, 'opts.kernelSize is required', 'kh or [kh, kw]', describe(opts?.kernelSize));
  const win = makeWindow(op, h, w, opts.kernelSize, opts);
  if (c * win.kh * win.kw !== rows.k) {
    throw new NumError('SHAPE_MISMATCH', op, 'pattern columns must equal Ci·kh·kw', `${c}·${win.kh}·${win.kw} = ${c * win.kh * win.kw}`, String(rows.k));
  }
  const cols = im2col(astype(xt, floatType(xt.dtype)), win, 0); // [Ci·kh·kw, N·Ho·Wo]
  const prod = spmm('AB', rows, v, cols); // [Co, N·Ho·Wo]
  let y = contiguous(permute(reshape(prod, [rows.m, n, win.ho, win.wo]), [1, 0, 2, 3]));
  if (opts.bias !== undefined) {
    const b = tensorArg(op, 'bias', opts.bias);
    if (b.ndim !== 1 || b.shape[0] !== rows.m) throw dimMismatch(op, 'bias must have one entry per output channel', rows.m, b);
    y = add(y, reshape(b, [1, rows.m, 1, 1]));
  }
  return y;
}

/**
 * {@link sparseConv2d} with the weight's own stored values: a pruned conv layer at inference.
 * @example
 * ```ts
 * const weight = ones([16, 3, 3, 3]);
 * const y = csrConv2d(ones([1, 3, 8, 8]), csrFromDense(weight.reshape([16, -1])), { kernelSize: 3, padding: 1 });
 * y.shape; // [1, 16, 8, 8]
 * ```
 */
export function csrConv2d(x: Tensor, weight: SparseMatrix, opts: SparseConv2dOptions): Tensor {
  sparseRows('csrConv2d', weight, true);
  return sparseConv2d(x, weight, fromTyped(weight.data, [weight.data.length]), opts);
}
