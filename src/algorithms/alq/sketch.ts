/**
 * Structured sketching (spec §1.2): the initial multi-bit basis of one group. Greedy residual
 * binarization where every new basis triggers a joint least-squares refit of all coordinates,
 * then signs are folded into the bases (all α > 0), zero coordinates dropped and the rest sorted
 * ascending. Everything is float64; the Gram matrices are integer-valued and exact.
 */
import { NumError, describe } from '../../errors.js';

/** Relative squared residual below which no further basis is added (the reference's threshold). */
export const REL_NORM_THRESHOLD = 1e-6;

/**
 * Solves the symmetric system `A x = b` (k×k, row-major) by Gaussian elimination with partial
 * pivoting, in place on copies. Returns false when a pivot vanishes (singular system). @internal
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, k: number, x: Float64Array): boolean {
  const m = a.slice(0, k * k);
  const r = b.slice(0, k);
  let scale = 0;
  for (let i = 0; i < k * k; i++) scale = Math.max(scale, Math.abs(m[i]!));
  const tiny = scale * 1e-13;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(m[i * k + c]!) > Math.abs(m[p * k + c]!)) p = i;
    const pivot = m[p * k + c]!;
    if (!(Math.abs(pivot) > tiny)) return false;
    if (p !== c) {
      for (let j = 0; j < k; j++) { const t = m[c * k + j]!; m[c * k + j] = m[p * k + j]!; m[p * k + j] = t; }
      const t = r[c]!; r[c] = r[p]!; r[p] = t;
    }
    for (let i = c + 1; i < k; i++) {
      const f = m[i * k + c]! / pivot;
      if (f === 0) continue;
      for (let j = c; j < k; j++) m[i * k + j]! -= f * m[c * k + j]!;
      r[i]! -= f * r[c]!;
    }
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < k; j++) s -= m[i * k + j]! * x[j]!;
    x[i] = s / m[i * k + i]!;
  }
  return true;
}

/**
 * Sketches one group `w[off .. off+n)` with at most `maxBits` bases. Writes the valid bases
 * (row i at `basis[i·n ..]`, ±1) and coordinates (`alpha[i]`, ascending, > 0) and returns their
 * number I. `residuals`, when given, receives ‖r‖² after each accepted basis (before sign folding,
 * which does not change it). @internal
 */
export function sketchInto(
  w: ArrayLike<number>, off: number, n: number, maxBits: number,
  basis: Int8Array, alpha: Float64Array, residuals?: number[],
): number {
  // Work on w / max|w|: least squares is scale-equivariant and this keeps ‖w‖² from under- or
  // overflowing for extreme magnitudes.
  let scale = 0;
  for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(w[off + j]!));
  if (!(scale > 0)) return 0; // all-zero group: no basis (0/0 guarded)
  const x = new Float64Array(n);
  let wNorm = 0;
  for (let j = 0; j < n; j++) {
    x[j] = w[off + j]! / scale;
    wNorm += x[j]! * x[j]!;
  }
  const K = Math.min(n, maxBits);
  const bs = new Int8Array(K * n);
  const gram = new Float64Array(K * K);
  const rhs = new Float64Array(K);
  const a = new Float64Array(K);
  const trial = new Float64Array(K);
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) r[j] = x[j]!;
  let rNorm = wNorm;
  let k = 0;
  while (k < K && rNorm / wNorm >= REL_NORM_THRESHOLD) {
    const row = k * n;
    for (let j = 0; j < n; j++) bs[row + j] = r[j]! >= 0 ? 1 : -1; // sign(0) = +1
    let dot = 0;
    for (let j = 0; j < n; j++) dot += bs[row + j]! * x[j]!;
    rhs[k] = dot;
    for (let i = 0; i <= k; i++) {
      let g = 0;
      for (let j = 0; j < n; j++) g += bs[i * n + j]! * bs[row + j]!;
      gram[i * K + k] = g;
      gram[k * K + i] = g;
    }
    // Work on a compact (k+1)×(k+1) copy of the Gram matrix.
    const kk = k + 1;
    const sys = new Float64Array(kk * kk);
    for (let i = 0; i < kk; i++) for (let c = 0; c < kk; c++) sys[i * kk + c] = gram[i * K + c]!;
    // sign(r) ∉ span(B) while r ≠ 0 in exact arithmetic; rounding can still make it singular.
    if (!solveSymmetric(sys, rhs, kk, trial)) break;
    for (let i = 0; i < kk; i++) a[i] = trial[i]!;
    rNorm = 0;
    for (let j = 0; j < n; j++) {
      let v = x[j]!;
      for (let i = 0; i < kk; i++) v -= a[i]! * bs[i * n + j]!;
      r[j] = v;
      rNorm += v * v;
    }
    residuals?.push(rNorm * scale * scale);
    k = kk;
  }
  // Fold signs into the bases, drop zero coordinates, sort ascending (stable).
  const order: number[] = [];
  for (let i = 0; i < k; i++) {
    if (a[i]! < 0) {
      a[i] = -a[i]!;
      for (let j = 0; j < n; j++) bs[i * n + j] = -bs[i * n + j]!;
    }
    if (a[i]! !== 0) order.push(i);
  }
  order.sort((p, q) => a[p]! - a[q]! || p - q);
  order.forEach((src, dst) => {
    alpha[dst] = a[src]! * scale;
    basis.set(bs.subarray(src * n, src * n + n), dst * n);
  });
  return order.length;
}

