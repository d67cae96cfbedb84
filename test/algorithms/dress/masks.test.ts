// DRESS masks (spec §2–§3, invariants 1, 2, 7, 9): one per-row ranking, nested levels, the view.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dress, key, loadTree, nn, saveTree, tensor, type Params, type Tensor } from '../../../src/index.js';
import { errorCode, vals } from '../../helpers.js';

const ranker = (f: typeof dress.rankRowsInto, s: ArrayLike<number>, rows: number, cols: number, keep: number): number[] => {
  const o = new Int32Array(rows * keep);
  f(o, s, rows, cols, keep);
  return Array.from(o);
};

/** Scores with many ties, signed zeros and wide magnitudes. */
const arbScores = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 })).chain(([r, c]) =>
  fc.tuple(fc.constant(r), fc.constant(c), fc.integer({ min: 1, max: c }),
    fc.array(fc.oneof(fc.constantFrom(0, -0, 1, -1, 0.5), fc.float({ noNaN: true, noDefaultInfinity: true })), { minLength: r * c, maxLength: r * c })));

describe('per-row ranking', () => {
  it('the fast ranker equals its comparator-sort reference twin', () => {
    fc.assert(fc.property(arbScores, ([r, c, keep, s]) => {
      expect(ranker(dress.rankRowsInto, s, r, c, keep)).toEqual(ranker(dress.rankRowsRef, s, r, c, keep));
    }), { numRuns: 300, seed: 16 });
  });

  it('orders by score descending, ties to the smaller column, −0 equal to +0', () => {
    expect(ranker(dress.rankRowsInto, [0.5, 2, 0.5, -0, 0, 2], 1, 6, 6)).toEqual([1, 5, 0, 2, 3, 4]);
    expect(ranker(dress.rankRowsInto, [-1, -3, -2], 1, 3, 2)).toEqual([0, 2]);
  });
});

function mlpParams(seed = 0): Params {
  return nn.mlp([12, 5]).init(key(seed), [10]).params;
}

function weightOf(p: Params, path: string): Tensor {
  const [i, k] = path.split('.');
  return (p as Record<string, Tensor>[])[Number(i)]![k!]!;
}

describe('nested masks', () => {
  const params = mlpParams();
  const state = dress.nestedMasks(params, { criterion: 'magnitude' });

  it('covers linear weights, with n_j = clamp(round((1 − s_j)·C), 1, C), non-increasing', () => {
    expect(state.levels).toEqual([0.5, 0.75, 0.875, 0.9375]);
    expect(state.layers.map((l) => l.path)).toEqual(['0.weight', '2.weight']);
    for (const l of state.layers) {
      l.counts.forEach((n, j) => {
        const ideal = (1 - state.levels[j]!) * l.cols;
        expect(n === 1 || n === l.cols || Math.abs(n - ideal) <= 0.5).toBe(true);
        if (j > 0) expect(n).toBeLessThanOrEqual(l.counts[j - 1]!);
      });
    }
    expect(state.layers[0]!.counts).toEqual([5, 3, 1, 1]);
  });

  it('every row keeps exactly n_j entries and supports nest (invariants 1, 2)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 30 }), (seed, rows, cols) => {
      const w = tensor(vals(rows * cols, seed), { shape: [rows, cols] });
      const st = dress.nestedMasks({ w }, { levels: [0, 0.3, 0.6, 0.95], criterion: 'magnitude' });
      const l = st.layers[0]!;
      let prev: Float32Array | undefined;
      for (let j = 0; j < st.levels.length; j++) {
        const m = dress.maskOf(l, j);
        for (let i = 0; i < rows; i++) expect(m.subarray(i * cols, (i + 1) * cols).reduce((a, b) => a + b, 0)).toBe(l.counts[j]);
        if (prev !== undefined) m.forEach((v, q) => { if (v === 1) expect(prev![q]).toBe(1); });
        prev = m;
      }
    }), { numRuns: 60, seed: 3 });
  });

  it('keeps the largest magnitudes per row (magnitude criterion)', () => {
    const st = dress.nestedMasks({ w: tensor([[0.1, -0.9, 0.3, 0.2], [1, 0, -1, 0.5]]) }, { levels: [0.5] });
    expect(Array.from(dress.maskOf(st.layers[0]!, 0))).toEqual([0, 1, 1, 0, 1, 0, 1, 0]);
  });

  it('is deterministic: the same scores give the same masks (invariant 7)', () => {
    const again = dress.nestedMasks(params, { criterion: 'magnitude' });
    state.layers.forEach((l, i) => expect(again.layers[i]!.order.toTyped()).toEqual(l.order.toTyped()));
  });

  it('rounds and clamps short rows to [1, C]', () => {
    const st = dress.nestedMasks({ w: tensor([[1, 2, 3]]) }, { levels: [0, 0.5, 0.99] });
    expect(st.layers[0]!.counts).toEqual([3, 2, 1]);
  });

  it('covers conv weights as Co × Ci·kh·kw rows, and honours a layer list', () => {
    const lenet = nn.lenet5().init(key(1), [1, 28, 28]).params;
    const st = dress.nestedMasks(lenet, { layers: ['3.weight', '7.weight'] });
    expect(st.layers.map((l) => [l.path, l.rows, l.cols])).toEqual([['3.weight', 50, 500], ['7.weight', 500, 800]]);
    expect(st.layers[0]!.counts).toEqual([250, 125, 63, 31]);
    const all = dress.nestedMasks(lenet);
    expect(all.layers.map((l) => l.path)).toEqual(['0.weight', '3.weight', '7.weight', '9.weight']);
    expect(all.layers[0]!.counts).toEqual([13, 6, 3, 2]);
  });

  it('round-trips through saveTree / loadTree', () => {
    const back = loadTree(saveTree(state)).tree as unknown as dress.DressState;
    expect(back.levels).toEqual(state.levels);
    expect(back.layers[1]!.order.toTyped()).toEqual(state.layers[1]!.order.toTyped());
    expect(dress.maskOf(back.layers[1]!, 2)).toEqual(dress.maskOf(state.layers[1]!, 2));
  });

  it('rejects bad levels with INVALID_ARGUMENT', () => {
    for (const levels of [[0.5, 0.5], [0.75, 0.5], [1], [-0.1, 0.5], [NaN], [], [0.5, 1.2]]) {
      expect(errorCode(() => dress.nestedMasks(params, { levels }))).toBe('INVALID_ARGUMENT');
    }
    expect(errorCode(() => dress.nestedMasks(params, { levels: [0, 0.5], denseLevel: true }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.nestedMasks(params, { layers: ['9.weight'] }))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => dress.nestedMasks({ w: tensor([[1, NaN]]) }))).toBe('INVALID_ARGUMENT');
  });
});

