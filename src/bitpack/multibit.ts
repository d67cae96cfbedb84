/**
 * Multi-bit GEMM over bit-planes, in ALQ's form (../shared/specs/alq.md §5). A weight row is a sum
 * of binary planes with one coefficient per (row, group, plane):
 *
 *     W[r, k] ≈ Σ_p α[r, g(k), p] · b_p[r, k],   b_p ∈ {−1, +1},  g(k) = floor(k / groupSize)
 *
 * and the product with an activation row x is computed without ever expanding W:
 * - **float activations** (weight-only mode): per group, with S = Σ_{k∈g} x_k,
 *   `Σ_{k∈g} W[r,k]·x_k = Σ_p α_p · (S − 2·Σ_{k∈g, bit set in b_p} x_k)`;
 * - **multi-bit activations** stored the same way, `x[k] = Σ_q β[i, g'(k), q] · a_q[i, k]`:
 *   `Σ_p Σ_q α_p β_q · binaryDot(b_p, a_q)` per segment where both α and β are constant, with
 *   `binaryDot = n − 2·popcount(b XOR a)` over the segment's n columns.
 *
 * Layout of {@link MultiBitMatrix}: P planes of `rows × cols`, each a plain {@link BitMatrix} (same bit
 * layout: row-packed, bit set = −1, tail bits 0), stored one after the other in one Uint32Array
 * (`words[(p·rows + r)·wordsPerRow + w]`; {@link multiBitPlane} returns plane p as a BitMatrix view),
 * plus `alphas`, a Float32Array `[rows, groups, P]`. Groups are contiguous column ranges of
 * `groupSize` columns; the last one is shorter when `groupSize` does not divide `cols`. A group that
 * uses fewer than P planes (a pruned, "masked" slot) has α = 0 for the unused ones: the kernels skip
 * them, whatever their bits.
 *
 * Exactness: every binary dot is an exact integer and every group sum is accumulated in float64,
 * so the result equals the float matmul with the reconstruction {@link multiBitToFloat} up to
 * float rounding (the reference {@link multiBitGemmRef} does exactly that matmul, in float64).
 *
 * @module
 */
import { NumError, describe } from '../errors.js';
import type { BitMatrix } from './bitmatrix.js';
import { checkDim, packRowsInto, popcountWord } from './bitmatrix.js';
import type { OutputTransform, PreparedTransform } from './transform.js';
import { prepareTransform } from './transform.js';
import { checkOut, transformed } from './xnor.js';

/**
 * A `rows × cols` matrix stored as P binary planes with per-(row, group, plane) coefficients:
 * `value[r, k] = Σ_p alphas[(r·groups + floor(k/groupSize))·planes + p] · (bit (r, k) of plane p ? −1 : +1)`.
 *
 * @example
 * ```ts
 * // 1 row, 4 columns, groups of 2, 2 planes: [3, 1, -1, 1] = 2·[1, 1, -1, 1] + 1·[1, -1, 1, 1]
 * //   (group 0: α = [2, 1]; group 1: α = [1, 0], its second plane masked)
 * const m = packMultiBit([[1, 1, -1, 1], [1, -1, 1, 1]], [2, 1, 1, 0], 1, 4, 2);
 * multiBitToFloat(m); // Float32Array [3, 1, -1, 1]
 * ```
 */
export interface MultiBitMatrix {
  /** Rows (output channels for weights, samples for activations). */
  readonly rows: number;
  /** Columns (the K dimension). */
  readonly cols: number;
  /** Columns per group (≥ 1); the last group may be shorter. */
  readonly groupSize: number;
  /** `ceil(cols / groupSize)`. */
  readonly groups: number;
  /** Number of planes P (the most any group uses). */
  readonly planes: number;
  /** `ceil(cols / 32)`: words per packed row of one plane. */
  readonly wordsPerRow: number;
  /** `planes · rows · wordsPerRow` words: plane p, row r at `(p·rows + r)·wordsPerRow`. */
  readonly words: Uint32Array;
  /** `rows · groups · planes` coefficients, `[r][g][p]`; 0 marks an absent (masked) plane. */
  readonly alphas: Float32Array;
}

/**
 * Builds a {@link MultiBitMatrix} from P sign planes (each a row-major `rows × cols` array whose
 * signs are taken, 0 → +1) and the coefficients `alphas` laid out `[rows, groups, P]`.
 *
 * @throws NumError `SHAPE_MISMATCH` for wrong plane or alpha lengths; `INVALID_ARGUMENT` for NaN
 *   signs, non-finite alphas or bad dimensions.
 *
 * @example
 * ```ts
 * // 2 rows, 3 columns, one group per row (groupSize 3), one plane: α·sign(w) with α = mean |w|.
 * const w = [0.5, -1, 1.5, -2, 2, 2];
 * const m = packMultiBit([w], [1, 2], 2, 3, 3);
 * multiBitToFloat(m); // Float32Array [1, -1, 1, -2, 2, 2]
 * ```
 */
