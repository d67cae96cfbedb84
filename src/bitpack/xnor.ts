/**
 * Binary (XNOR-popcount) GEMM on packed ±1 matrices: `out = A · Bᵀ` with A (M×K) and Bᵀ (N×K) both
 * packed along K (see bitmatrix.ts), so `dot(i, j) = K − 2·popcount(A[i] XOR Bᵀ[j])`, followed by
 * the fused per-column output transform (transform.ts).
 *
 * `xnorGemmInto` is the fast kernel; `xnorGemmRef` is the plain triple loop, kept as the test oracle.
 * One binary MAC = one bit position of one output, so a call does M·N·K of them.
 *
 * Why the fast kernel looks the way it does (measured with Node 20 / V8 on a 2-core AMD EPYC,
 * Zen 4 at ~3.6 GHz; M = N = 256, K = 4096; G = 10⁹ binary MAC/s, best of several runs):
 * - The work per 32-bit word is one XOR plus counting its bits. A 1×1 GEMM loop doing that with a
 *   SWAR popcount per word reaches 8–9 G (a bare loop over two L1-resident arrays ~14 G); the SWAR
 *   popcount is ~12 ALU ops and dominates.
 * - **Harley–Seal carry-save counting.** Each output keeps two carry-save words, `ones` and
 *   `twos`. Four XOR words go through three carry-save adders (5 ops each:
 *   `u = a ^ b; carry = (a & b) | (u & c); sum = u ^ c`) and only the resulting weight-4 carry word
 *   is popcounted, so a popcount is paid once per 4 words instead of once per word. At the end,
 *   `count = 4·Σ popcount(weight-4 carry) + 2·popcount(twos) + popcount(ones)`. 1×1 alone: 13 G (4 words
 *   per step) and 14.6 G (8 words). Deeper trees (8 or 16 words) need more live carry words per
 *   output, which costs more in register spills than it saves once tiles are used (below).
 * - **2×2 register tile.** Each step loads 4 words of two A rows and 4 words of two Bᵀ rows and
 *   computes four outputs, so every loaded word is used twice: one typed-array load per word and
 *   output instead of two. In V8 a typed-array load with its bounds check is ~6 instructions, as
 *   much as the XOR and carry-save work on that word. Measured before the block splitting below:
 *   2×2 ≈ 24–25 G; 2×1 / 1×2 / 3×1 22–24 G; 2×3, 3×2, 4×2, 3×3, 4×4 (with 2-, 4- or 8-word
 *   carry-save) 13–25 G, and with the splitting 2×2 stayed ahead of 3×2, 2×3, 4×2 and 4×1. Larger
 *   tiles hold 3 live words per output and spill to the stack on every step.
 * - **Interleaved panels in one array.** A and Bᵀ are copied into panels of row pairs,
 *   interleaved per 64-bit word (`[row0 w0 w1, row1 w0 w1, row0 w2 w3, …]`, the layout the
 *   WebAssembly kernel reads, so src/backend/bitpack.ts packs for both), in ONE Int32Array scratch. The kernel then walks two pointers with constant offsets (freeing
 *   two registers), V8 checks one array map instead of two, and the panels are zero-padded to a
 *   multiple of 4 words and to an even number of rows, so there are no edge cases inside the
 *   kernel (a zero word XOR a zero word counts 0; padded rows produce outputs that are dropped).
 * - **Splitting the loop body into basic blocks.** TurboFan schedules all 16 loads of a step at
 *   the top of the loop body, which leaves 16 loaded words plus 12 carry-save/total words live at
 *   once and spills many of them. An exit test that is never true (`if (pa < 0) break;`, `pa` is
 *   a non-negative index) between the per-output sections splits the body into basic blocks, and
 *   loads are not moved across blocks, so each section loads its words just before using them.
 *   That took the 2×2 kernel from ~25 G to ~29–30 G. (A loop-invariant test does not work: V8
 *   removes it after peeling the first iteration.)
 * - Counting with byte accumulators instead of one multiply per 4 words, packing two outputs'
 *   totals into one register, unsigned index arithmetic (`>>> 0`), separate row pointers without
 *   interleaving, looping over all Bᵀ pairs inside one kernel call, and a store path special-cased
 *   for the identity transform were all within 2% or slower. At K = 1024 (8 steps per tile) the
 *   per-tile work (final popcounts, transform, call) costs ~10% against K = 4096.
 * - Detached buffers: once any ArrayBuffer in the process has been detached (a postMessage or
 *   structuredClone transfer; tsx's module loader does it), V8 adds a detachment check to every
 *   typed-array access, and this kernel drops from ~29 G to ~24 G. A plain JS array of doubles as the scratch
 *   (what gemm.ts does) avoids the check but measured ~24 G in both states, so the Int32Array
 *   stays. bench/xnor.bench.ts measures both states.
 * - Cache blocking: Bᵀ is walked in blocks of at most 2¹⁶ words (256 KiB, well inside the 1 MiB
 *   L2); for each block the A pairs are streamed past it (an A pair panel is `8·ceil(K/128)`
 *   words and stays in L1). K is not blocked: the counts are exact int32 sums.
 * - The kernel writes counts into an M×N int32 matrix, and one loop then applies the output
 *   transform, for the JS and the WebAssembly counts alike (one store path in the bundle instead
 *   of three). Together with the shared layout this measured 1–3 % slower than the earlier
 *   per-4-word interleave with tile stores (CPU time, best of 15, 3 alternating runs, Node 20,
 *   shared machine; 3 % at K = 1024, 1 % at K = 4096), kept for ~0.9 kB less bundle.
 *
 * On the `'wasm'` backend the counts come from the WebAssembly kernel (src/backend/wat/20-xnor.wat,
 * i64 XOR + popcnt on a 2×2 tile) and the transform below is applied to them unchanged.
 *
 * The fast kernel computes exactly the same integers as the reference, and both apply the output
 * transform with the same float64 expression before one rounding to float32, so their results are
 * bit-identical. The JS scratch array (src/backend/bitpack.ts) is module-level, created on first use
 * and only grown.
 *
 * @module
 */
