/**
 * Integer GEMM with exact accumulation, in plain JavaScript: `C = scale · (A·B)` for signed
 * integer operands (Int8Array, Int16Array or Int32Array views) into a Float64Array.
 *
 * Exactness contract. Products are formed and summed in int32 over K blocks of at most
 * {@link INT_FLUSH} = 512 terms; each block's partial sum is then flushed into the float64
 * result. A partial stays below 2^31 in magnitude when `512 · max|A| · max|B| < 2^31`, i.e.
 * `max|A| · max|B| < 2^22`, which holds for a 16-bit weight (|q| ≤ 32767) times an 8-bit
 * activation or error (|q| ≤ 127): 32767 · 127 = 4,161,409 < 4,194,304. The float64 sum of
 * integer partials is exact while it stays below 2^53, and `scale` is meant to be a power of
 * two (the product of two fixed-point steps), so multiplying by it is exact as well. Callers
 * check the bound with {@link intGemmIsExact}; the RCT layers fall back to the reference twin
 * (float64 accumulators, exact below 2^53) when it fails.
 *
 * Why int32 partials: this is the accumulation a WebAssembly i32x4 kernel (or an edge
 * accelerator's int32 accumulator) performs; the JS kernel produces the same partials, so a
 * WebAssembly twin can be dispatched from {@link intGemmInto} without changing any result.
 *
 * How the JS kernel carries them: the packed operands and the 4×3 tile's accumulators are
 * float64 (gemm.ts's layout: one plain unboxed-double array, register-tiled micro-kernel).
 * Under the bound above every product and every 512-term partial is an integer below 2^31, so
 * float64 holds it exactly and the partials are bit-for-bit the int32 ones. A version with
 * `Math.imul`/`| 0` on a small-integer array measured 0.65× the speed of this one (V8 untags
 * small integers on each read and its integer multiply pipeline is slower than its double one).
 *
 * @module
 */

import { useWasm } from '../../backend/index.js';
import { intGemmWasmInto } from '../../backend/intgemm.js';
import { wasmKernels } from '../../backend/runtime.js';

/** The signed integer containers the kernels read. */
export type IntArray = Int8Array | Int16Array | Int32Array;

/** Terms per int32 partial sum before it is flushed into float64. */
export const INT_FLUSH = 512;

const MR = 4;
const NR = 3;
const MC = 128;
const NC = 1536;
const TWO_31 = 2147483648;

let scratch: number[] | undefined;

function getScratch(size: number): number[] {
  // The literal 0.5 makes V8 create an unboxed-double array (see gemm.ts); only numbers are stored.
  const w = (scratch ??= [0.5]);
  while (w.length < size) w.push(0);
  return w;
}

/**
 * True when {@link intGemmInto} is exact for operands bounded by `maxA`, `maxB` and inner size
 * `k`: every 512-term int32 partial stays below 2^31 and the whole sum below 2^53.
 * @example
 * ```ts
 * intGemmIsExact(32767, 127, 800); // true (16-bit weights, 8-bit activations)
 * intGemmIsExact(32767, 32767, 8); // false (partials could overflow int32)
 * ```
 */
export function intGemmIsExact(maxA: number, maxB: number, k: number): boolean {
  const prod = maxA * maxB;
  return prod * Math.min(INT_FLUSH, Math.max(1, k)) < TWO_31 && prod * Math.max(1, k) < 2 ** 53;
}

/**
 * `C (=|+=) scale · (A·B)` for strided integer views of A (m×k) and B (k×n) into a row-major
 * float64 C (m×n, row stride `cRs`). Element (i, p) of A is `a[aOff + i*aRs + p*aCs]`, element
 * (p, j) of B is `b[bOff + p*bRs + j*bCs]`; a transposed operand is a swapped pair of strides.
 *
 * Preconditions (not checked, for speed): indices in bounds, C not overlapping A or B, and
 * `intGemmIsExact(max|A|, max|B|, k)` for an exact result (otherwise int32 partials wrap).
 *
 * @example
 * ```ts
 * const a = new Int8Array([1, 2, 3, 4]);   // [[1, 2], [3, 4]]
 * const b = new Int16Array([5, 6, 7, 8]);  // [[5, 6], [7, 8]]
 * const c = new Float64Array(4);
 * intGemmInto(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, c, 0, 2, 0.5, false);
 * // c = [9.5, 11, 21.5, 25]
 * ```
 */
export function intGemmInto(
  m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean,
): void {
  // WebAssembly: int32 partials from i32x4.dot_i16x8_s per 512-term block, flushed into C with
  // the same float64 expression in the same order, so identical bits under the exactness bound.
  // It declines (returns false) when an operand holds values outside int16.
  if (m > 0 && n > 0 && k > 0 && useWasm()
    && intGemmWasmInto(wasmKernels()!, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate)) return;
  intGemmJsInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate);
}

/**
 * The plain-JS kernel behind {@link intGemmInto} (the WebAssembly kernel's reference twin), same
 * signature and contract; it is what `intGemmInto` runs on the `'js'` backend.
 *
 * @example
 * ```ts
 * const c = new Float64Array(1);
 * intGemmJsInto(1, 1, 2, new Int8Array([3, -4]), 0, 2, 1, new Int8Array([5, 6]), 0, 1, 1, c, 0, 1, 1, false);
 * // c = [-9]
 * ```
 */
