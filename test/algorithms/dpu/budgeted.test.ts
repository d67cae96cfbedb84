// The baselines at DPU-iter's budget: GCPU-iter is DPU-iter ranked by the global contribution
// alone; RPU-iter trains RPU's random selection for as many epochs as DPU-iter, in phases shaped
// like DPU-iter's, keeps every other weight bit for bit, and obeys the update-or-not rule.
import { describe, expect, it } from 'vitest';
import { dpu } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { selectableBits, selectionFlags, toyData, toyInput, toyModel, treeBits } from './helpers.js';

const changedIndices = (a: Uint32Array, b: Uint32Array): number[] => Array.from(a).flatMap((v, i) => (v !== b[i] ? [i] : []));
const training = { epochs: 1, batchSize: 32, learningRate: 0.05 };

describe('dpu.iterativePhases', () => {
  it('counts the full phase and one masked phase per rewinding step', () => {
    expect(dpu.iterativePhases(0.01, 0.5)).toBe(8);
    expect(dpu.iterativePhases(0.01, 0.5)).toBe(1 + dpu.rewindingSchedule(266_200, 0.01, 0.5).length);
    expect(dpu.iterativePhases(0.1)).toBe(12);
    expect(dpu.iterativePhases(1, 0.5)).toBe(2);
    expect(errorCode(() => dpu.iterativePhases(0.1, 1))).toBe('OUT_OF_RANGE');
  });
});