export function packMultiBit(
  planes: readonly ArrayLike<number>[], alphas: ArrayLike<number>, rows: number, cols: number, groupSize: number,
): MultiBitMatrix {
  const op = 'packMultiBit';
  checkDim(op, 'rows', rows);
  checkDim(op, 'cols', cols);
  checkGroupSize(op, groupSize);
  if (!Array.isArray(planes)) throw new NumError('INVALID_ARGUMENT', op, 'planes must be an array of sign arrays', 'ArrayLike<number>[]', describe(planes));
  const P = planes.length;
  const m = multiBitMatrix(rows, cols, groupSize, P);
  for (let p = 0; p < P; p++) {
    const src = planes[p]!;
    if (src === null || typeof src !== 'object' || src.length !== rows * cols) {
      throw new NumError('SHAPE_MISMATCH', op, `plane ${p} must hold rows · cols values`, `${rows * cols}`, describe(src));
    }
    packRowsInto(src, 0, rows, cols, m.words, p * rows * m.wordsPerRow, m.wordsPerRow, op);
  }
  if (alphas === null || typeof alphas !== 'object' || alphas.length !== m.alphas.length) {
    throw new NumError('SHAPE_MISMATCH', op, 'alphas must be [rows, groups, planes]', `length ${m.alphas.length} (${rows}·${m.groups}·${P})`, describe(alphas));
  }
  for (let i = 0; i < m.alphas.length; i++) {
    const a = alphas[i]!;
    if (!Number.isFinite(a)) throw new NumError('INVALID_ARGUMENT', op, `alphas[${i}] must be finite`, 'a finite number', String(a));
    m.alphas[i] = a;
  }
  return m;
}

/**
 * An all-zero {@link MultiBitMatrix} (every plane +1, every α 0) to be filled in place.
 *
 * @example
 * ```ts
 * const m = multiBitMatrix(64, 800, 25, 3); // 64 rows, 32 groups of 25 columns, 3 planes
 * m.alphas.length; // 64 · 32 · 3
 * ```
 */
export function multiBitMatrix(rows: number, cols: number, groupSize: number, planes: number): MultiBitMatrix {
  const op = 'multiBitMatrix';
  checkDim(op, 'rows', rows);
  checkDim(op, 'cols', cols);
  checkGroupSize(op, groupSize);
  checkDim(op, 'planes', planes);
  const wordsPerRow = (cols + 31) >>> 5;
  const groups = Math.ceil(cols / groupSize);
  return {
    rows, cols, groupSize, groups, planes, wordsPerRow,
    words: new Uint32Array(planes * rows * wordsPerRow),
    alphas: new Float32Array(rows * groups * planes),
  };
}

/**
 * Plane p of a {@link MultiBitMatrix} as a {@link BitMatrix} view (shares the words).
 *
 * @example
 * ```ts
 * const b0 = multiBitPlane(m, 0);
 * unpackBits(b0); // the ±1 signs of plane 0
 * ```
 */
export function multiBitPlane(m: MultiBitMatrix, p: number): BitMatrix {
  checkMultiBit('multiBitPlane', 'm', m);
  if (!Number.isInteger(p) || p < 0 || p >= m.planes) {
    throw new NumError('OUT_OF_RANGE', 'multiBitPlane', 'plane index out of range', `0 <= p < ${m.planes}`, describe(p));
  }
  const n = m.rows * m.wordsPerRow;
  return { rows: m.rows, cols: m.cols, wordsPerRow: m.wordsPerRow, words: m.words.subarray(p * n, (p + 1) * n) };
}

/**
 * Options of {@link packUnsignedActivations}.
 *
 * @example
 * ```ts
 * const opts: UnsignedActivationOptions = { bits: 2, scale: 0.25 };
 * ```
 */
export interface UnsignedActivationOptions {
  /** Bit width m ≥ 1: codes are integers in [0, 2^m). */
  bits: number;
  /** Step s of the quantizer, one number or one per row: value = s · code. */
  scale: number | ArrayLike<number>;
  /** Columns per group; default `cols` (one group per row). */
  groupSize?: number | undefined;
}

/**
 * Encodes unsigned m-bit activations `x = s·q` (q integer codes in [0, 2^m), row-major
 * `rows × cols`) as a {@link MultiBitMatrix} with m + 1 planes, following ALQ §5:
 * plane j < m holds `a_j = 2u_j − 1` (u_j bit j of q) with β_j = s·2^j / 2, and plane m is all +1
 * with β_m = s·(2^m − 1)/2, so `Σ_j β_j a_j = s·q` exactly.
 *
 * @throws NumError `INVALID_ARGUMENT` for a code that is not an integer in range, a bad bit width
 *   or a non-finite scale; `SHAPE_MISMATCH` for wrong lengths.
 *
 * @example
 * ```ts
 * const x = packUnsignedActivations([0, 1, 2, 3], 1, 4, { bits: 2, scale: 0.5 });
 * multiBitToFloat(x); // Float32Array [0, 0.5, 1, 1.5]
 * ```
 */
