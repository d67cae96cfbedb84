// Combinators: chain laws (fast-check over random param trees), masked, freeze, partition,
// injectHyperparams, and the errors at their boundaries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNumError, tensor, tree, zeros, type Params, type Tensor } from '../../src/index.js';
import {
  adam, addDecayedWeights, applyUpdates, chain, clipByGlobalNorm, freeze, identity, injectHyperparams, masked, momentum,
  partition, scale, scaleByAdam, scaleByLearningRate, schedules, sgd, trace, adamw, type GradientTransformation, type Mask,
} from '../../src/optim/index.js';
import { arbTensor } from '../../src/testing/index.js';
import { thrown } from '../helpers.js';

const arbLeaf = arbTensor({ dtype: 'float64', min: -3, max: 3 });
/** Small param trees: an object of tensors, arrays and objects of them, with the odd null. */
const arbTree: fc.Arbitrary<Params> = fc.letrec<{ t: Params; root: Params }>((tie) => ({
  t: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    { arbitrary: arbLeaf, weight: 4 },
    { arbitrary: fc.array(tie('t'), { minLength: 1, maxLength: 3 }), weight: 1 },
    { arbitrary: fc.dictionary(fc.constantFrom('w', 'b', 'x', 'y'), tie('t'), { minKeys: 1, maxKeys: 3 }), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 }),
  root: fc.dictionary(fc.constantFrom('w', 'b', 'x', 'y'), tie('t'), { minKeys: 1, maxKeys: 3 }),
})).root;
/** A tree and some gradient sequences with its structure and shapes. */
const arbProblem = arbTree.chain((p) => {
  const [ls, def] = tree.flatten(p);
  const grads = fc.tuple(...ls.map((l) => arbTensor({ dtype: 'float64', shape: l.shape, min: -3, max: 3 })))
    .map((gs) => tree.unflatten(def, gs));
  return fc.tuple(fc.constant(p), fc.array(grads, { minLength: 3, maxLength: 3 }));
});

/** Flat copies of the data of every update after each step of `opt`. */
function trajectory<S>(opt: GradientTransformation<S>, params: Params, grads: readonly Params[]): number[][] {
  let p = params;
  let s = opt.init(p);
  const out: number[][] = [];
  for (const g of grads) {
    const [u, s2] = opt.update(g, s, p);
    out.push(tree.leaves(u).flatMap((t) => Array.from(t.toTyped())));
    p = applyUpdates(p, u);
    s = s2;
  }
  return out;
}

const makers: [string, () => GradientTransformation<unknown>][] = [
  ['adam', () => adam(0.1)],
  ['momentum', () => momentum(0.05, 0.9, { nesterov: true })],
  ['clip', () => clipByGlobalNorm(1)],
  ['decay', () => addDecayedWeights(0.1)],
  ['trace', () => trace({ decay: 0.5 })],
  ['scale', () => scale(-2)],
  ['schedule', () => scaleByLearningRate(schedules.cosine(1, { decaySteps: 3 }))],
];
const arbMaker = fc.constantFrom(...makers).map(([, m]) => m);

