// The §5 adaptation-memory model (p-Meta spec §5, invariant 7): the worked-example table for
// 4-conv-32 on 84×84×3, N = 5, batch-statistics BN, to 0.1 KiB; the identities between its
// figures; MAC counts; and its argument checks.
import { describe, expect, it } from 'vitest';
import { cost, pmeta } from '../../src/index.js';
import { errorCode } from '../helpers.js';

const net = pmeta.conv4Net({ classes: 5, channels: 32, inputShape: [3, 84, 84] });
const kib = (b: number): string => (b / 1024).toFixed(1);
const all = [true, true, true, true, true];
const top = [false, false, true, true, true];
const rhoTop: [number, number][] = [[1, 1], [1, 1], [0.5, 0.5], [0.5, 0.5], [1, 1]];
const ones: [number, number][] = all.map(() => [1, 1]);

describe('cost.adaptationMemory: §5 golden table (KiB, 1 decimal)', () => {
  const rows: [string, boolean[], [number, number][], number, [string, string, string, string]][] = [
    ['MAML (all layers, dense)', all, ones, 5, ['127.5', '13771.0', '13908.8', '13908.8']],
    ['ANIL (head only)', [false, false, false, false, true], ones, 5, ['15.6', '8835.6', '31.4', '8835.6']],
    ['conv3+conv4+head, ρ = 0.5', top, rhoTop, 5, ['33.8', '8853.8', '1007.1', '8853.8']],
    ['MAML, B = 25', all, ones, 25, ['127.5', '68344.7', '69033.8', '69033.8']],
    ['conv3+conv4+head, ρ = 0.5, B = 25', top, rhoTop, 25, ['33.8', '44133.8', '4900.3', '44133.8']],
  ];
  for (const [name, upd, rho, batch, want] of rows) {
    it(name, () => {
      const m = cost.adaptationMemory(pmeta.costOps(net, upd, rho, true), { batch });
      expect([kib(m.weightBytes), kib(m.forwardPeakBytes + m.weightBytes), kib(m.backwardPeakBytes + m.weightBytes), kib(m.peakBytes)]).toEqual(want);
      expect(m.peakBytes).toBe(m.weightBytes + Math.max(m.forwardPeakBytes, m.backwardPeakBytes));
      expect(m.peakBytesFullCopy).toBe(m.weightBytesFull + Math.max(m.forwardPeakBytes, m.backwardPeakBytes));
    });
  }

  it('MAML weight copies are the 32,645 parameters', () => {
    expect(cost.adaptationMemory(pmeta.costOps(net, all, ones, true), { batch: 5 }).weightBytes).toBe(32645 * 4);
  });

  it('frozen-statistics BN saves nothing, and a micro-batched forward removes the whole-batch conv1 term', () => {
    const ops = pmeta.costOps(net, top, rhoTop, false);
    const batched = cost.adaptationMemory(ops, { batch: 25 });
    const micro = cost.adaptationMemory(ops, { batch: 25, microBatch: true });
    expect(micro.backwardPeakBytes).toBe(batched.backwardPeakBytes);
    expect(micro.forwardPeakBytes).toBeLessThan(batched.forwardPeakBytes / 5);
    expect(batched.savedBytes.filter((_, j) => net.ops[j]!.kind === 'bn').every((b) => b === 0)).toBe(true);
  });
});

describe('cost.adaptationMacs', () => {
  it('counts forward for every layer, backward-data above l_min and the selected block of each updated layer', () => {
    const maml = cost.adaptationMacs(pmeta.costOps(net, all, ones, true), { batch: 5 });
    const anil = cost.adaptationMacs(pmeta.costOps(net, [false, false, false, false, true], ones, true), { batch: 5 });
    expect(anil.forward).toBe(maml.forward);
    expect(anil.backwardData).toBe(0);
    expect(anil.weightGradient).toBe(5 * 800 * 5);
    expect(maml.weightGradient).toBe(maml.forward);
    const half = cost.adaptationMacs(pmeta.costOps(net, top, rhoTop, true), { batch: 5 });
    expect(half.weightGradient).toBeLessThan(maml.weightGradient);
  });
});

describe('argument checks', () => {
  it('rejects bad batches, ratios and shapes', () => {
    const ops = pmeta.costOps(net, all, ones, true);
    expect(errorCode(() => cost.adaptationMemory(ops, { batch: 0 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => cost.adaptationMemory([{ ...ops[0]!, rhoFw: 1.5 }], { batch: 1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => cost.adaptationMemory([{ ...ops[0]!, inShape: [0] }], { batch: 1 }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => cost.adaptationMemory([], { batch: 1 }))).toBe('INVALID_ARGUMENT');
  });
});
