/**
 * Dense general matrix multiply (GEMM) on typed arrays, in plain JavaScript.
 *
 * `gemmInto` follows the BLIS layering: the K, M and N dimensions are cut into cache blocks
 * (KC, MC, NC), the current block of B is packed into NR-column panels and the current block of
 * A into MR-row panels, and a register-tiled micro-kernel multiplies one A panel by one B panel
 * into an MR×NR tile. `gemmRef` is the obvious triple loop, kept as the test oracle.
 *
 * Why the design looks the way it does (measured with Node 20 / V8 on a 2-core AMD EPYC):
 * - Packing into float64 storage makes the micro-kernel's inner loop read a single array kind
 *   (no float32→float64 conversions there) through unit-stride, zero-padded panels, whatever
 *   the strides, dtypes and edge shapes of the caller's A and B. A transposed view is just a
 *   different pair of strides; the packing routines read through them, so nothing is copied
 *   beyond the packing itself.
 * - The float64 storage is a plain JS array of doubles (V8's PACKED_DOUBLE_ELEMENTS: unboxed
 *   float64 in one contiguous block), not a Float64Array. In V8 each typed-array read costs
 *   6 instructions (sign-extend, base+offset add, bounds check, load) versus 4 for a packed
 *   double array, and once ANY ArrayBuffer in the process has been detached (structuredClone or
 *   postMessage with transfer, ArrayBuffer#transfer; importing @tensorflow/tfjs-core does it) V8
 *   adds a detached-buffer test to every typed-array read for the rest of the process. Kernel
 *   throughput with a Float64Array: 5.7 GFLOP/s, 4.8 after a detach; with the double array:
 *   6.0 either way.
 * - Packed A, packed B and the tile scratch live in ONE array: V8 re-checks the array's map
 *   and reloads its backing store and length on every loop iteration, so reading one array
 *   in the kernel instead of two measured 10–20% faster.
 * - The tile is 4×3: 12 float64 accumulators + 4 A values + 1 B value ≈ the 16 XMM registers of
 *   x64. Measured micro-kernel peaks (GFLOP/s, kc = 256, best of 20): 4×3 and 3×4 ≈ 5.7,
 *   2×6 ≈ 5.4, 4×4 ≈ 5.2, 3×6/4×6/6×4/3×8 ≈ 5.1, 2×4 ≈ 4.9, 4×8 ≈ 4.6, 8×8 ≈ 4.0. Bigger
 *   tiles need fewer loads per flop, but V8 then spills accumulators to the stack on every
 *   iteration. Unrolling the k loop by 2 or 4 was slower for every shape (more spills). 4×3 was
 *   kept over 3×4 so that MC can be a power of two.
 * - The micro-kernel writes its tile to the float64 scratch rather than straight into C and a
 *   small copy-out loop moves it to C. C may be a Float32Array or a Float64Array; a kernel that
 *   stores into C sees both array kinds, goes polymorphic and was deoptimised repeatedly in
 *   testing (~8% slower end to end). The copy-out costs 12 stores per 2·12·kc flops.
 * - Block sizes: KC = 256 keeps an A micro-panel (4·256·8 B = 8 KiB) plus a B micro-panel
 *   (6 KiB) in the 32 KiB L1; MC = 128 makes the packed A block 256 KiB, well inside the 1 MiB
 *   L2; NC = 1536 bounds the packed B block at 3 MiB (shared L3). End-to-end results were flat
 *   (within noise) for KC in 128..512 and MC in 64..256.
 *
 * Everything is allocation-free in steady state: the scratch array is a module-level variable,
 * created on first use and grown only when a call needs more room.
 *
 * @module
 */

import { useWasm } from '../../backend/index.js';
import { gemmWasmInto } from '../../backend/gemm.js';
import { wasmKernels } from '../../backend/runtime.js';

/** A dense float array that the kernels can read and write. */
export type FloatArray = Float32Array | Float64Array;

/** Rows of A per micro-tile (see the module comment for why 4×3). */
const MR = 4;
/** Columns of B per micro-tile. */
const NR = 3;
/** K-dimension cache block: one packed A micro-panel plus one B micro-panel fit in L1. */
const KC = 256;
/** M-dimension cache block (multiple of MR): the packed A block fits in L2. */
const MC = 128;
/** N-dimension cache block (multiple of NR): bounds the packed B block. */
const NC = 1536;

/**
 * Scratch storage, laid out as [packed B block | packed A block | MR×NR tile]: a JS array that
 * only ever holds doubles (see the module comment). Module-level so that steady-state calls
 * allocate nothing; created on first use and grown in place only when too small.
 */
let scratch: number[] | undefined;

function getScratch(size: number): number[] {
  // The literal 0.5 makes V8 create the array with unboxed-double elements; pushing numbers
  // keeps that element kind, and no other kind of value is ever stored in it.
  const w = (scratch ??= [0.5]);
  while (w.length < size) w.push(0);
  return w;
}

