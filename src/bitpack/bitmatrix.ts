/**
 * The packed ±1 matrix every kernel in `bitpack/` works on, and the routines that pack, unpack and
 * validate it.
 *
 * Layout (the larq compute-engine layout, see docs/bitpack.md):
 * - each row is packed along the columns (the K dimension of a GEMM) into `wordsPerRow =
 *   ceil(cols / 32)` consecutive 32-bit words; rows follow each other with no gap;
 * - bit j of a row is bit `j & 31` (least significant first) of word `j >>> 5`;
 * - a set bit means −1, a clear bit +1, and `sign(0) = sign(−0) = +1` (larq's `sign`);
 * - the unused tail bits of a row's last word are always 0.
 *
 * Because the tail bits of both operands are 0, their XOR is 0 there too, and the ±1 dot product
 * of two rows is exactly `cols − 2·popcount(a XOR b)` with no padding correction.
 *
 * @module
 */
import { badArg, checkLength } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A `rows × cols` matrix of ±1 values, packed 32 per word along each row (bit set = −1, tail bits 0).
 *
 * @example
 * ```ts
 * const m = packBits([1, -2, 0, -0.5], 2, 2); // [[+1, −1], [+1, −1]]
 * m.wordsPerRow; // 1
 * m.words;       // Uint32Array [0b10, 0b10]
 * ```
 */
export interface BitMatrix {
  /** Number of rows (e.g. output channels of a weight matrix, or samples of an activation matrix). */
  readonly rows: number;
  /** Number of ±1 entries per row (the K dimension). */
  readonly cols: number;
  /** `ceil(cols / 32)`: words per packed row. */
  readonly wordsPerRow: number;
  /** `rows · wordsPerRow` words, row-major; bit `j & 31` of word `r·wordsPerRow + (j >>> 5)` is entry (r, j). */
  readonly words: Uint32Array;
}

/**
 * Number of set bits of a 32-bit integer (SWAR: pairs, nibbles, bytes, then one multiply to add
 * the four byte counts). `x` is taken modulo 2³², so int32 and uint32 values both work.
 *
 * @example
 * ```ts
 * popcount32(0b1011);     // 3
 * popcount32(0xffffffff); // 32
 * popcount32(-1);         // 32
 * ```
 */
export function popcount32(x: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) {
    throw badArg('popcount32', 'x', 'an integer', x);
  }
  return popcountWord(x);
}

/**
 * The unchecked kernel behind {@link popcount32}, for the XNOR inner loops. @internal
 * @example
 * ```ts
 * popcountWord(0b1011); // 3
 * ```
 */
