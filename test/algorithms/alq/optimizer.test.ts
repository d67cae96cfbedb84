// The ALQ optimizer (spec §2, invariants 4–10): the diagonal quadratic model, basis step +
// speedup, coordinate step, STE step, α-domain statistics, purity, checkpointing and errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adam, alq, applyUpdates, isNumError, loadTree, normal, key, partition, saveTree, tensor, tree, zeros, type Params, type Tensor,
} from '../../../src/index.js';
import { alphaGradient, importance, modelStats, nearestBasisInto, refitInto, SPEEDUP_RIDGE } from '../../../src/algorithms/alq/kernels.js';
import { reconstructArrays } from '../../../src/algorithms/alq/state.js';
import { convGrouping, convParams, lcg, onPaths, pruneByHand, quantGrads, quantOnly } from './helpers.js';

const code = (f: () => unknown): string => {
  try { f(); } catch (e) { return isNumError(e) ? e.code : `not a NumError: ${String(e)}`; }
  return 'no error';
};

const opts = { maxBits: 3, grouping: convGrouping() };
const params = convParams(2);
const fresh = (): alq.AlqState => alq.quantize(params, opts);
const arr = (t: Tensor): number[] => Array.from(t.toTyped());
/** One step of an ALQ transform on the quantized leaves; returns the new network weights too. */
function stepWith(t: ReturnType<typeof alq.basisStep>, state: alq.AlqState, seed: number, scale = 1): { state: alq.AlqState; weights: Params; updates: Params } {
  const p = quantOnly(alq.view(opts).apply(params, state), state);
  const [u, next] = t.update(onPaths(params, quantGrads(state, seed, scale) as Record<string, Tensor>), state, p);
  return { state: next, weights: applyUpdates(p, u), updates: u };
}
/** The gradient of layer l at seed, tensor layout. */
const gradOf = (state: alq.AlqState, seed: number, l: number, scale = 1): Float32Array =>
  (quantGrads(state, seed, scale) as Record<string, Tensor>)[state.layers[l]!.path]!.toTyped() as Float32Array;
const layoutOf = (l: alq.AlqLayer): alq.GroupLayout => alq.groupLayout(l.shape, l.grouping as alq.Grouping);

