// Golden end-to-end run of the ALQ pipeline on a tiny fixed-key problem: a 16-32-4 MLP on
// synthetic Gaussian blobs, pretrained in float, then quantized to a target average bitwidth
// below 1 bit, deployed as bit-planes and checked against the float reconstruction.
import { describe, expect, it } from 'vitest';
import {
  adam, alq, batches, cost, evaluate, fit, initTrain, key, nn, normal, predict, tensor, tree, type Dataset, type Params, type RunEvent, type Tensor,
} from '../../../src/index.js';

/** Four Gaussian blobs in 16-D (class means ~N(0, 1), unit noise). */
function blobs(n: number, seed: number): Dataset {
  const centers = normal(key(1000), [4, 16]).toTyped();
  const noise = normal(key(seed), [n, 16]).toTyped();
  const xs = new Float32Array(n * 16), ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    ys[i] = c;
    for (let j = 0; j < 16; j++) xs[i * 16 + j] = 1.2 * centers[c * 16 + j]! + noise[i * 16 + j]!;
  }
  return { x: tensor(xs, { shape: [n, 16] }), y: tensor(ys, { dtype: 'int32' }) };
}

const model = nn.mlp([32, 4]) as nn.Layer<Params>;
const train = blobs(800, 1), validation = blobs(400, 2);
const grouping: alq.GroupingSpec = { '0.weight': alq.subchannelwise(2), '2.weight': alq.subchannelwise(2) };
const schedule: alq.AlqSchedule = {
  ...alq.lenet5Schedule, learningRate: 1e-2, maxBits: 4, batchSize: 50,
  rounds: 3, basisEpochs: 2, coordinateEpochs: 1, steEpochs: 2, postCoordinateEpochs: 1,
};
const target = 0.75;

function pretrained(): Params {
  const init = model.init(key(3), [16]);
  const opt = adam(1e-2);
  return fit(initTrain(init.params, init.state, opt), { optimizer: opt, model, train, batchSize: 50, epochs: 10, key: key(100) }).state.params;
}

describe('ALQ golden run (tiny MLP, fixed keys)', () => {
  const float = pretrained();
  const floatAcc = evaluate(model, float, [], validation).accuracy;
  const seen: RunEvent[] = [];
  const result = alq.run({ model, params: float, train, validation, key: key(7), schedule, grouping, targetBits: target, onEvent: (e) => seen.push(e) });
  const { history, state, params } = result;
  const bitsOf = (e: RunEvent): number => e.metrics['averageBits']!;

  it('reaches the target average bitwidth below 1 bit and keeps the accuracy', () => {
    expect(floatAcc).toBeGreaterThan(0.95);
    expect(history[0]!.phase).toBe('init');
    expect(bitsOf(history[0]!)).toBe(4);
    const final = history.at(-1)!;
    expect(bitsOf(final)).toBeLessThanOrEqual(target);
    expect(bitsOf(final)).toBeGreaterThan(target - 16 / 640);
    expect(alq.averageBits(state).total).toBe(bitsOf(final));
    expect(final.metrics['accuracy']).toBeGreaterThanOrEqual(0.95);
    // golden values of this fixed-key run (float: 98.75 %); update deliberately if the numerics change.
    // Changed from [0.7375, 0.98] when the harness gave shuffle, dropout and pruning keys of their own.
    expect([bitsOf(final), final.metrics['accuracy']]).toEqual([0.75, 0.9825]);
    expect(final.cost.bytes).toBe(alq.storage(state).bytes);
    expect(seen.filter((e) => e.kind === 'epoch' || e.kind === 'step')).toEqual(history);
  });

  it('follows the code stage order and changes bitwidth only in pruning epochs', () => {
    const order = history.map((s) => s.phase);
    const roundOf = ['basis', 'basis', 'coordinate', 'prune'];
    const rounds = history.filter((s) => s.phase === 'prune').length;
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(order).toEqual(['init', ...Array.from({ length: rounds }, () => roundOf).flat(), 'ste', 'ste', 'postCoordinate']);
    for (let i = 1; i < history.length; i++) {
      const [a, b] = [history[i - 1]!, history[i]!];
      if (b.phase === 'prune') expect(bitsOf(b)).toBeLessThanOrEqual(bitsOf(a));
      else expect(bitsOf(b)).toBe(bitsOf(a));
    }
    // η: ×0.8 before each basis/coordinate epoch of a round, reset to η0 each round; STE ×0.95
    const r1 = history.filter((s) => s.round === 0 && s.phase !== 'init' && s.phase !== 'ste' && s.phase !== 'postCoordinate').map((s) => s.metrics['learningRate']!);
    expect(r1[0]).toBeCloseTo(8e-3, 12);
    expect(r1[2]).toBeCloseTo(1e-2 * 0.8 ** 3, 12);
    expect(r1[3]).toBe(r1[2]);
    expect(history.find((s) => s.phase === 'ste')!.metrics['learningRate']).toBeCloseTo(9.5e-3, 12);
  });

  it('network weights are the reconstruction; packed inference predicts exactly as the float model', () => {
    for (const l of state.layers) {
      const w = tree.entries(params).find(([p]) => p === l.path)![1] as Tensor;
      expect(Array.from(w.toTyped())).toEqual(Array.from(alq.reconstruct(l).toTyped()));
    }
    const packed = alq.pack(params, state);
    const floatPreds = predict(model, params, [], batches(validation, 100));
    const packedPreds = alq.packedPredict(model, packed, [], batches(validation, 100));
    expect(Array.from(packedPreds)).toEqual(Array.from(floatPreds));
    expect(cost.summary(params, alq.packedPrecision(packed)).totals.bytes).toBe(alq.packedBytes(packed));
    expect(alq.packedBytes(packed)).toBeLessThan(cost.summary(params).totals.bytes / 2);
  });

  it('is deterministic for a fixed key', () => {
    const again = alq.run({ model, params: float, train, validation, key: key(7), schedule, grouping, targetBits: target });
    const strip = (h: RunEvent[]) => h.map((e) => ({ ...e, elapsedMs: 0 }));
    expect(strip(again.history)).toEqual(strip(history));
  });
});