export function packUnsignedActivations(
  q: ArrayLike<number>, rows: number, cols: number, opts: UnsignedActivationOptions,
): MultiBitMatrix {
  const op = 'packUnsignedActivations';
  checkDim(op, 'rows', rows);
  checkDim(op, 'cols', cols);
  const bits = opts?.bits;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > 30) {
    throw new NumError('INVALID_ARGUMENT', op, 'bits must be an integer in 1..30', '1..30', describe(bits));
  }
  if (q === null || typeof q !== 'object' || q.length !== rows * cols) {
    throw new NumError('SHAPE_MISMATCH', op, 'q must hold rows · cols codes', `${rows * cols}`, describe(q));
  }
  const groupSize = opts.groupSize ?? Math.max(1, cols);
  const m = multiBitMatrix(rows, cols, groupSize, bits + 1);
  const scaleOf = (r: number): number => {
    const s = typeof opts.scale === 'number' ? opts.scale : opts.scale[r]!;
    if (!Number.isFinite(s)) throw new NumError('INVALID_ARGUMENT', op, `scale of row ${r} must be finite`, 'a finite number', String(s));
    return s;
  };
  if (typeof opts.scale !== 'number' && (opts.scale === null || typeof opts.scale !== 'object' || opts.scale.length !== rows)) {
    throw new NumError('SHAPE_MISMATCH', op, 'scale must be a number or one per row', `length ${rows}`, describe(opts.scale));
  }
  const wpr = m.wordsPerRow, top = 2 ** bits;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const v = q[r * cols + k]!;
      if (!Number.isInteger(v) || v < 0 || v >= top) {
        throw new NumError('INVALID_ARGUMENT', op, `code at row ${r}, column ${k} must be an integer in [0, ${top})`, `0..${top - 1}`, String(v));
      }
      // a_j = −1 (bit set) where bit j of the code is 0.
      for (let j = 0; j < bits; j++) {
        if (((v >>> j) & 1) === 0) m.words[(j * rows + r) * wpr + (k >>> 5)]! |= 1 << (k & 31);
      }
    }
    const s = scaleOf(r);
    for (let g = 0; g < m.groups; g++) {
      const base = (r * m.groups + g) * m.planes;
      for (let j = 0; j < bits; j++) m.alphas[base + j] = s * 2 ** (j - 1);
      m.alphas[base + bits] = s * (top - 1) / 2;
    }
  }
  return m;
}

/**
 * Reconstructs the float matrix `value[r, k] = Σ_p α[r, g(k), p] · (±1)` (summed in float64,
 * rounded once), row-major `rows × cols`.
 *
 * @example
 * ```ts
 * multiBitToFloat(packMultiBit([[1, -1]], [0.5], 1, 2, 2)); // Float32Array [0.5, -0.5]
 * ```
 */
export function multiBitToFloat(m: MultiBitMatrix): Float32Array {
  checkMultiBit('multiBitToFloat', 'm', m);
  return reconstruct(m);
}

function reconstruct(m: MultiBitMatrix): Float32Array {
  const { rows, cols, groupSize, groups, planes, wordsPerRow: W, words, alphas } = m;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const a = (r * groups + Math.floor(k / groupSize)) * planes;
      let v = 0;
      for (let p = 0; p < planes; p++) {
        const bit = (words[(p * rows + r) * W + (k >>> 5)]! >>> (k & 31)) & 1;
        v += bit ? -alphas[a + p]! : alphas[a + p]!;
      }
      out[r * cols + k] = v;
    }
  }
  return out;
}

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
 * const out = new Float32Array(batch * w.rows);
 * multiBitGemmInto(out, activations, w, { bias });
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
 * multiBitGemmRef(new Float32Array([1, 1, 2, 2]), w); // same as multiBitGemm up to rounding
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

function checkGroupSize(op: string, g: unknown): void {
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1) {
    throw new NumError('INVALID_ARGUMENT', op, 'groupSize must be an integer >= 1', 'integer >= 1', describe(g));
  }
}

