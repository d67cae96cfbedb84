/**
 * Quantizers with straight-through gradients. A quantizer is a plain record: its `precision`
 * (bits per stored element), the level set it maps into, the pass region where its
 * straight-through gradient is 1, and `apply`, built with `customVjp` so that the forward pass
 * is quantized and the backward pass is `ct · 1[pass region]`.
 */
import { customVjp } from '../autograd/grad.js';
import { NumError, describe } from '../errors.js';
import { uniform } from '../random.js';
import type { Key } from '../random.js';
import { abs, add, asTensor, astype, div, floor, greater, greaterEqual, less, lessEqual, logicalAnd, maximum, minimum, mul, sub, where } from '../tensor/ops/elementwise.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { options, positive } from '../validate.js';

/** A quantizer: forward quantization with a straight-through backward pass. */
export interface Quantizer {
  /** Short name, e.g. `"steSign(clip=1)"`. */
  readonly name: string;
  /** Bits per stored element (1 for binary, log2(3) ≈ 1.585 for ternary, k for k-bit). */
  readonly precision: number;
  /** The finite set of output values, when it does not depend on the input. */
  readonly levels: readonly number[] | undefined;
  /** Quantizes; differentiable with the straight-through gradient. */
  apply(x: Tensor): Tensor;
  /** Where the straight-through gradient is 1 (bool tensor). */
  passRegion(x: Tensor): Tensor;
}

function floatInput(op: string, x: unknown): Tensor {
  const t = asTensor(op, 'x', x);
  if (!isFloat(t.dtype)) throw new NumError('DTYPE_MISMATCH', op, 'quantizers take float tensors', 'float32 | float64', t.dtype);
  return t;
}

/** Builds a quantizer from a forward function and a pass region (STE via customVjp). */
function make(name: string, precision: number, levels: readonly number[] | undefined,
  forward: (x: Tensor) => Tensor, pass: (x: Tensor) => Tensor): Quantizer {
  const ste = customVjp(
    (x: Tensor) => [astype(forward(x), x.dtype), x] as const,
    (x: Tensor, ct: Tensor) => [where(pass(x), ct, 0)],
  );
  return {
    name, precision, levels,
    apply: (x) => ste(floatInput(name, x)),
    passRegion: (x) => pass(floatInput(name, x)),
  };
}

function bitsArg(op: string, bits: number, maxBits = 16): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > maxBits) throw new NumError('INVALID_ARGUMENT', op, `bits must be an integer in [1, ${maxBits}]`, `1..${maxBits}`, describe(bits));
  return bits;
}

/** sign with the bit-packing convention: x ≥ 0 → +1, x < 0 → −1 (0 maps to +1). */
function signPlus(x: Tensor): Tensor {
  return where(greaterEqual(x, 0), 1, -1);
}

/** Rounds to nearest with ties toward +∞ (`floor(x + 0.5)`), which keeps quantizers monotone. */
function roundHalfUp(x: Tensor): Tensor {
  return floor(add(x, 0.5));
}

/**
 * Binary sign with `sign(0) = +1` (the bit-packing convention) and **no** gradient (0 everywhere).
 * Use {@link steSign} to train through it.
 * @example
 * ```ts
 * quant.sign.apply(tensor([-0.5, 0, 2])).toArray(); // [-1, 1, 1]
 * ```
 */
export const sign: Quantizer = /* @__PURE__ */ lazy(() => make('sign', 1, [-1, 1], signPlus, (x) => less(x, x)));

function lazy(f: () => Quantizer): Quantizer {
  let q: Quantizer | undefined;
  const get = () => (q ??= f());
  return {
    get name() { return get().name; },
    get precision() { return get().precision; },
    get levels() { return get().levels; },
    apply: (x) => get().apply(x),
    passRegion: (x) => get().passRegion(x),
  };
}

/**
 * larq's `ste_sign`: forward `sign(x)` (0 → +1), backward `ct · 1[|x| ≤ clip]`.
 * @example
 * ```ts
 * const q = quant.steSign({ clip: 1 });
 * grad((x: Tensor) => q.apply(x).sum())(tensor([-2, 0.5])).toArray(); // [0, 1]
 * ```
 */
export function steSign(opts?: { clip?: number | undefined }): Quantizer {
  const clip = positive('steSign', 'clip', opts?.clip ?? 1);
  return make(`steSign(clip=${clip})`, 1, [-1, 1], signPlus, (x) => lessEqual(abs(x), clip));
}

/**
 * Ternary quantizer (larq's `ste_tern`): `+1` above `threshold`, `−1` below `−threshold`, else 0;
 * backward `ct · 1[|x| ≤ clip]`. Precision log2(3) bits.
 * @example
 * ```ts
 * quant.steTern({ threshold: 0.1 }).apply(tensor([-0.5, 0.05, 0.3])).toArray(); // [-1, 0, 1]
 * ```
 */
