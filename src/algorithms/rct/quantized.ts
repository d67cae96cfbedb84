/**
 * RCT's parameter store (spec §2): per parameter tensor one signed integer array q and two
 * integers, the bitwidth b and the fractional length f; the real value is `q · 2^−f`. No float
 * copy is kept. Containers: Int8Array for b ≤ 8, Int16Array for b ≤ 16, Int32Array above;
 * memory is accounted at b bits per element (packed), not the container width.
 */
import { opName } from '../../validate.js';
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { entries } from '../../tree.js';
import { containerBits, containerFor, fracFor, maxAbs, qmax, quantizeNearestInto, roundHalfEven } from './fixed.js';
import type { IntArray } from './fixed.js';

/** One integer parameter tensor: `w = q · 2^−f`, |q| ≤ 2^(b−1) − 1. */
export interface QTensor {
  q: IntArray;
  shape: number[];
  /** Bitwidth (sign included). */
  b: number;
  /** Fractional length: the step is Δ = 2^−f. */
  f: number;
}

/** Integer parameters keyed by the float tree's dotted paths (`"0.weight"`), in leaf order. */
export type QuantizedParams = Record<string, QTensor>;

/** Bitwidth limits of one class of tensors. */
export interface BitLimits {
  bMin: number;
  bMax: number;
  /** Bitwidth at initialisation. */
  bInit: number;
}

/** Limits for weights (tensors of rank ≥ 2) and for biases / norm parameters (rank ≤ 1). */
export interface RctBits {
  weight: BitLimits;
  bias: BitLimits;
}

/** Our defaults (spec §2, §10): weights 4–16 bits starting at 8; biases and norm parameters 8–24 starting at 16. */
export const DEFAULT_BITS: Readonly<RctBits> = /* @__PURE__ */ Object.freeze({
  weight: /* @__PURE__ */ Object.freeze({ bMin: 4, bMax: 16, bInit: 8 }),
  bias: /* @__PURE__ */ Object.freeze({ bMin: 8, bMax: 24, bInit: 16 }),
});

/** Options for the limits: partial records over {@link DEFAULT_BITS}. */
export interface BitsOptions {
  weight?: Partial<BitLimits> | undefined;
  bias?: Partial<BitLimits> | undefined;
}

