// rct.run: named phases on the shared harness, one RunEvent type with the RCT metrics, a Report
// whose figures come from the cost model, and baselines sharing the float init.
import { describe, expect, it } from 'vitest';
import { key, rct, type RunEvent } from '../../../src/index.js';
import { blobs } from './helpers.js';

describe('rct.run', () => {
  it('runs RCT and its baselines as named phases and reports accuracy, bits, energy and memory', () => {
    const events: RunEvent[] = [];
    const r = rct.run({
      net: rct.mlp(2, [16, 3]), train: blobs(192, key(1)), test: blobs(96, key(2)), key: key(0), epochs: 2, batchSize: 32,
      learningRate: 0.2, controller: { interval: 3 }, onEvent: (e) => events.push(e),
    });
    expect(r.report.method).toBe('rct');
    expect(r.report.phases.map((p) => p.name)).toEqual(['rct', 'fixed8', 'fixed16', 'fp32', 'qat']);
    for (const m of ['rct', 'fixed8', 'fixed16', 'fp32', 'qat'] as const) expect(r.accuracy[m]).toBeGreaterThan(0.8); // separable blobs
    const epochs = events.filter((e) => e.kind === 'epoch' && e.phase === 'rct');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1]);
    for (const e of epochs) {
      expect(e.method).toBe('rct');
      expect(Object.keys(e.metrics)).toEqual(expect.arrayContaining(['accuracy', 'meanBits', 'underflowPercent', 'trainLoss']));
      expect(e.cost.energyJ).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.phase === 'fixed8' && e.kind === 'epoch').every((e) => e.metrics['meanBits']! < 8.5)).toBe(true);
    const i = r.integer.rct!;
    expect(r.report.metrics['gemmSaving']).toBe(i.energy.gemm.saving);
    expect(r.report.metrics['gemmSaving']).toBeGreaterThan(0.86);
    expect(r.report.cost.peakMemoryBytes).toBe(i.memory.peakBytes);
    expect(r.report.metrics['gapToFp32Points']).toBeCloseTo(100 * (r.accuracy.fp32! - r.accuracy.rct!), 12);
    expect(rct.floatBuffers(i.state, 3)).toEqual([]);
  });
});
