/**
 * The numerical core of the ALQ steps on plain typed arrays, group-major (`[g][i][j]` for bases,
 * `[g][i]` for coordinates, `[g][j]` for weights). No validation: the transforms check inputs once.
 *
 * - {@link modelStats}: the diagonal quadratic model from AMSGrad-style moments (spec §2.1);
 * - {@link nearestBasisInto}: each weight's nearest representable level (spec §2.2-3);
 * - {@link refitInto}: the D-weighted least-squares "speedup" and the sign fix (spec §2.2-4);
 * - {@link alphaGradient}, {@link projectMoments}: α-domain gradient and statistics (§2.1, §2.2-6).
 */
import { solveSymmetric } from './sketch.js';

/** Ridge added to the valid diagonal of the speedup system (the reference's 1e-6). */
export const SPEEDUP_RIDGE = 1e-6;

/** Adam constants of the quadratic model. */
export interface ModelConstants {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
}

/** New moments of one domain after a gradient, float32 like the stored state. */
export interface MomentArrays {
  m: Float32Array;
  v: Float32Array;
  vMax: Float32Array;
}

/**
 * `m ← b1 m + (1−b1) g`, `v ← b2 v + (1−b2) g²`, `v̂max ← max(v̂max, v)` (elementwise, new arrays).
 */
export function updateMoments(c: ModelConstants, m: ArrayLike<number>, v: ArrayLike<number>, vMax: ArrayLike<number>, g: ArrayLike<number>): MomentArrays {
  const n = g.length;
  const out: MomentArrays = { m: new Float32Array(n), v: new Float32Array(n), vMax: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    out.m[i] = c.b1 * m[i]! + (1 - c.b1) * gi;
    const vi = Math.fround(c.b2 * v[i]! + (1 - c.b2) * gi * gi);
    out.v[i] = vi;
    out.vMax[i] = Math.max(vMax[i]!, vi);
  }
  return out;
}

/**
 * The pseudo-gradient `G = η/(1−b1^t)·m` and pseudo-Hessian `D = (√v̂max + ε)/√(1−b2^t)` of the
 * diagonal model `ℓ(x+d) − ℓ(x) ≈ Gᵀd + ½ dᵀ diag(D) d` (ε before the bias correction, as in
 * the reference). Returns `[G, D]` in float64.
 */
export function modelStats(c: ModelConstants, m: ArrayLike<number>, vMax: ArrayLike<number>, t: number, eta: number): [Float64Array, Float64Array] {
  const n = m.length;
  const G = new Float64Array(n), D = new Float64Array(n);
  const gScale = eta / (1 - c.b1 ** t);
  const dScale = 1 / Math.sqrt(1 - c.b2 ** t);
  for (let i = 0; i < n; i++) {
    G[i] = gScale * m[i]!;
    D[i] = (Math.sqrt(vMax[i]!) + c.eps) * dScale;
  }
  return [G, D];
}

/**
 * The levels `Σ_i s_i·α_i` of all sign patterns s (pattern r: bit i set → +1, else −1), sorted
 * ascending with duplicates removed (each value keeps its lowest pattern index). Writes into
 * `levels`/`patterns` and returns the number of distinct levels.
 */
export function sortedLevels(alphas: ArrayLike<number>, count: number, levels: Float64Array, patterns: Int32Array, scratch: Float64Array, order: Int32Array): number {
  const L = 1 << count;
  let base = 0;
  for (let i = 0; i < count; i++) base -= alphas[i]!;
  scratch[0] = base;
  for (let r = 1; r < L; r++) {
    const low = 31 - Math.clz32(r & -r);
    scratch[r] = scratch[r & (r - 1)]! + 2 * alphas[low]!;
  }
  const ord = order.subarray(0, L);
  for (let r = 0; r < L; r++) ord[r] = r;
  ord.sort((a, b) => scratch[a]! - scratch[b]! || a - b);
  let u = 0;
  for (let k = 0; k < L; k++) {
    const r = ord[k]!, v = scratch[r]!;
    if (u > 0 && levels[u - 1] === v) continue;
    levels[u] = v;
    patterns[u] = r;
    u++;
  }
  return u;
}

