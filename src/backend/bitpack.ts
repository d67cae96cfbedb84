/**
 * XNOR-popcount counts for packed ±1 matrices A (M rows) and Bᵀ (N rows) with `wordsPerRow`
 * 32-bit words per row: the M×N int32 popcounts of `A[i] XOR Bᵀ[j]`, on WebAssembly
 * (src/backend/wat/20-xnor.wat) when that backend is active, else on a JS micro-kernel the caller
 * passes. Both read the same packed layout, made here once, so the callers turn counts into dots (`K − 2·count`) and apply
 * their output transform in one loop whichever ran, and results are bit-identical.
 *
 * @module
 */
import { WASM_XNOR } from './kernels-wasm.js';
import { useWasm } from './index.js';
import { arenaBuffer, lazyKernels } from './runtime.js';

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

/**
 * A JS counts kernel over the packed layout (the same arguments as the WebAssembly
 * `xnor_counts`, in 32-bit words instead of bytes): `s` holds the A pairs from word `a` and the Bᵀ
 * pairs from word `b`, and receives the counts from word 0 (row stride `nPad`); `nb` Bᵀ rows per
 * cache block.
 */
export type XnorJsKernel = (s: Int32Array, mPad: number, nPad: number, wp: number, a: number, b: number, nb: number) => void;

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

let scratch: Int32Array | undefined, arena: Int32Array | undefined;

/**
 * Popcounts of `a[i] XOR bT[j]` for all i < aRows, j < bRows at `counts[i·nPad + j]`, where
 * `nPad` is bRows rounded up to even: on WebAssembly when that backend is active and the module
 * loads, else with the JS kernel `js`. The result is valid until the next kernel call. Layout: the
 * counts (`mPad·nPad` words, a multiple of 4) from word 0, then the A and the Bᵀ pair panels,
 * all 16-byte aligned. Cache blocks of Bᵀ are 256 KiB, a quarter of a 1 MiB L2.
 *
 * @example
 * ```ts
 * const counts = xnorCounts(a.words, a.rows, b.words, b.rows, a.wordsPerRow, myJsKernel);
 * console.log(K - 2 * counts[0]!);
 * ```
 */
export function xnorCounts(
  aWords: Uint32Array, aRows: number, bWords: Uint32Array, bRows: number, words: number, js: XnorJsKernel,
): Int32Array {
  const kx = useWasm() ? xnorKernels() : undefined;
  const wp = Math.ceil(words / 4) * 4; // whole 4-word steps, so every offset below is 16-byte aligned
  const mPad = aRows + (aRows & 1), nPad = bRows + (bRows & 1);
  const a = mPad * nPad, b = a + mPad * wp, end = b + nPad * wp;
  let s: Int32Array;
  if (kx) {
    const buffer = arenaBuffer(4 * end);
    s = arena?.buffer === buffer ? arena : (arena = new Int32Array(buffer));
  } else s = scratch && scratch.length >= end ? scratch : (scratch = new Int32Array(end));
  packPairs(s, a, aWords, aRows, words, wp);
  packPairs(s, b, bWords, bRows, words, wp);
  // Bᵀ rows per block; for K = 0, 65536 / 0 is Infinity, which & ~1 makes 0, hence the max.
  const nb = Math.max(2, Math.floor(65536 / wp) & ~1);
  if (kx) kx.xnor_counts(mPad, nPad, wp >> 1, 4 * a, 4 * b, 0, nb);
  else js(s, mPad, nPad, wp, a, b, nb);
  return s;
}
