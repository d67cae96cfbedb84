import { describe, expect, it } from 'vitest';
import { cost, key, nn, tree } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

// Each model's specs must agree with what its own init builds: parameter shapes per path prefix,
// the final output shape, and the byte count of the parameter tree.
const MODELS = [
  { name: 'mlp', model: nn.mlp([256, 10]), input: [784] },
  { name: 'lenet5', model: nn.lenet5(), input: [1, 28, 28] },
  { name: 'conv4', model: nn.conv4({ classes: 5, channels: 8 }), input: [3, 84, 84] },
  { name: 'vggSmall(0.125)', model: nn.vggSmall({ width: 0.125 }), input: [3, 32, 32] },
  { name: 'nested', model: nn.sequential(nn.sequential(nn.conv2d(4, 3, { stride: 2, bias: false }), nn.relu()), nn.flatten(), nn.dropout(0.5), nn.linear(3)), input: [2, 9, 9] },
];

describe('modelLayerSpecs', () => {
  for (const m of MODELS) {
    it(`${m.name}: shapes and parameter bytes agree with model.init`, () => {
      const specs = cost.modelLayerSpecs(m.model, m.input);
      const init = m.model.init(key(0), m.input);
      expect(specs[specs.length - 1]!.outShape).toEqual(init.outputShape);
      const shapes = new Map<string, readonly number[]>();
      for (const [path, t] of tree.entries(init.params as never) as [string, Tensor][]) shapes.set(path, t.shape);
      for (const s of specs) {
        if (s.weightShape === undefined) continue;
        expect(shapes.get(`${s.name}.weight`)).toEqual(s.weightShape);
        if (s.kind === 'batchNorm' || s.bias === true) expect(shapes.get(`${s.name}.bias`)).toEqual([s.weightShape[0]]);
        else expect(shapes.has(`${s.name}.bias`)).toBe(false);
      }
      const mem = cost.trainingMemory(specs, { batch: 2 });
      expect(mem.params).toBe(cost.storageBytes(init.params as never).total);
      expect(mem.layers.reduce((t, l) => t + l.paramCount, 0)).toBe(cost.paramCount(init.params as never));
    });
  }

  it('LeNet5: 2,293,000 forward MACs per example; quantizeActivations keeps a 1-bit mask', () => {
    expect(cost.trainingMacs(cost.modelLayerSpecs(nn.lenet5(), [1, 28, 28]), 1).total.forward).toBe(288_000 + 1_600_000 + 400_000 + 5_000);
    const [q] = cost.modelLayerSpecs(nn.sequential(nn.quantizeActivations({ name: 'sign', apply: (x: Tensor) => x }), nn.linear(2)), [8]);
    expect(q).toMatchObject({ kind: 'identity', savedBitsPerElement: 1, name: '0' });
  });

  it('rejects layers no nn constructor made', () => {
    const custom = { init: nn.relu().init, apply: nn.relu().apply };
    expect(code(() => cost.modelLayerSpecs(nn.sequential(nn.linear(3), custom), [4]))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.modelLayerSpecs(null as never, [4]))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.modelLayerSpecs(nn.lenet5(), [28, 28]))).toBe('SHAPE_MISMATCH');
  });
});
