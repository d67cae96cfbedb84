/**
 * The multi-bit GEMM over bit-planes (../shared/specs/alq.md §5), computed without ever
 * expanding the weights W (layout in `multibit.ts`):
 * - **float activations** (weight-only mode): per group, with S = Σ_{k∈g} x_k,
 *   `Σ_{k∈g} W[r,k]·x_k = Σ_p α_p · (S − 2·Σ_{k∈g, bit set in b_p} x_k)`;
 * - **multi-bit activations** stored the same way, `x[k] = Σ_q β[i, g'(k), q] · a_q[i, k]`:
 *   `Σ_p Σ_q α_p β_q · binaryDot(b_p, a_q)` per segment where both α and β are constant, with
 *   `binaryDot = n − 2·popcount(b XOR a)` over the segment's n columns.
 *
 * Exactness: every binary dot is an exact integer and every group sum is accumulated in float64,
 * so the result equals the float matmul with the reconstruction {@link multiBitToFloat} up to
 * float rounding (the reference {@link multiBitGemmRef} does exactly that matmul, in float64).
 *
 * On the wasm backend the float-activation mode runs on WebAssembly instead (multibit-rows.ts:
 * the weight decoded once into row lists without its empty groups, float32 SIMD sums), within
 * float32 rounding of this one. The multi-bit × multi-bit mode runs on WebAssembly with this loop's
 * order and float64 sums (src/backend/wat/60-multibit.wat `mb_bits`), bit-identical to it.
 *
 * @module
 */
import { NumError, describe } from '../errors.js';
import { popcountWord } from './bitmatrix.js';
import type { OutputTransform, PreparedTransform } from './transform.js';
import { prepareTransform } from './transform.js';
import { checkOut, transformed } from './xnor.js';
import type { MultiBitMatrix } from './multibit.js';
import { checkMultiBit, reconstruct } from './multibit.js';
import { multiBitFloatWasm } from './multibit-rows.js';
import { multiBitBitsWasm } from '../backend/multibit.js';
import { useWasm } from '../backend/index.js';

/**
 * Activations of {@link multiBitGemm}: float rows (row-major `[M, K]`) or a multi-bit matrix.
 *
 * @example
 * ```ts
 * const floats: MultiBitActivations = new Float32Array(batch * K);
 * const twoBit: MultiBitActivations = packUnsignedActivations(codes, batch, K, { bits: 2, scale: 0.1 });
 * ```
 */
export type MultiBitActivations = ArrayLike<number> | MultiBitMatrix;

/**
 * Multi-bit GEMM `out[i, r] = clamp(Σ_k x[i, k]·W[r, k] · scale[r] + bias[r], clampMin, clampMax)`
 * computed on the bit-planes of `w` (M×K activations times the transpose of the R×K weights):
 * - `x` a float array of length M·K (row-major): weight-only mode, `α·(S − 2·Σ_{bit set} x)` per
 *   group and plane, where the masked sums come from a 16-entry table per 4 columns of x
 *   (built once per activation row, then 8 table reads per weight word);
 * - `x` a {@link MultiBitMatrix} with the same `cols`: `Σ α β (n − 2·popcount(b XOR a))` per
 *   segment where both groupings are constant (the groupings may differ).
 *
 * With K = 0 the number of rows of a float `x` cannot be inferred and is taken as 0.
 *
 * @returns a row-major `M × w.rows` Float32Array
 * @throws NumError `SHAPE_MISMATCH` if K differs or `x.length` is not a multiple of `w.cols`;
 *   `INVALID_ARGUMENT` for malformed matrices or options.
 *
 * @example
 * ```ts
 * const w = packMultiBit([[1, -1, 1, 1]], [2, 0.5], 1, 4, 2);  // W = [2, -2, 0.5, 0.5]
 * multiBitGemm(new Float32Array([1, 1, 2, 2]), w);           // Float32Array [2]
 * const x = packUnsignedActivations([1, 1, 2, 2], 1, 4, { bits: 2, scale: 1 });
 * multiBitGemm(x, w);                                        // Float32Array [2]
 * ```
 */
export function multiBitGemm(x: MultiBitActivations, w: MultiBitMatrix, opts?: OutputTransform): Float32Array {
  const M = checkOperands('multiBitGemm', x, w);
  const out = new Float32Array(M * w.rows);
  compute(out, x, w, prepareTransform('multiBitGemm', opts, w.rows));
  return out;
}

/**
 * {@link multiBitGemm} into a caller-provided Float32Array of length `M · w.rows`.
 *
 * @returns `out`
 * @throws NumError `SHAPE_MISMATCH` for a wrong `out` length; see {@link multiBitGemm}.
 *
 * @example
 * ```ts
 * const w = bitpack.packMultiBit([[1, -1, 1, -1]], [0.5], 1, 4, 4); // 1 row, 1 plane
 * const batch = 2, activations = new Float32Array([1, 1, 2, 2, 1, 0, 0, 0]);
 * const out = new Float32Array(batch * w.rows);
 * multiBitGemmInto(out, activations, w, { bias: [1] });
 * Array.from(out); // [1, 1.5]
 * ```
 */