describe('the default criterion', () => {
  const params = mlpParams(2);

  it('is magnitude: no scores are trained, the view and refresh rank by |W|', () => {
    const state = dress.nestedMasks(params, { denseLevel: true });
    expect(state.criterion).toBe('magnitude');
    const tree = dress.trainable(params, state);
    expect(tree.scores).toEqual({});
    const v = dress.view({ denseLevel: true });
    expect(v.init(tree).criterion).toBe('magnitude');
    expect(v.init(params).criterion).toBe('magnitude');
    // refresh follows the weights: negating a row's weights keeps |W| and so the masks
    const flipped = { ...tree, net: (params as Record<string, Tensor>[]).map((l) => (l['weight'] === undefined ? l : { ...l, weight: l['weight'].neg() })) };
    const s2 = dress.refresh(flipped, state);
    expect(dress.maskOf(s2.layers[1]!, 4)).toEqual(dress.maskOf(state.layers[1]!, 4));
    const w0 = Float32Array.from(weightOf(params, '0.weight').toTyped());
    for (let i = 0; i < 12; i++) w0[i * 10 + 9] = -10; // the largest |W| of every row
    const boosted = { ...tree, net: (params as Record<string, Tensor>[]).map((l, i) => (i === 0 ? { ...l, weight: tensor(Array.from(w0), { shape: [12, 10] }) } : l)) };
    const s3 = dress.refresh(boosted, state);
    const m3 = dress.maskOf(s3.layers[0]!, 4);
    for (let i = 0; i < s3.layers[0]!.rows; i++) expect(m3[i * 10 + 9]).toBe(1); // the boosted column is kept by every row
  });
});

describe('the view (learned scores)', () => {
  const params = mlpParams(2);
  const state = dress.nestedMasks(params, { denseLevel: true, criterion: 'learned' });
  const tree = dress.trainable(params, state);
  const v = dress.view({ denseLevel: true });

  it('init on the training tree ranks by its scores (= |W| at first, so magnitude ranking)', () => {
    const s2 = v.init(tree);
    expect(s2.criterion).toBe('learned');
    expect(s2.layers[0]!.order.toTyped()).toEqual(state.layers[0]!.order.toTyped());
    expect(s2.layers[0]!.order.toTyped()).toEqual(dress.nestedMasks(params, { denseLevel: true }).layers[0]!.order.toTyped());
  });

  it('level 0 (s = 0) is the dense backbone exactly (invariant 9)', () => {
    const p = v.apply(tree, { ...state, level: 0 });
    for (const path of ['0.weight', '2.weight']) expect(weightOf(p, path).toTyped()).toEqual(weightOf(params, path).toTyped());
  });

  it('level j is W ⊙ M_j, the kept values shared by every denser level (invariant 1)', () => {
    for (let j = 1; j < state.levels.length; j++) {
      const w = weightOf(v.apply(tree, { ...state, level: j }), '0.weight').toTyped();
      const dense = weightOf(params, '0.weight').toTyped();
      const m = dress.maskOf(state.layers[0]!, j);
      w.forEach((x, q) => expect(x + 0).toBe(m[q] === 1 ? dense[q]! + 0 : 0)); // W·0 may be −0
    }
  });

  it('params that do not match the mask state → STRUCTURE_MISMATCH; bad level → OUT_OF_RANGE', () => {
    const other = mlpParams(1);
    const wrong = nn.mlp([7, 5]).init(key(0), [10]).params;
    expect(errorCode(() => v.apply({ ...tree, net: wrong }, state))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => v.apply({ ...tree, scores: {} }, state))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => v.apply(other, state))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => v.apply(tree, { ...state, level: 5 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => v.apply(tree, { ...state, layers: 3 } as unknown as dress.DressState))).toBe('STATE_MISMATCH');
  });

  it('refresh re-ranks from the current scores', () => {
    const flipped = { ...tree, scores: Object.fromEntries(Object.entries(tree.scores).map(([p, z]) => [p, z.neg()])) };
    const s2 = dress.refresh(flipped, state);
    const l = s2.layers[1]!;
    const m = dress.maskOf(l, 4), old = dress.maskOf(state.layers[1]!, 4);
    expect(Array.from(m)).not.toEqual(Array.from(old));
  });
});