describe('GCPU-iter (dpu.iterativeGlobalUpdating)', () => {
  const ratio = 0.1, shrink = 0.5;
  const input = toyInput({ training });
  const method = dpu.iterativeGlobalUpdating({ ratio, shrink });

  it('is iterativeRound with λ = 1, bit for bit, under its own name', () => {
    expect(method.name).toBe('GCPU-iter');
    expect(method.reinit).toBe(false);
    const a = method.round(input);
    const b = dpu.iterativeRound(input, { ratio, shrink, lambda: 1 });
    expect(treeBits(a.deployed.params)).toEqual(treeBits(b.deployed.params));
    expect(a.stats.lambda).toBe(1);
    expect(a.stats.fallback).toBe(false);
  });

  it('with a single rewinding step it selects exactly what one-step GCPU (λ = 1) selects', () => {
    const one = dpu.iterativeRound(input, { ratio, shrink: 0.05, lambda: 1 });
    const gcpu = dpu.round(input, { ratio, lambda: 1 });
    expect(Array.from(selectionFlags(input.init.params, one.selection))).toEqual(Array.from(selectionFlags(input.init.params, gcpu.selection)));
    // The metric matters: λ = 0.5 picks a different set on the same trained weights.
    const dpuSel = dpu.iterativeRound(input, { ratio, shrink: 0.05, lambda: 0.5 }).selection;
    expect(Array.from(selectionFlags(input.init.params, dpuSel))).not.toEqual(Array.from(selectionFlags(input.init.params, one.selection)));
  });

  it('trains the same epochs as DPU-iter and changes only selected weights', () => {
    const g = method.round(input);
    const d = dpu.iterativeRound(input, { ratio, shrink });
    expect(g.stats.epochs).toBe(d.stats.epochs);
    const changed = changedIndices(selectableBits(g.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, g.selection);
    expect(changed.length).toBeLessThanOrEqual(Math.floor(ratio * dpu.selectableCount(input.init.params)));
    for (const i of changed) expect(flags[i]).toBe(1);
  });
});

describe('RPU-iter (dpu.randomBudgetRound, dpu.randomBudgetUpdating)', () => {
  const ratio = 0.1, shrink = 0.5;
  const phases = dpu.iterativePhases(ratio, shrink);
  const input = toyInput({ training });
  const validated: number[] = [];
  const r = dpu.randomBudgetRound({ ...input, onEvent: (e) => { if (e.phase === 'masked') validated.push(e.metrics['accuracy'] ?? NaN); } }, { ratio, phases });

  it('trains exactly as many epochs as DPU-iter, for E = 1 and E = 2', () => {
    for (const epochs of [1, 2]) {
      const inp = toyInput({ training: { ...training, epochs } });
      const rpu = dpu.randomBudgetUpdating({ ratio, shrink }).round(inp);
      const iter = dpu.iterativeRound(inp, { ratio, shrink });
      expect(rpu.stats.epochs).toBe(iter.stats.epochs);
      expect(rpu.stats.epochs).toBe(phases * epochs);
    }
    // Every epoch is a deployable checkpoint, so every epoch is validated.
    expect(validated).toHaveLength(phases);
    expect(validated.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('uses the same random selection as RPU', () => {
    const rpu = dpu.randomRound(input, { ratio });
    expect(Array.from(selectionFlags(input.init.params, r.selection))).toEqual(Array.from(selectionFlags(input.init.params, rpu.selection)));
    expect(r.stats.selected).toBe(rpu.stats.selected);
  });

  it('changes only selected weights; every other weight keeps its exact bits; the edge rebuilds it', () => {
    expect(r.update).not.toBeNull();
    const changed = changedIndices(selectableBits(r.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, r.selection);
    expect(changed.length).toBeGreaterThan(0);
    for (const i of changed) expect(flags[i]).toBe(1);
    expect(Array.from(r.update!.indices)).toEqual(changed);
    const edge = dpu.applyUpdate(dpu.edgeModel(input.init), dpu.encodeUpdate(r.update!));
    expect(treeBits(edge.params)).toEqual(treeBits(r.deployed.params));
    expect(r.stats.bestEpoch).toBeGreaterThanOrEqual(0);
    expect(r.stats.bestEpoch).toBeLessThan(phases);
  });

  it('one phase of 2E epochs is exactly RPU, bit for bit', () => {
    const a = dpu.randomBudgetRound(toyInput({ training: { ...training, epochs: 2 } }), { ratio, phases: 1 });
    const b = dpu.randomRound(toyInput({ training: { ...training, epochs: 1 } }), { ratio });
    expect(treeBits(a.deployed.params)).toEqual(treeBits(b.deployed.params));
    expect(a.stats.bestEpoch).toBe(b.stats.bestEpoch);
    expect(a.stats.epochs).toBe(b.stats.epochs);
  });

  it('sends nothing and keeps the model bit-identical when no checkpoint beats the start', () => {
    const good = dpu.round(toyInput({ training: { epochs: 8, batchSize: 32, learningRate: 0.05 } }), { ratio: 1 });
    const bad = dpu.randomBudgetRound(toyInput({ round: 1, deployed: good.deployed, training: { ...training, learningRate: 1e4 } }), { ratio: 0.5, phases: 3 });
    expect(bad.update).toBeNull();
    expect(bad.deployed).toBe(good.deployed);
    expect(treeBits(bad.deployed.params)).toEqual(treeBits(good.deployed.params));
  });

  it('runs in the multi-round driver with the edge in step', () => {
    const data = toyData(96, 5);
    const res = dpu.simulate({
      model: toyModel(), inputShape: [10], train: data, validation: toyData(64, 3), test: toyData(64, 6),
      initialSize: 48, increment: 24, training, seed: 3, method: dpu.randomBudgetUpdating({ ratio, shrink }),
    });
    expect(res.method).toBe('RPU-iter');
    expect(res.rounds).toHaveLength(3);
    for (const rr of res.rounds) expect(rr.stats.epochs).toBe(phases);
  });

  it('rejects bad options at the boundary', () => {
    expect(errorCode(() => dpu.randomBudgetRound(input, { ratio: 1.5, phases: 2 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.randomBudgetRound(input, { ratio: 0.1, phases: 0 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dpu.randomBudgetRound(input, { ratio: 0.1, phases: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dpu.randomBudgetUpdating({ ratio: 0.1, shrink: 1 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.iterativeGlobalUpdating({ ratio: -1 }))).toBe('OUT_OF_RANGE');
    expect(dpu.randomBudgetUpdating({ ratio: 0.1, reinit: true }).reinit).toBe(true);
  });
});
