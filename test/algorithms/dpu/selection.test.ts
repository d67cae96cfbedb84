// Selection invariants (spec §11.3, §11.5, §11.11): exact global top-S with deterministic ties,
// λ = 1 picks the top-S displacements, contributions on a quadratic with plain SGD, normalised
// terms sum to 1, the Σ local ≤ 0 fallback, per-layer RPU quotas, pruning keeps exactly S
// nonzero weights, rewind, and the tracker's state round-trips through saveTree/loadTree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Tensor, applyUpdates, dpu, fromTyped, key, loadTree, mul, normal, saveTree, sgd, square, sub, sum, tensor, tree, valueAndGrad,
  type Params,
} from '../../../src/index.js';
import { topIndices } from '../../../src/algorithms/dpu/selection.js';
import { errorCode } from '../../helpers.js';
import { bitsOf, selectionFlags } from './helpers.js';

const f64 = (xs: number[], shape: number[]): Tensor => tensor(xs, { dtype: 'float64', shape });
const flags = (m: unknown): number[] => Array.from((m as Tensor).toTyped(), (v) => (v !== 0 ? 1 : 0));

describe('selectWeights: exact global top-S', () => {
  it('picks all S entries from the layer that holds the large metrics (one global ranking)', () => {
    const big = normal(key(1), [4, 5]).abs().add(10);   // layer 1: metrics in [10, …)
    const small = normal(key(2), [6, 3]).abs();           // layer 2: small metrics
    const scores: dpu.Scores = [{ weight: big, bias: null }, { weight: small, bias: null }];
    for (const S of [0, 1, 7, 20]) {
      const sel = dpu.selectWeights(scores, S) as { weight: Tensor; bias: boolean }[];
      expect(flags(sel[0]!.weight).reduce((a, b) => a + b, 0)).toBe(S);
      expect(flags(sel[1]!.weight).every((v) => v === 0)).toBe(true);
      expect(sel[0]!.bias).toBe(true);
    }
    // Beyond the first layer's 20 entries the rest come from the second layer.
    const sel = dpu.selectWeights(scores, 25) as { weight: Tensor }[];
    expect(flags(sel[0]!.weight).every((v) => v === 1)).toBe(true);
    expect(flags(sel[1]!.weight).reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('breaks ties by the larger score, then the lower flat index; NaN ranks last', () => {
    const scores = { a: f64([1, 3, 3, NaN], [2, 2]), b: f64([3, 2, 3, 3], [2, 2]) };
    const sel = dpu.selectWeights(scores, 4) as { a: Tensor; b: Tensor };
    // the five 3s sit at flat indices 1, 2, 4, 6, 7: the first four win
    expect([...flags(sel.a), ...flags(sel.b)]).toEqual([0, 1, 1, 0, 1, 0, 1, 0]);
    const all = dpu.selectWeights(scores, 8) as { a: Tensor };
    expect(flags(all.a)).toEqual([1, 1, 1, 1]);
    expect(flags((dpu.selectWeights(scores, 7) as { a: Tensor }).a)).toEqual([1, 1, 1, 0]);
  });

  it('property: equals the reference (sort by score desc, index asc, take S)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }).chain((xs) => fc.tuple(fc.constant(xs), fc.integer({ min: 0, max: xs.length }))),
      ([xs, S]) => {
        const cut = Math.floor(xs.length / 2);
        const scores = [xs.slice(0, cut), xs.slice(cut)].map((v) => (v.length === 0 ? null : f64(v, [1, v.length])));
        const sel = dpu.selectWeights(scores, S) as (Tensor | boolean)[];
        const got = sel.flatMap((m) => (typeof m === 'boolean' ? [] : flags(m)));
        const order = xs.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, S).map(([, i]) => i);
        expect(got).toEqual(xs.map((_, i) => (order.includes(i) ? 1 : 0)));
      }), { numRuns: 200 });
  });

  /** The sorting reference of topIndices: NaN last, −0 = +0, ties to the lower index; ascending positions. */
  const sortedTop = (xs: ArrayLike<number>, count: number): number[] => {
    const rank = (x: number): number => (Number.isNaN(x) ? -Infinity : x === 0 ? 0 : x);
    return Array.from(xs, (x, i) => [rank(x), i] as const).sort((p, q) => (q[0] > p[0] ? 1 : q[0] < p[0] ? -1 : p[1] - q[1]))
      .slice(0, count).map(([, i]) => i).sort((a, b) => a - b);
  };

  it('property: topIndices (quickselect threshold) equals the sorting reference on long, tie-heavy vectors', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),                          // long runs of equal values
      fc.double({ noNaN: false }),                              // NaN, ±∞, −0 and everything between
      fc.constantFrom(-Infinity, 0, -0),
    );
    fc.assert(fc.property(
      fc.array(value, { minLength: 1, maxLength: 3000, size: 'max' }).chain((xs) => fc.tuple(fc.constant(xs), fc.integer({ min: 0, max: xs.length }))),
      ([xs, count]) => {
        expect(Array.from(topIndices(Float64Array.from(xs), count))).toEqual(sortedTop(xs, count));
      }), { numRuns: 300 });
  });

  it('topIndices: sorted runs and all-equal vectors (quickselect worst cases) match the reference', () => {
    const n = 5000;
    const cases = [
      Float64Array.from({ length: n }, (_, i) => i),             // ascending
      Float64Array.from({ length: n }, (_, i) => n - i),         // descending
      new Float64Array(n).fill(2),                               // all equal
      Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : -i)), // organ pipe
    ];
    for (const v of cases) {
      for (const count of [0, 1, 50, n >> 1, n - 1, n]) expect(Array.from(topIndices(v, count))).toEqual(sortedTop(v, count));
    }
  });

  it('rejects a count outside [0, total]', () => {
    expect(errorCode(() => dpu.selectWeights({ w: f64([1, 2], [1, 2]) }, 3))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.selectWeights({ w: f64([1, 2], [1, 2]) }, 1.5))).toBe('OUT_OF_RANGE');
  });
});