describe('chain', () => {
  it('chain(t) behaves like t', () => {
    fc.assert(fc.property(arbProblem, arbMaker, ([p, gs], make) => {
      expect(trajectory(chain(make()), p, gs)).toEqual(trajectory(make(), p, gs));
    }), { numRuns: 60 });
  });

  it('is associative: chain(a, chain(b, c)) ≡ chain(chain(a, b), c)', () => {
    fc.assert(fc.property(arbProblem, arbMaker, arbMaker, arbMaker, ([p, gs], a, b, c) => {
      expect(trajectory(chain(a(), chain(b(), c())), p, gs)).toEqual(trajectory(chain(chain(a(), b()), c()), p, gs));
      expect(trajectory(chain(a(), b(), c()), p, gs)).toEqual(trajectory(chain(chain(a(), b()), c()), p, gs));
    }), { numRuns: 40 });
  });

  it('state is the tuple of child states; a wrong state asks for init()', () => {
    const p = { w: tensor([1, 2]) };
    const opt = chain(scaleByAdam(), scaleByLearningRate(0.1));
    const s = opt.init(p);
    expect(s).toHaveLength(2);
    expect(s[0].count).toBe(0);
    expect(s[1]).toEqual({ count: 0 });
    const e = thrown(() => opt.update(p, [s[0]] as unknown as typeof s, p));
    expect(isNumError(e) && e.code).toBe('STATE_MISMATCH');
    expect(e.message).toMatch(/^chain: .*call init\(\) first/);
    expect((thrown(() => opt.update(p, undefined as unknown as typeof s)) as { code?: string }).code).toBe('STATE_MISMATCH');
    // A foreign state for a child is caught by the child.
    expect((thrown(() => opt.update(p, [{}, {}] as unknown as typeof s)) as { code?: string }).code).toBe('STATE_MISMATCH');
  });

  it('passes extra to every child', () => {
    const seen: unknown[] = [];
    const spy: GradientTransformation<Record<string, never>> = {
      init: () => ({}),
      update: (u, s, _p, extra) => { seen.push(extra); return [u, s]; },
    };
    const opt = chain(spy, identity(), spy);
    const p = { w: tensor([1]) };
    opt.update(p, opt.init(p), p, { loss: 1.5, step: 3 });
    expect(seen).toEqual([{ loss: 1.5, step: 3 }, { loss: 1.5, step: 3 }]);
  });

  it('a structure mismatch between updates and state is STRUCTURE_MISMATCH', () => {
    const opt = adam(0.1);
    const s = opt.init({ w: tensor([1, 2]) });
    const e = thrown(() => opt.update({ v: tensor([1, 2]) }, s));
    expect((e as { code?: string }).code).toBe('STRUCTURE_MISMATCH');
  });
});

describe('masked', () => {
  it('an all-false mask is the identity (same tensors)', () => {
    fc.assert(fc.property(arbProblem, arbMaker, ([p, gs], make) => {
      const mask = tree.map((_t: Tensor) => false, p);
      const opt = masked(make(), mask);
      let s = opt.init(p);
      for (const g of gs) {
        const [u, s2] = opt.update(g, s, p);
        const ul = tree.leaves(u);
        tree.leaves(g).forEach((t, i) => expect(ul[i]).toBe(t));
        s = s2;
      }
    }), { numRuns: 40 });
  });

  it('inner sees only selected leaves; unselected entries never move, even with weight decay and momentum', () => {
    const params = { w: tensor([1, -2]), b: tensor([3]), nested: { k: tensor([0.5, 0.5, 0.5]) } };
    const mask = { w: true, b: false, nested: false };
    const opt = masked(chain(trace({ decay: 0.9 }), addDecayedWeights(0.5), scaleByLearningRate(0.1)), mask);
    let s = opt.init(params);
    expect(s.inner[0].trace).toEqual({ w: expect.anything() as unknown, b: null, nested: { k: null } });
    let p: Params = params;
    for (let i = 0; i < 3; i++) {
      // Gradients are zero where the mask is false; the params there must not move.
      const g = { w: tensor([1, 1]), b: zeros([1]), nested: { k: zeros([3]) } };
      const [u, s2] = opt.update(g, s, p);
      expect((u as typeof g).b).toBe(g.b);
      p = applyUpdates(p, u);
      s = s2;
    }
    const q = p as typeof params;
    expect(q.b.toArray()).toEqual([3]);
    expect(q.nested.k.toArray()).toEqual([0.5, 0.5, 0.5]);
    expect(q.w.toArray()).not.toEqual([1, -2]);
    // Without the mask, weight decay would have moved them.
    const all = chain(trace({ decay: 0.9 }), addDecayedWeights(0.5), scaleByLearningRate(0.1));
    const [u] = all.update({ w: tensor([1, 1]), b: zeros([1]), nested: { k: zeros([3]) } }, all.init(params), params);
    expect((u as typeof params).b.item()).not.toBe(0);
  });

  it('a boolean prefix selects whole subtrees; a function mask works too', () => {
    const params = { enc: [tensor([1]), tensor([2])], dec: { w: tensor([3]) } };
    const g = { enc: [tensor([1]), tensor([1])], dec: { w: tensor([1]) } };
    const byPrefix = masked(scale(10), { enc: true, dec: false });
    const byFn = masked(scale(10), (p: Params) => ({ enc: true, dec: tree.map((_t: Tensor) => false, (p as typeof params).dec) }));
    for (const opt of [byPrefix, byFn]) {
      const [u] = opt.update(g, opt.init(params), params);
      expect(tree.leaves(u).map((t) => t.item())).toEqual([10, 10, 1]);
    }
  });

  it('a mask that does not match the params is STRUCTURE_MISMATCH; a non-boolean leaf INVALID_ARGUMENT', () => {
    const params = { w: tensor([1]), b: tensor([2]) };
    expect((thrown(() => masked(identity(), { w: true }).init(params)) as { code?: string }).code).toBe('STRUCTURE_MISMATCH');
    expect((thrown(() => masked(identity(), { w: true, b: 1 } as never).init(params)) as { code?: string }).code).toBe('INVALID_ARGUMENT');
    expect((thrown(() => masked(identity(), true).update(params, { oops: 1 } as never)) as { code?: string }).code).toBe('STATE_MISMATCH');
  });
});