export function popcountWord(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * A `rows × cols` BitMatrix with every entry +1 (all bits clear), ready to be filled.
 *
 * @example
 * ```ts
 * const m = bitMatrix(3, 40); // 3 rows of 2 words each, all +1
 * m.words.length;             // 6
 * ```
 */
export function bitMatrix(rows: number, cols: number): BitMatrix {
  return allocate('bitMatrix', rows, cols);
}

/** A zero BitMatrix after checking the dimensions and the word count, for `op`'s messages. */
function allocate(op: string, rows: unknown, cols: unknown): BitMatrix {
  checkDim(op, 'rows', rows);
  checkDim(op, 'cols', cols);
  const wordsPerRow = Math.ceil(cols / 32), n = rows * wordsPerRow;
  // The element limit of src/validate.ts (2³¹ − 1), spelled here: its checkElements would bring a
  // longer message of its own into every bundle that packs bits.
  if (!(n <= 2147483647)) throw badArg(op, 'word count', 'at most 2147483647', n, 'OUT_OF_RANGE');
  return { rows, cols, wordsPerRow, words: new Uint32Array(n) };
}

/**
 * Packs the signs of a row-major `rows × cols` array (or of a 2-D Tensor, whose shape gives rows
 * and cols; if they are passed too they must agree) into a BitMatrix:
 * bit set where the value is negative, clear where it is positive or zero (`sign(0) = +1`).
 * NaN has no sign and is rejected.
 *
 * @throws NumError `SHAPE_MISMATCH` if `values.length !== rows · cols` or the tensor is not 2-D;
 *   `INVALID_ARGUMENT` for a NaN entry or a non-integer / negative dimension.
 *
 * @example
 * ```ts
 * const w = packBits(new Float32Array([0.3, -1, 0, 2, -0.1, -7]), 2, 3);
 * unpackBits(w); // Float32Array [1, -1, 1, 1, -1, -1]
 * const t = packBits(tensor([[1, -1], [-1, 1]]));  // rows and cols from the tensor's shape
 * ```
 */
export function packBits(values: ArrayLike<number>, rows: number, cols: number): BitMatrix;
export function packBits(values: Tensor, rows?: number, cols?: number): BitMatrix;
export function packBits(values: ArrayLike<number> | Tensor, rows?: number, cols?: number): BitMatrix {
  const op = 'packBits'; // named once: the minifier does not merge repeated string literals
  let data = values as ArrayLike<number>;
  if (isTensorLike(values)) {
    const shape = values.shape, [r, c] = shape;
    checkLength(op, 'values.shape.length', 2, shape.length);
    checkLength(op, 'rows', r!, rows ??= r); // given dimensions must agree with the shape
    checkLength(op, 'cols', c!, cols ??= c);
    data = values.toTyped({ copy: false });
  } else if (typeof values !== 'object' || typeof values?.length !== 'number') {
    throw badArg(op, 'values', 'an array-like or a 2-D Tensor', values);
  }
  const m = allocate(op, rows, cols); // rows and cols are required for an array
  checkLength(op, 'values.length', m.rows * m.cols, data.length);
  packRowsInto(data, 0, m.rows, m.cols, m.words, 0, m.wordsPerRow, op);
  return m;
}

/**
 * Packs `rows` rows of `cols` signs, read from `src[srcOff + r·cols + j]`, into `dst` at
 * `dstOff + r·wordsPerRow`. Writes every word of each row (tail bits 0). Throws on NaN. @internal
 */
export function packRowsInto(
  src: ArrayLike<number>, srcOff: number, rows: number, cols: number,
  dst: Uint32Array, dstOff: number, wordsPerRow: number, op: string,
): void {
  for (let r = 0; r < rows; r++) {
    let s = srcOff + r * cols;
    let d = dstOff + r * wordsPerRow;
    for (let j0 = 0; j0 < cols; j0 += 32, d++) {
      const n = Math.min(32, cols - j0);
      let word = 0;
      for (let b = 0; b < n; b++, s++) {
        const v = src[s]!;
        if (v < 0) word |= 1 << b;
        else if (!(v >= 0)) {
          throw badArg(op, `values at row ${r}, column ${j0 + b}`, 'a signed number', v);
        }
      }
      dst[d] = word;
    }
  }
}

/**
 * Unpacks a BitMatrix to a row-major `rows × cols` Float32Array of ±1.
 *
 * @example
 * ```ts
 * unpackBits(packBits([-3, 0, 5, -0], 1, 4)); // Float32Array [-1, 1, 1, 1]
 * ```
 */
export function unpackBits(m: BitMatrix): Float32Array {
  checkBitMatrix('unpackBits', 'm', m);
  const { rows, cols, wordsPerRow, words } = m;
  const out = new Float32Array(rows * cols);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * wordsPerRow;
    for (let j = 0; j < cols; j++) out[o++] = (words[base + (j >>> 5)]! >>> (j & 31)) & 1 ? -1 : 1;
  }
  return out;
}

/**
 * Checks the BitMatrix invariants at a public boundary: integer non-negative `rows`/`cols`,
 * `wordsPerRow = ceil(cols/32)`, a Uint32Array of exactly `rows · wordsPerRow` words, and tail
 * bits 0 in every row (O(rows)). @internal
 */
export function checkBitMatrix(op: string, name: string, m: BitMatrix): void {
  if (!((m as BitMatrix | undefined)?.words instanceof Uint32Array)) throw badArg(op, name, 'a BitMatrix', m);
  const { rows, cols, words } = m;
  checkDim(op, `${name}.rows`, rows);
  checkDim(op, `${name}.cols`, cols);
  const wpr = (cols + 31) >>> 5, mask = -1 << (cols & 31);
  if (m.wordsPerRow !== wpr) throw badArg(op, `${name}.wordsPerRow`, `${wpr}`, m.wordsPerRow);
  checkLength(op, `${name}.words.length`, rows * wpr, words.length);
  for (let r = 1; r <= rows && mask !== -1; r++) {
    if (words[r * wpr - 1]! & mask) throw badArg(op, `${name} row ${r - 1}, bits past column ${cols}`, '0', words[r * wpr - 1]! & mask);
  }
}

/** Throws unless `v` is a non-negative integer (Number.isInteger is false for non-numbers). @internal */
export function checkDim(op: string, what: string, v: unknown): asserts v is number {
  if (!Number.isInteger(v) || (v as number) < 0) throw badArg(op, what, 'an integer >= 0', v);
}

/** Structural test for a Tensor (no runtime import of the tensor module, so bitpack stays standalone). */
function isTensorLike(v: unknown): v is Tensor {
  return Array.isArray((v as { shape?: unknown } | undefined)?.shape) && typeof (v as { toTyped?: unknown }).toTyped === 'function';
}
