/**
 * Float32 twins of the elementwise row kernels (src/tensor/kernels/elementwise.ts), for the ops a
 * training step runs on large tensors. The general kernels see every array type, so V8's element
 * accesses in them go megamorphic and cost several nanoseconds each; these are only ever called
 * with Float32Arrays (and Uint8Array masks), stay monomorphic and run 2–3× faster. Same loops,
 * same order, same values: the general kernels remain their reference twins (test/tensor/).
 * Each returns false, having done nothing, for an op code it does not cover.
 *
 * @module
 */
import { B_ADD, B_DIV, B_EQ, B_GE, B_GT, B_LE, B_LT, B_MAX, B_MIN, B_MUL, B_NE, B_SUB, U_ABS, U_COPY, U_EXP, U_NEG, U_RELU } from './elementwise.js';

/**
 * `binaryRow` for float32 operands and output (add, sub, mul, div, max, min).
 *
 * @example
 * ```ts
 * const o = new Float32Array(2);
 * binaryRowF32(B_ADD, 2, new Float32Array([1, 2]), 0, 1, new Float32Array([3]), 0, 0, o, 0); // o = [4, 5]
 * ```
 */
export function binaryRowF32(
  code: number, n: number,
  a: Float32Array, ai: number, as: number,
  b: Float32Array, bi: number, bs: number,
  o: Float32Array, oi: number,
): boolean {
  const end = oi + n;
  switch (code) {
    case B_ADD: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! + b[bi]!; return true;
    case B_SUB: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! - b[bi]!; return true;
    case B_MUL: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! * b[bi]!; return true;
    case B_DIV: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! / b[bi]!; return true;
    case B_MAX: for (; oi < end; oi++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi] = x > y || x !== x ? x : y; } return true;
    case B_MIN: for (; oi < end; oi++, ai += as, bi += bs) { const x = a[ai]!, y = b[bi]!; o[oi] = x < y || x !== x ? x : y; } return true;
    default: return false;
  }
}

/**
 * `binaryRow`'s comparisons for float32 operands into a bool (Uint8Array) output.
 *
 * @example
 * ```ts
 * const o = new Uint8Array(2);
 * compareRowF32(B_GT, 2, new Float32Array([-1, 2]), 0, 1, new Float32Array([0]), 0, 0, o, 0); // o = [0, 1]
 * ```
 */
export function compareRowF32(
  code: number, n: number,
  a: Float32Array, ai: number, as: number,
  b: Float32Array, bi: number, bs: number,
  o: Uint8Array, oi: number,
): boolean {
  const end = oi + n;
  switch (code) {
    case B_GT: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! > b[bi]! ? 1 : 0; return true;
    case B_GE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! >= b[bi]! ? 1 : 0; return true;
    case B_LT: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! < b[bi]! ? 1 : 0; return true;
    case B_LE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! <= b[bi]! ? 1 : 0; return true;
    case B_EQ: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! === b[bi]! ? 1 : 0; return true;
    case B_NE: for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai]! !== b[bi]! ? 1 : 0; return true;
    default: return false;
  }
}

/**
 * `unaryRow` for float32 input and output (copy, neg, exp, abs, relu).
 *
 * @example
 * ```ts
 * const o = new Float32Array(2);
 * unaryRowF32(U_RELU, 2, new Float32Array([-1, 2]), 0, 1, o, 0); // o = [0, 2]
 * ```
 */
export function unaryRowF32(code: number, n: number, a: Float32Array, ai: number, as: number, o: Float32Array, oi: number): boolean {
  const end = oi + n;
  switch (code) {
    case U_COPY: for (; oi < end; oi++, ai += as) o[oi] = a[ai]!; return true;
    case U_NEG: for (; oi < end; oi++, ai += as) o[oi] = -a[ai]!; return true;
    case U_EXP: for (; oi < end; oi++, ai += as) o[oi] = Math.exp(a[ai]!); return true;
    case U_ABS: for (; oi < end; oi++, ai += as) o[oi] = Math.abs(a[ai]!); return true;
    case U_RELU: for (; oi < end; oi++, ai += as) { const v = a[ai]!; o[oi] = v > 0 ? v : 0; } return true;
    default: return false;
  }
}

/**
 * `whereRow` for a bool (Uint8Array) condition and float32 branches and output.
 *
 * @example
 * ```ts
 * const o = new Float32Array(2);
 * whereRowF32(2, new Uint8Array([1, 0]), 0, 1, new Float32Array([5, 6]), 0, 1, new Float32Array([0]), 0, 0, o, 0); // o = [5, 0]
 * ```
 */
export function whereRowF32(
  n: number,
  c: Uint8Array, ci: number, cs: number,
  a: Float32Array, ai: number, as: number,
  b: Float32Array, bi: number, bs: number,
  o: Float32Array, oi: number,
): void {
  const end = oi + n;
  for (; oi < end; oi++, ci += cs, ai += as, bi += bs) o[oi] = c[ci]! !== 0 ? a[ai]! : b[bi]!;
}

/**
 * relu's VJP over float32 arrays: `o[i] = x[i] > 0 ? ct[i] : 0` for i < n.
 *
 * @example
 * ```ts
 * const o = new Float32Array(2);
 * reluGradF32(2, new Float32Array([-1, 2]), new Float32Array([5, 6]), o); // o = [0, 6]
 * ```
 */
export function reluGradF32(n: number, x: Float32Array, ct: Float32Array, o: Float32Array): void {
  for (let i = 0; i < n; i++) o[i] = x[i]! > 0 ? ct[i]! : 0;
}
