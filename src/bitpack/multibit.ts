/**
 * Multi-bit matrices over bit-planes, in ALQ's form (../shared/specs/alq.md §5): the layout,
 * packing, activations, reconstruction and invariant checks; the GEMM itself is in
 * `multibit-gemm.ts`. A weight row is a sum of binary planes with one coefficient per
 * (row, group, plane):
 *
 *     W[r, k] ≈ Σ_p α[r, g(k), p] · b_p[r, k],   b_p ∈ {−1, +1},  g(k) = floor(k / groupSize)
 *
 * Layout of {@link MultiBitMatrix}: P planes of `rows × cols`, each a plain {@link BitMatrix} (same bit
 * layout: row-packed, bit set = −1, tail bits 0), stored one after the other in one Uint32Array
 * (`words[(p·rows + r)·wordsPerRow + w]`; {@link multiBitPlane} returns plane p as a BitMatrix view),
 * plus `alphas`, a Float32Array `[rows, groups, P]`. Groups are contiguous column ranges of
 * `groupSize` columns; the last one is shorter when `groupSize` does not divide `cols`. A group that
 * uses fewer than P planes (a pruned, "masked" slot) has α = 0 for the unused ones: the kernels skip
 * them, whatever their bits.
 *
 * @module
 */
import { NumError, describe } from '../errors.js';
import type { BitMatrix } from './bitmatrix.js';
import { checkDim, packRowsInto } from './bitmatrix.js';

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
 * const m = packMultiBit([[1, -1, 1, 1]], [0.5], 1, 4, 4);
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
  // Bit j of every code in a 32-column word is gathered in a register (set[j]); plane j stores its
  // complement, a_j = −1 (bit set) where bit j of the code is 0.
  const set = new Int32Array(bits);
  for (let r = 0; r < rows; r++) {
    for (let wi = 0; wi < wpr; wi++) {
      const k0 = wi << 5, k1 = Math.min(cols, k0 + 32);
      set.fill(0);
      for (let k = k0; k < k1; k++) {
        const v = q[r * cols + k]!;
        if (!Number.isInteger(v) || v < 0 || v >= top) {
          throw new NumError('INVALID_ARGUMENT', op, `code at row ${r}, column ${k} must be an integer in [0, ${top})`, `0..${top - 1}`, String(v));
        }
        for (let j = 0; j < bits; j++) set[j]! |= ((v >>> j) & 1) << (k - k0);
      }
      const valid = k1 - k0 === 32 ? -1 : (1 << (k1 - k0)) - 1;
      for (let j = 0; j < bits; j++) m.words[(j * rows + r) * wpr + wi] = ~set[j]! & valid;
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

export function reconstruct(m: MultiBitMatrix): Float32Array {
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


function checkGroupSize(op: string, g: unknown): void {
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 1) {
    throw new NumError('INVALID_ARGUMENT', op, 'groupSize must be an integer >= 1', 'integer >= 1', describe(g));
  }
}

/** Checks the {@link MultiBitMatrix} invariants (lengths and tail bits of every plane row). */
export function checkMultiBit(op: string, name: string, m: MultiBitMatrix): void {
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
