// The DRESS driver: named phases on the shared loop, RunEvents, a Report, packed subnets.
import { describe, expect, it } from 'vitest';
import { dress, key, nn, normal, tensor, type Dataset, type Params } from '../../../src/index.js';
import type { RunEvent } from '../../../src/train/events.js';
import { errorCode } from '../../helpers.js';

function blobs(n: number, seed: number): Dataset {
  const centers = normal(key(1000), [3, 8]).toTyped();
  const noise = normal(key(seed), [n, 8]).toTyped();
  const xs = new Float32Array(n * 8), ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 3;
    for (let j = 0; j < 8; j++) xs[i * 8 + j] = 2 * centers[(i % 3) * 8 + j]! + noise[i * 8 + j]!;
  }
  return { x: tensor(xs, { shape: [n, 8] }), y: tensor(ys, { dtype: 'int32' }) };
}

describe('dress.run', () => {
  it('runs pretrain → joint → pack → profile, emits events and returns a report', () => {
    const events: RunEvent[] = [];
    const model = nn.mlp([16, 3]) as nn.Layer<Params>;
    const r = dress.run({
      model, inputShape: [8], train: blobs(240, 1), test: blobs(90, 2), key: key(0), epochs: 2, pretrainEpochs: 2,
      levels: [0.5, 0.75], batchSize: 30, profileRuns: 1, onEvent: (e) => events.push(e),
    });
    expect(r.report.method).toBe('dress');
    expect(r.report.phases.map((p) => p.name)).toEqual(['pretrain', 'joint', 'pack', 'profile']);
    expect(events.filter((e) => e.kind === 'epoch' && e.phase === 'joint')).toHaveLength(2);
    expect(events.find((e) => e.kind === 'epoch' && e.phase === 'joint')!.metrics['accuracy1']).toBeGreaterThan(0);
    expect(r.masks.criterion).toBe('magnitude'); // the default: ranked by |W|, no scores trained
    expect(r.params.scores).toEqual({});
    expect(r.accuracy).toHaveLength(2);
    expect(r.accuracy[0]!).toBeGreaterThan(0.8);
    expect(r.profiles[1]!.bytes).toBeLessThan(r.profiles[0]!.bytes);
    expect(r.report.cost.bytes).toBe(r.profiles[0]!.bytes);
    // the packed subnets are the trained tree's subnets
    const want = model.apply(dress.view().apply(r.params, { ...r.masks, level: 1 }), blobs(5, 3).x).toTyped();
    const got = r.runner.apply(blobs(5, 3).x, 1).toTyped();
    got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[q]!))));
  });

  it('rejects bad options', () => {
    const model = nn.mlp([4, 3]) as nn.Layer<Params>;
    expect(errorCode(() => dress.run({ model, train: blobs(10, 1), key: key(0), epochs: 1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.run({ model, inputShape: [8], train: blobs(10, 1), key: key(0), epochs: -1 }))).toBe('INVALID_ARGUMENT');
  });
});