function bitsValue(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 2 || v > 32) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer number of bits in [2, 32]`, '2..32', describe(v));
  }
  return v;
}

function limitsOf(op: string, name: string, base: BitLimits, o: Partial<BitLimits> | undefined): BitLimits {
  const bMin = bitsValue(op, `${name}.bMin`, o?.bMin ?? base.bMin);
  const bMax = bitsValue(op, `${name}.bMax`, o?.bMax ?? base.bMax);
  if (bMin > bMax) throw new NumError('INVALID_ARGUMENT', op, `${name}: bMin must not exceed bMax`, `bMin <= ${bMax}`, String(bMin));
  const bInit = bitsValue(op, `${name}.bInit`, o?.bInit ?? Math.min(bMax, Math.max(bMin, base.bInit)));
  if (bInit < bMin || bInit > bMax) throw new NumError('INVALID_ARGUMENT', op, `${name}.bInit must lie in [bMin, bMax]`, `${bMin}..${bMax}`, String(bInit));
  return { bMin, bMax, bInit };
}

/**
 * Resolves and checks bit limits against {@link DEFAULT_BITS}.
 * @example
 * ```ts
 * rct.resolveBits({ weight: { bMin: 8, bMax: 8, bInit: 8 } }).weight; // fixed 8-bit weights
 * ```
 */
export function resolveBits(opts?: BitsOptions, op = 'rct.bits'): RctBits {
  op = opName(op, 'rct.bits');
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new NumError('INVALID_ARGUMENT', op, 'bits options must be an object', '{weight?, bias?}', describe(opts));
  return { weight: limitsOf(op, 'weight', DEFAULT_BITS.weight, opts?.weight), bias: limitsOf(op, 'bias', DEFAULT_BITS.bias, opts?.bias) };
}

/** The limits that apply to a tensor of this shape. @internal */
export function limitsFor(bits: RctBits, shape: readonly number[]): BitLimits {
  return shape.length >= 2 ? bits.weight : bits.bias;
}

/** Number of elements of a shape. @internal */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/**
 * One float tensor onto the grid: `e = ⌈log2 max|w|⌉`, `f = b − 1 − e`,
 * `q = sat(roundHalfEven(w / 2^−f))` (at most the largest weights saturate, by ≤ 1 LSB).
 * @example
 * ```ts
 * const qt = rct.quantizeTensor(tensor([0.5, -0.25, 0.1]), 8); // f = 8, q = [127, -64, 26]
 * ```
 */
export function quantizeTensor(w: Tensor, b: number): QTensor {
  const op = 'rct.quantizeTensor';
  if (!(w instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'expected a float Tensor', 'Tensor', describe(w));
  bitsValue(op, 'b', b);
  const x = w.toTyped();
  const m = maxAbs(x);
  if (!Number.isFinite(m)) throw new NumError('OUT_OF_RANGE', op, 'weights must be finite', 'finite values', String(m));
  const f = fracFor(m, b);
  const q = containerFor(b, x.length);
  quantizeNearestInto(x, f, b, q);
  return { q, shape: w.shape.slice(), b, f };
}

/**
 * `rct.quantizedParams` (API): every leaf of a float parameter tree as an integer
 * {@link QTensor} at its class's initial bitwidth (weights 8, biases 16 by default), keyed by
 * dotted path. The float tensors are not retained. Every leaf is checked (finite) before any
 * q is written.
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * const qp = rct.quantizedParams(params);
 * qp['0.weight']!.b; // 8
 * ```
 */
export function quantizedParams(params: Params, opts?: BitsOptions): QuantizedParams {
  const op = 'rct.quantizedParams';
  const bits = resolveBits(opts, op);
  const leaves = entries(params);
  if (leaves.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'params has no tensors', 'a non-empty tree of tensors', describe(params));
  for (const [path, t] of leaves) {
    if (!(t instanceof Tensor) || (t.dtype !== 'float32' && t.dtype !== 'float64')) {
      throw new NumError('DTYPE_MISMATCH', op, `leaf ${path} must be a float tensor`, 'float32 | float64 Tensor', t instanceof Tensor ? t.dtype : describe(t));
    }
    if (!Number.isFinite(maxAbs(t.toTyped()))) throw new NumError('OUT_OF_RANGE', op, `leaf ${path} has a non-finite value`, 'finite values', 'NaN or ±Infinity');
  }
  const out: QuantizedParams = {};
  for (const [path, t] of leaves) out[path] = quantizeTensor(t, limitsFor(bits, t.shape).bInit);
  return out;
}

/**
 * Checks one integer tensor: b in [2, 32], integer f, a container wide enough for b, and every
 * |q| ≤ 2^(b−1) − 1 (STATE_MISMATCH otherwise). @internal
 */
