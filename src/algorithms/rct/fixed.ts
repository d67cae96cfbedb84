/**
 * Power-of-two fixed point shared by RCT's parameters, activations and errors: a value is
 * `q · 2^−f` with a signed integer q in `[−(2^(b−1) − 1), 2^(b−1) − 1]` (symmetric, saturating).
 * Plain typed-array helpers; the public checks live in quantized.ts.
 */
import { NumError } from '../../errors.js';
import type { IntArray } from '../../tensor/kernels/intgemm.js';

export type { IntArray };

/** Largest |q| at bitwidth b. */
export function qmax(b: number): number {
  return 2 ** (b - 1) - 1;
}

/** The narrowest container that holds b-bit integers. */
export function containerFor(b: number, n: number): IntArray {
  if (b <= 8) return new Int8Array(n);
  if (b <= 16) return new Int16Array(n);
  return new Int32Array(n);
}

/**
 * Container for transient X/E tensors: Int8Array up to 8 bits, else Int32Array (the im2col
 * kernels read Int8/Int32; transient buffers are not counted as parameter memory).
 */
export function transientFor(b: number, n: number): Int8Array | Int32Array {
  return b <= 8 ? new Int8Array(n) : new Int32Array(n);
}

/** Width in bits of a container. */
export function containerBits(q: IntArray): number {
  return q.BYTES_PER_ELEMENT * 8;
}

/** Round half to even (ties go to the even neighbour), exact for |x| < 2^52. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties toward +∞
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The exponent e = ⌈log2 m⌉ for m > 0 (so 2^(e−1) < m ≤ 2^e), computed without trusting
 * Math.log2 near powers of two; 0 for m = 0.
 */
export function ceilLog2(m: number): number {
  if (!(m > 0)) return 0;
  let e = Math.ceil(Math.log2(m));
  while (2 ** e < m) e++;
  while (e > -1074 && 2 ** (e - 1) >= m) e--;
  return e;
}

/** Fractional length for dynamic fixed point of a tensor with max|x| = m at b bits: f = b − 1 − ⌈log2 m⌉. */
export function fracFor(m: number, b: number): number {
  return b - 1 - ceilLog2(m);
}

/** max |x_i| (NaN-propagating: returns NaN if any element is NaN). */
export function maxAbs(x: ArrayLike<number>, start = 0, end = x.length): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(x[i]!);
    if (v > m) m = v;
    else if (v !== v) return NaN; // NaN wins, so a caller's finiteness check sees it
  }
  return m;
}

/**
 * out[i] = sat(roundHalfEven(x[i] · 2^f)) at bitwidth b; returns the number of saturated elements.
 */
export function quantizeNearestInto(x: ArrayLike<number>, f: number, b: number, out: IntArray): number {
  const s = 2 ** f, hi = qmax(b);
  let sat = 0;
  for (let i = 0; i < out.length; i++) {
    let v = roundHalfEven(x[i]! * s);
    if (v > hi) { v = hi; sat++; } else if (v < -hi) { v = -hi; sat++; }
    out[i] = v;
  }
  return sat;
}

/**
 * Stochastic rounding onto the grid: out[i] = sat(⌊x[i]·2^f + u[i]⌋) with u[i] ∈ [0, 1), so
 * E[out·2^−f] = x inside the range.
 */
export function quantizeStochasticInto(x: ArrayLike<number>, f: number, b: number, u: ArrayLike<number>, out: IntArray): number {
  const s = 2 ** f, hi = qmax(b);
  let sat = 0;
  for (let i = 0; i < out.length; i++) {
    let v = Math.floor(x[i]! * s + u[i]!);
    if (v > hi) { v = hi; sat++; } else if (v < -hi) { v = -hi; sat++; }
    out[i] = v;
  }
  return sat;
}

/** A transient dynamic-fixed-point tensor (activations X, errors E). */
export interface FixedTensor {
  q: Int8Array | Int32Array;
  f: number;
  b: number;
  /** max |q|, bounds the integer GEMM's exactness. */
  max: number;
}

function scaleOf(x: ArrayLike<number>, b: number): number {
  const m = maxAbs(x);
  // Integer arrays store NaN as 0, so a non-finite input must stop here, before it hides.
  if (!Number.isFinite(m)) throw new NumError('OUT_OF_RANGE', 'rct', 'an activation or error tensor is not finite (no finite fixed-point scale)', 'finite values', String(m));
  return fracFor(m, b);
}

/** Dynamic fixed point of a float tensor: per-tensor f from max|x|, round to nearest. */
export function dynamicNearest(x: ArrayLike<number>, b: number): FixedTensor {
  const f = scaleOf(x, b);
  const q = transientFor(b, x.length);
  quantizeNearestInto(x, f, b, q);
  return { q, f, b, max: qmax(b) };
}

/** Dynamic fixed point with stochastic rounding (`u` uniform in [0, 1), one per element). */
export function dynamicStochastic(x: ArrayLike<number>, b: number, u: ArrayLike<number>): FixedTensor {
  const f = scaleOf(x, b);
  const q = transientFor(b, x.length);
  quantizeStochasticInto(x, f, b, u, q);
  return { q, f, b, max: qmax(b) };
}

/**
 * n uniforms in [0, 1) for stochastic rounding, derived from a key: mulberry32 seeded with the
 * key's two words. Keys stay the only source of randomness; this stream is ~10× cheaper than
 * Threefry per element, which matters for E of the first conv layer (N·C·H·W draws per step).
 */
export function roundingUniforms(k: { toTyped(): ArrayLike<number> }, n: number): Float64Array {
  const w = k.toTyped();
  let s = (w[0]! ^ Math.imul(w[1]! | 0, 0x9e3779b9)) | 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}