describe('coordinate step and the quadratic model (§2.1, §2.3)', () => {
  it('follows α ← α − G_α/D_α with ε before bias correction and v̂max of the raw v', () => {
    const eta = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const s0 = pruneByHand(fresh(), 0.2, 1);
    const t = alq.coordinateStep({ learningRate: eta, ...opts });
    const s1 = stepWith(t, s0, 1).state;
    const s2 = stepWith(t, s1, 2, 0.01).state; // small second gradient: v̂max keeps the first
    s0.layers.forEach((l0, li) => {
      const { groups: G, maxBits: I, groupSize: n } = l0;
      const perm = layoutOf(l0).perm;
      const B = l0.basis.toTyped(), m = l0.mask.toTyped();
      const gA = (g: Float32Array): Float64Array => {
        const out = new Float64Array(G * I);
        for (let gg = 0; gg < G; gg++) for (let i = 0; i < I; i++) {
          const s = gg * I + i;
          if (m[s] === 0) continue;
          for (let j = 0; j < n; j++) out[s]! += B[s * n + j]! * g[perm[gg * n + j]!]!;
        }
        return out;
      };
      const g1 = gA(gradOf(s0, 1, li)), g2 = gA(gradOf(s1, 2, li, 0.01));
      const a0 = l0.alpha.toTyped();
      const expected: number[] = [];
      let usedMax = 0;
      for (let s = 0; s < G * I; s++) {
        const m1 = (1 - b1) * g1[s]!, v1 = (1 - b2) * g1[s]! ** 2;
        const a1 = a0[s]! - ((eta / (1 - b1)) * m1) / ((Math.sqrt(v1) + eps) / Math.sqrt(1 - b2));
        const m2 = b1 * m1 + (1 - b1) * g2[s]!, v2 = b2 * v1 + (1 - b2) * g2[s]! ** 2;
        const vMax = Math.max(v1, v2);
        if (vMax === v1 && v1 > v2) usedMax++;
        const a2 = a1 - ((eta / (1 - b1 ** 2)) * m2) / ((Math.sqrt(vMax) + eps) / Math.sqrt(1 - b2 ** 2));
        expected.push(m[s] === 0 ? 0 : a2);
      }
      expect(usedMax).toBeGreaterThan(0);
      const l2 = s2.layers[li]!;
      expect(l2.alpha).toBeAllClose(tensor(expected, { shape: [G, I] }), { rtol: 1e-4, atol: 1e-6 });
      // bases and mask untouched, w-moments kept warm
      expect(arr(l2.basis)).toEqual(arr(l0.basis));
      expect(arr(l2.mask)).toEqual(arr(l0.mask));
      const gw1 = gradOf(s0, 1, li), gw2 = gradOf(s1, 2, li, 0.01);
      expect(l2.moments.m).toBeAllClose(tensor(Array.from(gw1, (g, k) => b1 * (1 - b1) * g + (1 - b1) * gw2[k]!), { shape: l0.shape }), { rtol: 1e-5, atol: 1e-7 });
      expect(l2.moments.vMax).toBeAllClose(tensor(Array.from(gw1, (g, k) => Math.max((1 - b2) * g * g, b2 * (1 - b2) * g * g + (1 - b2) * gw2[k]! ** 2)), { shape: l0.shape }), { rtol: 1e-5, atol: 1e-12 });
    });
    expect(s2.count).toBe(2);
  });

  it('g_α = mask·Bᵀg_w matches finite differences of a loss in α', () => {
    const state = pruneByHand(fresh(), 0.3, 2);
    for (const l of state.layers) {
      const { groups: G, maxBits: I, groupSize: n } = l;
      const perm = layoutOf(l).perm;
      const B = l.basis.toTyped() as Int8Array, mask = l.mask.toTyped() as Uint8Array;
      const c = Float64Array.from({ length: G * n }, (_, k) => Math.sin(k + 1));
      const f = (alpha: Float64Array): number => {
        const w = reconstructArrays(B, alpha, mask, G, I, n);
        let s = 0;
        for (let q = 0; q < w.length; q++) s += c[perm[q]!]! * Math.sin(w[q]!) + 0.5 * w[q]! ** 2;
        return s;
      };
      const alpha = Float64Array.from(l.alpha.toTyped());
      const w = reconstructArrays(B, alpha, mask, G, I, n);
      const gw = Float64Array.from(w, (v, q) => c[perm[q]!]! * Math.cos(v) + v); // group order
      const gA = alphaGradient(B, mask, G, I, n, gw);
      for (let s = 0; s < G * I; s++) {
        const h = 1e-6;
        const up = alpha.slice(), dn = alpha.slice();
        up[s]! += h; dn[s]! -= h;
        const fd = (f(up) - f(dn)) / (2 * h);
        if (mask[s] === 0) expect(gA[s]).toBe(0);
        else expect(Math.abs(gA[s]! - fd)).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
      }
    }
  });

  it('importance with G = 0 is ½α²D ≥ 0; for tiny η it orders like α²D', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 5, noNaN: true })), { minLength: 1, maxLength: 30 }),
      (rows) => {
        const a = rows.map((r) => r[0]), D = rows.map((r) => r[2]);
        const zero = importance(a, rows.map(() => 0), D);
        zero.forEach((v, i) => { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeCloseTo(0.5 * a[i]! ** 2 * D[i]!, 12); });
        const tiny = importance(a, rows.map((r) => 1e-12 * r[1]), D);
        const byModel = a.map((v, i) => 0.5 * v * v * D[i]!);
        for (let i = 0; i < a.length; i++) for (let j = 0; j < a.length; j++) {
          if (byModel[i]! < byModel[j]! - 1e-9) expect(tiny[i]!).toBeLessThan(tiny[j]!);
        }
      }), { seed: 4, numRuns: 100 });
  });
});

