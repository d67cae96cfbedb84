/**
 * Integer GEMM with exact accumulation, in plain JavaScript: `C = scale · (A·B)` for signed
 * integer operands (Int8Array, Int16Array or Int32Array views) into a Float64Array.
 *
 * Exactness contract. The result equals the exact integer sum times `scale` (a power of two:
 * the product of two fixed-point steps, so the multiplication is exact) whenever
 * {@link intGemmIsExact} holds: every 512-term partial below 2^31 (`512 · max|A| · max|B| <
 * 2^31`, true for a 16-bit weight times an 8-bit activation or error: 32767 · 127 = 4,161,409
 * < 2^22) and the whole sum below 2^53. Within that bound every kernel below — and the
 * WebAssembly one (int32 partials of `i32x4.dot_i16x8_s`) — computes only exact integers, so they
 * agree bit for bit with the float64 reference twin {@link intGemmRef} whatever their blocking.
 * The RCT layers fall back to the reference twin outside the bound.
 *
 * How the JS kernel is fast. V8 does all arithmetic in float64; a version with `Math.imul`/`| 0`
 * on small-integer arrays measured 0.65× the double one. So the packed operands and the 4×3
 * tile are doubles (gemm.ts's layout and its very micro-kernel, {@link gemmMicroKernel4x3}), and
 * two integer columns of B share one double (SWAR): a B panel entry is `b_j + 2^27 · b_{j+1}`.
 * One multiply-add then does two MACs: `Σ a·(b_j + 2^27 b_{j+1}) = lo + 2^27 · hi` with
 * `lo = Σ a·b_j`, `hi = Σ a·b_{j+1}`. It is exact and separable while each lane's sum satisfies
 * `|lane| ≤ L = max|A| · max|B| · kc ≤ 2^26 − 1`: then `|lo + 2^27 hi| ≤ L·(2^27 + 1) < 2^53`,
 * and `hi = ⌊(v + 2^26) · 2^−27⌋`, `lo = v − 2^27 hi` are exact (no rounding anywhere). The K
 * block `kc` is therefore chosen from the operands' bounds (≤ 256, the f32 kernel's L1 block):
 * 256 for 8-bit × 8-bit and up to 11-bit × 8-bit; shorter for wider weights; below 32 terms
 * (e.g. 16-bit × 8-bit) the plain kernel (one MAC per multiply-add, 512-term blocks) runs.
 * The bounds come from the caller (`maxA`, `maxB`; the RCT executor knows them from the bitwidths)
 * or from one scan of A and B.
 *
 * Why the packing is not gemm.ts's: its packers read Float32/Float64Arrays; feeding them the
 * three integer array kinds as well would make their element loads polymorphic (megamorphic
 * with Int32Array) for every float caller, and the B packer here builds lane pairs.
 *
 * @module
 */

import { useWasm } from '../../backend/index.js';
import { intGemmWasmInto } from '../../backend/intgemm.js';
import { wasmKernels } from '../../backend/runtime.js';
import { gemmMicroKernel4x3 as microKernel } from './gemm.js';

/** The signed integer containers the kernels read. */
export type IntArray = Int8Array | Int16Array | Int32Array;

/** Terms per int32 partial sum before it is flushed into float64. */
export const INT_FLUSH = 512;

const MR = 4;
const NR = 3;
const MC = 128;
const NC = 1536; // a multiple of 2·NR: lane-paired panels never straddle an N block
const TWO_31 = 2147483648;
/** Lane shift of the SWAR B panels, its inverse and the largest allowed lane bound + 1. */
const LANE = 134217728; // 2^27
const INV_LANE = 7.450580596923828e-9; // 2^-27, as a literal: bundlers keep top-level quotients
const HALF_LANE = 67108864; // 2^26
/** Longest SWAR K block (gemm.ts's KC) and the shortest worth the lane extraction. */
const KC_SWAR = 256;
const KC_SWAR_MIN = 32;

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
 * K block of the SWAR kernel for operands bounded by `maxA`, `maxB` (each lane's block sum stays
 * ≤ 2^26 − 1), or 0 when the block would be too short and the plain kernel runs instead.
 * @example
 * ```ts
 * intGemmSwarBlock(127, 127);   // 256 (8-bit × 8-bit)
 * intGemmSwarBlock(2047, 127);  // 256 (12-bit weights)
 * intGemmSwarBlock(32767, 127); // 0   (16-bit weights: plain kernel)
 * ```
 */