describe('freeze', () => {
  it('frozen leaves get zero updates and do not change', () => {
    const params = { w: tensor([1, 2]), b: tensor([3]) };
    const opt = chain(adam(0.1), freeze({ w: false, b: true }));
    let s = opt.init(params);
    let p: Params = params;
    for (let i = 0; i < 3; i++) {
      const [u, s2] = opt.update({ w: tensor([1, -1]), b: tensor([5]) }, s, p);
      p = applyUpdates(p, u);
      s = s2;
    }
    expect((p as typeof params).b.toArray()).toEqual([3]);
    expect((p as typeof params).w.toArray()).not.toEqual([1, 2]);
    // freeze(true) freezes everything.
    const all = chain(sgd(1), freeze(true));
    const [u] = all.update(params, all.init(params), params);
    expect(applyUpdates(params, u)).toEqual(params);
  });
});

describe('partition', () => {
  it('routes each leaf to the transform of its label', () => {
    const params = { emb: tensor([1, 1]), body: [tensor([2]), tensor([3])], head: tensor([4]) };
    const g = { emb: tensor([1, 1]), body: [tensor([1]), tensor([1])], head: tensor([1]) };
    const opt = partition({ frozen: freeze(true), slow: sgd(0.1), fast: chain(scale(10), sgd(1)) }, { emb: 'frozen', body: 'slow', head: 'fast' });
    const s = opt.init(params);
    expect(Object.keys(s)).toEqual(['frozen', 'slow', 'fast']);
    const [u] = opt.update(g, s, params);
    expect(tree.leaves(u).flatMap((t) => Array.from(t.toTyped()))).toEqual([0, 0, -0.1, -0.1, -10].map(Math.fround));
  });

  it('each transform keeps state only for its own leaves (labels from a function)', () => {
    const params = { w: tensor([1, 2]), b: tensor([3]) };
    const labels = (p: Params) => tree.map((t: Tensor) => (t.size > 1 ? 'adam' : 'sgd'), p);
    const opt = partition({ adam: adamw(0.1), sgd: momentum(0.1) }, labels);
    const s = opt.init(params);
    expect(s.adam[0].mu).toEqual({ w: expect.anything() as unknown, b: null });
    expect(s.sgd[0].trace).toEqual({ w: null, b: expect.anything() as unknown });
    // Matches the two optimizers run separately.
    const [u] = opt.update({ w: tensor([1, -1]), b: tensor([2]) }, s, params);
    const a = adamw(0.1);
    const [ua] = a.update({ w: tensor([1, -1]) }, a.init({ w: params.w }), { w: params.w });
    const m = momentum(0.1);
    const [um] = m.update({ b: tensor([2]) }, m.init({ b: params.b }), { b: params.b });
    expect((u as typeof params).w.toArray()).toEqual((ua as typeof params).w.toArray());
    expect((u as typeof params).b.toArray()).toEqual((um as typeof params).b.toArray());
  });

  it('an unknown label is INVALID_ARGUMENT naming the path; a bad state is STATE_MISMATCH', () => {
    const params = { w: tensor([1]), b: tensor([2]) };
    const opt = partition({ a: identity() }, { w: 'a', b: 'nope' });
    const e = thrown(() => opt.init(params));
    expect((e as { code?: string }).code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain("'b'");
    expect(e.message).toContain('"nope"');
    const ok = partition({ a: identity(), c: sgd(1) }, 'a');
    expect((thrown(() => ok.update(params, { a: {} } as never)) as { code?: string }).code).toBe('STATE_MISMATCH');
  });
});

describe('injectHyperparams', () => {
  const params = { w: tensor([1, 2], { dtype: 'float64' }) };
  const g = { w: tensor([1, 1], { dtype: 'float64' }) };

  it('puts numbers into state.hyperparams; changing them changes the step', () => {
    const opt = injectHyperparams((h: { learningRate: number; momentum?: number | undefined }) => sgd(h.learningRate, { momentum: h.momentum }))({ learningRate: 0.1 });
    const s0 = opt.init(params);
    expect(s0.hyperparams).toEqual({ learningRate: 0.1 });
    expect(s0.count).toBe(0);
    const [u1, s1] = opt.update(g, s0, params);
    expect((u1 as typeof g).w.toArray()).toEqual([-0.1, -0.1]);
    const [u2, s2] = opt.update(g, { ...s1, hyperparams: { ...s1.hyperparams, learningRate: 0.5 } }, params);
    expect((u2 as typeof g).w.toArray()).toEqual([-0.5, -0.5]);
    expect(s2.hyperparams['learningRate']).toBe(0.5);
    expect(s2.count).toBe(2);
    const [u3] = opt.update(g, s1, params);
    expect((u3 as typeof g).w.toArray()).toEqual([-0.1, -0.1]);
    const bad = { ...s1, hyperparams: { learningRate: NaN } };
    expect((thrown(() => opt.update(g, bad, params)) as { code?: string }).code).toBe('INVALID_ARGUMENT');
    expect((thrown(() => opt.update(g, s1.inner as never, params)) as { code?: string }).code).toBe('STATE_MISMATCH');
  });

  it('evaluates schedules from count and writes them into the state; keeps inner state (momentum)', () => {
    const opt = injectHyperparams((h: { learningRate: number; beta: number }) => momentum(h.learningRate, h.beta))({
      learningRate: schedules.exponential(1, { decayRate: 0.5, transitionSteps: 1 }), beta: 0.5,
    });
    let s = opt.init(params);
    expect(s.hyperparams).toEqual({ learningRate: 1, beta: 0.5 });
    const seen: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const [u, s2] = opt.update(g, s, params);
      seen.push((u as typeof g).w.toArray() as number[]);
      expect(s2.hyperparams['learningRate']).toBe(0.5 ** i);
      s = s2;
    }
    // m = 1, 1.5, 1.75; lr = 1, 0.5, 0.25
    expect(seen.map((r) => r[0])).toEqual([-1, -0.75, -0.4375]);
  });

  it('static args (mask functions) stay out of the state', () => {
    const mask = (p: Params) => tree.map((_t: Tensor) => true, p);
    const make = injectHyperparams((h: { learningRate: number; weightDecay: number; mask: Mask }) =>
      adamw(h.learningRate, { weightDecay: h.weightDecay, mask: h.mask }), { staticArgs: ['mask'] });
    const opt = make({ learningRate: 0.1, weightDecay: 0.01, mask });
    const s = opt.init(params);
    expect(Object.keys(s.hyperparams)).toEqual(['learningRate', 'weightDecay']);
    const [u] = opt.update(g, s, params);
    const plain = adamw(0.1, { weightDecay: 0.01 });
    const [v] = plain.update(g, plain.init(params), params);
    expect((u as typeof g).w.toArray()).toEqual((v as typeof g).w.toArray());
  });
});

