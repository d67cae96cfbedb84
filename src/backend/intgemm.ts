/**
 * The int16 GEMM on WebAssembly SIMD (src/backend/wat/30-gemm-i16.wat) behind `intGemmInto`
 * (src/tensor/kernels/intgemm.ts). The operands are copied into the arena as int16 (Int8Array
 * widens in the native `set`), keeping the caller's strides when the span a view covers is
 * compact, so a transposed operand costs a plain copy and the kernel's packers read it through
 * the swapped strides; the kernel forms exact int32 partials per K block of at most 512 terms
 * and adds them, converted to float64 and scaled, straight into a float64 C in the arena, which
 * is copied back once. Within the exactness bound every partial and every sum is an exact
 * integer (times a power of two), so the result is bit-identical to the JS kernel's.
 *
 * @module
 */
import { align16, arenaViews, type KernelExports } from './runtime.js';
import { place, type Placement } from './gemm.js';

/** Workspace bytes: packed B (512·1024 int16) + packed A (512·128 int16) + one 4×8 int32 tile. */
const WORK_BYTES = 1179776; // (512 * 1024 + 512 * 128) * 2 + 128, as a literal: bundlers keep top-level products

type IntArray = Int8Array | Int16Array | Int32Array;

/** Float64 elements of C per kernel call (4 MiB: L3-sized, and ≥ 128 rows of a 4096-column C, the kernel's own M block). */
const CHUNK = 524288;

/** Copies a view into the arena's int16 at element `d`; false (nothing usable) if a value does not fit int16. */
function copyIn(i16: Int16Array, d: number, src: IntArray, off: number, rows: number, cols: number, rs: number, cs: number, p: Placement): boolean {
  if (!p.gather) {
    const part = src.subarray(off, off + p.span);
    if (part instanceof Int32Array) for (let i = 0; i < part.length; i++) { const v = part[i]!; if (v < -32768 || v > 32767) return false; }
    i16.set(part, d); // native element-wise conversion; int32 values are in range here
    return true;
  }
  const wide = src instanceof Int32Array;
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

let f64View: Float64Array | undefined;

function f64Of(buffer: ArrayBuffer): Float64Array {
  if (f64View?.buffer !== buffer) f64View = new Float64Array(buffer);
  return f64View;
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
  const pa = place(m, k, aRs, aCs), pb = place(k, n, bRs, bCs);
  // C is produced in row chunks of about 4 MiB, each copied out while it is still in cache: a
  // whole small-K result (e.g. 500×4096 float64 = 16 MiB) written and read back costs more
  // memory traffic than its GEMM. Each chunk re-packs B, a k×n int16 pass.
  const rows = m * n <= CHUNK ? m : Math.max(4, Math.floor(CHUNK / n / 4) * 4);
  const aPtr = align16(WORK_BYTES);
  const bPtr = align16(aPtr + 2 * pa.span);
  const cPtr = align16(bPtr + 2 * pb.span);
  const v = arenaViews(kx, cPtr + 8 * rows * n);
  if (!copyIn(v.i16, aPtr >> 1, a, aOff, m, k, aRs, aCs, pa) || !copyIn(v.i16, bPtr >> 1, b, bOff, k, n, bRs, bCs, pb)) return false;
  const f64 = f64Of(v.buffer), c0 = cPtr >> 3;
  for (let i0 = 0; i0 < m; i0 += rows) {
    const mc = Math.min(rows, m - i0), co = cOff + i0 * cRs;
    if (accumulate) {
      if (cRs === n) f64.set(c.subarray(co, co + mc * n), c0);
      else for (let i = 0; i < mc; i++) f64.set(c.subarray(co + i * cRs, co + i * cRs + n), c0 + i * n);
    }
    kx.gemm_i16(mc, n, k, aPtr + 2 * i0 * pa.rs, pa.rs, pa.cs, bPtr, pb.rs, pb.cs, cPtr, n, accumulate ? 1 : 0, 0, scale);
    if (cRs === n) c.set(f64.subarray(c0, c0 + mc * n), co);
    else for (let i = 0; i < mc; i++) c.set(f64.subarray(c0 + i * n, c0 + i * n + n), co + i * cRs);
  }
  return true;
}