describe('basis step and speedup (§2.2)', () => {
  it('each weight takes a nearest level of the old α (brute force, I ≤ 4); masked rows are 0', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 1e9 }),
      (I, G, n, seed) => {
        const next = lcg(seed);
        const u = (): number => next() / 2 ** 32;
        const alpha = Float64Array.from({ length: G * I }, () => (u() < 0.2 ? 0.5 : u() * 2 - 0.5)); // repeats, negatives
        const mask = Uint8Array.from({ length: G * I }, () => (u() < 0.25 ? 0 : 1));
        const target = Float64Array.from({ length: G * n }, () => (u() - 0.5) * 6);
        const B = new Int8Array(G * I * n);
        nearestBasisInto(alpha, mask, G, I, n, target, B);
        for (let g = 0; g < G; g++) {
          const valid = Array.from({ length: I }, (_, i) => i).filter((i) => mask[g * I + i] === 1);
          let best = Infinity;
          for (let r = 0; r < 1 << valid.length; r++) {
            const lev = valid.reduce((s, i, k) => s + ((r >>> k) & 1 ? 1 : -1) * alpha[g * I + i]!, 0);
            best = Math.min(best, lev);
          }
          for (let j = 0; j < n; j++) {
            let bestDist = Infinity;
            for (let r = 0; r < 1 << valid.length; r++) {
              const lev = valid.reduce((s, i, k) => s + ((r >>> k) & 1 ? 1 : -1) * alpha[g * I + i]!, 0);
              bestDist = Math.min(bestDist, Math.abs(lev - target[g * n + j]!));
            }
            let got = 0;
            for (let i = 0; i < I; i++) {
              const b = B[(g * I + i) * n + j]!;
              if (mask[g * I + i] === 0) expect(b).toBe(0);
              else { expect(Math.abs(b)).toBe(1); got += b * alpha[g * I + i]!; }
            }
            expect(Math.abs(got - target[g * n + j]!)).toBeLessThanOrEqual(bestDist + 1e-12);
          }
          expect(Number.isFinite(best)).toBe(true);
        }
      }), { seed: 21, numRuns: 200 });
  });

  it('speedup solves the D-weighted normal equations and never increases the weighted error', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 1e9 }),
      (I, G, n, seed) => {
        const next = lcg(seed);
        const u = (): number => next() / 2 ** 32;
        const mask = Uint8Array.from({ length: G * I }, () => (u() < 0.2 ? 0 : 1));
        const oldAlpha = Float64Array.from(mask, (m) => (m ? u() * 2 - 0.3 : 0));
        const oldB = Int8Array.from({ length: G * I * n }, (_, k) => (mask[Math.floor(k / n)] ? (u() < 0.5 ? -1 : 1) : 0));
        const target = Float64Array.from({ length: G * n }, () => (u() - 0.5) * 4);
        const D = Float64Array.from({ length: G * n }, () => 0.05 + u() * 3);
        const err = (B: Int8Array, a: ArrayLike<number>): number => {
          const w = reconstructArrays(B, a, mask, G, I, n);
          return w.reduce((s, v, q) => s + D[q]! * (v - target[q]!) ** 2, 0);
        };
        const before = err(oldB, oldAlpha);
        const B = new Int8Array(G * I * n);
        nearestBasisInto(oldAlpha, mask, G, I, n, target, B);
        const mid = err(B, oldAlpha);
        expect(mid).toBeLessThanOrEqual(before + 1e-9);
        const alpha = new Float32Array(G * I);
        refitInto(B, mask, G, I, n, target, D, oldAlpha, alpha);
        const ridge = oldAlpha.reduce((s, a) => s + SPEEDUP_RIDGE * a * a, 0);
        expect(err(B, alpha)).toBeLessThanOrEqual(mid + ridge + 1e-5 * (1 + mid));
        // normal equations Bᵀ D (w* − Bα) = ρα on valid slots (float32 α: loose tolerance)
        const w = reconstructArrays(B, alpha, mask, G, I, n);
        for (let g = 0; g < G; g++) for (let i = 0; i < I; i++) {
          const s = g * I + i;
          if (mask[s] === 0) { expect(alpha[s]).toBe(0); continue; }
          expect(alpha[s]!).toBeGreaterThanOrEqual(0);
          let lhs = 0, scale = 0;
          for (let j = 0; j < n; j++) {
            lhs += B[s * n + j]! * D[g * n + j]! * (target[g * n + j]! - w[g * n + j]!);
            scale += D[g * n + j]! * (Math.abs(target[g * n + j]!) + Math.abs(w[g * n + j]!));
          }
          expect(Math.abs(lhs - SPEEDUP_RIDGE * alpha[s]!)).toBeLessThan(1e-5 * (1 + scale));
        }
      }), { seed: 22, numRuns: 150 });
  });

  it('with η = 0 a basis step leaves ŵ unchanged (up to the ridge)', () => {
    const s0 = pruneByHand(fresh(), 0.2, 5, { 0: [1] });
    const { state: s1, updates } = stepWith(alq.basisStep({ learningRate: 0, ...opts }), s0, 7);
    s0.layers.forEach((l, i) => expect(alq.reconstruct(s1.layers[i]!)).toBeAllClose(alq.reconstruct(l), { rtol: 1e-5, atol: 1e-6 }));
    for (const u of tree.leaves(updates)) expect(Math.max(...arr(u).map(Math.abs))).toBeLessThan(1e-5);
    s0.layers.forEach((l, i) => expect(arr(s1.layers[i]!.mask)).toEqual(arr(l.mask)));
  });

  it('keeps valid α ≥ 0, masked α = 0 with zero rows, and re-derives the α-statistics (basis and STE)', () => {
    let state = pruneByHand(fresh(), 0.3, 6, { 1: [0, 3] });
    const steps = [alq.basisStep({ learningRate: 0.05, ...opts }), alq.coordinateStep({ learningRate: 0.05, ...opts }), alq.steStep({ learningRate: 0.05, ...opts })];
    for (let k = 0; k < 9; k++) {
      const t = steps[k % 3]!;
      const before = state;
      state = stepWith(t, state, 30 + k).state;
      if (t === steps[1]) continue; // coordinate steps may leave negative α (fixed by the next basis/STE step)
      state.layers.forEach((l, li) => {
        const { groups: G, maxBits: I, groupSize: n } = l;
        const a = l.alpha.toTyped(), m = l.mask.toTyped(), B = l.basis.toTyped();
        expect(arr(l.mask)).toEqual(arr(before.layers[li]!.mask));
        for (let s = 0; s < G * I; s++) {
          if (m[s] === 0) {
            expect(a[s]).toBe(0);
            for (let j = 0; j < n; j++) expect(B[s * n + j]).toBe(0);
          } else {
            expect(a[s]!).toBeGreaterThanOrEqual(0);
            for (let j = 0; j < n; j++) expect(Math.abs(B[s * n + j]!)).toBe(1);
          }
        }
        // α-domain statistics = projections of the w-domain ones with the new bases
        const perm = layoutOf(l).perm;
        const mw = l.moments.m.toTyped(), vw = l.moments.v.toTyped(), xw = l.moments.vMax.toTyped();
        const ma = l.alphaMoments.m.toTyped(), va = l.alphaMoments.v.toTyped(), xa = l.alphaMoments.vMax.toTyped();
        for (let g = 0; g < G; g++) {
          let sv = 0, sx = 0;
          for (let j = 0; j < n; j++) { sv += vw[perm[g * n + j]!]!; sx += xw[perm[g * n + j]!]!; }
          for (let i = 0; i < I; i++) {
            const s = g * I + i;
            let sm = 0;
            for (let j = 0; j < n; j++) sm += B[s * n + j]! * mw[perm[g * n + j]!]!;
            expect(va[s]!).toBeCloseTo(m[s]! * sv, 6);
            expect(xa[s]!).toBeCloseTo(m[s]! * sx, 6);
            expect(ma[s]!).toBeCloseTo(m[s]! * sm, 5);
          }
        }
      });
    }
  });

  it('STE starts its shadow at ŵ and steps it by −G/D (≈ −η·sign(g) on the first step)', () => {
    const eta = 1e-3;
    const s0 = fresh();
    const t = alq.steStep({ learningRate: eta, ...opts });
    const s1 = stepWith(t, s0, 40).state;
    s0.layers.forEach((l, li) => {
      const g = gradOf(s0, 40, li);
      const w0 = alq.reconstruct(l).toTyped();
      const expected = Array.from(w0, (w, k) => w - (eta * g[k]!) / (Math.abs(g[k]!) + 1e-8 / Math.sqrt(1 - 0.999)));
      expect(s1.layers[li]!.shadow).toBeAllClose(tensor(expected, { shape: l.shape }), { rtol: 1e-5, atol: 1e-7 });
    });
    const s2 = stepWith(t, s1, 41).state;
    // the second step anchors at the shadow, not at ŵ
    const l1 = s1.layers[0]!, l2 = s2.layers[0]!;
    const shadow1 = l1.shadow!.toTyped(), shadow2 = l2.shadow!.toTyped();
    const m = l2.moments.m.toTyped(), vMax = l2.moments.vMax.toTyped();
    const [G, D] = modelStats({ b1: 0.9, b2: 0.999, eps: 1e-8 }, m, vMax, 2, eta);
    for (let k = 0; k < shadow2.length; k++) expect(shadow2[k]!).toBeCloseTo(shadow1[k]! - G[k]! / D[k]!, 6);
  });

  it('basis steps lower the loss of a quadratic toward a target', () => {
    // ℓ(w) = ½‖w − w_target‖²: basis steps must track the target reachable with the current bitwidth
    const target = tree.map((t: Tensor) => normal(key(77), [...t.shape]), params) as Params;
    let state = fresh();
    const t = alq.basisStep({ learningRate: 0.05, ...opts });
    const lossOf = (s: alq.AlqState): number => s.layers.reduce((acc, l) => {
      const w = Array.from(alq.reconstruct(l).toTyped());
      const tt = (tree.entries(target).find(([p]) => p === l.path)![1]).toTyped();
      return acc + w.reduce((a, v, k) => a + 0.5 * (v - tt[k]!) ** 2, 0);
    }, 0);
    const start = lossOf(state);
    for (let k = 0; k < 40; k++) {
      const grads: Record<string, Tensor> = {};
      for (const l of state.layers) {
        const tt = tree.entries(target).find(([p]) => p === l.path)![1];
        grads[l.path] = tensor(Array.from(alq.reconstruct(l).toTyped(), (v, q) => v - tt.toTyped()[q]!), { shape: l.shape });
      }
      const p = quantOnly(alq.view(opts).apply(params, state), state);
      state = t.update(onPaths(params, grads), state, p)[1];
    }
    expect(lossOf(state)).toBeLessThan(0.5 * start);
  });
});