export function steTern(opts?: { threshold?: number | undefined; clip?: number | undefined }): Quantizer {
  const t = positive('steTern', 'threshold', opts?.threshold ?? 0.05);
  const clip = positive('steTern', 'clip', opts?.clip ?? 1);
  return make(`steTern(threshold=${t})`, Math.log2(3), [-1, 0, 1],
    (x) => sub(astype(greater(x, t), x.dtype), astype(less(x, -t), x.dtype)),
    (x) => lessEqual(abs(x), clip));
}

/**
 * Uniform k-bit quantizer on `range = [lo, hi]`: clip, then round to the nearest of the `2^bits`
 * evenly spaced levels `lo + i·(hi − lo)/(2^bits − 1)` (ties round up); straight-through inside
 * the range.
 * @example
 * ```ts
 * quant.uniformQuantize({ bits: 2, range: [0, 3] }).apply(tensor([0.4, 1.6, 9])).toArray(); // [0, 2, 3]
 * ```
 */
export function uniformQuantize(opts: { bits: number; range: readonly [number, number] }): Quantizer {
  const op = 'uniformQuantize';
  const o = options(op, 'opts', opts);
  const bits = bitsArg(op, o.bits as number);
  if (!Array.isArray(o.range) || o.range.length !== 2) throw new NumError('INVALID_ARGUMENT', op, 'range must be a [lo, hi] pair', '[number, number]', describe(o.range));
  const [lo, hi] = o.range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new NumError('INVALID_ARGUMENT', op, 'range must be [lo, hi] with lo < hi', 'lo < hi', describe(opts.range));
  const n = 2 ** bits - 1;
  const step = (hi - lo) / n;
  const levels = Array.from({ length: n + 1 }, (_, i) => (i === n ? hi : lo + i * step));
  return make(`uniform(bits=${bits}, [${lo}, ${hi}])`, bits, levels,
    (x) => {
      const i = minimum(maximum(roundHalfUp(div(sub(x, lo), step)), 0), n);
      return where(greaterEqual(i, n), hi, add(mul(i, step), lo));
    },
    (x) => logicalAnd(greaterEqual(x, lo), lessEqual(x, hi)));
}

/**
 * DoReFa-Net activation quantizer (larq's `DoReFa`, activations mode): clip to [0, 1] and round
 * to `bits` bits, levels `i/(2^bits − 1)`; straight-through inside [0, 1].
 * @example
 * ```ts
 * quant.dorefa({ bits: 2 }).apply(tensor([-1, 0.4, 2])).toArray(); // [0, 0.333…, 1]
 * ```
 */
export function dorefa(opts: { bits: number }): Quantizer {
  const bits = bitsArg('dorefa', options('dorefa', 'opts', opts).bits as number);
  return { ...uniformQuantize({ bits, range: [0, 1] }), name: `dorefa(bits=${bits})` };
}

/**
 * Signed fixed point with `intBits` integer bits (sign included) and `fracBits` fraction bits:
 * step `2^−fracBits`, range `[−2^(intBits−1), 2^(intBits−1) − step]`, round to nearest (ties up),
 * saturating; straight-through inside the range. Precision `intBits + fracBits`.
 * @example
 * ```ts
 * quant.fixedPoint({ intBits: 2, fracBits: 2 }).apply(tensor([0.3, -5])).toArray(); // [0.25, -2]
 * ```
 */
export function fixedPoint(opts: { intBits: number; fracBits: number }): Quantizer {
  const op = 'fixedPoint';
  options(op, 'opts', opts);
  if (opts === undefined || !Number.isInteger(opts.intBits) || opts.intBits < 1 || !Number.isInteger(opts.fracBits) || opts.fracBits < 0 || opts.intBits + opts.fracBits > 24) {
    throw new NumError('INVALID_ARGUMENT', op, 'intBits >= 1, fracBits >= 0, intBits + fracBits <= 24', 'valid bit counts', describe(opts));
  }
  const step = 2 ** -opts.fracBits;
  const lo = -(2 ** (opts.intBits - 1));
  const hi = 2 ** (opts.intBits - 1) - step;
  const q = uniformQuantize({ bits: opts.intBits + opts.fracBits, range: [lo, hi] });
  return { ...q, name: `fixedPoint(${opts.intBits}.${opts.fracBits})` };
}

/**
 * Stochastic rounding to multiples of `step`: `step·floor(x/step + u)`, u ~ U[0, 1) from `key`, so
 * `E[result] = x` (unbiased). The gradient is straight-through (identity).
 * @example
 * ```ts
 * quant.stochasticRound(key(0), tensor([0.25]), 1); // 0 with probability 3/4, 1 with 1/4
 * ```
 */
export function stochasticRound(k: Key, x: Tensor, step: number): Tensor {
  const t = floatInput('stochasticRound', x);
  positive('stochasticRound', 'step', step);
  const u = uniform(k, t.shape, { dtype: t.dtype === 'float64' ? 'float64' : 'float32' });
  const ste = customVjp(
    (v: Tensor) => [astype(mul(floor(add(div(v, step), u)), step), v.dtype), null] as const,
    (_r: null, ct: Tensor) => [ct],
  );
  return ste(t);
}
