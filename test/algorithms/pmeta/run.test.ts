// The driver: named phases in order, RunEvents through onEvent, a Report whose cost comes from
// src/cost (peak memory = pmeta.adaptationMemory), mean ± 95 % CI over the meta-test tasks, the
// same tasks for every method from one key, and argument checks.
import { describe, expect, it } from 'vitest';
import { data, key, pmeta, type Key, type RunEvent } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';

const src = (k: Key): pmeta.MetaTask => data.sampleSinusoidTask(k, { shots: 5, queries: 5 });
const net = pmeta.mlpNet(1, [8, 8, 1]);
const learner = (method: pmeta.Method) => pmeta.metaLearner({ net, loss: 'mse', supportSize: 5, steps: 1, method });

describe('pmeta.run', () => {
  it('runs meta-train, finalize, meta-test and memory, and reports them', () => {
    const events: RunEvent[] = [];
    const r = pmeta.run({ learner: learner('pmeta'), train: src, test: src, key: key(0), iterations: 4, metaBatch: 3, testTasks: 7, logEvery: 2, onEvent: (e) => events.push(e) });
    expect(r.report.phases.map((p) => p.name)).toEqual(['meta-train', 'finalize', 'meta-test', 'memory']);
    expect(events.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual([1, 3]);
    expect(events.every((e) => e.method === 'pmeta:pmeta')).toBe(true);
    expect(r.state.step).toBe(4);
    expect(r.testLoss.n).toBe(7);
    expect(r.testLoss.ci95).toBeGreaterThan(0);
    expect(r.report.metrics['loss']).toBe(r.testLoss.mean);
    const m = pmeta.adaptationMemory(learner('pmeta'), r.state.meta);
    expect(r.report.cost.peakMemoryBytes).toBe(m.peakBytes);
    expect(r.report.cost.macs).toBe(m.macs);
    expect(r.report.cost.energyJ).toBeGreaterThan(0);
  });

  it('emits meta-test progress every testLogEvery tasks (running means), none by default', () => {
    const events: RunEvent[] = [];
    const r = pmeta.run({ learner: learner('maml'), train: src, test: src, key: key(2), iterations: 1, metaBatch: 1, testTasks: 7, testLogEvery: 3, onEvent: (e) => events.push(e) });
    const prog = events.filter((e) => e.phase === 'meta-test' && e.kind === 'step');
    expect(prog.map((e) => e.step)).toEqual([2, 5]);
    expect(prog.every((e) => Number.isFinite(e.metrics['loss']))).toBe(true);
    const quiet: RunEvent[] = [];
    const q = pmeta.run({ learner: learner('maml'), train: src, test: src, key: key(2), iterations: 1, metaBatch: 1, testTasks: 7, onEvent: (e) => quiet.push(e) });
    expect(quiet.some((e) => e.phase === 'meta-test' && e.kind === 'step')).toBe(false);
    expect(q.testLoss).toEqual(r.testLoss);
  });

  it('gives every method the same meta-test tasks from one key (ANIL twice = same figures)', () => {
    const a = pmeta.run({ learner: learner('anil'), train: src, test: src, key: key(1), iterations: 2, metaBatch: 2, testTasks: 5 });
    const b = pmeta.run({ learner: learner('anil'), train: src, test: src, key: key(1), iterations: 2, metaBatch: 2, testTasks: 5 });
    expect(b.testLoss).toEqual(a.testLoss);
  });

  it('rejects bad options', () => {
    expect(errorCode(() => pmeta.run({ learner: learner('maml'), train: src, test: src, key: key(0), iterations: -1, metaBatch: 2 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => pmeta.run({ learner: learner('maml'), train: src, test: src, key: key(0), iterations: 1, metaBatch: 0 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => pmeta.run({ learner: learner('maml'), train: 3 as never, test: src, key: key(0), iterations: 1, metaBatch: 1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => pmeta.run({ learner: learner('maml'), train: src, test: src, key: key(0), iterations: 1, metaBatch: 1, testLogEvery: 1.5 }))).toBe('INVALID_ARGUMENT');
  });

  it('meanCi: mean and 1.96·s/√n', () => {
    const r = pmeta.meanCi([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.ci95).toBeCloseTo((1.96 * Math.sqrt(5 / 3)) / 2, 12);
  });
});
