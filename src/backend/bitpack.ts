/**
 * XNOR-popcount counts on WebAssembly (src/backend/wat/20-xnor.wat): for packed ±1 matrices A
 * (M rows) and Bᵀ (N rows) with `wordsPerRow` 32-bit words per row, computes the M×N int32
 * popcounts of `A[i] XOR Bᵀ[j]`. The callers turn counts into dots (`K − 2·count`) and apply
 * their output transform exactly as the JS kernels do, so results are bit-identical.
 *
 * @module
 */
import { WASM_XNOR } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The XNOR family (src/backend/wat/20-xnor.wat). All pointers are byte offsets. */
interface XnorExports { xnor_counts(m: number, n: number, w64: number, a: number, b: number, out: number, nb: number): void }

/**
 * The XNOR module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (xnorKernels() === undefined) console.log('JS XNOR');
 * ```
 */
export const xnorKernels = /* @__PURE__ */ lazyKernels<XnorExports>(WASM_XNOR);

/** Bytes of Bᵀ kept in one cache block (a quarter of a 1 MiB L2). */
const B_BLOCK_BYTES = 262144; // 1 << 18 (a literal: bundlers keep a top-level shift)

/**
 * Copies rows of a packed matrix into interleaved pair panels at byte `dst`: for each pair of
 * rows and each 64-bit word q, row 2r's word q then row 2r+1's (zero past the last row and past
 * `words`), with `wp` 32-bit words per row (`wp` a multiple of 4).
 */
function packPairs(u32: Uint32Array, dst: number, src: Uint32Array, rows: number, words: number, wp: number): void {
  const pairs = (rows + 1) >> 1;
  let d = dst >> 2;
  for (let r = 0; r < pairs; r++) {
    const r0 = 2 * r * words, r1 = r0 + words, two = 2 * r + 1 < rows;
    for (let w = 0; w < wp; w += 2, d += 4) {
      u32[d] = w < words ? src[r0 + w]! : 0;
      u32[d + 1] = w + 1 < words ? src[r0 + w + 1]! : 0;
      u32[d + 2] = two && w < words ? src[r1 + w]! : 0;
      u32[d + 3] = two && w + 1 < words ? src[r1 + w + 1]! : 0;
    }
  }
}

/**
 * Popcounts of `a[i] XOR bT[j]` for all i < aRows, j < bRows into an Int32Array view of the
 * arena with row stride `nPad` (returned with it); valid until the next kernel call. `undefined`
 * when the module cannot be loaded (the caller runs JS).
 *
 * @example
 * ```ts
 * const r = xnorCountsWasm(a.words, a.rows, b.words, b.rows, a.wordsPerRow);
 * if (r) console.log(K - 2 * r.counts[r.base]!);
 * ```
 */
export function xnorCountsWasm(
  aWords: Uint32Array, aRows: number, bWords: Uint32Array, bRows: number, words: number,
): { counts: Int32Array; nPad: number; base: number } | undefined {
  const kx = xnorKernels();
  if (kx === undefined) return undefined;
  const wp = Math.ceil(words / 4) * 4; // 32-bit words per row: whole 2×64-bit steps
  const mPad = aRows + (aRows & 1), nPad = bRows + (bRows & 1);
  const rowBytes = wp * 4;
  const aPtr = 0;
  const bPtr = align16(aPtr + mPad * rowBytes);
  const oPtr = align16(bPtr + nPad * rowBytes);
  const v = arenaViews(kx, oPtr + 4 * mPad * nPad);
  packPairs(v.u32, aPtr, aWords, aRows, words, wp);
  packPairs(v.u32, bPtr, bWords, bRows, words, wp);
  const nb = Math.max(2, Math.floor(B_BLOCK_BYTES / Math.max(rowBytes, 1)) & ~1);
  kx.xnor_counts(mPad, nPad, wp >> 1, aPtr, bPtr, oPtr, nb);
  return { counts: v.i32, nPad, base: oPtr >> 2 };
}
