/**
 * The output transform fused into the binary GEMMs (larq compute-engine's `output_transform.h`):
 * `out[i, j] = clamp(dot · scale[j] + bias[j], clampMin, clampMax)` with one scale and one bias per
 * output column j (a folded batch norm, the XNOR-Net α, or a plain rescale).
 *
 * @module
 */
import { badArg, checkLength } from '../errors.js';

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
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw badArg(op, 'options', 'an OutputTransform', opts);
  const lo = bound(op, 'clampMin', opts?.clampMin ?? -Infinity), hi = bound(op, 'clampMax', opts?.clampMax ?? Infinity);
  if (lo > hi) throw badArg(op, 'clampMin', `<= clampMax = ${hi}`, lo);
  return { scale: column(op, 'scale', opts?.scale, n, 1), bias: column(op, 'bias', opts?.bias, n, 0), lo, hi };
}

function bound(op: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || v !== v) throw badArg(op, what, 'a number', v); // v !== v: NaN
  return v;
}

/** `src` (one entry per output column) as a Float64Array of length n; `fill` everywhere when absent. */
function column(op: string, what: string, src: ArrayLike<number> | undefined, n: number, fill: number): Float64Array {
  const dst = new Float64Array(n).fill(fill);
  if (src !== undefined) {
    if (typeof src !== 'object' || typeof src?.length !== 'number') throw badArg(op, what, 'an array-like', src);
    checkLength(op, `${what}.length`, n, src.length);
    dst.set(src);
  }
  return dst;
}
