/**
 * Float32 add / sub / mul / div (same shape, scalar or row-vector `b`), relu and relu's VJP on
 * WebAssembly SIMD (src/backend/wat/15-elementwise.wat), for the large contiguous operands of a
 * training step (an optimizer's update and its application to the weights, a bias over a batch,
 * the hidden activations): four lanes per instruction where the JS loop does one element with two
 * conversions. The operands are copied into the arena and the result copied out,
 * so it pays only from a few thousand elements on (see `ELEMENTWISE_MIN`).
 *
 * @module
 */
import { WASM_ELEMENTWISE } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

interface ElementwiseExports {
  ew_f32(code: number, n: number, a: number, b: number, bs: number, o: number): void;
  ew_rows_f32(code: number, rows: number, n: number, a: number, b: number, o: number): void;
  relu_f32(n: number, a: number, o: number): void;
  relu_grad_f32(n: number, x: number, ct: number, o: number): void;
}

const kernels = /* @__PURE__ */ lazyKernels<ElementwiseExports>(WASM_ELEMENTWISE);

/** Below this many elements the copies and the call cost more than the JS loop saves. */
export const ELEMENTWISE_MIN = 4096;

/**
 * `o[i] = a[ai + i] ∘ b[bi + i·bs]` for i < n (`bs` 1, or 0 for a scalar `b`), `code` 0 add, 1 sub,
 * 2 mul, 4 div as in src/tensor/kernels/elementwise.ts; bit-identical to the JS loop. Returns
 * false, having done nothing, when the module cannot be loaded (the caller runs JS).
 *
 * @example
 * ```ts
 * const o = new Float32Array(8192);
 * if (!elementwiseWasmInto(0, 8192, a, 0, b, 0, 1, o)) binaryRowF32(0, 8192, a, 0, 1, b, 0, 1, o, 0);
 * ```
 */
export function elementwiseWasmInto(code: number, n: number, a: Float32Array, ai: number, b: Float32Array, bi: number, bs: number, o: Float32Array): boolean {
  const kx = kernels();
  if (kx === undefined) return false;
  const bPtr = align16(4 * n);
  const { f32 } = arenaViews(kx, bPtr + 4 * (bs === 0 ? 1 : n));
  f32.set(a.subarray(ai, ai + n), 0);
  if (bs === 0) f32[bPtr >> 2] = b[bi]!;
  else f32.set(b.subarray(bi, bi + n), bPtr >> 2);
  kx.ew_f32(code, n, 0, bPtr, bs, 0);
  o.set(f32.subarray(0, n));
  return true;
}

/**
 * `o[r·n + j] = a[ai + r·n + j] ∘ b[bi + j]` for r < rows, j < n: a row vector (a bias) broadcast
 * over the rows of a contiguous block; codes and exactness as {@link elementwiseWasmInto}.
 *
 * @example
 * ```ts
 * const o = new Float32Array(128 * 256);
 * elementwiseRowsWasmInto(0, 128, 256, h, 0, bias, 0, o); // h + bias, row by row
 * ```
 */
export function elementwiseRowsWasmInto(code: number, rows: number, n: number, a: Float32Array, ai: number, b: Float32Array, bi: number, o: Float32Array): boolean {
  const kx = kernels();
  if (kx === undefined) return false;
  const total = rows * n, bPtr = align16(4 * total);
  const { f32 } = arenaViews(kx, bPtr + 4 * n);
  f32.set(a.subarray(ai, ai + total), 0);
  f32.set(b.subarray(bi, bi + n), bPtr >> 2);
  kx.ew_rows_f32(code, rows, n, 0, bPtr, 0);
  o.set(f32.subarray(0, total));
  return true;
}

/**
 * `o[i] = a[ai + i] > 0 ? a[ai + i] : 0` for i < n, bit-identical to the JS relu.
 *
 * @example
 * ```ts
 * const o = new Float32Array(8192);
 * reluWasmInto(8192, x, 0, o);
 * ```
 */
export function reluWasmInto(n: number, a: Float32Array, ai: number, o: Float32Array): boolean {
  const kx = kernels();
  if (kx === undefined) return false;
  const { f32 } = arenaViews(kx, 4 * n);
  f32.set(a.subarray(ai, ai + n), 0);
  kx.relu_f32(n, 0, 0);
  o.set(f32.subarray(0, n));
  return true;
}

/**
 * relu's VJP, `o[i] = x[i] > 0 ? ct[i] : 0` for i < n (whole arrays), bit-identical to JS.
 *
 * @example
 * ```ts
 * const o = new Float32Array(8192);
 * reluGradWasmInto(8192, x, ct, o);
 * ```
 */
export function reluGradWasmInto(n: number, x: Float32Array, ct: Float32Array, o: Float32Array): boolean {
  const kx = kernels();
  if (kx === undefined) return false;
  const cPtr = align16(4 * n);
  const { f32 } = arenaViews(kx, cPtr + 4 * n);
  f32.set(x.subarray(0, n), 0);
  f32.set(ct.subarray(0, n), cPtr >> 2);
  kx.relu_grad_f32(n, 0, cPtr, 0); // in place over x, like the other kernels here
  o.set(f32.subarray(0, n));
  return true;
}
