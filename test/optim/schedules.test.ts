// Schedules give the values documented in their TSDoc and validate their arguments.
import { describe, expect, it } from 'vitest';
import { schedules } from '../../src/optim/index.js';
import { thrown } from '../helpers.js';

const code = (fn: () => unknown) => (thrown(fn) as { code?: string }).code;

describe('schedules', () => {
  it('constant', () => {
    const s = schedules.constant(0.1);
    expect([s(0), s(1), s(1000)]).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: init · gamma^⌊n / stepSize⌋', () => {
    const s = schedules.step(0.1, { stepSize: 10, gamma: 0.5 });
    expect([s(0), s(9), s(10), s(25)]).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it('cosine: from init to alpha · init over decaySteps, then flat', () => {
    const s = schedules.cosine(1, { decaySteps: 100 });
    expect(s(0)).toBe(1);
    expect(s(50)).toBeCloseTo(0.5, 12);
    expect(s(100)).toBeCloseTo(0, 12);
    expect(s(500)).toBeCloseTo(0, 12);
    const a = schedules.cosine(2, { decaySteps: 10, alpha: 0.1 });
    expect(a(10)).toBeCloseTo(0.2, 12);
    expect(a(5)).toBeCloseTo(2 * (0.9 * 0.5 + 0.1), 12);
    expect(a(3)).toBeCloseTo(2 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * 3) / 10)) + 0.1), 12);
  });

  it('exponential: init · rate^(n / transitionSteps), floored with staircase', () => {
    const s = schedules.exponential(1, { decayRate: 0.5, transitionSteps: 10 });
    expect(s(0)).toBe(1);
    expect(s(10)).toBe(0.5);
    expect(s(5)).toBeCloseTo(Math.SQRT1_2, 12);
    const st = schedules.exponential(1, { decayRate: 0.5, transitionSteps: 10, staircase: true });
    expect([st(5), st(10), st(19), st(20)]).toEqual([1, 0.5, 0.5, 0.25]);
  });

  it('warmup: linear from initValue to after(0), then after(n − warmupSteps)', () => {
    const s = schedules.warmup(schedules.cosine(1e-3, { decaySteps: 1000 }), { warmupSteps: 100 });
    expect(s(0)).toBe(0);
    expect(s(50)).toBeCloseTo(5e-4, 15);
    expect(s(100)).toBe(1e-3);
    expect(s(600)).toBeCloseTo(5e-4, 12);
    const c = schedules.warmup(1, { warmupSteps: 4, initValue: 0.2 });
    expect([c(0), c(4), c(100)]).toEqual([0.2, 1, 1]);
    expect(c(2)).toBeCloseTo(0.6, 15);
    const none = schedules.warmup(0.3, { warmupSteps: 0 });
    expect(none(0)).toBe(0.3);
  });

  it('reject bad arguments with INVALID_ARGUMENT', () => {
    expect(code(() => schedules.constant(NaN))).toBe('INVALID_ARGUMENT');
    expect(code(() => schedules.step(0.1, { stepSize: 0, gamma: 0.5 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => schedules.cosine(0.1, { decaySteps: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => schedules.exponential(0.1, { decayRate: 0.5, transitionSteps: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => schedules.warmup(Infinity, { warmupSteps: 3 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => schedules.warmup(1, { warmupSteps: -3 }))).toBe('INVALID_ARGUMENT');
  });
});
