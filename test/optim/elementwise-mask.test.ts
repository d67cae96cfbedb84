// Elementwise masks: a leaf of a Mask may be a bool tensor of the leaf's shape. `masked` runs the
// inner transform on the whole leaf and keeps its update where the mask is true; `freeze` gives
// the frozen entries the update −0, so they keep their exact bits. Masked Adam and masked SGD
// (Nesterov momentum + weight decay) built as `chain(optimizer, freeze(notSelected))`: frozen
// entries never move, selected entries follow the unmasked optimizer bit for bit, and the
// optimizer state evolves for every entry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, fromTyped, key, loadTree, logicalNot, normal, saveTree, tensor, tree, type Params } from '../../src/index.js';
import {
  adam, addDecayedWeights, applyUpdates, chain, freeze, masked, momentum, scaleByLearningRate, sgd, trace,
  type GradientTransformation, type Mask,
} from '../../src/optim/index.js';
import { errorCode } from '../helpers.js';

/** Raw float32 bits of every entry of a tree, in leaf order. */
const rawBits = (p: Params): number[] => tree.leaves(p).flatMap((t) => Array.from(new Uint32Array(Float32Array.from(t.toTyped() as Float32Array).buffer)));

const bools = (xs: boolean[], shape: number[]): Tensor => tensor(xs, { dtype: 'bool', shape });

/** A deterministic sequence of gradients for a tree of float32 leaves. */
const gradsFor = (p: Params, n: number, seed: number): Params[] =>
  Array.from({ length: n }, (_, i) => tree.map((t: Tensor) => normal(key(seed * 1000 + i), [...t.shape]), p));

/** Runs `opt` over fixed gradients and returns the params after every step (and the last state). */
function run<S>(opt: GradientTransformation<S>, p0: Params, grads: readonly Params[]): { trail: Params[]; state: S } {
  let p = p0;
  let s = opt.init(p);
  const trail: Params[] = [];
  for (const g of grads) {
    const [u, s2] = opt.update(g, s, p);
    p = applyUpdates(p, u);
    s = s2;
    trail.push(p);
  }
  return { trail, state: s };
}

const params = { w: normal(key(1), [4, 5]), b: normal(key(2), [5]) };
// Every third entry of w selected; b always updated.
const selW = bools(Array.from({ length: 20 }, (_, i) => i % 3 === 0), [4, 5]);
const frozenW = logicalNot(selW);

/** Entries of `a` and `b` (flat) at the positions where `m` is true / false. */
function split(a: Tensor, m: Tensor): { on: number[]; off: number[] } {
  const x = Array.from(new Uint32Array(Float32Array.from(a.toTyped() as Float32Array).buffer));
  const mm = m.toTyped();
  return { on: x.filter((_, i) => mm[i] !== 0), off: x.filter((_, i) => mm[i] === 0) };
}

describe.each<[string, () => GradientTransformation<unknown>]>([
  ['Adam', () => adam(0.05)],
  ['SGD, Nesterov momentum 0.9, weight decay 1e-2', () => chain(addDecayedWeights(1e-2), trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1))],
  ['sgd() with Nesterov momentum', () => sgd(0.1, { momentum: 0.9, nesterov: true })],
])('masked %s as chain(optimizer, freeze(notSelected))', (_name, make) => {
  const grads = gradsFor(params, 40, 3);
  const base = run(make(), params, grads);
  const maskedRun = run(chain(make(), freeze({ w: frozenW, b: false })), params, grads);

  it('masked-out entries keep their exact bits over many steps', () => {
    const start = split(params.w, selW).off;
    for (const p of maskedRun.trail) expect(split((p as typeof params).w, selW).off).toEqual(start);
  });

  it('masked-in entries (and unmasked leaves) follow the unmasked optimizer bit for bit', () => {
    base.trail.forEach((p, i) => {
      const q = maskedRun.trail[i] as typeof params;
      expect(split(q.w, selW).on).toEqual(split((p as typeof params).w, selW).on);
      expect(rawBits(q.b)).toEqual(rawBits((p as typeof params).b));
    });
  });

  it('the optimizer state still evolves for every entry (increment ⊙ mask, not gradient ⊙ mask)', () => {
    // Gradients here do not depend on the params, so moments/traces are identical to the unmasked run.
    const s = maskedRun.state as unknown as unknown[];
    const ref = base.state as unknown as unknown[];
    const leaves = (x: unknown): Tensor[] => tree.leaves(x as Params).filter((t): t is Tensor => t instanceof Tensor);
    const mine = leaves(s[0]);
    const theirs = leaves(ref);
    expect(mine.length).toBeGreaterThan(0);
    if (_name.startsWith('SGD,')) return; // weight decay couples the trace to w, which differs where frozen
    mine.forEach((t, i) => expect(rawBits(t)).toEqual(rawBits(theirs[i]!)));
  });
});

