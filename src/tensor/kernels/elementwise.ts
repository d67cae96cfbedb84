/**
 * Elementwise kernels over typed arrays. One function per arity; the op is a small integer code
 * switched on *outside* the inner loop, so every loop body stays monomorphic and tight.
 * Strided reads let broadcasting and transposed views run without copies.
 */

/** Any numeric backing array. */
export type NumArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

// Unary op codes.
export const U_COPY = 0;
export const U_NEG = 1;
export const U_EXP = 2;
export const U_LOG = 3;
export const U_SQRT = 4;
export const U_ABS = 5;
export const U_SIGN = 6;
export const U_RELU = 7;
export const U_SIGMOID = 8;
export const U_TANH = 9;
export const U_NONZERO = 10;
export const U_NOT = 11;
export const U_ISNAN = 12;
export const U_FLOOR = 13;

// Binary op codes.
export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_IMUL = 3;
export const B_DIV = 4;
export const B_POW = 5;
export const B_MAX = 6;
export const B_MIN = 7;
export const B_GT = 8;
export const B_GE = 9;
export const B_LT = 10;
export const B_LE = 11;
export const B_EQ = 12;
export const B_NE = 13;
export const B_AND = 14;
export const B_OR = 15;

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** o[oi + i] = f(a[ai + i*as]) for i < n. */
export function unaryRow(code: number, n: number, a: NumArray, ai: number, as: number, o: NumArray, oi: number): void {
  const end = oi + n;
  switch (code) {
    case U_COPY: for (; oi < end; oi++, ai += as) o[oi] = a[ai]!; return;
    case U_NEG: for (; oi < end; oi++, ai += as) o[oi] = -a[ai]!; return;
    case U_EXP: for (; oi < end; oi++, ai += as) o[oi] = Math.exp(a[ai]!); return;
    case U_LOG: for (; oi < end; oi++, ai += as) o[oi] = Math.log(a[ai]!); return;
    case U_SQRT: for (; oi < end; oi++, ai += as) o[oi] = Math.sqrt(a[ai]!); return;
    case U_ABS: for (; oi < end; oi++, ai += as) o[oi] = Math.abs(a[ai]!); return;
    case U_SIGN: for (; oi < end; oi++, ai += as) { const v = a[ai]!; o[oi] = v > 0 ? 1 : v < 0 ? -1 : v; } return;
    case U_RELU: for (; oi < end; oi++, ai += as) { const v = a[ai]!; o[oi] = v > 0 ? v : 0; } return;
    case U_SIGMOID: for (; oi < end; oi++, ai += as) o[oi] = sigmoid(a[ai]!); return;
    case U_TANH: for (; oi < end; oi++, ai += as) o[oi] = Math.tanh(a[ai]!); return;
    case U_NONZERO: for (; oi < end; oi++, ai += as) o[oi] = a[ai]! !== 0 ? 1 : 0; return;
    case U_NOT: for (; oi < end; oi++, ai += as) o[oi] = a[ai]! === 0 ? 1 : 0; return;
    case U_ISNAN: for (; oi < end; oi++, ai += as) o[oi] = a[ai]! !== a[ai]! ? 1 : 0; return;
    case U_FLOOR: for (; oi < end; oi++, ai += as) o[oi] = Math.floor(a[ai]!); return;
    default: throw new Error(`unaryRow: unknown op code ${code}`);
  }
}

/** o[oi + i] = f(a[ai + i*as], b[bi + i*bs]) for i < n. */
export function binaryRow(
  code: number, n: number,
  a: NumArray, ai: number, as: number,
  b: NumArray, bi: number, bs: number,
  o: NumArray, oi: number,
): void {
  const end = oi + n;
  switch (code) {
    case B_ADD: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! + b[bi]!; return;
    case B_SUB: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! - b[bi]!; return;
    case B_MUL: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! * b[bi]!; return;
    case B_IMUL: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = Math.imul(a[ai]!, b[bi]!); return;
    case B_DIV: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! / b[bi]!; return;
    case B_POW: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = Math.pow(a[ai]!, b[bi]!); return;
    // NaN propagates through max/min, as in numpy's maximum/minimum.
    case B_MAX: for (; oi < end; oi++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi] = x > y || x !== x ? x : y; } return;
    case B_MIN: for (; oi < end; oi++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi] = x < y || x !== x ? x : y; } return;
    case B_GT: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! > b[bi]! ? 1 : 0; return;
    case B_GE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! >= b[bi]! ? 1 : 0; return;
    case B_LT: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! < b[bi]! ? 1 : 0; return;
    case B_LE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! <= b[bi]! ? 1 : 0; return;
    case B_EQ: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! === b[bi]! ? 1 : 0; return;
    case B_NE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! !== b[bi]! ? 1 : 0; return;
    case B_AND: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! !== 0 && b[bi]! !== 0 ? 1 : 0; return;
    case B_OR: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! !== 0 || b[bi]! !== 0 ? 1 : 0; return;
    default: throw new Error(`binaryRow: unknown op code ${code}`);
  }
}

