/**
 * Data types and promotion.
 *
 * Promotion follows a small lattice, like numpy restricted to our six types:
 *
 * | a \ b    | bool    | uint8   | int8    | int32   | float32 | float64 |
 * |----------|---------|---------|---------|---------|---------|---------|
 * | bool     | bool    | uint8   | int8    | int32   | float32 | float64 |
 * | uint8    | uint8   | uint8   | int32   | int32   | float32 | float64 |
 * | int8     | int8    | int32   | int8    | int32   | float32 | float64 |
 * | int32    | int32   | int32   | int32   | int32   | float32 | float64 |
 * | float32  | float32 | float32 | float32 | float32 | float32 | float64 |
 * | float64  | float64 | float64 | float64 | float64 | float64 | float64 |
 *
 * `uint8` with `int8` promotes to `int32` (we have no int16). Integer ops wrap like their typed
 * array (C semantics). Arithmetic on `bool` operands computes in `int32`; `div` and the
 * transcendental ops (`exp`, `log`, `sqrt`, `sigmoid`, `tanh`, …) give `float32` for integer or
 * bool inputs. A plain JS number takes the dtype of the tensor it meets.
 */
import { checkElements, MAX_ELEMENTS } from '../validate.js';

/** Element type of a tensor. `float32` is the default. */
export type DType = 'float32' | 'float64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** Backing typed array for each dtype (`bool` is stored as 0/1 bytes). */
export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Any backing array. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

/** All dtypes, in promotion order. */
export const DTYPES: readonly DType[] = ['bool', 'uint8', 'int8', 'int32', 'float32', 'float64'];

/** True for a valid dtype name. @internal */
export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int32' || x === 'int8' || x === 'uint8' || x === 'bool';
}

/**
 * True for float32 and float64.
 * @example
 * ```ts
 * isFloat('float64'); // true
 * isFloat('int32'); // false
 * ```
 */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * Allocates a zeroed backing array of `n` elements.
 *
 * @example
 * ```ts
 * const buf = allocate('int8', 16); // Int8Array(16)
 * ```
 */
export function allocate<D extends DType>(dtype: D, n: number): TypedArrayFor[D] {
  // Backstop for internal sizes derived from checked inputs; public entry points check first.
  if (!(n >= 0 && n <= MAX_ELEMENTS)) checkElements('allocate', n);
  switch (dtype) {
    case 'float32': return new Float32Array(n) as TypedArrayFor[D];
    case 'float64': return new Float64Array(n) as TypedArrayFor[D];
    case 'int32': return new Int32Array(n) as TypedArrayFor[D];
    case 'int8': return new Int8Array(n) as TypedArrayFor[D];
    default: return new Uint8Array(n) as TypedArrayFor[D];
  }
}

/** The dtype a typed array stores (Uint8Array maps to `uint8`), or undefined. @internal */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  return undefined;
}

/**
 * The dtype two operands promote to (see the table above).
 *
 * @example
 * ```ts
 * promoteTypes('float32', 'float64'); // 'float64'
 * promoteTypes('uint8', 'int8');      // 'int32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  if (a === 'bool') return b;
  if (b === 'bool') return a;
  return 'int32'; // uint8 with int8
}

/** Result dtype for arithmetic: bool computes as int32. @internal */
export function arithmeticType(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}

/** Result dtype for ops that are only meaningful on floats (exp, div, …). @internal */
export function floatType(d: DType): DType {
  return isFloat(d) ? d : 'float32';
}
