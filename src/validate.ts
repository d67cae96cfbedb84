/**
 * Argument checks shared by every public entry point: each returns the value it accepted or
 * throws one `INVALID_ARGUMENT` (or `OUT_OF_RANGE`) {@link NumError} naming the op and argument.
 * Kept in one place so the same kind of argument is rejected with the same words everywhere.
 * Not re-exported from the package root.
 *
 * @module
 * @internal
 */
import { NumError, describe } from './errors.js';

/**
 * A finite number, or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const lr = finite('sgd', 'learningRate', opts.learningRate);
 * ```
 */
export function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite number`, 'finite number', describe(v));
  }
  return v;
}

/**
 * `v` when it is given (a finite number), else `dflt`. @internal
 * @example
 * ```ts
 * const std = optionalFinite('normal', 'std', opts?.std, 1);
 * ```
 */
export function optionalFinite(op: string, name: string, v: unknown, dflt: number): number {
  return v === undefined ? dflt : finite(op, name, v);
}

/**
 * A finite number in [lo, hi) (or [lo, hi] when `closed`), or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const b1 = inRange('adam', 'b1', opts.b1, 0, 1);
 * ```
 */
export function inRange(op: string, name: string, v: unknown, lo: number, hi: number, closed = false): number {
  const x = finite(op, name, v);
  if (!(x >= lo && (closed ? x <= hi : x < hi))) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} out of range`, `${lo} <= ${name} ${closed ? '<=' : '<'} ${hi}`, String(x));
  }
  return x;
}

/**
 * A finite number ≥ 0 (or > 0 when `strict`), or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const eps = nonNegative('adam', 'eps', opts.eps);
 * ```
 */
export function nonNegative(op: string, name: string, v: unknown, strict = false): number {
  const x = finite(op, name, v);
  if (strict ? !(x > 0) : !(x >= 0)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be ${strict ? 'positive' : 'non-negative'}`, `${name} ${strict ? '>' : '>='} 0`, String(x));
  }
  return x;
}

/**
 * A finite number > 0, or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const scale = positive('uniformQuantizer', 'scale', opts.scale);
 * ```
 */
export function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite number > 0`, '> 0', describe(v));
  }
  return v;
}

/**
 * A safe integer ≥ `min` (default 0), or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const rounds = count('alq.run', 'schedule.rounds', s.rounds);
 * ```
 */
export function count(op: string, name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min}`, `integer >= ${min}`, describe(v));
  }
  return v;
}

/**
 * A safe integer ≥ 1, or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * const units = positiveInt('dense', 'units', units);
 * ```
 */
export function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a positive integer`, 'integer >= 1', describe(v));
  }
  return v;
}

/**
 * A safe integer ≥ 0, or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * nonNegativeInt('csrMatmulDenseInto', 'n', n);
 * ```
 */
export function nonNegativeInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a non-negative integer`, 'integer >= 0', describe(v));
  }
  return v;
}

/**
 * A count in `[min, max]`: INVALID_ARGUMENT for a non-integer, OUT_OF_RANGE for an integer
 * outside the range (a size that cannot be met, rather than a malformed argument). @internal
 * @example
 * ```ts
 * const n = checkCount('fewShot', 'shots', shots, 1, perClass);
 * ```
 */
export function checkCount(op: string, name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `integer >= ${min}` : `integer in [${min}, ${max}]`;
    throw new NumError(typeof v === 'number' && Number.isSafeInteger(v) ? 'OUT_OF_RANGE' : 'INVALID_ARGUMENT', op, `${name} must be an ${range}`, range, describe(v));
  }
  return v;
}

/**
 * Largest element count of one tensor or buffer: 2^31 − 1, so every index fits an int32 and a
 * request that can only fail (or exhaust memory) is refused before any typed array is made.
 * @internal
 */
export const MAX_ELEMENTS = 2147483647; // 2 ** 31 - 1, as a literal: bundlers keep a top-level `**`

/**
 * An element count `n` ≤ {@link MAX_ELEMENTS}, or OUT_OF_RANGE naming the op. @internal
 * @example
 * ```ts
 * checkElements('zeros', sizeOf(shape));
 * ```
 */
export function checkElements(op: string, n: number, what = 'size'): number {
  if (!(n <= MAX_ELEMENTS)) {
    throw new NumError('OUT_OF_RANGE', op, `${what} too large to allocate`, `at most ${MAX_ELEMENTS} elements`, String(n));
  }
  return n;
}

/**
 * An options bag: `undefined` becomes `{}`, a plain object is returned as is, anything else is
 * INVALID_ARGUMENT. Field types are then checked by the caller. @internal
 * @example
 * ```ts
 * const o = options('adam', 'opts', opts);
 * ```
 */
export function options<T extends object>(op: string, name: string, v: T | undefined): Partial<T> {
  if (v === undefined) return {};
  const proto = v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.getPrototypeOf(v) as unknown : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an options object`, 'object', describe(v));
  }
  return v;
}

/**
 * A function argument, or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * fnArg('noGrad', 'fn', fn);
 * ```
 */
export function fnArg<F>(op: string, name: string, v: F): F {
  if (typeof v !== 'function') throw new NumError('INVALID_ARGUMENT', op, `${name} must be a function`, 'function', describe(v));
  return v;
}

/**
 * A model or layer (an `{init, apply}` pair, as `nn` builds), or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * layerArg('alq.packedApply', 'model', model);
 * ```
 */
export function layerArg<L>(op: string, name: string, v: L): NonNullable<L> {
  const o = v as { init?: unknown; apply?: unknown } | null | undefined;
  if (typeof o?.init !== 'function' || typeof o.apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a model or layer from nn`, '{init, apply}', describe(v));
  }
  return v as NonNullable<L>;
}

/**
 * An iterable (of batches, say), or INVALID_ARGUMENT. @internal
 * @example
 * ```ts
 * iterableArg('alq.packedPredict', 'data', data);
 * ```
 */
export function iterableArg<T>(op: string, name: string, v: Iterable<T>): Iterable<T> {
  if (v === null || v === undefined || typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an iterable`, 'Iterable', describe(v));
  }
  return v;
}

/**
 * The op name a caller passed to a shared helper, or `dflt` when it is not a non-empty string
 * (so a user value can never end up as the "op" of a message). @internal
 * @example
 * ```ts
 * const name = opName(op, 'rct.checkQuantized');
 * ```
 */
export function opName(v: unknown, dflt: string): string {
  return typeof v === 'string' && v !== '' ? v : dflt;
}