/** Index (into the sorted distinct levels) of the level nearest to x; ties → lower pattern index. */
export function nearestLevel(levels: Float64Array, patterns: Int32Array, u: number, x: number): number {
  let lo = 0, hi = u; // first index with levels[idx] >= x
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (levels[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return 0;
  if (lo === u) return u - 1;
  const dLo = x - levels[lo - 1]!, dHi = levels[lo]! - x;
  if (dLo < dHi) return lo - 1;
  if (dHi < dLo) return lo;
  return patterns[lo - 1]! < patterns[lo]! ? lo - 1 : lo;
}

/**
 * Basis update (spec §2.2-3): with α fixed, each weight j of group g takes the sign pattern whose
 * level `Σ_i s_i α_{g,i}` (valid slots only) is nearest to `target[g, j]`. Writes the new bases
 * into `outB` (masked rows 0). Because the model is diagonal this minimises
 * `Σ_j D_j (ŵ_j − target_j)²` for any positive D.
 */
export function nearestBasisInto(
  alpha: ArrayLike<number>, mask: Uint8Array, G: number, I: number, n: number, target: ArrayLike<number>, outB: Int8Array,
): void {
  const maxL = 1 << I;
  const levels = new Float64Array(maxL), patterns = new Int32Array(maxL), scratch = new Float64Array(maxL), order = new Int32Array(maxL);
  const av = new Float64Array(I);
  const slots = new Int32Array(I);
  for (let g = 0; g < G; g++) {
    let c = 0;
    for (let i = 0; i < I; i++) {
      if (mask[g * I + i]! !== 0) { slots[c] = i; av[c] = alpha[g * I + i]!; c++; }
    }
    const rowBase = g * I * n;
    outB.fill(0, rowBase, rowBase + I * n);
    if (c === 0) continue;
    const u = sortedLevels(av, c, levels, patterns, scratch, order);
    for (let j = 0; j < n; j++) {
      const r = patterns[nearestLevel(levels, patterns, u, target[g * n + j]!)]!;
      for (let k = 0; k < c; k++) outB[rowBase + slots[k]! * n + j] = (r >>> k) & 1 ? 1 : -1;
    }
  }
}

/**
 * Speedup (spec §2.2-4): with the bases fixed, refits each group's valid coordinates by
 * D-weighted least squares toward `target`, `(BᵀDB + ρI) α = BᵀD·target` with ρ = 1e-6, in
 * float64; masked slots get α = 0. Then every negative α is negated together with its basis row
 * (modifies `B` in place). A group whose system is numerically singular keeps `fallback` α.
 */
export function refitInto(
  B: Int8Array, mask: Uint8Array, G: number, I: number, n: number,
  target: ArrayLike<number>, D: ArrayLike<number>, fallback: ArrayLike<number>, outAlpha: Float32Array,
): void {
  const slots = new Int32Array(I);
  const H = new Float64Array(I * I), rhs = new Float64Array(I), sol = new Float64Array(I);
  for (let g = 0; g < G; g++) {
    let c = 0;
    for (let i = 0; i < I; i++) {
      outAlpha[g * I + i] = 0;
      if (mask[g * I + i]! !== 0) slots[c++] = i;
    }
    if (c === 0) continue;
    const o = g * n;
    for (let a = 0; a < c; a++) {
      const ra = (g * I + slots[a]!) * n;
      let r = 0;
      for (let j = 0; j < n; j++) r += D[o + j]! * B[ra + j]! * target[o + j]!;
      rhs[a] = r;
      for (let b = a; b < c; b++) {
        const rb = (g * I + slots[b]!) * n;
        let h = 0;
        for (let j = 0; j < n; j++) h += D[o + j]! * B[ra + j]! * B[rb + j]!;
        H[a * c + b] = h + (a === b ? SPEEDUP_RIDGE : 0);
        H[b * c + a] = H[a * c + b]!;
      }
    }
    const ok = solveSymmetric(H, rhs, c, sol);
    for (let a = 0; a < c; a++) {
      const s = g * I + slots[a]!;
      let v = ok ? sol[a]! : fallback[s]!;
      if (v < 0) {
        v = -v;
        const row = s * n;
        for (let j = 0; j < n; j++) B[row + j] = -B[row + j]!;
      }
      outAlpha[s] = v;
    }
  }
}

/** `g_α[g, i] = mask·Σ_j B[g, i, j]·g_w[g, j]` (chain rule through the reconstruction). */
export function alphaGradient(B: Int8Array, mask: Uint8Array, G: number, I: number, n: number, gw: ArrayLike<number>): Float64Array {
  const out = new Float64Array(G * I);
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < I; i++) {
      const s = g * I + i;
      if (mask[s]! === 0) continue;
      let acc = 0;
      const row = s * n, o = g * n;
      for (let j = 0; j < n; j++) acc += B[row + j]! * gw[o + j]!;
      out[s] = acc;
    }
  }
  return out;
}

/**
 * α-domain statistics re-derived from the w-domain ones with the current bases (spec §2.2-6):
 * `m_α = mask·Bᵀm_w`, `v_α = mask·Σ_{j∈g} v_w`, `v̂max_α = mask·Σ_{j∈g} v̂max_w` (β² = 1).
 */
export function projectMoments(B: Int8Array, mask: Uint8Array, G: number, I: number, n: number,
  m: ArrayLike<number>, v: ArrayLike<number>, vMax: ArrayLike<number>): MomentArrays {
  const out: MomentArrays = { m: new Float32Array(G * I), v: new Float32Array(G * I), vMax: new Float32Array(G * I) };
  const mA = alphaGradient(B, mask, G, I, n, m);
  for (let g = 0; g < G; g++) {
    let sv = 0, sm = 0;
    for (let j = 0; j < n; j++) { sv += v[g * n + j]!; sm += vMax[g * n + j]!; }
    for (let i = 0; i < I; i++) {
      const s = g * I + i;
      if (mask[s]! === 0) continue;
      out.m[s] = mA[s]!;
      out.v[s] = sv;
      out.vMax[s] = sm;
    }
  }
  return out;
}

/** Importance of removing each coordinate: `Δℓ = −G_α·α + ½·α²·D_α` (spec §3.1). */
export function importance(alpha: ArrayLike<number>, G: ArrayLike<number>, D: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alpha.length);
  for (let s = 0; s < alpha.length; s++) {
    const a = alpha[s]!;
    out[s] = -G[s]! * a + 0.5 * a * a * D[s]!;
  }
  return out;
}