describe('argument validation', () => {
  const code = (fn: () => unknown) => (thrown(fn) as { code?: string }).code;
  it('non-finite hyperparameters are INVALID_ARGUMENT; negative learning rates are allowed', () => {
    expect(code(() => adam(NaN))).toBe('INVALID_ARGUMENT');
    expect(code(() => sgd(Infinity))).toBe('INVALID_ARGUMENT');
    expect(code(() => adam(0.1, { b1: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => adam(0.1, { eps: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => momentum(0.1, NaN))).toBe('INVALID_ARGUMENT');
    expect(code(() => clipByGlobalNorm(0))).toBe('INVALID_ARGUMENT');
    expect(code(() => adamw(0.1, { weightDecay: NaN }))).toBe('INVALID_ARGUMENT');
    expect(code(() => scale(NaN))).toBe('INVALID_ARGUMENT');
    expect(() => sgd(-0.1)).not.toThrow();
    const p = { w: tensor([1]) };
    const bad = sgd(() => NaN);
    expect(code(() => bad.update(p, bad.init(p)))).toBe('INVALID_ARGUMENT');
  });
  it('addDecayedWeights needs params', () => {
    const p = { w: tensor([1]) };
    const t = addDecayedWeights(0.1);
    expect(code(() => t.update(p, t.init(p)))).toBe('INVALID_ARGUMENT');
  });
});
