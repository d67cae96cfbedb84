// Adaptive bitwidth (spec §3, invariants 11–14): loss-aware pruning in the α domain, the
// per-minibatch count, monotone masks, target mode and the bitwidth/storage accounting.
import { describe, expect, it } from 'vitest';
import { alq, applyUpdates, isNumError, key, normal, tree, type Params, type Tensor } from '../../../src/index.js';
import { alphaGradient, importance, modelStats } from '../../../src/algorithms/alq/kernels.js';
import { candidateCounts, stepKeys } from '../../../src/algorithms/alq/prune.js';
import { bitsFromMasks, convGrouping, convParams, onPaths, pruneByHand, quantGrads, quantOnly } from './helpers.js';

const code = (f: () => unknown): string => {
  try { f(); } catch (e) { return isNumError(e) ? e.code : `not a NumError: ${String(e)}`; }
  return 'no error';
};

const opts = { maxBits: 4, grouping: convGrouping() };
const params = convParams(3);
const arr = (t: Tensor): number[] => Array.from(t.toTyped());
const valid = (s: alq.AlqState): number[] => s.layers.map((l) => arr(l.mask).reduce((a, b) => a + b, 0));

function pruneSteps(t: ReturnType<typeof alq.prune>, state: alq.AlqState, steps: number, check: (before: alq.AlqState, after: alq.AlqState, weights: Params, k: number) => void): alq.AlqState {
  let s = state;
  for (let k = 0; k < steps; k++) {
    const p = quantOnly(alq.view(opts).apply(params, s), s);
    const [u, next] = t.update(onPaths(params, quantGrads(s, 200 + k) as Record<string, Tensor>), s, p);
    check(s, next, applyUpdates(p, u), k);
    s = next;
  }
  return s;
}

