/**
 * Reductions over the last axis of a contiguous `outer × r` block. Sums accumulate in float64.
 */
import type { NumArray } from './elementwise.js';

export const R_SUM = 0;
export const R_MAX = 1;
export const R_MIN = 2;
export const R_ARGMAX = 3;
export const R_ARGMIN = 4;

/** out[i] = reduce(a[off + i*r .. off + (i+1)*r)) for i < outer. `r` must be ≥ 1 except for R_SUM. */
export function reduceRows(code: number, a: NumArray, off: number, outer: number, r: number, out: NumArray): void {
  for (let i = 0, base = off; i < outer; i++, base += r) {
    const end = base + r;
    switch (code) {
      case R_SUM: {
        let s = 0;
        for (let j = base; j < end; j++) s += a[j]!;
        out[i] = s;
        break;
      }
      case R_MAX: {
        let m = a[base]!;
        for (let j = base + 1; j < end; j++) { const v = a[j]!; if (v > m || v !== v) { m = v; if (v !== v) break; } }
        out[i] = m;
        break;
      }
      case R_MIN: {
        let m = a[base]!;
        for (let j = base + 1; j < end; j++) { const v = a[j]!; if (v < m || v !== v) { m = v; if (v !== v) break; } }
        out[i] = m;
        break;
      }
      case R_ARGMAX: {
        let m = a[base]!, k = 0;
        if (m === m) for (let j = base + 1; j < end; j++) { const v = a[j]!; if (v > m || v !== v) { m = v; k = j - base; if (v !== v) break; } }
        out[i] = k;
        break;
      }
      case R_ARGMIN: {
        let m = a[base]!, k = 0;
        if (m === m) for (let j = base + 1; j < end; j++) { const v = a[j]!; if (v < m || v !== v) { m = v; k = j - base; if (v !== v) break; } }
        out[i] = k;
        break;
      }
      default: throw new Error(`reduceRows: unknown op code ${code}`);
    }
  }
}

/**
 * Sums over leading axes: `out[j] = Σ_i a[off + i·outer + j]` for j < outer, i < r, i ascending,
 * accumulated in float64 — the same additions in the same order as {@link reduceRows} over the
 * transposed block, without materialising the transpose (a bias gradient sums a batch this way).
 */
export function sumLeading(a: NumArray, off: number, r: number, outer: number, out: NumArray): void {
  const acc = new Float64Array(outer);
  for (let i = 0, base = off; i < r; i++, base += outer) {
    for (let j = 0; j < outer; j++) acc[j]! += a[base + j]!;
  }
  for (let j = 0; j < outer; j++) out[j] = acc[j]!;
}
