// Boundary checks of the dress namespace: every entry point rejects malformed packed models,
// layers, runners, models, datasets and options with one NumError naming the op.
import { describe, expect, it } from 'vitest';
import { dress, key, nn, normal, tensor, type Params } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';

const model = nn.mlp([6, 3]) as nn.Layer<Params>;
const init = model.init(key(0), [4]);
const masks = dress.nestedMasks(init.params, { levels: [0.5, 0.75] });
const tree = dress.trainable(init.params, masks);
const packed = dress.toSparse(tree, masks);
const runner = dress.packedRunner(model, packed);
const x = normal(key(1), [5, 4]);
const data = { x, y: tensor([0, 1, 2, 0, 1], { dtype: 'int32' }) };

describe('dress boundary checks', () => {
  it('packed models and layers: malformed → INVALID_ARGUMENT, bad level → OUT_OF_RANGE', () => {
    const l = packed.layers[0]!;
    for (const bad of [undefined, null, 3, {}, { ...packed, levels: 'x' }, { ...packed, modelState: [] }, { ...packed, layers: [{ ...l, values: new Float32Array(1) }] }]) {
      expect(errorCode(() => dress.subnetBytes(bad as dress.PackedDress, 0))).toBe('INVALID_ARGUMENT');
      expect(errorCode(() => dress.encodePacked(bad as dress.PackedDress))).toBe('INVALID_ARGUMENT');
      expect(errorCode(() => dress.relayout(bad as dress.PackedDress, 'rank'))).toBe('INVALID_ARGUMENT');
      expect(errorCode(() => dress.packedRunner(model, bad as dress.PackedDress))).toBe('INVALID_ARGUMENT');
    }
    const outOfRange = { ...l, columns: Uint16Array.from(l.columns, () => l.cols) };
    expect(errorCode(() => dress.unpackLayer(outOfRange, 0))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.relayout(packed, 'col' as 'row'))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.unpackLayer(l, 2))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dress.unpackLayer(l, 0.5))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.subnetBytes(packed, -1))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dress.maskOf(masks.layers[0]!, 2))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dress.maskOf({ ...masks.layers[0]!, order: tensor([1]) }, 0))).toBe('INVALID_ARGUMENT');
    expect(dress.subnetBytes({ ...packed }, 1)).toBe(dress.subnetBytes(packed, 1)); // structural, not by identity
  });

  it('runners, models, datasets and options', () => {
    expect(errorCode(() => dress.packedRunner({} as nn.Layer<Params>, packed))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.packedRunner(model, packed, 3 as unknown as dress.PackedRunnerOptions))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => runner.apply([1, 2] as unknown as typeof x, 0))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.profile({} as dress.PackedRunner, x))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.profile(runner, 'x' as unknown as typeof x))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.profile(runner, x, { now: 5 as unknown as () => number }))).toBe('INVALID_ARGUMENT');
    // One label for several examples is a shape mismatch, as in every dataset check (src/data/dataset.ts datasetArg).
    expect(errorCode(() => dress.packedAccuracy(runner, { x, y: tensor([1]) }, 0))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => dress.packedAccuracy(runner, data, 7))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dress.packedAccuracy(runner, data, 0, 0))).toBe('INVALID_ARGUMENT');
    expect(dress.packedAccuracy(runner, data, 1, 2)).toBeGreaterThanOrEqual(0);
    expect(errorCode(() => dress.labels({ w: x } as Params))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.optimizer(undefined as unknown as dress.OptimizerOptions))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.optimizer({ learningRate: 0.1, momentum: 2 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.optimizer({ learningRate: 0.1, weightDecay: -1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.trainStep(undefined as unknown as dress.TrainStepOptions<unknown>))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.trainStep({ model, optimizer: 3 as unknown as ReturnType<typeof dress.optimizer> }))).toBe('INVALID_ARGUMENT');
    const opt = dress.optimizer({ learningRate: 0.1 });
    const step = dress.trainStep({ model, optimizer: opt });
    expect(errorCode(() => step({} as dress.DressTrainState<unknown>, data))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => step(dress.initTrainState(tree, init.state, masks, opt), { x } as typeof data))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.run(undefined as unknown as dress.RunOptions))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.run({ model, inputShape: [4], train: { x } as typeof data, key: key(0), epochs: 1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.independentModels({ model, params: init.params, modelState: init.state, train: data, key: key(0), epochs: 1, levels: [0.5, 0.2] }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.prefixModels(null as unknown as dress.PrunedModel, [0.5]))).toBe('INVALID_ARGUMENT');
    expect(dress.defaultLayers('w', 3 as unknown as typeof x)).toBe(false);
  });
});
