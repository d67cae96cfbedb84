/**
 * Sparse × dense products on WebAssembly SIMD (src/backend/wat/50-spmm.wat) behind the float32
 * forms of `spmmInto` (out = A·B) and `denseSpmmTInto` (out = B·Aᵀ, a pruned linear layer) in
 * src/sparse/kernels.ts. The pattern, its values and B are copied into the arena (indices widened
 * to int32, B's rows padded to a multiple of 16 columns; for B·Aᵀ, B is transposed on the way in
 * and the result on the way out, so both products are one kernel), the kernel runs, and the
 * result is copied back. Sums are float32 (the JS kernels sum in float64): the results agree
 * with the float64 reference within float32 summation error and are identical run to run.
 *
 * @module
 */
import { WASM_SPMM } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** What the kernel reads of a sparse pattern: `KernelRows` of src/sparse/kernels.ts (structurally). */
interface KernelRows {
  readonly m: number;
  readonly k: number;
  readonly indptr: Int32Array | null;
  readonly rowNnz: number;
  readonly indices: Int32Array | Uint16Array | Uint32Array;
  readonly stride?: number | undefined;
}

/** The SpMM family. All pointers are byte offsets; `ptr = 0` selects the row-balanced form. */
interface SpmmExports {
  spmm_f32(m: number, nb: number, ptr: number, rowNnz: number, stride: number, idx: number, v: number, b: number, out: number): void;
}

/**
 * The SpMM module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (spmmKernels() === undefined) console.log('JS SpMM');
 * ```
 */
export const spmmKernels = /* @__PURE__ */ lazyKernels<SpmmExports>(WASM_SPMM);

/** Fewer dense columns than this run faster in JS (the kernel pads to 16). */
export const SPMM_WASM_MIN_COLUMNS = 8;

/**
 * Lays out A (row pointers, int32 indices, values) and room for B (k × nb) and out (m × nb) in the
 * arena; returns the offsets (bytes) and the views, or undefined when the module is unavailable.
 */
function stage(a: KernelRows, v: Float32Array, nb: number) {
  const kx = spmmKernels();
  if (kx === undefined) return undefined;
  const { m, k, indptr } = a;
  const span = indptr !== null ? indptr[m]! : m === 0 ? 0 : (m - 1) * (a.stride ?? a.rowNnz) + a.rowNnz;
  // Byte 0 is never a row-pointer array: ptr = 0 tells the kernel "row-balanced".
  const ptr = indptr !== null ? 16 : 0;
  const idx = align16(16 + (indptr !== null ? 4 * (m + 1) : 0));
  const val = align16(idx + 4 * span);
  const b = align16(val + 4 * span);
  const out = align16(b + 4 * k * nb);
  const views = arenaViews(kx, out + 4 * m * nb);
  if (indptr !== null) views.i32.set(indptr.subarray(0, m + 1), ptr >> 2);
  views.i32.set(a.indices.subarray(0, span), idx >> 2); // widens Uint16 / reinterprets Uint32 element-wise
  views.f32.set(v.subarray(0, span), val >> 2);
  return { kx, views, ptr, idx, val, b, out };
}

/**
 * `out[m×n] = A·B` (B dense k×n, row-major) on the wasm kernel. Returns false, having written
 * nothing, when the module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!spmmWasmInto(out, rows, values, b, n)) spmmInto(out, rows, values, b, n);
 * ```
 */
export function spmmWasmInto(out: Float32Array, a: KernelRows, v: Float32Array, b: Float32Array, n: number): boolean {
  const nb = (n + 15) & ~15;
  const st = stage(a, v, nb);
  if (st === undefined) return false;
  const { m, k } = a;
  const { f32 } = st.views;
  const b0 = st.b >> 2, o0 = st.out >> 2;
  if (nb === n) f32.set(b.subarray(0, k * n), b0);
  else for (let c = 0; c < k; c++) f32.set(b.subarray(c * n, c * n + n), b0 + c * nb);
  st.kx.spmm_f32(m, nb, st.ptr, a.rowNnz, a.stride ?? a.rowNnz, st.idx, st.val, st.b, st.out);
  if (nb === n) out.set(f32.subarray(o0, o0 + m * n));
  else for (let i = 0; i < m; i++) out.set(f32.subarray(o0 + i * nb, o0 + i * nb + n), i * n);
  return true;
}

/**
 * `out[p×m] = B·Aᵀ` (B dense p×k, row-major) on the wasm kernel, as `(A·Bᵀ)ᵀ`. Returns false,
 * having written nothing, when the module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!denseSpmmTWasmInto(out, rows, values, x, batch)) denseSpmmTInto(out, rows, values, x, batch);
 * ```
 */
export function denseSpmmTWasmInto(out: Float32Array, a: KernelRows, v: Float32Array, b: Float32Array, p: number): boolean {
  const pb = (p + 15) & ~15;
  const st = stage(a, v, pb);
  if (st === undefined) return false;
  const { m, k } = a;
  const { f32 } = st.views;
  const b0 = st.b >> 2, o0 = st.out >> 2;
  for (let t = 0; t < p; t++) {
    const s = t * k;
    for (let c = 0, d = b0 + t; c < k; c++, d += pb) f32[d] = b[s + c]!;
  }
  st.kx.spmm_f32(m, pb, st.ptr, a.rowNnz, a.stride ?? a.rowNnz, st.idx, st.val, st.b, st.out);
  for (let i = 0; i < m; i++) {
    for (let t = 0, s = o0 + i * pb, d = i; t < p; t++, d += m) out[d] = f32[s + t]!;
  }
  return true;
}