describe('contributions', () => {
  // f(w) = Σ a ⊙ (w − c)², gradient 2a(w − c); plain SGD: Δ = −lr·g, so local = Σ_t lr·g_t².
  const c = normal(key(7), [3, 4]);
  const a = normal(key(8), [3, 4]).abs().add(0.5);
  const loss = (p: Params): Tensor => sum(mul(a, square(sub((p as { w: Tensor }).w, c)))).add(sum(square((p as { b: Tensor }).b)));

  it('plain SGD on a quadratic: local_i = Σ_t lr·g_{t,i}², global_i = (w^f − w^s)²', () => {
    const lr = 0.05;
    const opt = dpu.trackLocalContribution(sgd(lr));
    const start = { w: normal(key(9), [3, 4]), b: normal(key(10), [4]) } as Params;
    let p = start;
    let s = opt.init(p);
    const expected = new Float64Array(12);
    for (let t = 0; t < 6; t++) {
      const [, g] = valueAndGrad(loss)(p);
      const gw = (g as { w: Tensor }).w.toTyped();
      for (let i = 0; i < 12; i++) expected[i]! += lr * gw[i]! * gw[i]!;
      const [u, s2] = opt.update(g, s, p);
      p = applyUpdates(p, u);
      s = s2;
    }
    const local = s.local as { w: Tensor; b: null };
    expect(local.b).toBeNull();
    expect(Array.from(local.w.toTyped())).toBeAllClose(Array.from(expected), { rtol: 1e-5, atol: 1e-7 });
    const global = dpu.globalContribution(start, p) as { w: Tensor; b: null };
    expect(global.b).toBeNull();
    expect(global.w.toArray()).toBeAllClose(square(sub((p as { w: Tensor }).w, (start as { w: Tensor }).w)).toArray());
    // Normalised terms each sum to 1: λ = 1 and λ = 0 give distributions.
    for (const lambda of [0, 1]) {
      const { metric } = dpu.combineContributions(s.local, global, { lambda });
      expect(sum((metric as { w: Tensor }).w).item()).toBeCloseTo(1, 12);
    }
    const mixed = dpu.combineContributions(s.local, global, { lambda: 0.3 }).metric as { w: Tensor };
    const lhat = dpu.combineContributions(s.local, global, { lambda: 0 }).metric as { w: Tensor };
    const ghat = dpu.combineContributions(s.local, global, { lambda: 1 }).metric as { w: Tensor };
    expect(mixed.w.toArray()).toBeAllClose(ghat.w.mul(0.3).add(lhat.w.mul(0.7)).toArray(), { rtol: 1e-12 });
  });

  it('λ = 1 selects exactly the top-S |w^f − w^s|', () => {
    const start = { l1: { weight: normal(key(11), [5, 6]), bias: normal(key(12), [5]) }, l2: { weight: normal(key(13), [2, 5]) } };
    const final = tree.map((t: Tensor) => t.add(normal(key(t.size), [...t.shape]).mul(0.1)), start) as typeof start;
    const { metric, lambda, fallback } = dpu.combineContributions(null, dpu.globalContribution(start, final), { lambda: 1 });
    expect([lambda, fallback]).toEqual([1, false]);
    const S = 9;
    const got = selectionFlags(start, dpu.selectWeights(metric, S));
    const disp = [...Array.from(final.l1.weight.sub(start.l1.weight).abs().toTyped()), ...Array.from(final.l2.weight.sub(start.l2.weight).abs().toTyped())];
    const top = disp.map((d, i) => [d, i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, S).map(([, i]) => i);
    expect(Array.from(got)).toEqual(disp.map((_, i) => (top.includes(i) ? 1 : 0)));
  });

  it('falls back to λ = 1 when Σ local ≤ 0', () => {
    const g = { w: f64([1, 4], [1, 2]) };
    const r = dpu.combineContributions({ w: f64([-1, 0.5], [1, 2]) }, g, { lambda: 0.5 });
    expect([r.lambda, r.fallback]).toEqual([1, true]);
    expect(Array.from((r.metric as { w: Tensor }).w.toTyped())).toEqual([0.2, 0.8]);
    expect(errorCode(() => dpu.combineContributions(g, g, { lambda: 2 }))).toBe('OUT_OF_RANGE');
  });

  it('the tracker state round-trips through saveTree/loadTree and continues bit-identically', () => {
    const opt = dpu.trackLocalContribution(sgd(0.1, { momentum: 0.9, nesterov: true }));
    let p = { w: normal(key(20), [3, 4]), b: normal(key(21), [4]) } as Params;
    let s = opt.init(p);
    const step = (pp: Params, ss: typeof s): [Params, typeof s] => {
      const [, g] = valueAndGrad(loss)(pp);
      const [u, s2] = opt.update(g, ss, pp);
      return [applyUpdates(pp, u), s2];
    };
    [p, s] = step(p, s);
    const s2 = loadTree(saveTree(s)).tree as unknown as typeof s;
    const [pa, sa] = step(p, s);
    const [pb, sb] = step(p, s2);
    expect(Array.from(bitsOf((pb as { w: Tensor }).w))).toEqual(Array.from(bitsOf((pa as { w: Tensor }).w)));
    expect(Array.from(bitsOf((sb.local as { w: Tensor }).w))).toEqual(Array.from(bitsOf((sa.local as { w: Tensor }).w)));
  });
});

describe('baseline selections and rewinds', () => {
  const params = { a: { weight: normal(key(30), [10, 30]), bias: normal(key(31), [10]) }, b: { weight: normal(key(32), [4, 10]) } };

  it('RPU picks round(k·I_l) random weights in every layer (half to even)', () => {
    const sel = dpu.selectRandom(key(3), params, 0.05) as { a: { weight: Tensor; bias: boolean }; b: { weight: Tensor } };
    expect(flags(sel.a.weight).reduce((x, y) => x + y, 0)).toBe(15);
    expect(flags(sel.b.weight).reduce((x, y) => x + y, 0)).toBe(2); // round(2.0)
    expect(sel.a.bias).toBe(true);
    const half = dpu.selectRandom(key(3), { w: normal(key(1), [5, 5]) }, 0.1) as { w: Tensor }; // 2.5 → 2
    expect(flags(half.w).reduce((x, y) => x + y, 0)).toBe(2);
  });

  it('pruning leaves exactly S nonzero selectable weights', () => {
    const S = dpu.budget(params, 0.1);
    expect(S).toBe(34);
    const magnitude = tree.map((t: Tensor) => (t.ndim >= 2 ? t.abs() : null), params) as dpu.Scores;
    const pruned = dpu.pruneTo(params, dpu.selectWeights(magnitude, S)) as typeof params;
    const nonzero = [pruned.a.weight, pruned.b.weight].reduce((n, t) => n + Array.from(t.toTyped()).filter((v) => v !== 0).length, 0);
    expect(nonzero).toBe(S);
    expect(Array.from(bitsOf(pruned.a.bias))).toEqual(Array.from(bitsOf(params.a.bias)));
  });

  it('rewind: selected entries keep the trained value, the others get their exact start bits back', () => {
    const trained = tree.map((t: Tensor) => t.add(1), params) as typeof params;
    const sel = dpu.selectRandom(key(5), params, 0.2);
    const r = dpu.rewind(params, trained, sel) as typeof params;
    const f = selectionFlags(params, sel);
    const bits = (p: typeof params): number[] => [...bitsOf(p.a.weight), ...bitsOf(p.b.weight)];
    const [rb, sb, tb] = [bits(r), bits(params), bits(trained)];
    rb.forEach((v, i) => expect(v).toBe(f[i] ? tb[i] : sb[i]));
    expect(Array.from(bitsOf(r.a.bias))).toEqual(Array.from(bitsOf(trained.a.bias)));
    expect(dpu.selectedCount(params, sel)).toBe(f.reduce((x, y) => x + y, 0));
  });

  it('partialUpdate is freeze of the complement; selections are validated against the params', () => {
    const sel = { w: fromTyped(new Uint8Array([1, 0, 0, 1]), [2, 2], { dtype: 'bool' }), b: true };
    const p = { w: normal(key(1), [2, 2]), b: normal(key(2), [2]) };
    const [u] = dpu.partialUpdate(sel).update({ w: tensor([[1, 2], [3, 4]]), b: tensor([5, 6]) }, {}, p);
    expect(Array.from((u as typeof p).w.toTyped()).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([1, '-0', '-0', 4]);
    expect(errorCode(() => dpu.selectedCount(p, { w: true }))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => dpu.selectedCount(p, { w: fromTyped(new Uint8Array(3), [3], { dtype: 'bool' }), b: true }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => dpu.budget(p, 1.5))).toBe('OUT_OF_RANGE');
  });
});
