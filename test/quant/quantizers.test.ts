// Every shipped quantizer obeys the quantizer laws from edgegrad/testing; values, STE gradients,
// stochastic rounding and the parameter view.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost, grad, key, nn, quant, sum, tensor, tree, type Params, type Tensor } from '../../src/index.js';
import { checkQuantizerLaws, quantizerLaws, stochasticRoundingUnbiased } from '../../src/testing/index.js';

const shipped: quant.Quantizer[] = [
  quant.sign, quant.steSign(), quant.steSign({ clip: 0.5 }), quant.steTern(), quant.steTern({ threshold: 0.7 }),
  quant.uniformQuantize({ bits: 2, range: [-1, 1] }), quant.uniformQuantize({ bits: 4, range: [0, 6] }),
  quant.dorefa({ bits: 1 }), quant.dorefa({ bits: 3 }), quant.fixedPoint({ intBits: 2, fracBits: 3 }),
];

describe('quantizer laws hold for every quantizer shipped', () => {
  for (const q of shipped) {
    it(q.name, () => checkQuantizerLaws(q, { numRuns: 60 }));
  }

  it('the laws catch a broken quantizer', () => {
    const bad: quant.Quantizer = { ...quant.steSign(), name: 'broken', apply: (x: Tensor) => x.mul(-1) };
    const results = quantizerLaws(bad).map((l) => fc.check(l.property, { numRuns: 30 }).failed);
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(2);
  });

  it('stochastic rounding is unbiased and lands on adjacent multiples', () => {
    fc.assert(stochasticRoundingUnbiased((k, x) => quant.stochasticRound(k, x, 0.25), 0.25), { numRuns: 8 });
    const g = grad((x: Tensor) => sum(quant.stochasticRound(key(1), x, 0.5)))(tensor([0.1, 2.3]));
    expect(g.toArray()).toEqual([1, 1]);
  });
});

describe('quantizer values', () => {
  it('sign maps 0 to +1 and has no gradient', () => {
    expect(quant.sign.apply(tensor([-0.5, 0, 2])).toArray()).toEqual([-1, 1, 1]);
    expect(grad((x: Tensor) => sum(quant.sign.apply(x)))(tensor([0.3])).toArray()).toEqual([0]);
  });
  it('steSign passes gradients inside the clip region only', () => {
    const q = quant.steSign({ clip: 1 });
    expect(grad((x: Tensor) => sum(q.apply(x)))(tensor([-2, -1, 0, 0.5, 1.5])).toArray()).toEqual([0, 1, 1, 1, 0]);
    expect(q.precision).toBe(1);
  });
  it('ternary, uniform, dorefa and fixed point give the documented levels', () => {
    expect(quant.steTern({ threshold: 0.1 }).apply(tensor([-0.5, 0.05, 0.3])).toArray()).toEqual([-1, 0, 1]);
    expect(quant.uniformQuantize({ bits: 2, range: [0, 3] }).apply(tensor([0.4, 1.6, 9, -2])).toArray()).toEqual([0, 2, 3, 0]);
    expect(quant.dorefa({ bits: 2 }).apply(tensor([-1, 0.4, 2], { dtype: 'float64' }))).toBeAllClose([0, 1 / 3, 1]);
    expect(quant.fixedPoint({ intBits: 2, fracBits: 2 }).apply(tensor([0.3, -5, 5])).toArray()).toEqual([0.25, -2, 1.75]);
    expect(() => quant.uniformQuantize({ bits: 0, range: [0, 1] })).toThrow(/^uniformQuantize: bits must be an integer/);
    expect(() => quant.steSign().apply(tensor([1], { dtype: 'int32' }))).toThrow(/quantizers take float tensors/);
  });
});

describe('quantized parameter view', () => {
  it('quantizes weights, keeps biases, trains the latent weights and reports 1-bit storage', () => {
    const model = nn.mlp([4, 2]);
    const { params } = model.init(key(0), [3]);
    const view = quant.quantizedView(quant.steSign());
    const eff = view.apply(params, view.init(params)) as { weight: Tensor; bias: Tensor }[];
    const lat = params as { weight: Tensor; bias: Tensor }[];
    expect(Array.from(eff[0]!.weight.toTyped()).every((v) => v === 1 || v === -1)).toBe(true);
    expect(eff[0]!.bias).toBe(lat[0]!.bias);
    const g = grad((p: Params) => sum(model.apply(view.apply(p, {}) as Params[], tensor([[0.1, 0.2, 0.3]]))))(params);
    expect(tree.leaves(g).some((t) => t.toTyped().some((v) => v !== 0))).toBe(true);
    const s = cost.summary(params, quant.viewPrecision(quant.steSign()));
    // weights [4, 3] and [2, 4] packed as rows of one 32-bit word each
    expect(s.totals.bits).toBe(4 * 32 + 2 * 32 + 32 * (4 + 2));
  });
});
