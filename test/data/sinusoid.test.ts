// Sinusoid regression tasks: shapes, the MAML ranges, y = A·sin(x − φ) exactly, determinism per key.
import { describe, expect, it } from 'vitest';
import { data, foldIn, key } from '../../src/index.js';
import { errorCode } from '../helpers.js';

describe('sampleSinusoidTask', () => {
  it('draws one curve per key with MAML’s ranges; support and query lie on it', () => {
    for (let t = 0; t < 50; t++) {
      const task = data.sampleSinusoidTask(foldIn(key(0), t), { shots: 10, queries: 7, dtype: 'float64' });
      expect(task.support.x.shape).toEqual([10, 1]);
      expect(task.query.y.shape).toEqual([7, 1]);
      expect(task.amplitude).toBeGreaterThanOrEqual(0.1);
      expect(task.amplitude).toBeLessThanOrEqual(5);
      expect(task.phase).toBeGreaterThanOrEqual(0);
      expect(task.phase).toBeLessThanOrEqual(Math.PI);
      for (const s of [task.support, task.query]) {
        const x = s.x.toTyped(), y = s.y.toTyped();
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(x[i]!)).toBeLessThanOrEqual(5);
          expect(y[i]).toBeCloseTo(task.amplitude * Math.sin(x[i]! - task.phase), 12);
        }
      }
    }
  });
  it('is a pure function of the key', () => {
    const a = data.sampleSinusoidTask(key(3), { shots: 5, queries: 5 });
    const b = data.sampleSinusoidTask(key(3), { shots: 5, queries: 5 });
    const c = data.sampleSinusoidTask(key(4), { shots: 5, queries: 5 });
    expect(a.support.x.toArray()).toEqual(b.support.x.toArray());
    expect(a.amplitude).toBe(b.amplitude);
    expect(a.amplitude).not.toBe(c.amplitude);
  });
  it('rejects bad counts and ranges', () => {
    expect(errorCode(() => data.sampleSinusoidTask(key(0), { shots: 0, queries: 1 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => data.sampleSinusoidTask(key(0), { shots: 1, queries: 1, amplitude: [2, 1] }))).toBe('INVALID_ARGUMENT');
  });
});