export function intGemmSwarBlock(maxA: number, maxB: number): number {
  const prod = Math.abs(maxA * maxB);
  if (!(prod >= 1)) return prod === 0 ? KC_SWAR : 0;
  const kc = Math.min(KC_SWAR, Math.floor((HALF_LANE - 1) / prod));
  return kc >= KC_SWAR_MIN ? kc : 0;
}

/**
 * `C (=|+=) scale · (A·B)` for strided integer views of A (m×k) and B (k×n) into a row-major
 * float64 C (m×n, row stride `cRs`). Element (i, p) of A is `a[aOff + i*aRs + p*aCs]`, element
 * (p, j) of B is `b[bOff + p*bRs + j*bCs]`; a transposed operand is a swapped pair of strides.
 * `maxA`/`maxB`, when given, must bound |A| and |B| (they pick the JS kernel's K block; omitted,
 * one scan of the operands finds them).
 *
 * Preconditions (not checked, for speed): indices in bounds, C not overlapping A or B, the
 * bounds (if given) true, and `intGemmIsExact(max|A|, max|B|, k)` for an exact result
 * (otherwise int32 partials wrap).
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
  maxA?: number, maxB?: number,
): void {
  // WebAssembly: int32 partials from i32x4.dot_i16x8_s, exact under the bound, so identical
  // bits. It declines (returns false) when an operand holds values outside int16.
  const kx = m > 0 && n > 0 && k > 0 && useWasm() ? wasmKernels() : undefined;
  if (kx !== undefined
    && intGemmWasmInto(kx, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate)) return;
  intGemmJsInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate, maxA, maxB);
}

/** max |x| over a strided rows×cols view. */
function maxAbs(x: IntArray, off: number, rows: number, cols: number, rs: number, cs: number): number {
  let mx = 0;
  if ((cs === 1 && rs === cols) || (rs === 1 && cs === rows)) {
    for (let i = off, e = off + rows * cols; i < e; i++) { const v = x[i]!; mx = v > mx ? v : -v > mx ? -v : mx; }
    return mx;
  }
  for (let r = 0; r < rows; r++) {
    for (let j = 0, q = off + r * rs; j < cols; j++, q += cs) { const v = x[q]!; mx = v > mx ? v : -v > mx ? -v : mx; }
  }
  return mx;
}

/**
 * The plain-JS kernel behind {@link intGemmInto} (the WebAssembly kernel's reference twin), same
 * signature and contract; it is what `intGemmInto` runs on the `'js'` backend. Lane-paired
 * (SWAR) when the bounds allow a K block of ≥ 32 terms, plain otherwise (see the module comment).
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
  maxA?: number, maxB?: number,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * cRs, cOff + i * cRs + n);
    return;
  }
  const kcS = intGemmSwarBlock(maxA ?? maxAbs(a, aOff, m, k, aRs, aCs), maxB ?? maxAbs(b, bOff, k, n, bRs, bCs));
  if (kcS > 0) swarInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate, kcS);
  else plainInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, scale, accumulate);
}

/** Two MACs per multiply-add: B panels of 3 lane pairs (6 columns), 4×6 outputs per tile. */
function swarInto(
  m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean, kcBlock: number,
): void {
  const NP = 2 * NR;
  const kcMax = Math.min(kcBlock, k);
  const ncMax = Math.min(NC, Math.ceil(n / NP) * NP);
  const mcMax = Math.min(MC, Math.ceil(m / MR) * MR);
  const aBase = kcMax * (ncMax >> 1);
  const tile = aBase + kcMax * mcMax;
  const w = getScratch(tile + MR * NR);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += kcBlock) {
      const kc = Math.min(kcBlock, k - p0);
      const add = accumulate || p0 > 0;
      packPairsB(w, kc, nc, b, bOff + p0 * bRs + j0 * bCs, bRs, bCs);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(w, aBase, kc, mc, a, aOff + i0 * aRs + p0 * aCs, aRs, aCs);
        for (let jr = 0; jr < nc; jr += NP) {
          const nr = Math.min(NP, nc - jr);
          const bo = (jr >> 1) * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel(kc, w, aBase + ir * kc, bo, tile);
            const co = cOff + (i0 + ir) * cRs + j0 + jr;
            if (mr === MR && nr === NP) flushPairsFull(w, tile, c, co, cRs, scale, add);
            else flushPairsEdge(w, tile, c, co, cRs, mr, nr, scale, add);
          }
        }
      }
    }
  }
}

