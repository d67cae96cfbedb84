/**
 * Per-row ranking, the one sort DRESS needs: every row of a `rows × cols` score matrix is ordered
 * by score, descending, ties to the smaller column, and the first `keep` columns of each row are
 * written in that order. All nested masks and the packed layout are read off this order, so K
 * levels cost one sort per row, not K.
 *
 * The fast path packs (score, column) into one float64 key per entry and lets the engine's
 * numeric `Float64Array.prototype.sort` do the work (no comparator call per comparison); the
 * reference twin sorts with an explicit comparator. A property test asserts they agree.
 *
 * @module
 */
import { NumError, describe } from '../../errors.js';
import { count } from '../../validate.js';

/** Columns the fast path can hold next to a 32-bit score key inside a double's 53-bit mantissa. */
const COL_BITS = 2097152; // 2 ** 21, as a literal: bundlers keep a top-level `**`

// Scratch for reading a float32's bits; created on first use so importing runs nothing.
let f32: Float32Array | undefined;
let u32: Uint32Array | undefined;

/**
 * A float32 score as an unsigned integer whose ascending order is the score's descending order
 * (−0 is taken as +0; NaN ranks above +Infinity, so it is kept, never silently dropped).
 */
function descendingKey(score: number): number {
  if (f32 === undefined || u32 === undefined) { f32 = new Float32Array(1); u32 = new Uint32Array(f32.buffer); }
  f32[0] = score + 0;
  const u = u32[0]!;
  const ascending = (u & 0x80000000) !== 0 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
  return 0xffffffff - ascending;
}

/** The total order both rankers implement: −1 when column `a` ranks before `b`. */
function before(sa: number, a: number, sb: number, b: number): number {
  const ka = descendingKey(sa), kb = descendingKey(sb);
  return ka !== kb ? ka - kb : a - b;
}

/** Public-boundary check shared by both rankers: sizes are integers the buffers can hold. */
function checkRank(op: string, order: unknown, scores: unknown, rows: unknown, cols: unknown, keep: unknown): void {
  if (!(order instanceof Int32Array)) throw new NumError('INVALID_ARGUMENT', op, 'order must be an Int32Array', 'Int32Array', describe(order));
  const isArrayLike = ArrayBuffer.isView(scores) ? !(scores instanceof DataView) && !(scores instanceof BigInt64Array) && !(scores instanceof BigUint64Array) : Array.isArray(scores);
  if (!isArrayLike) throw new NumError('INVALID_ARGUMENT', op, 'scores must be an array of numbers', 'number[] | typed array', describe(scores));
  const r = count(op, 'rows', rows), c = count(op, 'cols', cols), k = count(op, 'keep', keep);
  if (k > c) throw new NumError('OUT_OF_RANGE', op, 'keep exceeds cols', `keep <= ${c}`, String(k));
  const n = (scores as ArrayLike<number>).length;
  if (r * c > n) throw new NumError('SHAPE_MISMATCH', op, 'scores shorter than rows × cols', `length >= ${r * c}`, String(n));
  if (r * k > order.length) throw new NumError('SHAPE_MISMATCH', op, 'order shorter than rows × keep', `length >= ${r * k}`, String(order.length));
}

/**
 * Writes, for every row, its `keep` top-ranked columns in rank order into
 * `order[row·keep .. (row+1)·keep)`. Scores are read as float32 (the weights' precision).
 * @example
 * ```ts
 * const rows = 2, cols = 4, keep = 2;
 * const scores = Float32Array.of(0.1, -3, 2, 0.5, 1, 1, -1, 0);
 * const order = new Int32Array(rows * keep);
 * rankRowsInto(order, scores, rows, cols, keep);
 * order; // [2, 3, 0, 1]: per row, the columns of the `keep` highest scores
 * ```
 */
export function rankRowsInto(order: Int32Array, scores: ArrayLike<number>, rows: number, cols: number, keep: number): void {
  checkRank('dress.rankRowsInto', order, scores, rows, cols, keep);
  if (cols > COL_BITS) { rankRowsRef(order, scores, rows, cols, keep); return; }
  const keys = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let c = 0; c < cols; c++) keys[c] = descendingKey(scores[base + c]!) * COL_BITS + c;
    keys.sort();
    const o = i * keep;
    for (let t = 0; t < keep; t++) {
      const k = keys[t]!;
      order[o + t] = k - Math.floor(k / COL_BITS) * COL_BITS;
    }
  }
}

/**
 * Reference twin of {@link rankRowsInto}: the same order by an explicit comparator sort.
 * @example
 * ```ts
 * const rows = 2, cols = 4, keep = 2, scores = Float32Array.of(0.1, -3, 2, 0.5, 1, 1, -1, 0);
 * const expected = new Int32Array(rows * keep), fast = new Int32Array(rows * keep);
 * rankRowsRef(expected, scores, rows, cols, keep);
 * rankRowsInto(fast, scores, rows, cols, keep);
 * fast.every((v, i) => v === expected[i]); // true
 * ```
 */
export function rankRowsRef(order: Int32Array, scores: ArrayLike<number>, rows: number, cols: number, keep: number): void {
  checkRank('dress.rankRowsRef', order, scores, rows, cols, keep);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    const idx = Array.from({ length: cols }, (_, c) => c);
    idx.sort((a, b) => before(scores[base + a]!, a, scores[base + b]!, b));
    for (let t = 0; t < keep; t++) order[i * keep + t] = idx[t]!;
  }
}
