// State and purity: states are plain trees that survive a deep structural copy (continuing
// gives bit-identical results), updates never mutate their inputs, clipByGlobalNorm bounds the
// norm, applyUpdates keeps dtypes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, normal, key, split, tensor, tree, type Params } from '../../src/index.js';
import {
  adam, adamw, amsgrad, applyUpdates, chain, clipByGlobalNorm, freeze, globalNorm, injectHyperparams, masked, momentum,
  partition, schedules, sgd, type GradientTransformation,
} from '../../src/optim/index.js';
import { isPlainObject } from '../../src/tree.js';
import { arbTensor } from '../../src/testing/index.js';

/** A JSON-like deep copy: containers rebuilt, numbers/null copied, tensors cloned into fresh storage. */
function deepCopy<T>(x: T): T {
  const go = (v: unknown): unknown => {
    if (v instanceof Tensor) return tensor(v);
    if (Array.isArray(v)) return v.map(go);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, go(c)]));
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
    throw new Error(`state holds a non-plain value: ${String(v)}`);
  };
  return go(x) as T;
}

/** Only tensors, finite numbers, plain objects/arrays and null. */
function isPlainState(x: unknown): boolean {
  if (x instanceof Tensor || x === null || typeof x === 'number') return true;
  if (Array.isArray(x)) return x.every(isPlainState);
  if (isPlainObject(x)) return Object.values(x).every(isPlainState);
  return false;
}

const [k1, k2, k3] = split(key(7), 3);
const params = { layer: { w: normal(k1!, [3, 2]), b: normal(k2!, [2]) }, head: [normal(k3!, [2])] };
const gradAt = (i: number): Params => tree.map((t: Tensor) => normal(key(100 + i), [...t.shape]), params);
/** Every number of a tree: tensor data and number leaves, in leaf order. */
const bits = (x: unknown): number[] =>
  tree.leaves(x as tree.Tree<unknown>).flatMap((l) => (l instanceof Tensor ? Array.from(l.toTyped()) : [l as number]));

const optimizers: [string, () => GradientTransformation<unknown>][] = [
  ['sgd', () => sgd(0.1)],
  ['sgd momentum nesterov', () => sgd(0.1, { momentum: 0.9, nesterov: true })],
  ['momentum', () => momentum(schedules.cosine(0.1, { decaySteps: 5 }))],
  ['adam', () => adam(0.01)],
  ['adamw masked', () => adamw(0.01, { weightDecay: 0.1, mask: { layer: { w: true, b: false }, head: false } })],
  ['amsgrad', () => amsgrad(0.01)],
  ['clip + adam + freeze', () => chain(clipByGlobalNorm(0.5), adam(0.01), freeze({ layer: false, head: true }))],
  ['masked momentum', () => masked(momentum(0.1), { layer: true, head: false })],
  ['partition', () => partition({ a: adam(0.01), s: sgd(0.1) }, { layer: 'a', head: 's' })],
  ['injectHyperparams', () => injectHyperparams((h: { learningRate: number }) => adam(h.learningRate))({
    learningRate: schedules.warmup(0.01, { warmupSteps: 2 }),
  })],
];

describe.each(optimizers)('%s', (_name, make) => {
  it('state is a plain tree; a deep copy continues bit-identically', () => {
    const opt = make();
    let p: Params = params;
    let s = opt.init(p);
    for (let i = 0; i < 2; i++) {
      const [u, s2] = opt.update(gradAt(i), s, p);
      p = applyUpdates(p, u);
      s = s2;
    }
    expect(isPlainState(s)).toBe(true);
    const copy = deepCopy(s);
    let pa = p, pb = deepCopy(p), sa = s, sb = copy;
    for (let i = 2; i < 5; i++) {
      const [ua, sa2] = opt.update(gradAt(i), sa, pa);
      const [ub, sb2] = opt.update(gradAt(i), sb, pb);
      pa = applyUpdates(pa, ua); sa = sa2;
      pb = applyUpdates(pb, ub); sb = sb2;
      expect(bits(pb)).toEqual(bits(pa));
    }
    expect(bits(deepCopy(sb))).toEqual(bits(sa));
  });

  it('update mutates neither updates, state nor params', () => {
    const opt = make();
    const s0 = opt.init(params);
    const [, s1] = opt.update(gradAt(0), s0, params);
    const g = gradAt(1);
    const before = [bits(params), bits(g), bits(s1)];
    const keysBefore = JSON.stringify(tree.flatten(s1 as Params)[1]);
    const countBefore = JSON.stringify(s1, (_k, v: unknown) => (v instanceof Tensor ? 'T' : v));
    const [u] = opt.update(g, s1, params);
    applyUpdates(params, u);
    expect([bits(params), bits(g), bits(s1)]).toEqual(before);
    expect(JSON.stringify(tree.flatten(s1 as Params)[1])).toBe(keysBefore);
    expect(JSON.stringify(s1, (_k, v: unknown) => (v instanceof Tensor ? 'T' : v))).toBe(countBefore);
  });
});

describe('clipByGlobalNorm', () => {
  it('the clipped norm is at most maxNorm, and direction is kept', () => {
    const arb = fc.tuple(
      fc.array(arbTensor({ min: -100, max: 100, views: true }), { minLength: 1, maxLength: 4 }),
      fc.double({ min: 1e-3, max: 50, noNaN: true }),
    );
    fc.assert(fc.property(arb, ([g, max]) => {
      const opt = clipByGlobalNorm(max);
      const [u] = opt.update(g, opt.init(g));
      const n = globalNorm(g);
      expect(globalNorm(u)).toBeLessThanOrEqual(max * (1 + 1e-6));
      if (n <= max) expect(u).toBe(g);
      else expect(globalNorm(u)).toBeCloseTo(max, 3);
    }), { numRuns: 100 });
  });
  it('globalNorm is the L2 norm over all leaves', () => {
    expect(globalNorm({ a: tensor([3]), b: [tensor([[4]])] })).toBe(5);
  });
});

describe('applyUpdates', () => {
  it('keeps each leaf dtype and adds', () => {
    const p = { a: tensor([1, 2], { dtype: 'float32' }), b: tensor([1], { dtype: 'float64' }), c: tensor([5], { dtype: 'int32' }) };
    const u = { a: tensor([0.5, 0.25], { dtype: 'float64' }), b: tensor([0.5], { dtype: 'float32' }), c: tensor([2], { dtype: 'int32' }) };
    const q = applyUpdates(p, u) as typeof p;
    expect([q.a.dtype, q.b.dtype, q.c.dtype]).toEqual(['float32', 'float64', 'int32']);
    expect(q.a.toArray()).toEqual([1.5, 2.25]);
    expect(q.b.toArray()).toEqual([1.5]);
    expect(q.c.toArray()).toEqual([7]);
    expect(p.a.toArray()).toEqual([1, 2]);
  });
  it('float32 params stay float32 through adam', () => {
    const p = { w: tensor([1, 2]) };
    const opt = adam(0.1);
    const [u] = opt.update({ w: tensor([1, 1]) }, opt.init(p), p);
    expect((applyUpdates(p, u) as typeof p).w.dtype).toBe('float32');
  });
  it('mismatched trees are STRUCTURE_MISMATCH', () => {
    expect(() => applyUpdates({ a: tensor([1]) }, { b: tensor([1]) })).toThrow(expect.objectContaining({ code: 'STRUCTURE_MISMATCH' }));
  });
});
