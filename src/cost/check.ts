/**
 * Shape and byte helpers shared by the energy and memory models (number checks are in
 * `src/validate.ts`). @internal
 */
import { NumError, describe } from '../errors.js';

/**
 * A per-example shape: an array of integers ≥ 1. @internal
 * @example
 * ```ts
 * const inShape = shapeArg('cost.layerSpecs', 'inputShape', [1, 28, 28]);
 * ```
 */
export function shapeArg(op: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) {
    throw new NumError('SHAPE_MISMATCH', op, `${name} must be an array of integers >= 1`, 'number[]', describe(v));
  }
  return (v as number[]).slice();
}

/**
 * Product of a shape's dimensions. @internal
 * @example
 * ```ts
 * numel([20, 1, 5, 5]); // 500
 * ```
 */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Bytes of a tensor of `count` elements at `bits` each, byte aligned on its own. @internal
 * @example
 * ```ts
 * tensorBytes(8192, 1); // 1024: a ReLU mask of 32 × 256
 * ```
 */
export function tensorBytes(count: number, bits: number): number {
  const b = count * bits;
  const r = Math.round(b);
  // Integer widths give exact products; fractional averages may carry float noise.
  return Math.ceil((Math.abs(b - r) <= 1e-9 * Math.max(1, b) ? r : b) / 8);
}