/** One integer column pair per double: panel entry (p, t) = B(p, 2t) + 2^27·B(p, 2t+1). */
function packPairsB(w: number[], kc: number, nc: number, b: IntArray, src: number, rs: number, cs: number): void {
  let d = 0;
  for (let jr = 0; jr < nc; jr += 2 * NR) {
    const nr = Math.min(2 * NR, nc - jr);
    let s = src + jr * cs;
    if (nr === 2 * NR) {
      for (let p = 0; p < kc; p++, s += rs, d += NR) {
        // `+` keeps a broken precondition (undefined) from changing the array's element kind.
        w[d] = +b[s]! + LANE * b[s + cs]!;
        w[d + 1] = +b[s + 2 * cs]! + LANE * b[s + 3 * cs]!;
        w[d + 2] = +b[s + 4 * cs]! + LANE * b[s + 5 * cs]!;
      }
    } else {
      for (let p = 0; p < kc; p++, s += rs, d += NR) {
        for (let t = 0; t < NR; t++) {
          const j = 2 * t;
          w[d + t] = (j < nr ? +b[s + j * cs]! : 0) + (j + 1 < nr ? LANE * b[s + (j + 1) * cs]! : 0);
        }
      }
    }
  }
}

/** Splits the 12 lane-paired sums of a whole 4×6 tile and stores (or adds) them into C. */
function flushPairsFull(w: number[], t: number, c: Float64Array, co: number, cRs: number, scale: number, add: boolean): void {
  for (let i = 0; i < MR; i++, t += NR, co += cRs) {
    for (let q = 0; q < NR; q++) {
      const v = w[t + q]!;
      // v + 2^26 = (lo + 2^26) + 2^27·hi with 0 < lo + 2^26 < 2^27: the floor is exactly hi.
      const hi = Math.floor((v + HALF_LANE) * INV_LANE);
      const lo = v - hi * LANE;
      const j = co + 2 * q;
      if (add) { c[j] = c[j]! + scale * lo; c[j + 1] = c[j + 1]! + scale * hi; } else { c[j] = scale * lo; c[j + 1] = scale * hi; }
    }
  }
}

/** {@link flushPairsFull} for the top-left mr×nr corner of an edge tile. */
function flushPairsEdge(w: number[], t: number, c: Float64Array, co: number, cRs: number, mr: number, nr: number, scale: number, add: boolean): void {
  for (let i = 0; i < mr; i++, t += NR, co += cRs) {
    for (let j = 0; j < nr; j++) {
      const v = w[t + (j >> 1)]!;
      const hi = Math.floor((v + HALF_LANE) * INV_LANE);
      const x = scale * ((j & 1) === 0 ? v - hi * LANE : hi);
      c[co + j] = add ? c[co + j]! + x : x;
    }
  }
}

/** One MAC per multiply-add over 512-term blocks: for bounds too wide for lane pairs. */
function plainInto(
  m: number, n: number, k: number,
  a: IntArray, aOff: number, aRs: number, aCs: number,
  b: IntArray, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, cRs: number, scale: number, accumulate: boolean,
): void {
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
      const add = accumulate || p0 > 0;
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
            flushTile(w, tile, c, cOff + (i0 + ir) * cRs + j0 + jr, cRs, mr, nr, scale, add);
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

/** Stores (or adds) the scaled partials of the top-left mr×nr corner of the tile into C. */
function flushTile(w: number[], t: number, c: Float64Array, co: number, cRs: number, mr: number, nr: number, scale: number, add: boolean): void {
  for (let i = 0; i < mr; i++, t += NR, co += cRs) {
    for (let j = 0; j < nr; j++) c[co + j] = add ? c[co + j]! + scale * w[t + j]! : scale * w[t + j]!;
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
