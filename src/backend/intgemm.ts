/**
 * The int16 GEMM on WebAssembly SIMD (src/backend/wat/30-gemm-i16.wat) behind `intGemmInto`:
 * operands are copied into the arena as int16 (int8 widens on the copy), C comes back as int32.
 *
 * @module
 */
import { align16, arenaViews, type KernelExports } from './runtime.js';

/** Workspace bytes: packed B (512·1024 int16) + packed A (512·128 int16) + one 4×8 int32 tile. */
const WORK_BYTES = (512 * 1024 + 512 * 128) * 2 + 128;

/**
 * `out (=|+=) a·b` (`a·bᵀ` with `transB`) on the wasm kernel; inputs trusted (validated by
 * `intGemmInto`), m, n, k > 0.
 *
 * @example
 * ```ts
 * intGemmWasmInto(wasmKernels()!, out, a, b, m, n, k, false, false);
 * ```
 */
export function intGemmWasmInto(
  kx: KernelExports, out: Int32Array, a: Int8Array | Int16Array, b: Int8Array | Int16Array,
  m: number, n: number, k: number, transB: boolean, accumulate: boolean,
): void {
  const aPtr = align16(WORK_BYTES);
  const bPtr = align16(aPtr + 2 * m * k);
  const cPtr = align16(bPtr + 2 * k * n);
  const v = arenaViews(kx, cPtr + 4 * m * n);
  v.i16.set(a, aPtr >> 1); // TypedArray#set widens int8 to int16 element-wise
  v.i16.set(b, bPtr >> 1);
  if (accumulate) v.i32.set(out.subarray(0, m * n), cPtr >> 2);
  kx.gemm_i16(m, n, k, aPtr, k, 1, bPtr, transB ? 1 : n, transB ? k : 1, cPtr, n, accumulate ? 1 : 0, 0);
  out.set(v.i32.subarray(cPtr >> 2, (cPtr >> 2) + m * n));
}