export function multiBitGemmInto(out: Float32Array, x: MultiBitActivations, w: MultiBitMatrix, opts?: OutputTransform): Float32Array {
  const M = checkOperands('multiBitGemmInto', x, w);
  checkOut('multiBitGemmInto', out, M * w.rows);
  compute(out, x, w, prepareTransform('multiBitGemmInto', opts, w.rows));
  return out;
}

/**
 * Reference multi-bit GEMM: reconstructs the float weights (and multi-bit activations) with
 * {@link multiBitToFloat} and does a plain float64-accumulated matmul, then the output transform.
 *
 * @example
 * ```ts
 * const w = bitpack.packMultiBit([[1, -1, 1, -1]], [0.5], 1, 4, 4);
 * multiBitGemmRef(new Float32Array([1, 1, 2, 2]), w); // [0]
 * ```
 */
export function multiBitGemmRef(x: MultiBitActivations, w: MultiBitMatrix, opts?: OutputTransform): Float32Array {
  const M = checkOperands('multiBitGemmRef', x, w);
  const t = prepareTransform('multiBitGemmRef', opts, w.rows);
  const xf = isMultiBit(x) ? reconstruct(x) : x;
  const wf = reconstruct(w);
  const K = w.cols, R = w.rows;
  const out = new Float32Array(M * R);
  for (let i = 0; i < M; i++) {
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += xf[i * K + k]! * wf[r * K + k]!;
      out[i * R + r] = transformed(s, r, t);
    }
  }
  return out;
}

/** True when `x` looks like a {@link MultiBitMatrix} (rather than a float array). */
function isMultiBit(x: MultiBitActivations): x is MultiBitMatrix {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && !Array.isArray(x)
    && 'alphas' in x && 'planes' in x;
}

/** Validates both operands; returns M, the number of activation rows. */
function checkOperands(op: string, x: MultiBitActivations, w: MultiBitMatrix): number {
  checkMultiBit(op, 'w', w);
  if (isMultiBit(x)) {
    checkMultiBit(op, 'x', x);
    if (x.cols !== w.cols) throw new NumError('SHAPE_MISMATCH', op, 'x and w must have the same K (x.cols = w.cols)', `${w.cols}`, `${x.cols}`);
    return x.rows;
  }
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new NumError('INVALID_ARGUMENT', op, 'x must be a float array [M, K] or a MultiBitMatrix', 'ArrayLike<number> | MultiBitMatrix', describe(x));
  }
  const K = w.cols;
  if (K === 0 ? x.length !== 0 : x.length % K !== 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'x.length must be a multiple of K = w.cols', `M·${K}`, `${x.length}`);
  }
  return K === 0 ? 0 : x.length / K;
}


/**
 * Column segments on which both groupings are constant: the union of the group boundaries of
 * `gA` and `gB` (group sizes) over K columns, as 7 int32 per segment at `7·s` — its first and
 * last word, the masks of its bits in those words, its length and the two group indices. The
 * WebAssembly kernel (`mb_bits`) reads the same table.
 */
function segments(K: number, gA: number, gB: number): Int32Array {
  const starts: number[] = [];
  for (let k = 0; k < K;) {
    starts.push(k);
    k = Math.min(K, (Math.floor(k / gA) + 1) * gA, (Math.floor(k / gB) + 1) * gB);
  }
  const n = starts.length, t = new Int32Array(7 * n);
  for (let s = 0; s < n; s++) {
    const start = starts[s]!, end = s + 1 < n ? starts[s + 1]! : K;
    t[7 * s] = start >>> 5;
    t[7 * s + 1] = (end - 1) >>> 5;
    t[7 * s + 2] = -1 << (start & 31); // bits start&31 .. 31 of the first word
    t[7 * s + 3] = (end & 31) === 0 ? -1 : (1 << (end & 31)) - 1; // bits 0 .. (end−1)&31 of the last word
    t[7 * s + 4] = end - start;
    t[7 * s + 5] = Math.floor(start / gA);
    t[7 * s + 6] = Math.floor(start / gB);
  }
  return t;
}

/** Popcount of `(p[po ..] XOR q[qo ..])` over one segment's words, edge words masked. */
function segmentXorCount(p: Uint32Array, po: number, q: Uint32Array, qo: number, w0: number, w1: number, m0: number, m1: number): number {
  if (w0 === w1) return popcountWord((p[po + w0]! ^ q[qo + w0]!) & m0 & m1);
  let c = popcountWord((p[po + w0]! ^ q[qo + w0]!) & m0) + popcountWord((p[po + w1]! ^ q[qo + w1]!) & m1);
  for (let w = w0 + 1; w < w1; w++) c += popcountWord(p[po + w]! ^ q[qo + w]!);
  return c;
}