/** Checks the {@link MultiBitMatrix} invariants (lengths and tail bits of every plane row). */
function checkMultiBit(op: string, name: string, m: MultiBitMatrix): void {
  if (m === null || typeof m !== 'object' || !(m.words instanceof Uint32Array) || !(m.alphas instanceof Float32Array)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a MultiBitMatrix`, '{rows, cols, groupSize, groups, planes, wordsPerRow, words, alphas}', describe(m));
  }
  checkDim(op, `${name}.rows`, m.rows);
  checkDim(op, `${name}.cols`, m.cols);
  checkDim(op, `${name}.planes`, m.planes);
  checkGroupSize(op, m.groupSize);
  const W = (m.cols + 31) >>> 5, G = Math.ceil(m.cols / m.groupSize);
  if (m.wordsPerRow !== W) throw new NumError('INVALID_ARGUMENT', op, `${name}.wordsPerRow must be ceil(cols / 32)`, `${W}`, `${m.wordsPerRow}`);
  if (m.groups !== G) throw new NumError('INVALID_ARGUMENT', op, `${name}.groups must be ceil(cols / groupSize)`, `${G}`, `${m.groups}`);
  if (m.words.length !== m.planes * m.rows * W) {
    throw new NumError('SHAPE_MISMATCH', op, `${name}.words.length must be planes · rows · wordsPerRow`, `${m.planes * m.rows * W}`, `${m.words.length}`);
  }
  if (m.alphas.length !== m.rows * G * m.planes) {
    throw new NumError('SHAPE_MISMATCH', op, `${name}.alphas.length must be rows · groups · planes`, `${m.rows * G * m.planes}`, `${m.alphas.length}`);
  }
  const tail = m.cols & 31;
  if (tail !== 0) {
    const mask = ~((1 << tail) - 1);
    for (let pr = 0; pr < m.planes * m.rows; pr++) {
      if ((m.words[pr * W + W - 1]! & mask) !== 0) {
        throw new NumError('INVALID_ARGUMENT', op, `${name} has set bits past column ${m.cols} (plane ${Math.floor(pr / m.rows)}, row ${pr % m.rows}); tail bits must be 0`);
      }
    }
  }
}

/**
 * Column segments on which both groupings are constant: the union of the group boundaries of
 * `gA` and `gB` (group sizes) over K columns. For each segment: its first/last word, the masks of
 * its bits in those words, its length and the two group indices.
 */
interface Segments {
  count: number;
  w0: Int32Array; w1: Int32Array; m0: Int32Array; m1: Int32Array;
  len: Int32Array; ga: Int32Array; gb: Int32Array;
}

function segments(K: number, gA: number, gB: number): Segments {
  const starts: number[] = [];
  for (let k = 0; k < K;) {
    starts.push(k);
    k = Math.min(K, (Math.floor(k / gA) + 1) * gA, (Math.floor(k / gB) + 1) * gB);
  }
  const n = starts.length;
  const seg: Segments = {
    count: n, w0: new Int32Array(n), w1: new Int32Array(n), m0: new Int32Array(n), m1: new Int32Array(n),
    len: new Int32Array(n), ga: new Int32Array(n), gb: new Int32Array(n),
  };
  for (let s = 0; s < n; s++) {
    const start = starts[s]!, end = s + 1 < n ? starts[s + 1]! : K;
    seg.w0[s] = start >>> 5;
    seg.w1[s] = (end - 1) >>> 5;
    seg.m0[s] = -1 << (start & 31); // bits start&31 .. 31 of the first word
    seg.m1[s] = (end & 31) === 0 ? -1 : (1 << (end & 31)) - 1; // bits 0 .. (end−1)&31 of the last word
    seg.len[s] = end - start;
    seg.ga[s] = Math.floor(start / gA);
    seg.gb[s] = Math.floor(start / gB);
  }
  return seg;
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
  else computeFloat(out, x, w, t);
}

/** Multi-bit × multi-bit: Σ over segments, weight planes and activation planes of α·β·binaryDot. */
function computeMultiBit(out: Float32Array, x: MultiBitMatrix, w: MultiBitMatrix, t: PreparedTransform): void {
  const M = x.rows, R = w.rows, W = w.wordsPerRow, Pw = w.planes, Px = x.planes;
  const seg = segments(w.cols, w.groupSize, x.groupSize);
  for (let i = 0; i < M; i++) {
    for (let r = 0; r < R; r++) {
      let acc = 0;
      for (let s = 0; s < seg.count; s++) {
        const w0 = seg.w0[s]!, w1 = seg.w1[s]!, m0 = seg.m0[s]!, m1 = seg.m1[s]!, n = seg.len[s]!;
        const aBase = (r * w.groups + seg.ga[s]!) * Pw;
        const bBase = (i * x.groups + seg.gb[s]!) * Px;
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
      for (let s = 0; s < seg.count; s++) {
        const w0 = seg.w0[s]!, w1 = seg.w1[s]!, m0 = seg.m0[s]!, m1 = seg.m1[s]!;
        const aBase = (r * G + seg.ga[s]!) * P;
        const S = groupSum[seg.ga[s]!]!;
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