/**
 * The result of {@link sketch}: `bits` valid bases (rows of ±1, row-major `[bits, n]`), their
 * coordinates (ascending, > 0) and the squared residual after each greedy step.
 *
 * @example
 * ```ts
 * const s: SketchResult = alq.sketch([0.3, -1.2, 0.8, 0.1], 2);
 * s.alpha.length === s.bits;
 * ```
 */
export interface SketchResult {
  bits: number;
  basis: Int8Array;
  alpha: Float64Array;
  residuals: number[];
}

/**
 * Structured sketching of one weight vector (spec §1.2): up to `maxBits` binary bases by greedy
 * residual sign + joint least-squares refit; `w ≈ Σ_i alpha[i]·basis[i]`. With one basis,
 * `alpha[0] = mean|w|`; an all-zero vector gets no basis.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for non-finite values or a `maxBits` outside 1..16.
 * @example
 * ```ts
 * const { alpha, basis } = alq.sketch([0.3, -1.2, 0.8, 0.1], 1);
 * alpha[0]; // 0.6 = mean |w|; basis = [1, -1, 1, 1]
 * ```
 */
export function sketch(w: ArrayLike<number>, maxBits: number): SketchResult {
  const op = 'alq.sketch';
  checkMaxBits(op, maxBits);
  if (w === null || typeof w !== 'object' || typeof w.length !== 'number') {
    throw new NumError('INVALID_ARGUMENT', op, 'w must be an array of numbers', 'ArrayLike<number>', describe(w));
  }
  const n = w.length;
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(w[j]!)) throw new NumError('INVALID_ARGUMENT', op, `w[${j}] must be finite`, 'a finite number', String(w[j]));
  }
  const basis = new Int8Array(maxBits * n);
  const alpha = new Float64Array(maxBits);
  const residuals: number[] = [];
  const bits = sketchInto(w, 0, n, maxBits, basis, alpha, residuals);
  return { bits, basis: basis.slice(0, bits * n), alpha: alpha.slice(0, bits), residuals };
}

/** The largest supported Imax: the basis step enumerates 2^Imax levels per group. */
export const MAX_BITS_LIMIT = 16;

/** maxBits must be an integer in 1..16. @internal */
export function checkMaxBits(op: string, maxBits: unknown): asserts maxBits is number {
  if (typeof maxBits !== 'number' || !Number.isInteger(maxBits) || maxBits < 1 || maxBits > MAX_BITS_LIMIT) {
    throw new NumError('INVALID_ARGUMENT', op, `maxBits must be an integer in 1..${MAX_BITS_LIMIT}`, `1..${MAX_BITS_LIMIT}`, describe(maxBits));
  }
}