describe('freeze with an elementwise mask', () => {
  it('gives the frozen entries −0 and leaves the rest alone', () => {
    const g = { w: tensor([1, 2, 3]), b: tensor([4]) };
    const [u] = freeze({ w: bools([true, false, true], [3]), b: false }).update(g, {}, g);
    const w = Array.from((u as typeof g).w.toTyped());
    expect(w.map((x) => Object.is(x, -0))).toEqual([true, false, true]);
    expect(w[1]).toBe(2);
    expect((u as typeof g).b).toBe(g.b);
  });

  it('keeps −0 weights bit-identical (w + (−0) = w for every float)', () => {
    const p = { w: fromTyped(new Float32Array([-0, 0, -1.5, Number.MIN_VALUE, 3.4e38]), [5]) };
    const opt = chain(sgd(1), freeze({ w: bools([true, true, true, true, true], [5]) }));
    const [u] = opt.update({ w: tensor([1, 1, 1, 1, 1]) }, opt.init(p), p);
    expect(rawBits(applyUpdates(p, u))).toEqual(rawBits(p));
  });

  it('property: frozen entries never change, whatever the gradients and the mask', () => {
    fc.assert(fc.property(
      fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      fc.array(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
      (mask, gs) => {
        const p0 = { w: normal(key(9), [2, 3]) };
        const m = bools(mask, [2, 3]);
        const gradList = gs.map((g) => ({ w: tensor(g, { shape: [2, 3] }) }));
        const { trail } = run(chain(momentum(0.3, 0.9, { nesterov: true }), freeze({ w: m })), p0, gradList);
        const last = trail[trail.length - 1]! as typeof p0;
        expect(split(last.w, m).on).toEqual(split(p0.w, m).on);
      }), { numRuns: 100 });
  });
});

describe('masked with an elementwise mask', () => {
  it('runs inner on the whole leaf and takes where(m, inner(g), g)', () => {
    const p = { w: tensor([1, 2, 3]), b: tensor([5]) };
    const m = bools([true, false, true], [3]);
    const opt = masked(momentum(0.5, 0.9), { w: m, b: false });
    const s0 = opt.init(p);
    // The inner state covers the whole leaf (elementwise masks do not shrink it).
    expect((s0.inner[0].trace as typeof p).w.shape).toEqual([3]);
    expect((s0.inner[0].trace as typeof p).b).toBeNull();
    const g = { w: tensor([2, 4, 6]), b: tensor([8]) };
    const [u, s1] = opt.update(g, s0, p);
    expect(Array.from((u as typeof p).w.toTyped())).toEqual([-1, 4, -3]);
    expect((u as typeof p).b).toBe(g.b);
    // The trace moved for the masked-out entry too.
    expect(Array.from((s1.inner[0].trace as typeof p).w.toTyped())).toEqual([2, 4, 6]);
  });

  it('an all-false tensor mask is the identity on updates; an all-true one equals the inner transform', () => {
    const p = { w: normal(key(4), [3, 2]) };
    const g = { w: normal(key(5), [3, 2]) };
    const none = masked(adam(0.1), { w: bools(new Array<boolean>(6).fill(false), [3, 2]) });
    const all = masked(adam(0.1), { w: bools(new Array<boolean>(6).fill(true), [3, 2]) });
    expect(rawBits(none.update(g, none.init(p), p)[0])).toEqual(rawBits(g));
    const inner = adam(0.1);
    expect(rawBits(all.update(g, all.init(p), p)[0])).toEqual(rawBits(inner.update(g, inner.init(p), p)[0]));
  });

  it('accepts a mask function that returns tensors', () => {
    const p = { w: tensor([1, -2, 3]) };
    const byFn: Mask = (q: Params) => ({ w: (q as typeof p).w.greater(0) });
    const [u] = masked(scaleByLearningRate(1), byFn).update({ w: tensor([1, 1, 1]) }, masked(scaleByLearningRate(1), byFn).init(p), p);
    expect(Array.from((u as typeof p).w.toTyped())).toEqual([-1, 1, -1]);
  });

  it('state round-trips through saveTree/loadTree and continues bit-identically', () => {
    const opt = masked(adam(0.05), { w: selW, b: true });
    const grads = gradsFor(params, 4, 11);
    let p: Params = params;
    let s = opt.init(p);
    for (const g of grads.slice(0, 2)) { const [u, s2] = opt.update(g, s, p); p = applyUpdates(p, u); s = s2; }
    const s2 = loadTree(saveTree(s)).tree as unknown as typeof s;
    let pa = p, pb = p, sa = s, sb = s2;
    for (const g of grads.slice(2)) {
      const [ua, na] = opt.update(g, sa, pa);
      const [ub, nb] = opt.update(g, sb, pb);
      pa = applyUpdates(pa, ua); sa = na;
      pb = applyUpdates(pb, ub); sb = nb;
    }
    expect(rawBits(pb)).toEqual(rawBits(pa));
  });
});

describe('addDecayedWeights with an elementwise mask', () => {
  it('decays only the selected entries', () => {
    const p = { w: tensor([10, 20]) };
    const [u] = addDecayedWeights(0.5, { w: bools([false, true], [2]) }).update({ w: tensor([1, 1]) }, {}, p);
    expect(Array.from((u as typeof p).w.toTyped())).toEqual([1, 11]);
  });
});

describe('mask validation', () => {
  const p = { w: tensor([[1, 2], [3, 4]]), b: tensor([1]) };
  it('rejects a tensor of the wrong shape, a non-bool tensor, and a tensor at a subtree', () => {
    expect(errorCode(() => freeze({ w: bools([true, false], [2]), b: false }).init(p))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => freeze({ w: tensor([[1, 0], [0, 1]]), b: false }).init(p))).toBe('DTYPE_MISMATCH');
    expect(errorCode(() => masked(adam(0.1), bools([true], [1])).init(p))).toBe('STRUCTURE_MISMATCH');
    expect(errorCode(() => masked(adam(0.1), { w: bools([true, false, true, false], [2, 2]), b: true }).init(p))).toBeUndefined();
  });
});