import { badArg, checkLength } from '../errors.js';
import { xnorCounts } from '../backend/bitpack.js';
import type { BitMatrix } from './bitmatrix.js';
import { checkBitMatrix, popcountWord } from './bitmatrix.js';
import type { OutputTransform, PreparedTransform } from './transform.js';
import { prepareTransform } from './transform.js';

/**
 * Binary GEMM with fused output transform, allocating the result:
 * `out[i·N + j] = clamp((K − 2·popcount(a[i] XOR bT[j]))·scale[j] + bias[j], clampMin, clampMax)`,
 * where K = `a.cols` = `bT.cols` and N = `bT.rows`. Row i of `a` is typically one sample (or one
 * output pixel of a convolution) and row j of `bT` one output channel.
 *
 * @returns a row-major `a.rows × bT.rows` Float32Array
 * @throws NumError `SHAPE_MISMATCH` if the K dimensions differ or scale/bias have the wrong
 *   length; `INVALID_ARGUMENT` for a malformed BitMatrix or bad clamp bounds.
 *
 * @example
 * ```ts
 * const x = packBits([1, -1, 1, 1], 1, 4);                 // one sample, K = 4
 * const w = packBits([1, -1, 1, 1, -1, -1, -1, -1], 2, 4); // two output channels
 * xnorGemm(x, w);                                          // Float32Array [4, -2]
 * xnorGemm(x, w, { scale: [0.5, 1], bias: [0, 1], clampMin: -1 }); // [2, -1]
 * ```
 */
export function xnorGemm(a: BitMatrix, bT: BitMatrix, opts?: OutputTransform): Float32Array {
  checkOperands('xnorGemm', a, bT);
  const out = new Float32Array(a.rows * bT.rows);
  runXnorGemm(out, a, bT, prepareTransform('xnorGemm', opts, bT.rows));
  return out;
}