describe('transform plumbing', () => {
  it('updates land exactly on the reconstruction and never mutate their inputs', () => {
    const s0 = pruneByHand(fresh(), 0.2, 8);
    const snapshot = JSON.stringify(s0.layers.map((l) => [arr(l.basis), arr(l.alpha), arr(l.mask), arr(l.moments.m)]));
    for (const t of [alq.basisStep({ learningRate: 0.01, ...opts }), alq.coordinateStep({ learningRate: 0.01, ...opts }), alq.steStep({ learningRate: 0.01, ...opts })]) {
      const { state, weights } = stepWith(t, s0, 50);
      state.layers.forEach((l) => {
        const w = tree.entries(weights).find(([p]) => p === l.path)![1];
        expect(arr(w)).toEqual(arr(alq.reconstruct(l)));
      });
    }
    expect(JSON.stringify(s0.layers.map((l) => [arr(l.basis), arr(l.alpha), arr(l.mask), arr(l.moments.m)]))).toBe(snapshot);
  });

  it('runs inside partition with Adam on the float leaves; the state round-trips through saveTree', () => {
    const make = (k: number) => partition({ alq: [alq.basisStep, alq.steStep, alq.coordinateStep][k % 3]!({ learningRate: 1e-2, ...opts }), float: adam(1e-2) }, alq.labels(opts));
    const grad = (k: number): Params => tree.map((t: Tensor) => normal(key(900 + k), [...t.shape]), params) as Params;
    let p: Params = alq.view(opts).apply(params, fresh());
    let st = make(0).init(p);
    for (let k = 0; k < 4; k++) { const [u, s] = make(k).update(grad(k), st, p); p = applyUpdates(p, u); st = s; }
    const loaded = loadTree(saveTree({ p, st }));
    const restored = loaded.tree as unknown as { p: Params; st: typeof st };
    let [pa, sa, pb, sb] = [p, st, restored.p, restored.st];
    for (let k = 4; k < 8; k++) {
      const [ua, na] = make(k).update(grad(k), sa, pa);
      const [ub, nb] = make(k).update(grad(k), sb, pb);
      pa = applyUpdates(pa, ua); sa = na;
      pb = applyUpdates(pb, ub); sb = nb;
    }
    expect(tree.leaves(pb).map(arr)).toEqual(tree.leaves(pa).map(arr));
    expect(sb.alq.count).toBe(8);
    expect(sb.alq.layers.map((l) => arr(l.alpha))).toEqual(sa.alq.layers.map((l) => arr(l.alpha)));
    expect(sa.alq.layers[0]!.shadow).not.toBeNull();
  });

  it('rejects foreign states, float leaves, wrong shapes and bad options', () => {
    const s = fresh();
    const t = alq.basisStep({ learningRate: 1e-3, ...opts });
    const g = onPaths(params, quantGrads(s, 1) as Record<string, Tensor>);
    expect(code(() => t.update(g, { count: 0 } as unknown as alq.AlqState))).toBe('STATE_MISMATCH');
    expect(code(() => t.update(tree.map((x: Tensor) => zeros([...x.shape]), params) as Params, s))).toBe('STATE_MISMATCH');
    const wrong = { ...(quantGrads(s, 1) as Record<string, Tensor>), '0.weight': zeros([2, 2]) };
    expect(code(() => t.update(onPaths(params, wrong), s))).toBe('SHAPE_MISMATCH');
    const missing = tree.mapWithPath((path, x: Tensor) => (path === '1.weight' || path.endsWith('bias') ? null : x), g as Params) as Params;
    expect(code(() => t.update(missing, s))).toBe('STRUCTURE_MISMATCH');
    const broken = { ...s, layers: [{ ...s.layers[0]!, alpha: zeros([1]) }] };
    expect(code(() => t.update(g, broken))).toBe('STATE_MISMATCH');
    expect(code(() => alq.basisStep({ learningRate: NaN }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.coordinateStep({ learningRate: 1, b1: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.coordinateStep({ learningRate: 1, weightDecay: -1 }))).toBe('INVALID_ARGUMENT');
    // without params the updates are relative to the stored reconstruction
    const [u] = t.update(g, s);
    expect(tree.leaves(u).length).toBe(4);
  });
});
