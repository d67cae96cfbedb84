/**
 * XNOR-popcount counts for packed ±1 matrices A (M rows) and Bᵀ (N rows) with `wordsPerRow`
 * 32-bit words per row: the M×N int32 popcounts of `A[i] XOR Bᵀ[j]`, on WebAssembly
 * (src/backend/wat/20-xnor.wat) or on a JS micro-kernel the caller passes. Both read the same
 * packed layout, made here once, so the callers turn counts into dots (`K − 2·count`) and apply
 * their output transform in one loop whichever ran, and results are bit-identical.
 *
 * @module
 */
import { WASM_XNOR } from './kernels-wasm.js';
import { arenaViews, lazyKernels } from './runtime.js';

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

/** Counts of `A[i] XOR Bᵀ[j]` at `counts[base + i·nPad + j]`. */
export interface XnorCounts { counts: Int32Array; nPad: number; base: number }

/**
 * A JS counts kernel over the packed layout (the same arguments as the WebAssembly
 * `xnor_counts`, in 32-bit words instead of bytes): `s` holds the A pairs from word 0, the Bᵀ
 * pairs from `b` and receives the counts at `o` (row stride `nPad`); `nb` Bᵀ rows per cache block.
 */
export type XnorJsKernel = (s: Int32Array, mPad: number, nPad: number, wp: number, b: number, o: number, nb: number) => void;

/**
 * Copies `rows` rows of a packed matrix (`words` per row) into `s` from word `d` as pair panels,
 * `wp` words per row (a multiple of 4): for each pair of rows and each 64-bit word q, row 2r's
 * words 2q, 2q+1, then row 2r+1's, zero past the last row and past `words`. Values are stored
 * modulo 2³² (an Int32Array keeps the bits).
 */
function packPairs(s: Int32Array, d: number, src: Uint32Array, rows: number, words: number, wp: number): void {
  for (let r = 0; r < rows; r += 2) {
    const r0 = r * words, r1 = r0 + words, two = r + 1 < rows;
    for (let w = 0; w < wp; w++, d++) {
      s[d] = w < words ? src[r0 + w]! : 0;
      s[d + 2] = two && w < words ? src[r1 + w]! : 0;
      if (w & 1) d += 2;
    }
  }
}

let scratch: Int32Array | undefined;

/**
 * Popcounts of `a[i] XOR bT[j]` for all i < aRows, j < bRows, on WebAssembly, or with `js` when
 * given; valid until the next kernel call. `undefined` when WebAssembly is wanted and the module
 * cannot be loaded (the caller then passes its JS kernel). Cache blocks of Bᵀ are 256 KiB, a
 * quarter of a 1 MiB L2.
 *
 * @example
 * ```ts
 * const r = xnorCounts(a.words, a.rows, b.words, b.rows, a.wordsPerRow);
 * if (r) console.log(K - 2 * r.counts[r.base]!);
 * ```
 */
export function xnorCounts(
  aWords: Uint32Array, aRows: number, bWords: Uint32Array, bRows: number, words: number, js?: XnorJsKernel,
): XnorCounts | undefined {
  const kx = js ? undefined : xnorKernels();
  if (!js && !kx) return undefined;
  const wp = Math.ceil(words / 4) * 4; // whole 4-word steps, so every offset below is 16-byte aligned
  const mPad = aRows + (aRows & 1), nPad = bRows + (bRows & 1);
  const b = mPad * wp, o = b + nPad * wp, end = o + mPad * nPad;
  const s = kx ? arenaViews(kx, 4 * end).i32 : scratch && scratch.length >= end ? scratch : (scratch = new Int32Array(end));
  packPairs(s, 0, aWords, aRows, words, wp);
  packPairs(s, b, bWords, bRows, words, wp);
  // Bᵀ rows per block; for K = 0, 65536 / 0 is Infinity, which & ~1 makes 0, hence the max.
  const nb = Math.max(2, Math.floor(65536 / wp) & ~1);
  if (kx) kx.xnor_counts(mPad, nPad, wp >> 1, 0, 4 * b, 4 * o, nb);
  else js!(s, mPad, nPad, wp, b, o, nb);
  return { counts: s, nPad, base: o };
}