/**
 * {@link xnorGemm} into a caller-provided Float32Array of length `a.rows · bT.rows` (every entry
 * is overwritten). Allocation-free in steady state apart from two length-N vectors.
 *
 * @returns `out`
 * @throws NumError `SHAPE_MISMATCH` for a wrong `out` length or mismatched K; see {@link xnorGemm}.
 *
 * @example
 * ```ts
 * const K = 64, w = packBits(new Float32Array(10 * K).fill(1), 10, K);
 * const out = new Float32Array(4 * w.rows); // reused for every batch
 * for (const batch of [new Float32Array(4 * K).fill(1), new Float32Array(4 * K).fill(-1)]) xnorGemmInto(out, packBits(batch, 4, K), w, { scale: new Float32Array(10).fill(0.5) });
 * out[0]; // -32
 * ```
 */
export function xnorGemmInto(out: Float32Array, a: BitMatrix, bT: BitMatrix, opts?: OutputTransform): Float32Array {
  checkOperands('xnorGemmInto', a, bT);
  checkOut('xnorGemmInto', out, a.rows * bT.rows);
  runXnorGemm(out, a, bT, prepareTransform('xnorGemmInto', opts, bT.rows));
  return out;
}

/**
 * Reference binary GEMM: the plain triple loop over rows, columns and words, one
 * {@link popcountWord} per word, same contract and bit-identical results as {@link xnorGemm}.
 * Slow; meant as a test oracle and a readable statement of the contract.
 *
 * @example
 * ```ts
 * const a = packBits([1, -1, -1], 1, 3), b = packBits([1, 1, -1], 1, 3);
 * xnorGemmRef(a, b); // Float32Array [1]  (1·1 + (−1)·1 + (−1)·(−1))
 * ```
 */
export function xnorGemmRef(a: BitMatrix, bT: BitMatrix, opts?: OutputTransform): Float32Array {
  checkOperands('xnorGemmRef', a, bT);
  const M = a.rows, N = bT.rows, K = a.cols, W = a.wordsPerRow;
  const t = prepareTransform('xnorGemmRef', opts, N);
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let count = 0;
      for (let w = 0; w < W; w++) count += popcountWord(a.words[i * W + w]! ^ bT.words[j * W + w]!);
      out[i * N + j] = transformed(K - 2 * count, j, t);
    }
  }
  return out;
}

/** `clamp(dot·scale[j] + bias[j], lo, hi)` in float64; the caller rounds once when storing. @internal */
export function transformed(dot: number, j: number, t: PreparedTransform): number {
  return clamp(dot * t.scale[j]! + t.bias[j]!, t.lo, t.hi);
}

/** `v` limited to [lo, hi] (NaN stays NaN). */
function clamp(v: number, lo: number, hi: number): number {
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return v;
}

function checkOperands(op: string, a: BitMatrix, bT: BitMatrix): void {
  checkBitMatrix(op, 'a', a);
  checkBitMatrix(op, 'bT', bT);
  checkLength(op, 'bT.cols', a.cols, bT.cols); // the K of both
}

/** Throws unless `out` is a Float32Array of length `n`. @internal */
export function checkOut(op: string, out: Float32Array, n: number): void {
  if (!(out instanceof Float32Array)) throw badArg(op, 'out', 'a Float32Array', out);
  checkLength(op, 'out.length', n, out.length);
}

/**
 * The driver (inputs already validated): counts on WebAssembly when that backend is active and
 * loads, else on the JS micro-kernel below over the same packed layout (src/backend/bitpack.ts),
 * then one store loop applies the transform to the counts. Internal, also used by
 * binaryConv2d. @internal
 */
