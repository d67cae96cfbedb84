// DRESS joint training (spec §4; invariants 8 and 11): Σ α_j L_j into shared weights, per-subnet
// accumulation, STE scores, private BN, weight decay on W only.
import { describe, expect, it } from 'vitest';
import {
  astype, crossEntropy, dress, gradcheck, key, nn, normal, randint, tree, valueAndGrad, type Dataset, type Params, type Tensor,
} from '../../../src/index.js';
import { errorCode } from '../../helpers.js';

const model = nn.mlp([6, 3]) as nn.Layer<Params>;
const batch: Dataset = { x: normal(key(5), [8, 4]), y: randint(key(6), [8], 0, 3).astype('int32') };

function setup(criterion: dress.Criterion, dtype: 'float32' | 'float64' = 'float32') {
  const init = model.init(key(1), [4]);
  const net = dtype === 'float64' ? tree.map((t: Tensor) => astype(t, 'float64'), init.params) as Params : init.params;
  const masks = dress.nestedMasks(net, { levels: [0.25, 0.5, 0.75], denseLevel: true, criterion });
  return { net, masks, tree: dress.trainable(net, masks), states: masks.levels.map(() => init.state) };
}

const leavesOf = (t: Params): Float64Array[] => tree.leaves(t).map((x) => Float64Array.from((x as Tensor).toTyped()));

function expectTreesClose(a: Params, b: Params, tol: number): void {
  const la = leavesOf(a), lb = leavesOf(b);
  expect(la.length).toBe(lb.length);
  la.forEach((x, i) => x.forEach((v, q) => expect(Math.abs(v - lb[i]![q]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(v)))));
}

describe('joint gradient (invariant 8)', () => {
  const alpha = [0.1, 0.2, 0.3, 0.4];

  it('∇ Σ α_j L_j = Σ α_j ∇L_j, computed separately; parallel and accumulating steps agree', () => {
    const s = setup('learned');
    const obj = dress.objective({ model, alpha }, s.masks);
    const [, joint] = valueAndGrad((p: Params) => obj(p, batch, { training: true, state: s.states }))(s.tree);
    let sum: Params | undefined;
    for (let j = 0; j < 4; j++) {
      const one = alpha.map((_, i) => (i === j ? 1 : 0));
      const [, g] = valueAndGrad((p: Params) => dress.objective({ model, alpha: one }, s.masks)(p, batch, { training: true, state: s.states }))(s.tree);
      const scaled = tree.map((x: Tensor) => x.mul(alpha[j]!), g as Params) as Params;
      sum = sum === undefined ? scaled : tree.map((x: Tensor, y: Tensor) => x.add(y), sum, scaled) as Params;
    }
    expectTreesClose(joint as Params, sum!, 1e-5);

    const opt = dress.optimizer({ learningRate: 0.1, weightDecay: 0 });
    const st = dress.initTrainState(s.tree, model.init(key(1), [4]).state, s.masks, opt);
    const a = dress.trainStep({ model, optimizer: opt, alpha, form: 'parallel' })(st, batch);
    const b = dress.trainStep({ model, optimizer: opt, alpha, form: 'accumulate' })(st, batch);
    expect(a.loss).toBeCloseTo(b.loss, 5);
    expect(a.losses.map((x) => x.toFixed(5))).toEqual(b.losses.map((x) => x.toFixed(5)));
    expectTreesClose(a.state.params, b.state.params, 1e-5);
  });

  it('matches float64 central differences on a tiny net (masks frozen)', () => {
    const s = setup('magnitude', 'float64');
    const obj = dress.objective({ model, alpha, freezeMasks: true }, s.masks);
    const x64 = { x: astype(batch.x, 'float64'), y: batch.y };
    const net = s.net as Record<string, Tensor>[];
    const f = (w0: Tensor, b0: Tensor, w2: Tensor, b2: Tensor): Tensor =>
      obj({ net: [{ weight: w0, bias: b0 }, {}, { weight: w2, bias: b2 }], scores: {}, bn: [] }, x64, { training: true, state: s.states });
    const r = gradcheck(f, [net[0]!['weight']!, net[0]!['bias']!, net[2]!['weight']!, net[2]!['bias']!], { atol: 1e-7, rtol: 1e-5 });
    expect(r.ok).toBe(true);
  });
});

