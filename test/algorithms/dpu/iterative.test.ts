// Iterative rewinding (spec §7): the budget schedule, nested selections ending at exactly
// S = ⌊k·I⌋, bit-identical untouched weights, edge reconstruction, the update-or-not rule and
// argument errors.
import { describe, expect, it } from 'vitest';
import { dpu, key } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { selectableBits, selectionFlags, toyInput, treeBits } from './helpers.js';

const diff = (a: Uint32Array, b: Uint32Array): number[] => Array.from(a).flatMap((v, i) => (v !== b[i] ? [i] : []));

describe('dpu.rewindingSchedule', () => {
  it('shrinks by the factor until it reaches k, then stops', () => {
    const s = dpu.rewindingSchedule(1000, 0.1);
    expect(s.length).toBe(11); // 0.8^10 ≈ 0.107 > 0.1, so the 11th step clamps to k
    expect(s[0]).toBe(800);
    expect(s.at(-1)).toBe(100);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
    expect(dpu.rewindingSchedule(266_200, 0.01)).toHaveLength(Math.ceil(Math.log(0.01) / Math.log(0.8)));
    expect(dpu.rewindingSchedule(10, 1)).toEqual([10]);
    expect(dpu.rewindingSchedule(100, 0.5, 0.5)).toEqual([50]);
  });

  it('rejects ratios and shrink factors outside their ranges', () => {
    expect(errorCode(() => dpu.rewindingSchedule(10, 0))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.rewindingSchedule(10, 1.5))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.rewindingSchedule(10, 0.1, 1))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.rewindingSchedule(10, 0.1, 0))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.rewindingSchedule(-1, 0.1))).toBe('INVALID_ARGUMENT');
  });
});

describe('dpu.iterativeRound', () => {
  const input = toyInput({ training: { epochs: 1, batchSize: 32, learningRate: 0.05 } });
  const I = dpu.selectableCount(input.init.params);
  const ratio = 0.1;
  const S = Math.floor(ratio * I);
  const seen: number[] = [];
  const r = dpu.iterativeRound({ ...input, onEvent: (e) => { if (e.phase === 'masked') seen.push(e.metrics['accuracy'] ?? NaN); } }, { ratio, shrink: 0.5 });

  it('runs one masked phase per budget and ends with exactly S selected weights', () => {
    expect(r.stats.kept).toEqual(dpu.rewindingSchedule(I, ratio, 0.5));
    expect(r.stats.kept.at(-1)).toBe(S);
    expect(r.stats.selected).toBe(S);
    expect(r.stats.epochs).toBe(1 + r.stats.kept.length);
    // Only the last phase is deployable, so only its epochs are validated.
    expect(seen.slice(0, -1).every((v) => Number.isNaN(v))).toBe(true);
    expect(Number.isNaN(seen.at(-1)!)).toBe(false);
  });

  it('changes at most S selectable weights, all selected; every other weight keeps its exact bits', () => {
    expect(r.update).not.toBeNull();
    const changed = diff(selectableBits(r.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, r.selection);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThanOrEqual(S);
    for (const i of changed) expect(flags[i]).toBe(1);
    expect(Array.from(r.update!.indices)).toEqual(changed);
  });

  it('the edge rebuilds the deployed model bit for bit from the encoded update', () => {
    const edge = dpu.applyUpdate(dpu.edgeModel(input.init), dpu.encodeUpdate(r.update!));
    expect(treeBits(edge.params)).toEqual(treeBits(r.deployed.params));
  });

  it('keeps nested selections: a later phase never revives a dropped weight', () => {
    // Two phases (k = 0.25, shrink 0.5): the final selection lies inside the first phase's.
    const two = dpu.iterativeRound(toyInput({ training: { epochs: 1, batchSize: 32, learningRate: 0.05 }, key: key(9) }), { ratio: 0.25, shrink: 0.5 });
    const one = dpu.iterativeRound(toyInput({ training: { epochs: 1, batchSize: 32, learningRate: 0.05 }, key: key(9) }), { ratio: 0.5, shrink: 0.5 });
    expect(two.stats.kept).toEqual([Math.floor(0.5 * I), Math.floor(0.25 * I)]);
    // Both runs share the full phase and the first selection, so `one`'s selection is the first phase of `two`.
    const outer = selectionFlags(input.init.params, one.selection);
    const inner = selectionFlags(input.init.params, two.selection);
    for (let i = 0; i < I; i++) if (inner[i] === 1) expect(outer[i]).toBe(1);
  });

  it('with shrink ≤ k it is exactly a plain round (one masked phase), bit for bit', () => {
    const a = dpu.iterativeRound(input, { ratio, shrink: 0.05 });
    const b = dpu.round(input, { ratio });
    expect(a.stats.kept).toEqual([S]);
    expect(treeBits(a.deployed.params)).toEqual(treeBits(b.deployed.params));
    expect(a.stats.bestEpoch).toBe(b.stats.bestEpoch);
  });

  it('sends nothing and keeps the model bit-identical when no checkpoint beats the start', () => {
    const good = dpu.round(toyInput({ training: { epochs: 8, batchSize: 32, learningRate: 0.05 } }), { ratio: 1 });
    const bad = dpu.iterativeRound(toyInput({ round: 1, deployed: good.deployed, training: { epochs: 1, batchSize: 32, learningRate: 1e4 } }), { ratio: 0.5, shrink: 0.5 });
    expect(bad.update).toBeNull();
    expect(bad.deployed).toBe(good.deployed);
    expect(treeBits(bad.deployed.params)).toEqual(treeBits(good.deployed.params));
  });

  it('rejects bad options at the boundary', () => {
    expect(errorCode(() => dpu.iterativeRound(input, { ratio: 1.5 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.iterativeRound(input, { ratio: 0.1, lambda: 2 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.iterativeRound(input, { ratio: 0.1, shrink: 1 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.iterativePartialUpdating({ ratio: 0.1, shrink: -1 }))).toBe('OUT_OF_RANGE');
    expect(dpu.iterativePartialUpdating({ ratio: 0.1 }).name).toBe('DPU-iter');
  });
});