/** o[i] = c[i] ? a[i] : b[i], over contiguous ranges with strides. */
export function whereRow(
  n: number,
  c: NumArray, ci: number, cs: number,
  a: NumArray, ai: number, as: number,
  b: NumArray, bi: number, bs: number,
  o: NumArray, oi: number,
): void {
  const end = oi + n;
  for (; oi < end; oi++, ci += cs, ai += as, bi += bs) o[oi] = c[ci]! !== 0 ? a[ai]! : b[bi]!;
}

/**
 * Walks every row (last axis) of an n-d index space and calls `row(offsets, n)` with the start
 * offset of each operand. `strides[k]` are the element strides of operand k over `shape`.
 * The output is assumed contiguous and is written in order, so its offset is `rowIndex * n`.
 */
export function forEachRow(
  shape: readonly number[],
  offsets: number[],
  strides: readonly (readonly number[])[],
  row: (offs: readonly number[], outOff: number, n: number) => void,
): void {
  const nd = shape.length;
  const k = offsets.length;
  if (nd === 0) { row(offsets, 0, 1); return; }
  const n = shape[nd - 1]!;
  let rows = 1;
  for (let i = 0; i < nd - 1; i++) rows *= shape[i]!;
  if (rows === 0 || n === 0) return;
  const idx = new Array<number>(nd).fill(0);
  const cur = offsets.slice();
  for (let r = 0; r < rows; r++) {
    row(cur, r * n, n);
    // Increment the multi-index over the leading nd-1 axes.
    for (let ax = nd - 2; ax >= 0; ax--) {
      idx[ax]!++;
      if (idx[ax]! < shape[ax]!) {
        for (let j = 0; j < k; j++) cur[j]! += strides[j]![ax]!;
        break;
      }
      idx[ax] = 0;
      for (let j = 0; j < k; j++) cur[j]! -= strides[j]![ax]! * (shape[ax]! - 1);
    }
  }
}

/** Copies a strided view into a contiguous array (with the destination's type conversion). */
export function copyStrided(
  src: NumArray, off: number, shape: readonly number[], strides: readonly number[], dst: NumArray, dstOff = 0,
): void {
  const nd = shape.length;
  const inner = nd === 0 ? 1 : strides[nd - 1]!;
  forEachRow(shape, [off], [strides], (offs, o, n) => unaryRow(U_COPY, n, src, offs[0]!, inner, dst, dstOff + o));
}

/** o[oi + i*os] = a[ai + i*as] for i < n (strided destination). */
export function copyRow(n: number, a: NumArray, ai: number, as: number, o: NumArray, oi: number, os: number): void {
  for (let i = 0; i < n; i++, ai += as, oi += os) o[oi] = a[ai]!;
}

/** o[oi + i*os] += a[ai + i*as] for i < n (strided destination). */
export function addRow(n: number, a: NumArray, ai: number, as: number, o: NumArray, oi: number, os: number): void {
  for (let i = 0; i < n; i++, ai += as, oi += os) o[oi] = o[oi]! + a[ai]!;
}

/** Copies a strided source view into a strided destination view of the same shape. */
export function assignStrided(
  dst: NumArray, dOff: number, dStrides: readonly number[],
  src: NumArray, sOff: number, sStrides: readonly number[],
  shape: readonly number[],
): void {
  const last = shape.length - 1;
  const ds = dStrides[last] ?? 1;
  const ss = sStrides[last] ?? 1;
  forEachRow(shape, [sOff, dOff], [sStrides, dStrides], (o, _oo, n) => copyRow(n, src, o[0]!, ss, dst, o[1]!, ds));
}