describe('pruning (§3.2)', () => {
  const pr = 0.9, topK = 0.3, T = 4;
  const k = key(5);

  it('prunes exactly P = ⌊|pool|·ρ⌋ slots per minibatch; masks are monotone; pruned slots are cleared', () => {
    const t = alq.prune({ learningRate: 1e-3, rate: pr, topK, stepsPerEpoch: T, key: k, ...opts });
    const rho = pr / topK / T;
    let pruned = 0;
    pruneSteps(t, alq.quantize(params, opts), 6, (before, after, weights) => {
      const counts = candidateCounts(stepKeys(k, before.count)[0], valid(before), topK);
      valid(before).forEach((a, l) => {
        expect(counts[l]!).toBeGreaterThanOrEqual(Math.min(a, Math.floor(a * topK)));
        expect(counts[l]!).toBeLessThanOrEqual(Math.min(a, Math.ceil(a * topK)));
      });
      const pool = counts.reduce((a, b) => a + b, 0);
      const P = Math.min(pool, Math.floor(pool * rho));
      const drop = valid(before).reduce((a, b) => a + b, 0) - valid(after).reduce((a, b) => a + b, 0);
      expect(drop).toBe(P);
      pruned += drop;
      after.layers.forEach((l, li) => {
        const m0 = arr(before.layers[li]!.mask), m1 = arr(l.mask);
        const a = arr(l.alpha), B = arr(l.basis), ma = arr(l.alphaMoments.m), va = arr(l.alphaMoments.vMax);
        m1.forEach((m, s) => {
          expect(m).toBeLessThanOrEqual(m0[s]!); // never revived
          if (m === 0) {
            expect(a[s]).toBe(0);
            expect(B.slice(s * l.groupSize, (s + 1) * l.groupSize).every((b) => b === 0)).toBe(true);
            if (m0[s] === 1) { expect(ma[s]).toBe(0); expect(va[s]).toBe(0); }
          }
        });
        // network weights after pruning = masked reconstruction, nothing stale
        const w = tree.entries(weights).find(([p]) => p === l.path)![1];
        expect(arr(w)).toEqual(arr(alq.reconstruct(l)));
        // the bases and α of surviving slots are untouched
        const a0 = arr(before.layers[li]!.alpha);
        m1.forEach((m, s) => { if (m === 1) expect(a[s]).toBe(a0[s]); });
      });
    });
    expect(pruned).toBeGreaterThan(10);
  });

  it('with every valid slot a candidate, prunes the P slots of smallest Δℓ network-wide', () => {
    const eta = 0.05;
    const t = alq.prune({ learningRate: eta, rate: 0.5, topK: 1, stepsPerEpoch: 10, key: k, ...opts });
    const s0 = alq.quantize(params, opts);
    pruneSteps(t, s0, 1, (before, after) => {
      const scores: { l: number; s: number; v: number }[] = [];
      before.layers.forEach((l, li) => {
        const layout = alq.groupLayout(l.shape, l.grouping as alq.Grouping);
        const g = (quantGrads(before, 200, 1) as Record<string, Tensor>)[l.path]!.toTyped();
        const gGroup = Float64Array.from(layout.perm, (p) => g[p]!);
        const gA = alphaGradient(l.basis.toTyped() as Int8Array, l.mask.toTyped() as Uint8Array, l.groups, l.maxBits, l.groupSize, gGroup);
        const m = Float64Array.from(gA, (v) => Math.fround(0.1 * v));
        const vMax = Float64Array.from(gA, (v) => Math.fround(0.001 * v * v));
        const [G, D] = modelStats({ b1: 0.9, b2: 0.999, eps: 1e-8 }, m, vMax, 1, eta);
        const imp = importance(l.alpha.toTyped(), G, D);
        arr(l.mask).forEach((mm, s) => { if (mm === 1) scores.push({ l: li, s, v: imp[s]! }); });
      });
      scores.sort((a, b) => a.v - b.v);
      const P = Math.floor(scores.length * 0.5 / 10);
      const prunedSet = new Set<string>();
      after.layers.forEach((l, li) => arr(l.mask).forEach((m, s) => { if (m === 0 && arr(before.layers[li]!.mask)[s] === 1) prunedSet.add(`${li}:${s}`); }));
      expect(prunedSet.size).toBe(P);
      expect(new Set(scores.slice(0, P).map((c) => `${c.l}:${c.s}`))).toEqual(prunedSet);
    });
  });

  it('one epoch keeps ≈ e^{−pr} of the slots (statistical, 3200 slots)', () => {
    const big = { w: normal(key(9), [100, 64]) };
    const o = { maxBits: 4, grouping: { w: alq.subchannelwise(8) } };
    let s = alq.quantize(big, o);
    const A0 = valid(s)[0]!;
    expect(A0).toBe(3200);
    const steps = 20, rate = 0.5;
    const t = alq.prune({ learningRate: 1e-4, rate, topK: 0.05, stepsPerEpoch: steps, key: key(3), ...o });
    for (let i = 0; i < steps; i++) s = t.update({ w: normal(key(50 + i), [100, 64]) }, s)[1];
    const kept = valid(s)[0]! / A0;
    expect(Math.abs(kept - Math.exp(-rate))).toBeLessThan(0.03);
  });

  it('stops at the target bitwidth; stochastic counts still prune tiny networks', () => {
    const target = 2.5;
    const t = alq.prune({ learningRate: 1e-3, rate: 5, topK: 0.5, stepsPerEpoch: 2, key: k, targetBits: target, ...opts });
    const maxN = Math.max(...alq.quantize(params, opts).layers.map((l) => l.groupSize));
    const end = pruneSteps(t, alq.quantize(params, opts), 8, () => undefined);
    const { bits, weights } = bitsFromMasks(end);
    expect(bits / weights).toBeLessThanOrEqual(target);
    expect(bits / weights).toBeGreaterThan(target - maxN / weights);
    // fewer than one expected removal per minibatch: the floor never prunes, stochastic rounding does
    const tiny = { learningRate: 1e-3, rate: 0.005, topK: 0.05, stepsPerEpoch: 4, key: k, ...opts }; // |pool|·ρ ≈ 0.23
    const floorEnd = pruneSteps(alq.prune(tiny), alq.quantize(params, opts), 8, () => undefined);
    expect(alq.averageBits(floorEnd).total).toBe(alq.averageBits(alq.quantize(params, opts)).total);
    const stochEnd = pruneSteps(alq.prune({ ...tiny, rate: 0.01, stochasticCount: true }), alq.quantize(params, opts), 8, () => undefined);
    expect(alq.averageBits(stochEnd).total).toBeLessThan(alq.averageBits(alq.quantize(params, opts)).total);
  });

  it('candidate counts round stochastically without bias', () => {
    let sum = 0;
    const runs = 400;
    for (let i = 0; i < runs; i++) sum += candidateCounts(key(i), [37], 0.1)[0]!;
    expect(Math.abs(sum / runs - 3.7)).toBeLessThan(0.15);
    expect(candidateCounts(key(0), [0, 5], 1)).toEqual([0, 5]);
  });

  it('rejects bad options', () => {
    const base = { learningRate: 1e-3, rate: 0.8, topK: 0.005, stepsPerEpoch: 10, key: k };
    expect(code(() => alq.prune({ ...base, topK: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.prune({ ...base, rate: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.prune({ ...base, stepsPerEpoch: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.prune({ ...base, key: 3 as unknown as Tensor }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.prune({ ...base, targetBits: -1 }))).toBe('INVALID_ARGUMENT');
  });
});

describe('bitwidth and storage accounting (§3.3)', () => {
  it('per layer valid/groups; network Σ n_g I_g / N, both ways', () => {
    const s = pruneByHand(alq.quantize(params, opts), 0.4, 12, { 0: [0, 1], 2: [5] });
    const { total, byPath } = alq.averageBits(s);
    const { bits, weights } = bitsFromMasks(s);
    expect(total).toBeCloseTo(bits / weights, 12);
    let weighted = 0;
    for (const l of s.layers) {
      const v = arr(l.mask).reduce((a, b) => a + b, 0);
      expect(byPath[l.path]).toBeCloseTo(v / l.groups, 12);
      weighted += byPath[l.path]! * l.groups * l.groupSize;
    }
    expect(weighted / weights).toBeCloseTo(total, 12);
    const st = alq.storage(s);
    const slots = s.layers.reduce((a, l) => a + arr(l.mask).reduce((x, y) => x + y, 0), 0);
    expect(st.binaryBits).toBe(bits);
    expect(st.coordinateBits).toBe(32 * slots);
    expect(st.bytes).toBe((bits + 32 * slots) / 8);
    expect(st.kilobytes).toBe(st.bytes / 1000);
    expect(st.metadataBits).toBe(s.layers.reduce((a, l) => a + l.groups * 3, 0)); // ⌈log2(4 + 1)⌉ = 3
  });

  it('bitwidth is constant in basis/coordinate/STE steps and non-increasing in pruning', () => {
    let s = alq.quantize(params, opts);
    const t = [
      alq.basisStep({ learningRate: 1e-2, ...opts }), alq.coordinateStep({ learningRate: 1e-2, ...opts }),
      alq.prune({ learningRate: 1e-2, rate: 2, topK: 0.3, stepsPerEpoch: 3, key: key(1), ...opts }), alq.steStep({ learningRate: 1e-2, ...opts }),
    ];
    let last = alq.averageBits(s).total;
    for (let k = 0; k < 12; k++) {
      const step = t[k % 4]!;
      s = step.update(onPaths(params, quantGrads(s, k) as Record<string, Tensor>), s)[1];
      const now = alq.averageBits(s).total;
      if (step === t[2]) expect(now).toBeLessThanOrEqual(last);
      else expect(now).toBe(last);
      last = now;
    }
    expect(last).toBeLessThan(4);
  });
});
