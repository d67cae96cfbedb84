/**
 * The float32 GEMM on WebAssembly SIMD: same contract as the JS `gemmInto`
 * (src/tensor/kernels/gemm.ts), for Float32Array operands. The operands are copied into the
 * arena (bulk `set` of the span a strided view covers when that span is compact, a gather
 * otherwise), the kernel packs panels and multiplies there (src/backend/wat/10-gemm-f32.wat),
 * and the m×n block is copied back into C.
 *
 * @module
 */
import { WASM_GEMM_F32 } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The f32 GEMM family (src/backend/wat/10-gemm-f32.wat). All pointers are byte offsets. */
export interface GemmExports {
  gemm_f32(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, cRs: number, acc: number, work: number): void;
}

/**
 * The f32 GEMM module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (gemmKernels() === undefined) console.log('JS GEMM');
 * ```
 */
export const gemmKernels = /* @__PURE__ */ lazyKernels<GemmExports>(WASM_GEMM_F32);

/** Bytes of kernel workspace: packed B (KC·NC floats) + packed A (KC·MC) + one edge tile. */
export const WORK_BYTES = 1179776; // (256 * 1024 + 256 * 128 + 32) * 4, as a literal: bundlers keep top-level products

/**
 * Where a strided rows×cols view goes in the arena: its covering span copied as-is (keeping the
 * strides) when that span is at most twice the element count, else gathered row-major.
 */
export interface Placement { span: number; rs: number; cs: number; gather: boolean }

/** @internal shared with the integer GEMM's copy-in. */
export function place(rows: number, cols: number, rs: number, cs: number): Placement {
  if (rs >= 0 && cs >= 0) {
    const span = (rows - 1) * rs + (cols - 1) * cs + 1;
    if (span <= 2 * rows * cols) return { span, rs, cs, gather: false };
  }
  return { span: rows * cols, rs: cols, cs: 1, gather: true };
}

function copyIn(f32: Float32Array, dst: number, src: Float32Array, off: number, rows: number, cols: number, rs: number, cs: number, p: Placement): void {
  if (!p.gather) {
    f32.set(src.subarray(off, off + p.span), dst);
    return;
  }
  let d = dst;
  for (let i = 0; i < rows; i++) {
    let s = off + i * rs;
    for (let j = 0; j < cols; j++, s += cs) f32[d++] = src[s]!;
  }
}

/**
 * `C (=|+=) A·B` on the WebAssembly kernel; arguments exactly as the JS `gemmInto` (m, n, k,
 * then each operand as storage, offset, strides; C's columns contiguous). Sums are float32 per
 * 256-step K block, added into C block by block; results are identical from run to run.
 * Returns false, having done nothing, when the module cannot be loaded (the caller runs JS).
 *
 * @example
 * ```ts
 * if (!gemmWasmInto(2, 2, 3, a, 0, 3, 1, b, 0, 1, 3, c, 0, 2, false)) gemmJsInto(...);
 * ```
 */
export function gemmWasmInto(
  m: number, n: number, k: number,
  a: Float32Array, aOff: number, aRs: number, aCs: number,
  b: Float32Array, bOff: number, bRs: number, bCs: number,
  c: Float32Array, cOff: number, cRs: number, accumulate: boolean,
): boolean {
  const kx = gemmKernels();
  if (kx === undefined) return false;
  const pa = place(m, k, aRs, aCs);
  const pb = place(k, n, bRs, bCs);
  const work = 0;
  const aPtr = align16(WORK_BYTES);
  const bPtr = align16(aPtr + 4 * pa.span);
  const cPtr = align16(bPtr + 4 * pb.span);
  const { f32 } = arenaViews(kx, cPtr + 4 * m * n);
  copyIn(f32, aPtr >> 2, a, aOff, m, k, aRs, aCs, pa);
  copyIn(f32, bPtr >> 2, b, bOff, k, n, bRs, bCs, pb);
  const c0 = cPtr >> 2;
  if (accumulate) {
    if (cRs === n) f32.set(c.subarray(cOff, cOff + m * n), c0);
    else for (let i = 0; i < m; i++) f32.set(c.subarray(cOff + i * cRs, cOff + i * cRs + n), c0 + i * n);
  }
  kx.gemm_f32(m, n, k, aPtr, pa.rs, pa.cs, bPtr, pb.rs, pb.cs, cPtr, n, accumulate ? 1 : 0, work);
  if (cRs === n) c.set(f32.subarray(c0, c0 + m * n), cOff);
  else for (let i = 0; i < m; i++) c.set(f32.subarray(c0 + i * n, c0 + i * n + n), cOff + i * cRs);
  return true;
}
