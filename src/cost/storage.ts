/**
 * Storage cost of parameter trees: element counts, bits and bytes under a per-leaf precision.
 *
 * Conventions:
 * - A *precision* is the number of bits stored per element (32 for float32, 1 for binary, 2 for
 *   ternary codes, or a fractional average such as 2.4 for a mixed-bit layer). It must be a
 *   finite number ≥ 0.
 * - The default precision of a leaf is the size of its dtype: float32 32, float64 64, int32 32,
 *   int8 / uint8 / bool 8.
 * - Bits of a leaf = `count × precision`, rounded up to a whole bit (exact for integer precisions).
 * - Bytes of a leaf = `ceil(bits / 8)`: every tensor is stored byte-aligned on its own, so a
 *   total in bytes is the sum of the per-leaf byte counts (which can exceed `ceil(totalBits / 8)`).
 * - Auxiliary data of a quantiser (scales, codebooks, masks) is not implied by a precision:
 *   report it as leaves of its own.
 */
import { NumError, describe } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { isPlainObject } from '../tree.js';
import { checkDepth } from '../depth.js';

/**
 * Bits per stored element (32 for float32, 1 for binary; may be fractional for averages).
 *
 * @example
 * ```ts
 * const binary: Precision = 1;
 * ```
 */
export type Precision = number;

/**
 * A per-leaf precision function: the leaf's dotted path and tensor to its precision, or
 * `undefined` for the dtype default.
 *
 * @example
 * ```ts
 * const fn: PrecisionFn = (path, t) => (path.endsWith('weight') && t.ndim > 1 ? 1 : undefined);
 * ```
 */
export type PrecisionFn = (path: string, t: Tensor) => Precision | undefined;

/**
 * How to choose the precision of each leaf: a {@link PrecisionFn}, or a tree matching the
 * parameters in which a number at any node applies to the whole subtree below it and
 * `null` / `undefined` / a missing key means the dtype default. A key or index that the
 * parameters do not have is an error (it catches typos).
 *
 * @example
 * ```ts
 * const a: PrecisionSpec = 1;                                   // everything binary
 * const b: PrecisionSpec = { conv1: 1, fc: { weight: 2 } };     // fc.bias keeps its dtype size
 * const c: PrecisionSpec = (path) => (path.startsWith('conv') ? 1 : undefined);
 * ```
 */
export type PrecisionSpec = Tree<Precision> | PrecisionFn;

/**
 * A total with its per-leaf parts, keyed by dotted path (leaf order).
 *
 * @example
 * ```ts
 * const r: StorageReport = storageBits(params);
 * r.total; r.byPath['fc.weight'];
 * ```
 */
export interface StorageReport {
  total: number;
  byPath: Record<string, number>;
}

/** One parameter leaf with its resolved precision. @internal */
export interface LeafCost {
  path: string;
  tensor: Tensor;
  precision: Precision;
  count: number;
  bits: number;
  bytes: number;
}

/**
 * The default precision of a dtype: its size in bits (bool is stored as a byte).
 *
 * @example
 * ```ts
 * defaultPrecision('float32'); // 32
 * defaultPrecision('bool');    // 8
 * ```
 */
export function defaultPrecision(dtype: DType): Precision {
  switch (dtype) {
    case 'float64': return 64;
    case 'float32': case 'int32': return 32;
    default: return 8;
  }
}

function join(prefix: string, k: string | number): string {
  return prefix === '' ? String(k) : `${prefix}.${k}`;
}

function checkPrecision(op: string, path: string, v: unknown): Precision {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new NumError('INVALID_ARGUMENT', op, `precision of '${path}' must be a finite number of bits >= 0`, 'number >= 0', describe(v));
  }
  return v;
}

/** Bits of `count` elements at `precision`, rounded up to a whole bit (tolerating rounding noise). */
function bitsOf(count: number, precision: Precision): number {
  const b = count * precision;
  const r = Math.round(b);
  return Math.abs(b - r) <= 1e-9 * Math.max(1, b) ? r : Math.ceil(b);
}

/**
 * Storage of a 1-bit tensor of ndim ≥ 2 in the deployed layout (`bitpack.BitMatrix`): one row per
 * output (`shape[0]`), each row padded to whole 32-bit words, so the summary equals the bytes
 * that `exportPacked` writes. @internal
 */
export function packedBinaryBits(shape: readonly number[]): number {
  const rows = shape[0]!;
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  return rows * 32 * Math.ceil(cols / 32);
}