/**
 * Computes `C (=|+=) A·B` for strided views of A (m×k), B (k×n) and C (m×n), with a cache-blocked,
 * packed, register-tiled algorithm. Element (i, p) of A is `a[aOff + i*aRs + p*aCs]`, element
 * (p, j) of B is `b[bOff + p*bRs + j*bCs]` and element (i, j) of C is `c[cOff + i*cRs + j]`, so a
 * transposed operand is passed by swapping its two strides, without copying.
 *
 * With `accumulate = false` C is overwritten (its previous content, even NaN, is ignored; if
 * `k = 0` the m×n block is set to zero); with `accumulate = true` the product is added to C.
 * Entries of `c` outside the m×n block (e.g. when `cRs > n`) are never touched.
 *
 * Dispatch: when A, B and C are all Float32Arrays and the backend is `'wasm'` (see
 * `backend`), the WebAssembly SIMD kernel runs (src/backend/gemm.ts; float32 sums per 256-step
 * K block). Otherwise {@link gemmJsInto} runs: products summed in float64; when K is larger than
 * one cache block, each block's partial sums are added into C in turn (so a Float32Array C is
 * rounded once per 256 steps of K). Both are deterministic from run to run.
 *
 * Preconditions (not checked, for speed): dimensions are non-negative integers and every index
 * reached through the offsets and strides is inside its array. C must not overlap A or B.
 *
 * @param m - rows of A and C
 * @param n - columns of B and C
 * @param k - columns of A = rows of B
 * @param a - storage of A
 * @param aOff - index of A(0, 0) in `a`
 * @param aRs - stride between rows of A
 * @param aCs - stride between columns of A
 * @param b - storage of B
 * @param bOff - index of B(0, 0) in `b`
 * @param bRs - stride between rows of B
 * @param bCs - stride between columns of B
 * @param c - storage of C (written)
 * @param cOff - index of C(0, 0) in `c`
 * @param cRs - stride between rows of C (columns are contiguous)
 * @param accumulate - add into C (`true`) or overwrite it (`false`)
 *
 * @example
 * ```ts
 * // C = A · Bᵀ with A 2×3 and B stored as 2×3 (so Bᵀ is 3×2), all row-major.
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const b = new Float32Array([1, 0, 1, 0, 1, 0]);
 * const c = new Float32Array(4);
 * gemmInto(2, 2, 3, a, 0, 3, 1, b, 0, 1, 3, c, 0, 2, false);
 * // c = [4, 2, 10, 5]
 * ```
 */
export function gemmInto(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, aRs: number, aCs: number,
  b: FloatArray, bOff: number, bRs: number, bCs: number,
  c: FloatArray, cOff: number, cRs: number, accumulate: boolean,
): void {
  if (m > 0 && n > 0 && k > 0 && a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && useWasm()) {
    gemmWasmInto(wasmKernels()!, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, accumulate);
    return;
  }
  gemmJsInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, cRs, accumulate);
}

/**
 * The plain-JS kernel behind {@link gemmInto} (the WebAssembly kernel's reference twin), same
 * contract; it is what `gemmInto` runs on the `'js'` backend and for float64 operands.
 *
 * @example
 * ```ts
 * const c = new Float64Array(4);
 * gemmJsInto(2, 2, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 1, new Float64Array([5, 6, 7, 8]), 0, 2, 1, c, 0, 2, false);
 * // c = [19, 22, 43, 50]
 * ```
 */
export function gemmJsInto(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, aRs: number, aCs: number,
  b: FloatArray, bOff: number, bRs: number, bCs: number,
  c: FloatArray, cOff: number, cRs: number, accumulate: boolean,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * cRs, cOff + i * cRs + n);
    return;
  }

  // Size the scratch for this call's largest blocks (panels padded to whole tiles).
  const kcMax = Math.min(KC, k);
  const ncMax = Math.min(NC, Math.ceil(n / NR) * NR);
  const mcMax = Math.min(MC, Math.ceil(m / MR) * MR);
  const aBase = kcMax * ncMax; // packed A starts after packed B
  const tile = aBase + kcMax * mcMax; // MR×NR tile after packed A
  const w = getScratch(tile + MR * NR);

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      // The first K block overwrites C unless the caller asked to accumulate; later blocks add.
      const add = accumulate || p0 > 0;
      packB(w, kc, nc, b, bOff + p0 * bRs + j0 * bCs, bRs, bCs);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(w, aBase, kc, mc, a, aOff + i0 * aRs + p0 * aCs, aRs, aCs);
        // Macro-kernel: each B micro-panel stays in L1 while all A micro-panels stream past it.
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bo = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel(kc, w, aBase + ir * kc, bo, tile);
            const co = cOff + (i0 + ir) * cRs + j0 + jr;
            if (mr === MR && nr === NR) storeFullTile(w, tile, c, co, cRs, add);
            else storeEdgeTile(w, tile, c, co, cRs, mr, nr, add);
          }
        }
      }
    }
  }
}

