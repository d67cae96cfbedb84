/**
 * The two sparse primitives, `spmm` (a sparse × dense product in one of four orientations) and
 * `sddmm` (the product of two dense matrices sampled on a pattern), as taped tensor ops over the
 * bare kernels. Each one's VJP is written in the other, so second derivatives work; the core
 * rule table imports this module and nothing else from `sparse/`. Inputs are trusted: the public
 * ops in `ops.ts` / `build.ts` check them.
 *
 * @module
 * @internal
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { allocate, floatType, promoteTypes } from '../tensor/dtype.js';
import type { DType } from '../tensor/dtype.js';
import { contiguous, permute } from '../tensor/ops/movement.js';
import { record } from '../tensor/tape.js';
import { Tensor } from '../tensor/tensor.js';
import type { SparseRows } from './csr.js';
import type { FloatArray, SpmmMode } from './kernels.js';
import { denseSpmmInto, denseSpmmTInto, sddmmInto, spmmInto, spmmTransposedInto, spmvInto } from './kernels.js';

/** `x` if it is a Tensor, else INVALID_ARGUMENT. @internal */
export function tensorArg(op: string, arg: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `argument '${arg}' must be a Tensor`, 'Tensor', describe(x));
  return x;
}

/** `x` if it is a 2-D Tensor. @internal */
export function matrixArg(op: string, arg: string, x: unknown): Tensor {
  const t = tensorArg(op, arg, x);
  if (t.ndim !== 2) throw new NumError('SHAPE_MISMATCH', op, `${arg} must be 2-D`, '[rows, cols]', fmtShape(t.shape));
  return t;
}

/** The elements of `t` in row-major order: a view of its storage (copied first when `t` is a strided view). @internal */
export function elements(t: Tensor): Tensor['data'] {
  const c = contiguous(t);
  return c.data.subarray(c.offset, c.offset + c.size);
}

/** Elements of a tensor that `prepared` made contiguous. */
function dense(t: Tensor): FloatArray {
  return t.data.subarray(t.offset, t.offset + t.size) as FloatArray;
}

/**
 * Values as a contiguous float tensor of `dtype`. Through the tensor's own methods (the same taped
 * ops), so that `spmm` holds no static reference to the op modules: `csrMatvec` bundles without
 * them for callers that only pass Float32Arrays (a Tensor caller has them through its Tensor).
 */
function prepared(t: Tensor, dtype: DType): Tensor {
  return t.astype(dtype).contiguous();
}

/** A new tensor of the same class as `like`, without importing the class (see `prepared`). */
function sameClass(like: Tensor, data: Tensor['data'], shape: readonly number[], dtype: DType): Tensor {
  const Ctor = like.constructor as new (data: Tensor['data'], shape: readonly number[], dtype: DType) => Tensor;
  return new Ctor(data, shape, dtype);
}

/** One orientation's kernel: `(out, pattern, values, b, the dense operand's free dimension)`. */
type SpmmKernel = (out: FloatArray, rows: SparseRows, v: FloatArray, b: FloatArray, free: number) => void;

function spmmWith(mode: SpmmMode, kernel: SpmmKernel, rows: SparseRows, values: Tensor, b: Tensor): Tensor {
  const dtype = floatType(promoteTypes(values.dtype, b.dtype));
  const v = prepared(values, dtype), bt = prepared(b, dtype);
  const { m, k } = rows;
  const [r, c] = bt.shape as [number, number];
  const shape = mode === 'AB' ? [m, c] : mode === 'AtB' ? [k, c] : mode === 'BAt' ? [r, m] : [r, k];
  const out = allocate(dtype, shape[0]! * shape[1]!) as FloatArray;
  kernel(out, rows, dense(v), dense(bt), mode === 'AB' || mode === 'AtB' ? c : r);
  return record('spmm', { mode, pattern: rows }, [v, bt], sameClass(bt, out, shape, dtype));
}

/**
 * The `spmm` primitive: the product of the sparse matrix (`rows`, `values`) with dense `b` in
 * orientation `mode`. Differentiable w.r.t. `values` and `b`. Inputs are trusted. @internal
 */
export function spmm(mode: SpmmMode, rows: SparseRows, values: Tensor, b: Tensor): Tensor {
  const kernel = mode === 'AB' ? spmmInto : mode === 'AtB' ? spmmTransposedInto : mode === 'BAt' ? denseSpmmTInto : denseSpmmInto;
  return spmmWith(mode, kernel, rows, values, b);
}

/**
 * `spmm('AB', rows, values, x)` for float32 `values` and a column `x` of shape [k, 1], as one
 * SpMV pass (the same sums in the same order as the SpMM kernel with one column). It references
 * only that kernel, for `csrMatvec`'s bundle; the VJP, in the rule table, brings the other
 * orientations when gradients are taken. @internal
 */
export function spmvColumn(rows: SparseRows, values: Float32Array, x: Tensor): Tensor {
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  const v = sameClass(x, values, [rows.nnz], 'float32').astype(dtype), bt = prepared(x, dtype);
  const out = dtype === 'float64' ? new Float64Array(rows.m) : new Float32Array(rows.m);
  spmvInto(out, rows, dense(v), dense(bt));
  return record('spmm', { mode: 'AB', pattern: rows }, [v, bt], sameClass(bt, out, [rows.m, 1], dtype));
}

/**
 * The `sddmm` primitive: `out[q] = x[i_q] · z[k_q]` for every stored entry q (row i_q, column
 * k_q), with x m×n and z k×n. Differentiable w.r.t. both. Inputs are trusted. @internal
 */
export function sddmm(rows: SparseRows, x: Tensor, z: Tensor): Tensor {
  const dtype = floatType(promoteTypes(x.dtype, z.dtype));
  const xt = prepared(x, dtype), zt = prepared(z, dtype);
  const out = allocate(dtype, rows.nnz) as FloatArray;
  sddmmInto(out, rows, dense(xt), dense(zt), xt.shape[1]!);
  return record('sddmm', { pattern: rows }, [xt, zt], new Tensor(out, [rows.nnz], dtype));
}

/** `out[q] = Σ_r x[r, i_q] · z[r, k_q]` (column dot products), via contiguous transposes. @internal */
export function sddmmColumns(rows: SparseRows, x: Tensor, z: Tensor): Tensor {
  return sddmm(rows, contiguous(permute(x, [1, 0])), contiguous(permute(z, [1, 0])));
}