function compute(out: Float32Array, x: MultiBitActivations, w: MultiBitMatrix, t: PreparedTransform): void {
  if (isMultiBit(x)) computeMultiBit(out, x, w, t);
  else if (!multiBitFloatWasm(x, w.cols === 0 ? 0 : x.length / w.cols, w, (r, i, v) => { out[i * w.rows + r] = transformed(v, r, t); })) computeFloat(out, x, w, t);
}

/** Multi-bit × multi-bit: Σ over segments, weight planes and activation planes of α·β·binaryDot. */
function computeMultiBit(out: Float32Array, x: MultiBitMatrix, w: MultiBitMatrix, t: PreparedTransform): void {
  const M = x.rows, R = w.rows, W = w.wordsPerRow, Pw = w.planes, Px = x.planes;
  const seg = segments(w.cols, w.groupSize, x.groupSize);
  const sums = useWasm() && M * R > 0 ? multiBitBitsWasm(x, w, seg) : undefined;
  if (sums !== undefined) {
    for (let o = 0; o < M * R; o++) out[o] = transformed(sums[o]!, o % R, t);
    return;
  }
  for (let i = 0; i < M; i++) {
    for (let r = 0; r < R; r++) {
      let acc = 0;
      for (let s = 0; s < seg.length; s += 7) {
        const w0 = seg[s]!, w1 = seg[s + 1]!, m0 = seg[s + 2]!, m1 = seg[s + 3]!, n = seg[s + 4]!;
        const aBase = (r * w.groups + seg[s + 5]!) * Pw;
        const bBase = (i * x.groups + seg[s + 6]!) * Px;
        for (let p = 0; p < Pw; p++) {
          const alpha = w.alphas[aBase + p]!;
          if (alpha === 0) continue; // masked plane
          const wo = (p * R + r) * W;
          let inner = 0;
          for (let q = 0; q < Px; q++) {
            const beta = x.alphas[bBase + q]!;
            if (beta === 0) continue;
            const c = segmentXorCount(w.words, wo, x.words, (q * M + i) * W, w0, w1, m0, m1);
            inner += beta * (n - 2 * c);
          }
          acc += alpha * inner;
        }
      }
      out[i * R + r] = transformed(acc, r, t);
    }
  }
}

/**
 * Float activations × multi-bit weights. For each activation row, a table holds, for every run of
 * 4 columns and every 4-bit pattern v, the sum of the x values at the set bits of v (built
 * incrementally: `T[v] = T[v without its lowest bit] + x[lowest bit]`). The masked sum of a
 * weight word is then 8 table reads. Per group: `Σ_p α_p·(S − 2·T_p)`.
 */
function computeFloat(out: Float32Array, x: ArrayLike<number>, w: MultiBitMatrix, t: PreparedTransform): void {
  const K = w.cols, R = w.rows, W = w.wordsPerRow, P = w.planes, G = w.groups;
  const M = K === 0 ? 0 : x.length / K;
  const seg = segments(K, w.groupSize, w.groupSize);
  const lut = new Float64Array(W * 8 * 16);
  const groupSum = new Float64Array(G);
  for (let i = 0; i < M; i++) {
    const xo = i * K;
    groupSum.fill(0);
    for (let k = 0; k < K; k++) groupSum[Math.floor(k / w.groupSize)]! += x[xo + k]!;
    for (let nb = 0; nb < W * 8; nb++) {
      const base = nb * 16, k0 = nb * 4;
      lut[base] = 0;
      for (let v = 1; v < 16; v++) {
        const low = 31 - Math.clz32(v & -v); // index of the lowest set bit
        const k = k0 + low;
        lut[base + v] = lut[base + (v & (v - 1))]! + (k < K ? x[xo + k]! : 0);
      }
    }
    for (let r = 0; r < R; r++) {
      let acc = 0;
      for (let s = 0; s < seg.length; s += 7) {
        const w0 = seg[s]!, w1 = seg[s + 1]!, m0 = seg[s + 2]!, m1 = seg[s + 3]!;
        const aBase = (r * G + seg[s + 5]!) * P;
        const S = groupSum[seg[s + 5]!]!;
        for (let p = 0; p < P; p++) {
          const alpha = w.alphas[aBase + p]!;
          if (alpha === 0) continue;
          const wo = (p * R + r) * W;
          let T = 0;
          for (let wi = w0; wi <= w1; wi++) {
            let word = w.words[wo + wi]!;
            if (wi === w0) word &= m0;
            if (wi === w1) word &= m1;
            const b = wi * 128; // 8 nibbles · 16 entries
            T += lut[b + (word & 15)]! + lut[b + 16 + ((word >>> 4) & 15)]!
              + lut[b + 32 + ((word >>> 8) & 15)]! + lut[b + 48 + ((word >>> 12) & 15)]!
              + lut[b + 64 + ((word >>> 16) & 15)]! + lut[b + 80 + ((word >>> 20) & 15)]!
              + lut[b + 96 + ((word >>> 24) & 15)]! + lut[b + 112 + (word >>> 28)]!;
          }
          acc += alpha * (S - 2 * T);
        }
      }
      out[i * R + r] = transformed(acc, r, t);
    }
  }
}