/**
 * Packs a kc×nc block of B (starting at `b[src]`) into NR-column panels at `w[0..]`:
 * panel q holds, for p = 0..kc-1, the NR values B(p, q·NR .. q·NR+NR-1), zero-padded past nc.
 */
function packB(w: number[], kc: number, nc: number, b: FloatArray, src: number, rs: number, cs: number): void {
  // The unary `+` is free for in-bounds reads; it keeps a caller's out-of-range index (a broken
  // precondition: `undefined`) from turning the double-only scratch into a slow generic array.
  // packA does the same.
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

/**
 * Packs an mc×kc block of A (starting at `a[src]`) into MR-row panels at `w[base..]`:
 * panel q holds, for p = 0..kc-1, the MR values A(q·MR .. q·MR+MR-1, p), zero-padded past mc.
 */
function packA(w: number[], base: number, kc: number, mc: number, a: FloatArray, src: number, rs: number, cs: number): void {
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

/**
 * The 4×3 register tile: w[to .. to+11] = A-panel(w[ao..]) · B-panel(w[bo..]) over kc steps.
 * The 12 accumulators are locals so V8 keeps them in XMM registers. Indices use `| 0` so V8
 * emits plain 32-bit adds with no overflow checks (the scratch is far below 2^31 elements).
 * Each step loads the 4 A values once and broadcasts each B value over them; this order
 * (rather than B row first) measured slightly better and spills less.
 */
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

/**
 * The 4×3 micro-kernel above, for other kernels that pack into the same panel layout (the
 * integer GEMM of intgemm.ts): one function for every caller keeps V8's view of it monomorphic.
 * `w` must be a double-only array (see the module comment); A panel at `ao` (4 per step), B panel
 * at `bo` (3 per step), 12 sums written row-major at `to`.
 * @example
 * ```ts
 * const w = [1.5, 2, 3, 4, 5, 6, 7, ...new Array<number>(12).fill(0)]; // A panel, B panel, tile
 * gemmMicroKernel4x3(1, w, 0, 4, 7); // w[7..19) = [7.5, 9, 10.5, 10, 12, 14, 15, 18, 21, 20, 24, 28]
 * ```
 */
export const gemmMicroKernel4x3: (kc: number, w: number[], ao: number, bo: number, to: number) => void = microKernel;

/** Moves a whole MR×NR tile from the scratch into C (row `co`, row stride `cRs`). */
function storeFullTile(w: number[], t: number, c: FloatArray, co: number, cRs: number, add: boolean): void {
  if (add) {
    for (let i = 0; i < MR; i++, t += NR, co += cRs) {
      c[co] = c[co]! + w[t]!;
      c[co + 1] = c[co + 1]! + w[t + 1]!;
      c[co + 2] = c[co + 2]! + w[t + 2]!;
    }
  } else {
    for (let i = 0; i < MR; i++, t += NR, co += cRs) {
      c[co] = w[t]!;
      c[co + 1] = w[t + 1]!;
      c[co + 2] = w[t + 2]!;
    }
  }
}

/** Moves the top-left mr×nr corner of the tile into C: the padded rows/columns are dropped. */
function storeEdgeTile(
  w: number[], t: number, c: FloatArray, co: number, cRs: number, mr: number, nr: number, add: boolean,
): void {
  for (let i = 0; i < mr; i++, t += NR, co += cRs) {
    for (let j = 0; j < nr; j++) c[co + j] = add ? c[co + j]! + w[t + j]! : w[t + j]!;
  }
}

/**
 * Reference GEMM: the plain triple loop with the same signature and semantics as
 * {@link gemmInto} (each C entry is one float64 dot product, added to or stored into C once).
 * Slow; meant as a test oracle and a readable statement of the contract.
 *
 * @example
 * ```ts
 * const a = new Float64Array([1, 2, 3, 4]); // [[1, 2], [3, 4]]
 * const b = new Float64Array([5, 6, 7, 8]); // [[5, 6], [7, 8]]
 * const c = new Float64Array(4);
 * gemmRef(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, c, 0, 2, false);
 * // c = [19, 22, 43, 50]
 * ```
 */
export function gemmRef(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, aRs: number, aCs: number,
  b: FloatArray, bOff: number, bRs: number, bCs: number,
  c: FloatArray, cOff: number, cRs: number, accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + i * aRs + p * aCs]! * b[bOff + p * bRs + j * bCs]!;
      const q = cOff + i * cRs + j;
      c[q] = accumulate ? c[q]! + s : s;
    }
  }
}