export function intGemmJsInto(
  m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean,
): void {
  if (m <= 0 || n <= 0) return;
  if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * cRs, cOff + i * cRs + n);
  if (k <= 0) return;
  const kcMax = Math.min(INT_FLUSH, k);
  const ncMax = Math.min(NC, Math.ceil(n / NR) * NR);
  const mcMax = Math.min(MC, Math.ceil(m / MR) * MR);
  const aBase = kcMax * ncMax;
  const tile = aBase + kcMax * mcMax;
  const w = getScratch(tile + MR * NR);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += INT_FLUSH) {
      const kc = Math.min(INT_FLUSH, k - p0);
      packB(w, kc, nc, b, bOff + p0 * bRs + j0 * bCs, bRs, bCs);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(w, aBase, kc, mc, a, aOff + i0 * aRs + p0 * aCs, aRs, aCs);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bo = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel(kc, w, aBase + ir * kc, bo, tile);
            flushTile(w, tile, c, cOff + (i0 + ir) * cRs + j0 + jr, cRs, mr, nr, scale);
          }
        }
      }
    }
  }
}

function packB(w: number[], kc: number, nc: number, b: IntArray, src: number, rs: number, cs: number): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    let s = src + jr * cs;
    if (nr === NR) {
      for (let p = 0; p < kc; p++, s += rs, d += NR) {
        // `+` keeps a broken precondition (undefined) from changing the array's element kind.
        w[d] = +b[s]!;
        w[d + 1] = +b[s + cs]!;
        w[d + 2] = +b[s + 2 * cs]!;
      }
    } else {
      for (let p = 0; p < kc; p++, s += rs, d += NR) {
        for (let j = 0; j < NR; j++) w[d + j] = j < nr ? +b[s + j * cs]! : 0;
      }
    }
  }
}

function packA(w: number[], base: number, kc: number, mc: number, a: IntArray, src: number, rs: number, cs: number): void {
  let d = base;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    let s = src + ir * rs;
    if (mr === MR) {
      for (let p = 0; p < kc; p++, s += cs, d += MR) {
        w[d] = +a[s]!;
        w[d + 1] = +a[s + rs]!;
        w[d + 2] = +a[s + 2 * rs]!;
        w[d + 3] = +a[s + 3 * rs]!;
      }
    } else {
      for (let p = 0; p < kc; p++, s += cs, d += MR) {
        for (let i = 0; i < MR; i++) w[d + i] = i < mr ? +a[s + i * rs]! : 0;
      }
    }
  }
}

/** The 4×3 tile over one K block (≤ 512 terms: every partial is an exact integer < 2^31; see the module comment). */
function microKernel(kc: number, w: number[], ao: number, bo: number, to: number): void {
  let c00 = 0, c01 = 0, c02 = 0;
  let c10 = 0, c11 = 0, c12 = 0;
  let c20 = 0, c21 = 0, c22 = 0;
  let c30 = 0, c31 = 0, c32 = 0;
  for (let p = 0; p < kc; p = (p + 1) | 0) {
    const a0 = w[ao]!, a1 = w[(ao + 1) | 0]!, a2 = w[(ao + 2) | 0]!, a3 = w[(ao + 3) | 0]!;
    let y = w[bo]!;
    c00 += a0 * y; c10 += a1 * y; c20 += a2 * y; c30 += a3 * y;
    y = w[(bo + 1) | 0]!;
    c01 += a0 * y; c11 += a1 * y; c21 += a2 * y; c31 += a3 * y;
    y = w[(bo + 2) | 0]!;
    c02 += a0 * y; c12 += a1 * y; c22 += a2 * y; c32 += a3 * y;
    ao = (ao + MR) | 0;
    bo = (bo + NR) | 0;
  }
  w[to] = c00; w[to + 1] = c01; w[to + 2] = c02;
  w[to + 3] = c10; w[to + 4] = c11; w[to + 5] = c12;
  w[to + 6] = c20; w[to + 7] = c21; w[to + 8] = c22;
  w[to + 9] = c30; w[to + 10] = c31; w[to + 11] = c32;
}

/** Adds the scaled int32 partials of the top-left mr×nr corner of the tile into C. */
function flushTile(w: number[], t: number, c: Float64Array, co: number, cRs: number, mr: number, nr: number, scale: number): void {
  for (let i = 0; i < mr; i++, t += NR, co += cRs) {
    for (let j = 0; j < nr; j++) c[co + j] = c[co + j]! + scale * w[t + j]!;
  }
}

/**
 * Reference twin of {@link intGemmInto}: the plain triple loop with float64 accumulators (exact
 * while every |sum| < 2^53), scaled once. Same signature and semantics; the test oracle.
 * @example
 * ```ts
 * const c = new Float64Array(1);
 * intGemmRef(1, 1, 2, new Int8Array([3, -4]), 0, 2, 1, new Int8Array([5, 6]), 0, 1, 1, c, 0, 1, 1, false);
 * // c = [-9]
 * ```
 */
export function intGemmRef(
  m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + i * aRs + p * aCs]! * b[bOff + p * bRs + j * bCs]!;
      const q = cOff + i * cRs + j;
      c[q] = accumulate ? c[q]! + scale * s : scale * s;
    }
  }
}
