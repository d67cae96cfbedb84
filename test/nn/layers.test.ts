// Layers and reference models: shapes, parameter names and counts, state handling, determinism.
import { describe, expect, it } from 'vitest';
import { crossEntropy, grad, key, nn, normal, tensor, tree, type Params, type Tensor } from '../../src/index.js';

const count = (p: Params) => tree.leaves(p).reduce((s, t) => s + t.size, 0);

describe('nn layers', () => {
  it('LeNet5 has the reference shapes, names and 431,080 parameters', () => {
    const model = nn.lenet5();
    const { params, outputShape } = model.init(key(0), [1, 28, 28]);
    expect(outputShape).toEqual([10]);
    expect(count(params)).toBe(431080);
    expect(tree.paths(params)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
    const p = params as { weight: Tensor }[];
    expect(p[3]!.weight.shape).toEqual([50, 20, 5, 5]);
    expect(p[7]!.weight.shape).toEqual([500, 800]);
    const y = model.apply(params, normal(key(1), [2, 1, 28, 28]));
    expect(y.shape).toEqual([2, 10]);
  });

  it('init is deterministic per key and PyTorch-scaled', () => {
    const a = nn.linear(4).init(key(5), [100]).params;
    const b = nn.linear(4).init(key(5), [100]).params;
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    const w = a.weight.toTyped();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.1);
  });

  it('mlp, vggSmall and conv4 produce the documented output shapes', () => {
    expect(nn.mlp([256, 10]).init(key(0), [784]).outputShape).toEqual([10]);
    expect(count(nn.mlp([256, 10]).init(key(0), [784]).params)).toBe(784 * 256 + 256 + 2570);
    expect(nn.vggSmall({ width: 0.125 }).init(key(0), [3, 32, 32]).outputShape).toEqual([10]);
    expect(nn.conv4({ classes: 5, channels: 8 }).init(key(0), [1, 28, 28]).outputShape).toEqual([5]);
    const full = nn.vggSmall().init(key(0), [3, 32, 32]).params;
    // 14,022,016 quantizable weights (convs + fcs without biases) as in the ALQ spec.
    const weights = tree.entries(full).filter(([n, t]) => n.endsWith('weight') && t.ndim > 1).reduce((s, [, t]) => s + t.size, 0);
    expect(weights).toBe(14022016);
  });

  it('batch norm state flows through sequential in training mode only', () => {
    const model = nn.conv4({ classes: 3, channels: 4 });
    const { params, state } = model.init(key(0), [1, 16, 16]);
    const x = normal(key(1), [4, 1, 16, 16], { mean: 2 });
    const ctx: nn.Ctx = { training: true, state };
    model.apply(params, x, ctx);
    const before = tree.leaves(state).map((t) => t.toArray());
    const after = tree.leaves(ctx.newState).map((t) => t.toArray());
    expect(after.length).toBe(before.length);
    expect(after).not.toEqual(before);
    const evalCtx: nn.Ctx = { training: false, state: ctx.newState };
    model.apply(params, x, evalCtx);
    expect(evalCtx.newState).toBeUndefined();
    expect(() => model.apply(params, x, { training: true })).toThrow(/nn.batchNorm2d: ctx.state must hold runningMean/);
  });

  it('dropout layer needs a key in training and is the identity in eval', () => {
    const model = nn.sequential(nn.dropout(0.5));
    const { params } = model.init(key(0), [8]);
    const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]]);
    expect(model.apply(params, x).toArray()).toEqual(x.toArray());
    expect(() => model.apply(params, x, { training: true })).toThrow(/nn.dropout: training mode needs ctx.key/);
    const a = model.apply(params, x, { training: true, key: key(1) }).toArray();
    expect(model.apply(params, x, { training: true, key: key(1) }).toArray()).toEqual(a);
  });

  it('gradients flow to every parameter of LeNet5', () => {
    const model = nn.lenet5();
    const { params } = model.init(key(0), [1, 28, 28]);
    const x = normal(key(2), [3, 1, 28, 28]);
    const y = tensor([1, 2, 3], { dtype: 'int32' });
    const g = grad((p: Params) => crossEntropy(model.apply(p as Params[], x), y))(params);
    for (const [name, t] of tree.entries(g)) {
      expect(t.shape, name).toEqual(tree.entries(params).find(([n]) => n === name)![1].shape);
      expect(t.toTyped().some((v) => v !== 0), name).toBe(true);
    }
  });
});
