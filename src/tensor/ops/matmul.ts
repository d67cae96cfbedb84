/**
 * Batched, broadcasting matrix product on the packed, register-tiled GEMM kernel.
 */
import { NO_PARAMS, record } from '../tape.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { DType } from '../dtype.js';
import { allocate, floatType, promoteTypes } from '../dtype.js';
import { gemmInto } from '../kernels/gemm.js';
import type { FloatArray } from '../kernels/gemm.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { astype } from './elementwise.js';
import { reshape } from './movement.js';

/** Runs the GEMM for every batch entry; all operands already have the output dtype. */
function batchedGemm(a: Tensor, b: Tensor, out: FloatArray, outOff: number, batch: readonly number[]): void {
  const ra = a.ndim, rb = b.ndim;
  const m = a.shape[ra - 2]!, kk = a.shape[ra - 1]!, n = b.shape[rb - 1]!;
  const sa = broadcastStrides(a.shape.slice(0, ra - 2), a.strides.slice(0, ra - 2), batch);
  const sb = broadcastStrides(b.shape.slice(0, rb - 2), b.strides.slice(0, rb - 2), batch);
  const count = sizeOf(batch);
  const ad = a.data as FloatArray, bd = b.data as FloatArray;
  const asr = a.strides[ra - 2]!, asc = a.strides[ra - 1]!, bsr = b.strides[rb - 2]!, bsc = b.strides[rb - 1]!;
  for (let i = 0; i < count; i++) {
    // Decompose the batch index without allocating.
    let rem = i, ao = a.offset, bo = b.offset;
    for (let d = batch.length - 1; d >= 0; d--) {
      const dim = batch[d]!;
      const q = rem % dim;
      rem = (rem - q) / dim;
      ao += q * sa[d]!;
      bo += q * sb[d]!;
    }
    gemmInto(m, n, kk, ad, ao, asr, asc, bd, bo, bsr, bsc, out, outOff + i * m * n, n, false);
  }
}

function checkOperands(op: string, a: unknown, b: unknown): [Tensor, Tensor] {
  if (!(a instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, "argument 'a' must be a Tensor", 'Tensor', describe(a));
  if (!(b instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, "argument 'b' must be a Tensor", 'Tensor', describe(b));
  if (a.ndim === 0 || b.ndim === 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'operands must have at least one dimension', 'ndim >= 1', `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return [a, b];
}

function checkInner(op: string, a: Tensor, b: Tensor): void {
  const ka = a.shape[a.ndim - 1]!, kb = b.shape[b.ndim - 2]!;
  if (ka !== kb) {
    throw new NumError('SHAPE_MISMATCH', op, 'inner dimensions differ', `a.shape[${a.ndim - 1}] (${ka}) == b.shape[${b.ndim - 2}] (${kb})`,
      `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
}

/**
 * Matrix product with numpy semantics: the last two axes multiply, leading axes broadcast;
 * a 1-D operand is treated as a row (a) or column (b) vector and that axis is dropped.
 * Integer operands compute in float32.
 *
 * @throws {NumError} `SHAPE_MISMATCH` when the inner dimensions differ or batches don't broadcast.
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray(); // [[17], [39]]
 * matmul(zeros([8, 2, 3]), zeros([3, 4])).shape;                   // [8, 2, 4]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const op = 'matmul';
  checkOperands(op, a, b);
  const dtype = floatType(promoteTypes(a.dtype, b.dtype));
  let a2 = astype(a, dtype);
  let b2 = astype(b, dtype);
  const vecA = a2.ndim === 1, vecB = b2.ndim === 1;
  if (vecA) a2 = reshape(a2, [1, a2.shape[0]!]);
  if (vecB) b2 = reshape(b2, [b2.shape[0]!, 1]);
  checkInner(op, a2, b2);
  const batch = broadcastShapes(op, a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const m = a2.shape[a2.ndim - 2]!, n = b2.shape[b2.ndim - 1]!;
  const shape = [...batch, m, n];
  const out = allocate(dtype, sizeOf(shape)) as FloatArray;
  batchedGemm(a2, b2, out, 0, batch);
  let r = record('matmul', NO_PARAMS, [a2, b2], new Tensor(out, shape, dtype));
  if (vecA || vecB) r = reshape(r, [...batch, ...(vecA ? [] : [m]), ...(vecB ? [] : [n])]);
  return r;
}

/**
 * Writes `matmul(a, b)` into the contiguous tensor `out` without allocating (after the kernel's
 * scratch buffers have grown once). All three must share one float dtype; `a` and `b` may be
 * strided views (transposes are free). Not differentiable.
 *
 * @throws {NumError} `SHAPE_MISMATCH`/`DTYPE_MISMATCH`/`INVALID_ARGUMENT` on bad operands.
 * @example
 * ```ts
 * const out = zeros([2, 2]);
 * matmulInto(out, tensor([[1, 2], [3, 4]]), eye(2)); // out now holds [[1, 2], [3, 4]]
 * ```
 */
export function matmulInto(out: Tensor, a: Tensor, b: Tensor): Tensor {
  const op = 'matmulInto';
  checkOperands(op, a, b);
  if (!(out instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, "argument 'out' must be a Tensor", 'Tensor', describe(out));
  const dtype: DType = out.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || a.dtype !== dtype || b.dtype !== dtype) {
    throw new NumError('DTYPE_MISMATCH', op, 'out, a and b must share one float dtype', 'float32 or float64 for all', `${out.dtype}, ${a.dtype}, ${b.dtype}`);
  }
  if (a.ndim < 2 || b.ndim < 2) throw new NumError('SHAPE_MISMATCH', op, 'operands must be at least 2-D', 'ndim >= 2', `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  checkInner(op, a, b);
  const batch = broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.ndim - 2]!, b.shape[b.ndim - 1]!];
  if (!sameShape(out.shape, shape) || !out.isContiguous()) {
    throw new NumError('SHAPE_MISMATCH', op, 'out must be contiguous with the product shape', fmtShape(shape), `${fmtShape(out.shape)}${out.isContiguous() ? '' : ' (strided)'}`);
  }
  batchedGemm(a, b, out.data as FloatArray, out.offset, batch);
  return out;
}