export function checkQTensor(op: string, path: string, qt: unknown): QTensor {
  const t = qt as Partial<QTensor> | null;
  if (t === null || typeof t !== 'object' || !(t.q instanceof Int8Array || t.q instanceof Int16Array || t.q instanceof Int32Array)) {
    throw new NumError('STATE_MISMATCH', op, `${path}: q must be an Int8Array, Int16Array or Int32Array`, 'integer typed array', describe(t?.q));
  }
  if (typeof t.b !== 'number' || !Number.isInteger(t.b) || t.b < 2 || t.b > 32) throw new NumError('STATE_MISMATCH', op, `${path}: b must be an integer in [2, 32]`, '2..32', describe(t.b));
  if (typeof t.f !== 'number' || !Number.isInteger(t.f)) throw new NumError('STATE_MISMATCH', op, `${path}: f must be an integer`, 'integer', describe(t.f));
  if (!Array.isArray(t.shape) || sizeOf(t.shape) !== t.q.length) throw new NumError('STATE_MISMATCH', op, `${path}: shape does not match q`, `${t.q.length} elements`, Array.isArray(t.shape) ? fmtShape(t.shape) : describe(t.shape));
  if (containerBits(t.q) < t.b) throw new NumError('STATE_MISMATCH', op, `${path}: container too narrow for b`, `>= ${t.b}-bit container`, `${containerBits(t.q)}-bit`);
  const hi = qmax(t.b);
  for (let i = 0; i < t.q.length; i++) {
    const v = t.q[i]!;
    if (v > hi || v < -hi) throw new NumError('STATE_MISMATCH', op, `${path}: q[${i}] is off the ${t.b}-bit grid`, `|q| <= ${hi}`, String(v));
  }
  return t as QTensor;
}

/**
 * Checks every tensor of a {@link QuantizedParams} (see {@link checkQTensor}).
 * @example
 * ```ts
 * const qp = rct.quantizedParams(nn.mlp([3]).init(key(0), [4]).params);
 * rct.checkQuantized(qp); // returns qp; throws NumError STATE_MISMATCH on a corrupted tensor
 * let code = '';
 * try { rct.checkQuantized({ ...qp, '0.weight': { ...qp['0.weight']!, b: 1 } }); } catch (e) { if (isNumError(e)) code = e.code; }
 * code !== ''; // true
 * ```
 */
export function checkQuantized(qp: unknown, op = 'rct.checkQuantized'): QuantizedParams {
  op = opName(op, 'rct.checkQuantized');
  if (qp === null || typeof qp !== 'object' || Array.isArray(qp)) throw new NumError('STATE_MISMATCH', op, 'quantized params must be a record of QTensors', 'Record<string, QTensor>', describe(qp));
  for (const [path, t] of Object.entries(qp)) checkQTensor(op, path, t);
  return qp as QuantizedParams;
}

/**
 * The real values `q · 2^−f`, exactly, in float64.
 * @example
 * ```ts
 * rct.dequantize({ q: new Int8Array([3, -1]), shape: [2], b: 8, f: 2 }); // Float64Array [0.75, -0.25]
 * ```
 */
export function dequantize(qt: QTensor): Float64Array {
  checkQTensor('rct.dequantize', 'qt', qt);
  const s = 2 ** -qt.f;
  const out = new Float64Array(qt.q.length);
  for (let i = 0; i < out.length; i++) out[i] = qt.q[i]! * s;
  return out;
}

/** The same values at b+1 bits: f+1, q ← 2q (exact). Returns a new tensor (new container if needed). @internal */
export function widen(qt: QTensor, keepF = false): QTensor {
  const b = qt.b + 1;
  const q = containerBits(qt.q) >= b ? qt.q : containerFor(b, qt.q.length);
  if (keepF) {
    if (q !== qt.q) q.set(qt.q);
    return { q, shape: qt.shape, b, f: qt.f };
  }
  for (let i = 0; i < q.length; i++) q[i] = 2 * qt.q[i]!;
  return { q, shape: qt.shape, b, f: qt.f + 1 };
}

/** b−1 bits: f−1, q ← sat(roundHalfEven(q/2)); returns the tensor and the number of saturations. @internal */
export function narrow(qt: QTensor): { qt: QTensor; saturated: number } {
  const b = qt.b - 1;
  const hi = qmax(b);
  const q = containerFor(b, qt.q.length);
  let saturated = 0;
  for (let i = 0; i < q.length; i++) {
    let v = roundHalfEven(qt.q[i]! / 2);
    if (v > hi) { v = hi; saturated++; } else if (v < -hi) { v = -hi; saturated++; }
    q[i] = v;
  }
  return { qt: { q, shape: qt.shape, b, f: qt.f - 1 }, saturated };
}
