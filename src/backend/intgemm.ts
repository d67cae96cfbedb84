/**
 * The int16 GEMM on WebAssembly SIMD (src/backend/wat/30-gemm-i16.wat) behind `intGemmInto`
 * (src/tensor/kernels/intgemm.ts): operands are gathered into the arena as int16, each K block
 * of at most 512 terms is one kernel call producing exact int32 partials, and the partials are
 * flushed into the float64 C as `c + scale·partial`, block by block in K order — the JS kernel's
 * expression and order, so the two agree bit for bit whenever its exactness bound holds.
 *
 * @module
 */
import { align16, arenaViews, type KernelExports } from './runtime.js';

/** Workspace bytes: packed B (512·1024 int16) + packed A (512·128 int16) + one 4×8 int32 tile. */
const WORK_BYTES = 1179776; // (512 * 1024 + 512 * 128) * 2 + 128, as a literal: bundlers keep top-level products
/** Terms per int32 partial (the JS kernel's INT_FLUSH). */
const KB = 512;

type IntArray = Int8Array | Int16Array | Int32Array;

/** Gathers a rows×cols strided view as row-major int16 at element `d`; false if a value does not fit. */
function gather(i16: Int16Array, d: number, src: IntArray, off: number, rows: number, cols: number, rs: number, cs: number): boolean {
  const wide = src instanceof Int32Array;
  if (!wide && cs === 1 && (rs === cols || rows === 1)) {
    i16.set(src.subarray(off, off + rows * cols), d); // one native copy (int8 widens element-wise)
    return true;
  }
  for (let i = 0; i < rows; i++) {
    let s = off + i * rs;
    for (let j = 0; j < cols; j++, s += cs) {
      const v = src[s]!;
      if (wide && (v < -32768 || v > 32767)) return false;
      i16[d++] = v;
    }
  }
  return true;
}

/**
 * `C (=|+=) scale·(A·B)` on the wasm kernel with the arguments of the JS `intGemmInto`
 * (m, n, k > 0). Returns false, having written nothing, when an Int32Array operand holds a value
 * outside int16 (the caller then runs the JS kernel).
 *
 * @example
 * ```ts
 * if (!intGemmWasmInto(k, m, n, kk, a, 0, kk, 1, b, 0, n, 1, c, 0, n, 1, false)) intGemmJsInto(...);
 * ```
 */
export function intGemmWasmInto(
  kx: KernelExports, m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean,
): boolean {
  const aPtr = align16(WORK_BYTES);
  const bPtr = align16(aPtr + 2 * m * k);
  const cPtr = align16(bPtr + 2 * k * n);
  const v = arenaViews(kx, cPtr + 4 * m * n);
  if (!gather(v.i16, aPtr >> 1, a, aOff, m, k, aRs, aCs) || !gather(v.i16, bPtr >> 1, b, bOff, k, n, bRs, bCs)) return false;
  if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * cRs, cOff + i * cRs + n);
  const p32 = v.i32, c0 = cPtr >> 2;
  for (let p0 = 0; p0 < k; p0 += KB) {
    const kc = Math.min(KB, k - p0);
    // A is m×k row-major (columns p0.. of it), B k×n row-major (rows p0.. of it).
    kx.gemm_i16(m, n, kc, aPtr + 2 * p0, k, 1, bPtr + 2 * p0 * n, n, 1, cPtr, n, 0, 0);
    for (let i = 0; i < m; i++) {
      const co = cOff + i * cRs, po = c0 + i * n;
      for (let j = 0; j < n; j++) c[co + j] = c[co + j]! + scale * p32[po + j]!;
    }
  }
  return true;
}