export function runXnorGemm(out: Float32Array, a: BitMatrix, bT: BitMatrix, t: PreparedTransform): void {
  const M = a.rows, N = bT.rows, K = a.cols, nPad = N + (N & 1);
  const counts = xnorCounts(a.words, M, bT.words, N, a.wordsPerRow, xnorCountsJs);
  const { scale, bias, lo, hi } = t;
  for (let i = 0, o = 0; i < M; i++) {
    for (let j = 0, c = i * nPad; j < N; j++) out[o++] = clamp((K - 2 * counts[c++]!) * scale[j]! + bias[j]!, lo, hi);
  }
}

/**
 * The JS counts kernel: for each cache block of `nb` Bᵀ rows, streams the A pairs past it and
 * runs the 2×2 micro-kernel on every (A pair, Bᵀ pair). Padding rows are zero and give counts
 * the store loop never reads.
 */
function xnorCountsJs(s: Int32Array, mPad: number, nPad: number, wp: number, a: number, b: number, nb: number): void {
  for (let j0 = 0; j0 < nPad; j0 += nb) {
    const jEnd = Math.min(j0 + nb, nPad);
    for (let i = 0; i < mPad; i += 2) {
      for (let j = j0; j < jEnd; j += 2) microKernel(s, a + i * wp, b + j * wp, a + (i + 2) * wp, i * nPad + j, nPad);
    }
  }
}

/**
 * The 2×2 micro-kernel. `s[pa ..]` is an A pair panel ending at `paEnd`, `s[pb ..]` a Bᵀ pair
 * panel of the same length (per 4-word step: row 0's words 0, 1, row 1's words 0, 1, row 0's
 * words 2, 3, row 1's words 2, 3); writes the popcount of (A row r XOR Bᵀ row c), over the whole
 * panel, to `s[to + r·stride + c]`.
 *
 * Per output: `o*` (ones) and `w*` (twos) are the Harley–Seal carry-save words and `n*` the running
 * count of the weight-4 carries. Each 4-word step adds XOR words x0..x3 as
 *   (ones, tA) = CSA(ones, x0, x1); (ones, tB) = CSA(ones, x2, x3); (twos, f) = CSA(twos, tA, tB)
 * and counts f with a SWAR popcount ({@link bits}). The `if (pa < 0) break;` tests are never true; they split
 * the loop body into basic blocks so that each section's loads stay next to their use (see the
 * module comment). All arithmetic stays in int32 (`| 0`, `>>>`, Math.imul). The masks are `let`
 * locals, passed to every `bits` call, so that the minifier names them once; V8 sees constants.
 */