describe('learned scores (invariant 11)', () => {
  it('forward uses the hard mask; ∂L/∂Z = ∂L/∂W_eff ⊙ W element-wise', () => {
    const s = setup('learned');
    const v = dress.view();
    const j = 2;
    const masked = { ...s.masks, level: j };
    const [, g] = valueAndGrad((p: Params) => crossEntropy(model.apply(v.apply(p, masked), batch.x), batch.y))(s.tree);
    const eff = v.apply(s.tree, masked) as Record<string, Tensor>[];
    const [, gEff] = valueAndGrad((p: Params) => crossEntropy(model.apply(p, batch.x), batch.y))(eff as Params);
    for (const [i, path] of [[0, '0.weight'], [2, '2.weight']] as const) {
      const w = (s.net as Record<string, Tensor>[])[i]!['weight']!.toTyped();
      const ge = (gEff as Record<string, Tensor>[])[i]!['weight']!.toTyped();
      const gz = (g as dress.DressParams).scores[path]!.toTyped();
      const gw = ((g as dress.DressParams).net as Record<string, Tensor>[])[i]!['weight']!.toTyped();
      const m = dress.maskOf(s.masks.layers[i / 2]!, j);
      gz.forEach((x, q) => expect(x).toBeCloseTo(ge[q]! * w[q]!, 6));
      gw.forEach((x, q) => expect(x).toBeCloseTo(ge[q]! * m[q]!, 6));
      (eff[i]!['weight']!.toTyped()).forEach((x, q) => expect(x + 0).toBe(m[q] === 1 ? w[q]! + 0 : 0));
    }
  });
});

describe('private batch norm and the optimizer', () => {
  const bnModel = nn.sequential(nn.linear(6) as nn.Layer<Params>, nn.batchNorm1d() as nn.Layer<Params>, nn.relu(), nn.linear(3) as nn.Layer<Params>);

  it('each level trains its own γ, β and running statistics', () => {
    const init = bnModel.init(key(2), [4]);
    const masks = dress.nestedMasks(init.params, { levels: [0.5, 0.75] });
    const t = dress.trainable(init.params, masks, { modelState: init.state });
    expect(t.bn.length).toBe(2);
    expect(Object.keys(t.bn[0]!)).toEqual(['1.weight', '1.bias']);
    const opt = dress.optimizer({ learningRate: 0.1 });
    const step = dress.trainStep({ model: bnModel, optimizer: opt });
    const r = step(dress.initTrainState(t, init.state, masks, opt), batch);
    const mean = (st: Params): number[] => Array.from(((st as Record<string, Tensor>[])[1]!['runningMean']!).toTyped());
    expect(mean(r.state.modelState[0]!)).not.toEqual(mean(r.state.modelState[1]!));
    expect(Array.from(r.state.params.bn[0]!['1.bias']!.toTyped())).not.toEqual(Array.from(r.state.params.bn[1]!['1.bias']!.toTyped()));
    const shared = dress.trainable(init.params, masks, { modelState: init.state, bn: 'shared' });
    expect(shared.bn).toEqual([]);
  });

  it('weight decay acts on W, never on the scores', () => {
    const s = setup('learned');
    const opt = dress.optimizer({ learningRate: 1, weightDecay: 0.5, momentum: 0 });
    const zero = tree.map((x: Tensor) => x.mul(0), s.tree) as Params;
    const [u] = opt.update(zero, opt.init(s.tree), s.tree);
    const up = u as dress.DressParams;
    for (const z of Object.values(up.scores)) expect(Array.from(z.toTyped()).every((x) => x === 0)).toBe(true);
    const w = (s.net as Record<string, Tensor>[])[0]!['weight']!.toTyped();
    ((up.net as Record<string, Tensor>[])[0]!['weight']!.toTyped()).forEach((x, q) => expect(x).toBeCloseTo(-0.5 * w[q]!, 6));
  });

  it('rejects bad alpha, form and per-level states', () => {
    const s = setup('magnitude');
    expect(errorCode(() => dress.objective({ model, alpha: [1, 1] }, s.masks))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.objective({ model, alpha: [0, 0, 0, 0] }, s.masks))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.trainStep({ model, optimizer: dress.optimizer({ learningRate: 1 }), form: 'x' as 'parallel' }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.objective({ model }, s.masks)(s.tree, batch, { training: true, state: [] }))).toBe('STRUCTURE_MISMATCH');
  });
});
