// Bad input → NumError at the public boundary of p-Meta (issue 17), and `adapt` never writes the
// meta-learned parameters, not even when it stops on a non-finite support loss.
import { describe, expect, it } from 'vitest';
import { Tensor, astype, data, fromTyped, key, normal, pmeta, randint, zeros } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { snapshot } from './helpers.js';

const net = pmeta.mlpNet(3, [5, 4]);
const make = (over: Partial<pmeta.MetaLearnerOptions> = {}) => pmeta.metaLearner({ net, loss: 'crossEntropy', supportSize: 8, steps: 2, ...over });
const set = (n: number, seed = 1) => ({ x: normal(key(seed), [n, 3]), y: astype(randint(key(seed + 1), [n], 0, 4), 'int32') });

describe('metaLearner options', () => {
  it('ρ ∉ (0, 1], K < 1, λ < 0 and unknown settings are INVALID_ARGUMENT', () => {
    for (const rho of [0, -0.1, 1.5, Number.NaN]) expect(errorCode(() => make({ rho }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ rho: { fw: 0.5, bw: 2 } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ steps: 0 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ steps: 1.5 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ lambda: -1e-3 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ method: 'reptile' as never }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ updated: [false, false] }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => make({ attention: [true] }))).toBe('INVALID_ARGUMENT');
    const conv = pmeta.conv4Net({ classes: 2, channels: 2, inputShape: [1, 16, 16] });
    expect(errorCode(() => pmeta.metaLearner({ net: conv, loss: 'crossEntropy', supportSize: 2, bn: 'batch', microBatch: true }))).toBe('INVALID_ARGUMENT');
  });
});

describe('tasks that do not fit the model or N', () => {
  const learner = make();
  const { meta } = learner.init(key(0));
  it('support/query shapes are SHAPE_MISMATCH, labels outside 0 … N−1 INVALID_ARGUMENT', () => {
    expect(errorCode(() => pmeta.adapt(learner, meta, { x: zeros([8, 4]), y: set(8).y }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => pmeta.adapt(learner, meta, { x: zeros([8, 3]), y: set(7).y }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => pmeta.adapt(learner, meta, { x: zeros([8, 3]), y: zeros([8]) }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => pmeta.adapt(learner, meta, { x: zeros([8, 3]), y: fromTyped(new Int32Array(8).fill(4), [8]) }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => pmeta.metaStep(learner, learner.init(key(0)), [{ support: set(8), query: { x: zeros([5, 2]), y: set(5).y } }]))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => pmeta.metaStep(learner, learner.init(key(0)), []))).toBe('INVALID_ARGUMENT');
  });
  it('regression targets must be [B, outputs] floats', () => {
    const reg = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 4 });
    const m = reg.init(key(0)).meta;
    const t = data.sampleSinusoidTask(key(0), { shots: 4, queries: 4 });
    expect(errorCode(() => pmeta.adapt(reg, m, { x: t.support.x, y: zeros([4]) }))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => pmeta.adapt(reg, m, t.support))).toBeUndefined();
  });
});

describe('meta-state for another architecture', () => {
  it('is STATE_MISMATCH in adapt, metaStep, finalize and adaptationMemory', () => {
    const other = pmeta.metaLearner({ net: pmeta.mlpNet(3, [6, 4]), loss: 'crossEntropy', supportSize: 8 });
    const learner = make();
    const wrong = other.init(key(0));
    expect(errorCode(() => pmeta.adapt(learner, wrong.meta, set(8)))).toBe('STATE_MISMATCH');
    expect(errorCode(() => pmeta.metaStep(learner, wrong, [{ support: set(8), query: set(6) }]))).toBe('STATE_MISMATCH');
    expect(errorCode(() => pmeta.finalize(learner, wrong.meta))).toBe('STATE_MISMATCH');
    expect(errorCode(() => pmeta.adaptationMemory(learner, wrong.meta))).toBe('STATE_MISMATCH');
    expect(errorCode(() => pmeta.adapt(learner, { ...learner.init(key(0)).meta, a: zeros([2, 3]) }, set(8)))).toBe('STATE_MISMATCH');
  });
});

describe('non-finite support loss', () => {
  for (const form of ['device', 'dense'] as const) {
    it(`stops adaptation with OUT_OF_RANGE (${form}) and leaves the meta-state untouched`, () => {
      const learner = make({ innerLr: 3e38, steps: 4 });
      const { meta } = learner.init(key(2));
      const before = snapshot(meta);
      expect(errorCode(() => pmeta.adapt(learner, meta, set(8, 5), { form }))).toBe('OUT_OF_RANGE');
      expect(snapshot(meta)).toEqual(before);
      const nanX = { x: fromTyped(new Float32Array(24).fill(Number.NaN), [8, 3]), y: set(8).y };
      expect(errorCode(() => pmeta.adapt(learner, meta, nanX, { form }))).toBe('OUT_OF_RANGE');
      expect(snapshot(meta)).toEqual(before);
    });
  }
  it('adapt never writes θ on success either', () => {
    const learner = make();
    const { meta } = learner.init(key(4));
    const before = snapshot(meta);
    const r = pmeta.adapt(learner, meta, set(8, 9));
    expect(snapshot(meta)).toEqual(before);
    expect((r.theta[0] as { weight: Tensor }).weight).not.toBe((meta.theta[0] as { weight: Tensor }).weight);
  });
});