function microKernel(s: Int32Array, pa: number, pb: number, paEnd: number, to: number, stride: number): void {
  let o00 = 0, w00 = 0, n00 = 0;
  let o01 = 0, w01 = 0, n01 = 0;
  let o10 = 0, w10 = 0, n10 = 0;
  let o11 = 0, w11 = 0, n11 = 0;
  let m1 = 0x55555555, m2 = 0x33333333, m4 = 0x0f0f0f0f, h01 = 0x01010101; // eslint-disable-line prefer-const
  for (; pa < paEnd; pa = (pa + 8) | 0, pb = (pb + 8) | 0) {
    let x0: number, x1: number, u: number, tA: number, tB: number, f: number;
    const a0 = s[pa]!, a1 = s[(pa + 1) | 0]!, a2 = s[(pa + 4) | 0]!, a3 = s[(pa + 5) | 0]!;
    const b0 = s[pb]!, b1 = s[(pb + 1) | 0]!, b2 = s[(pb + 4) | 0]!, b3 = s[(pb + 5) | 0]!;
    // Output (0, 0): A row 0 · Bᵀ row 0.
    x0 = a0 ^ b0; x1 = a1 ^ b1; u = o00 ^ x0;
    tA = (o00 & x0) | (u & x1); o00 = u ^ x1;
    x0 = a2 ^ b2; x1 = a3 ^ b3; u = o00 ^ x0;
    tB = (o00 & x0) | (u & x1); o00 = u ^ x1;
    u = w00 ^ tA;
    f = (w00 & tA) | (u & tB); w00 = u ^ tB;
    n00 = (n00 + bits(f, m1, m2, m4, h01)) | 0;
    if (pa < 0) break; // never true: starts a new basic block (see above)
    const c0 = s[(pb + 2) | 0]!, c1 = s[(pb + 3) | 0]!, c2 = s[(pb + 6) | 0]!, c3 = s[(pb + 7) | 0]!;
    // Output (0, 1): A row 0 · Bᵀ row 1.
    x0 = a0 ^ c0; x1 = a1 ^ c1; u = o01 ^ x0;
    tA = (o01 & x0) | (u & x1); o01 = u ^ x1;
    x0 = a2 ^ c2; x1 = a3 ^ c3; u = o01 ^ x0;
    tB = (o01 & x0) | (u & x1); o01 = u ^ x1;
    u = w01 ^ tA;
    f = (w01 & tA) | (u & tB); w01 = u ^ tB;
    n01 = (n01 + bits(f, m1, m2, m4, h01)) | 0;
    if (pa < 0) break;
    const d0 = s[(pa + 2) | 0]!, d1 = s[(pa + 3) | 0]!, d2 = s[(pa + 6) | 0]!, d3 = s[(pa + 7) | 0]!;
    // Output (1, 0): A row 1 · Bᵀ row 0.
    x0 = d0 ^ b0; x1 = d1 ^ b1; u = o10 ^ x0;
    tA = (o10 & x0) | (u & x1); o10 = u ^ x1;
    x0 = d2 ^ b2; x1 = d3 ^ b3; u = o10 ^ x0;
    tB = (o10 & x0) | (u & x1); o10 = u ^ x1;
    u = w10 ^ tA;
    f = (w10 & tA) | (u & tB); w10 = u ^ tB;
    n10 = (n10 + bits(f, m1, m2, m4, h01)) | 0;
    // Output (1, 1): A row 1 · Bᵀ row 1.
    x0 = d0 ^ c0; x1 = d1 ^ c1; u = o11 ^ x0;
    tA = (o11 & x0) | (u & x1); o11 = u ^ x1;
    x0 = d2 ^ c2; x1 = d3 ^ c3; u = o11 ^ x0;
    tB = (o11 & x0) | (u & x1); o11 = u ^ x1;
    u = w11 ^ tA;
    f = (w11 & tA) | (u & tB); w11 = u ^ tB;
    n11 = (n11 + bits(f, m1, m2, m4, h01)) | 0;
  }
  s[to] = 4 * n00 + 2 * bits(w00, m1, m2, m4, h01) + bits(o00, m1, m2, m4, h01);
  s[to + 1] = 4 * n01 + 2 * bits(w01, m1, m2, m4, h01) + bits(o01, m1, m2, m4, h01);
  s[to + stride] = 4 * n10 + 2 * bits(w10, m1, m2, m4, h01) + bits(o10, m1, m2, m4, h01);
  s[to + stride + 1] = 4 * n11 + 2 * bits(w11, m1, m2, m4, h01) + bits(o11, m1, m2, m4, h01);
}

/**
 * {@link popcountWord} with its masks as arguments (always 0x55555555, 0x33333333, 0x0f0f0f0f,
 * 0x01010101, the micro-kernel's constant locals). Written once instead of inline in each of the
 * kernel's four sections; V8 inlines every call, and with the masks in registers rather than
 * 32-bit immediates its bytecode is small enough that all twelve calls fit V8's inlining budget
 * for one function (with popcountWord itself, three of the last eight were left as calls, ~5 %
 * slower at K = 1024). After inlining the masks are the kernel's constants again, so the machine
 * code is the inline SWAR popcount's.
 */
function bits(x: number, m1: number, m2: number, m4: number, h01: number): number {
  x = x - ((x >>> 1) & m1);
  x = (x & m2) + ((x >>> 2) & m2);
  x = (x + (x >>> 4)) & m4;
  return Math.imul(x, h01) >>> 24;
}