/** Resolves the precision of every leaf. @internal */
export function leafCosts(op: string, params: Tree<Tensor>, precision?: PrecisionSpec): LeafCost[] {
  const out: LeafCost[] = [];
  const fn = typeof precision === 'function' ? precision : undefined;
  const spec: unknown = typeof precision === 'function' ? undefined : precision;
  const where = (path: string): string => (path === '' ? 'at the root' : `at '${path}'`);
  const go = (p: unknown, s: unknown, path: string): void => {
    const sIsTree = Array.isArray(s) || isPlainObject(s);
    if (s !== null && s !== undefined && typeof s !== 'number' && !sIsTree) checkPrecision(op, path, s);
    if (p === null || p === undefined) {
      if (sIsTree && (Array.isArray(s) ? s.length > 0 : Object.keys(s as object).length > 0)) {
        throw new NumError('STRUCTURE_MISMATCH', op, `precision tree has entries ${where(path)} where params have none`, 'a number or nothing', describe(s));
      }
      return;
    }
    if (Array.isArray(p)) {
      if (isPlainObject(s)) throw new NumError('STRUCTURE_MISMATCH', op, `precision tree ${where(path)} must be an array or a number`, `array(${p.length})`, 'object');
      if (Array.isArray(s) && s.length > p.length) {
        throw new NumError('STRUCTURE_MISMATCH', op, `precision tree ${where(path)} has more entries than params`, `at most ${p.length}`, String(s.length));
      }
      p.forEach((c, i) => go(c, Array.isArray(s) ? s[i] : s, join(path, i)));
      return;
    }
    if (isPlainObject(p)) {
      if (Array.isArray(s)) throw new NumError('STRUCTURE_MISMATCH', op, `precision tree ${where(path)} must be an object or a number`, 'object', `array(${s.length})`);
      if (isPlainObject(s)) {
        for (const k of Object.keys(s)) {
          if (!(k in p)) throw new NumError('STRUCTURE_MISMATCH', op, `precision tree names '${join(path, k)}', which params do not have`, `keys {${Object.keys(p).join(', ')}}`, `'${k}'`);
        }
      }
      for (const k of Object.keys(p)) go(p[k], isPlainObject(s) ? s[k] : s, join(path, k));
      return;
    }
    if (!(p instanceof Tensor)) {
      throw new NumError('INVALID_ARGUMENT', op, `parameter ${where(path)} must be a Tensor`, 'Tensor', describe(p));
    }
    if (sIsTree) throw new NumError('STRUCTURE_MISMATCH', op, `precision tree ${where(path)} must be a number (params have a leaf)`, 'number', describe(s));
    let prec: unknown = s;
    if (prec === null || prec === undefined) prec = fn?.(path, p);
    const precisionBits = prec === null || prec === undefined ? defaultPrecision(p.dtype) : checkPrecision(op, path, prec);
    const bits = precisionBits === 1 && p.ndim >= 2 ? packedBinaryBits(p.shape) : bitsOf(p.size, precisionBits);
    out.push({ path, tensor: p, precision: precisionBits, count: p.size, bits, bytes: Math.ceil(bits / 8) });
  };
  checkDepth(op, params);
  checkDepth(op, spec);
  go(params, spec, '');
  return out;
}

/**
 * Number of scalar parameters (elements) over all leaves.
 *
 * @throws {NumError} `INVALID_ARGUMENT` when a leaf is not a Tensor.
 * @example
 * ```ts
 * paramCount({ w: zeros([20, 1, 5, 5]), b: zeros([20]) }); // 520
 * ```
 */
export function paramCount(params: Tree<Tensor>): number {
  return leafCosts('paramCount', params).reduce((s, l) => s + l.count, 0);
}

/**
 * Storage in bits, per leaf and in total: `count × precision` per leaf (rounded up to a whole
 * bit), default precision the dtype size.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-Tensor leaf or a bad precision,
 *   `STRUCTURE_MISMATCH` when a precision tree names entries the params do not have.
 * @example
 * ```ts
 * const p = { w: zeros([10, 10]), b: zeros([10]) };
 * storageBits(p).total;             // 110 · 32 = 3520
 * storageBits(p, { w: 1 }).byPath;  // { w: 100, b: 320 }
 * ```
 */
export function storageBits(params: Tree<Tensor>, precision?: PrecisionSpec): StorageReport {
  return report(leafCosts('storageBits', params, precision), 'bits');
}

/**
 * Storage in bytes: `ceil(bits / 8)` per leaf (each tensor byte-aligned), summed for the total.
 *
 * @throws {NumError} as {@link storageBits}.
 * @example
 * ```ts
 * storageBytes({ w: zeros([10, 10]), b: zeros([10]) }, { w: 1 }); // { total: 53, byPath: { w: 13, b: 40 } }
 * ```
 */
export function storageBytes(params: Tree<Tensor>, precision?: PrecisionSpec): StorageReport {
  return report(leafCosts('storageBytes', params, precision), 'bytes');
}

function report(ls: readonly LeafCost[], field: 'bits' | 'bytes'): StorageReport {
  const byPath: Record<string, number> = {};
  let total = 0;
  for (const l of ls) {
    byPath[l.path] = (byPath[l.path] ?? 0) + l[field];
    total += l[field];
  }
  return { total, byPath };
}
