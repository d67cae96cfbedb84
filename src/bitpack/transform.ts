/**
 * The output transform fused into the binary GEMMs (larq compute-engine's `output_transform.h`):
 * `out[i, j] = clamp(dot · scale[j] + bias[j], clampMin, clampMax)` with one scale and one bias per
 * output column j (a folded batch norm, the XNOR-Net α, or a plain rescale).
 *
 * @module
 */
import { NumError, describe } from '../errors.js';

/**
 * Per-output-column affine map and clamp applied to each GEMM result before it is stored.
 * Every field is optional: scale 1, bias 0, no clamp.
 *
 * @example
 * ```ts
 * // Folded batch norm followed by a hard tanh, for a layer with 2 output channels.
 * const t: OutputTransform = { scale: [0.5, 0.25], bias: [0, 1], clampMin: -1, clampMax: 1 };
 * xnorGemm(activations, weights, t);
 * ```
 */
export interface OutputTransform {
  /** Multiplier per output column (length = number of output columns). Default 1. */
  scale?: ArrayLike<number> | undefined;
  /** Offset per output column (length = number of output columns). Default 0. */
  bias?: ArrayLike<number> | undefined;
  /** Lower clamp bound. Default −∞. */
  clampMin?: number | undefined;
  /** Upper clamp bound. Default +∞. */
  clampMax?: number | undefined;
}

/** A validated transform: scale and bias as Float64Array of length n, clamp bounds as numbers. @internal */
export interface PreparedTransform {
  scale: Float64Array;
  bias: Float64Array;
  lo: number;
  hi: number;
}

/**
 * Validates `opts` for `n` output columns and copies scale/bias into Float64Arrays, so the store
 * loops read one array kind whatever the caller passed. @internal
 */
export function prepareTransform(op: string, opts: OutputTransform | undefined, n: number): PreparedTransform {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{scale?, bias?, clampMin?, clampMax?}', describe(opts));
  }
  const scale = new Float64Array(n).fill(1);
  const bias = new Float64Array(n);
  if (opts?.scale !== undefined) copyColumnVector(op, 'scale', opts.scale, scale);
  if (opts?.bias !== undefined) copyColumnVector(op, 'bias', opts.bias, bias);
  const lo = opts?.clampMin ?? -Infinity;
  const hi = opts?.clampMax ?? Infinity;
  if (typeof lo !== 'number' || Number.isNaN(lo)) throw new NumError('INVALID_ARGUMENT', op, 'clampMin must be a number', 'number', describe(lo));
  if (typeof hi !== 'number' || Number.isNaN(hi)) throw new NumError('INVALID_ARGUMENT', op, 'clampMax must be a number', 'number', describe(hi));
  if (lo > hi) throw new NumError('INVALID_ARGUMENT', op, 'clampMin must not exceed clampMax', `clampMin <= ${hi}`, String(lo));
  return { scale, bias, lo, hi };
}

function copyColumnVector(op: string, what: string, src: ArrayLike<number>, dst: Float64Array): void {
  if (src === null || typeof src !== 'object' || typeof src.length !== 'number') {
    throw new NumError('INVALID_ARGUMENT', op, `${what} must be an array of numbers (one per output column)`, 'ArrayLike<number>', describe(src));
  }
  if (src.length !== dst.length) {
    throw new NumError('SHAPE_MISMATCH', op, `${what} needs one entry per output column`, `length ${dst.length}`, `length ${src.length}`);
  }
  for (let j = 0; j < dst.length; j++) dst[j] = src[j]!;
}
