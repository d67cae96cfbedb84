// The silent-NaN cases: finite (or missing) input that used to come back as NaN now
// throws one NumError naming the op, and the valid neighbours of each case still compute.
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { numError } from '../helpers.js';

describe('silent NaN from finite input', () => {
  it('dropout rejects integer tensors and keeps the expectation on floats', () => {
    const xi = lib.tensor([1, 2, 3, 4], { dtype: 'int32' });
    expect(numError(() => lib.dropout(lib.key(1), xi, 0.5))).toMatchObject({ code: 'DTYPE_MISMATCH', op: 'dropout' });
    const y = lib.dropout(lib.key(1), lib.astype(xi, 'float32'), 0.5).toTyped();
    [...y].forEach((v, i) => expect(v === 0 || v === 2 * (i + 1)).toBe(true));
  });

  it('full rejects a non-number value', () => {
    expect(numError(() => lib.full([2], lib.tensor([1]) as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'full' });
    expect(numError(() => lib.full([2], '3' as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'full' });
    expect(lib.full([2], 3).toArray()).toEqual([3, 3]);
    expect(lib.full([1], true).dtype).toBe('bool');
  });

  it('schedules reject a missing step count and a missing options bag', () => {
    const s = lib.schedules;
    const made = [
      s.constant(1), s.step(1, { stepSize: 2, gamma: 0.5 }), s.cosine(1, { decaySteps: 10 }),
      s.exponential(1, { decayRate: 0.5, transitionSteps: 2 }), s.warmup(1, { warmupSteps: 3 }),
    ];
    for (const f of made) {
      const e = numError(() => (f as (n?: unknown) => number)());
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.op.startsWith('schedules.')).toBe(true);
      expect(numError(() => f(NaN)).code).toBe('INVALID_ARGUMENT');
      expect(Number.isFinite(f(4))).toBe(true);
    }
    expect(made[1]!(4)).toBe(0.25);
    for (const g of [() => s.step(1, undefined as never), () => s.cosine(1, null as never), () => s.exponential(1, 3 as never), () => s.warmup(1, undefined as never)]) {
      expect(numError(g).code).toBe('INVALID_ARGUMENT');
    }
    expect(numError(() => s.warmup(() => NaN, { warmupSteps: 1 })(3))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'schedules.warmup' });
  });

  it('gradcheck rejects eps <= 0 and malformed arguments', () => {
    const f = (x: lib.Tensor): lib.Tensor => lib.tanh(x).sum();
    const x = [lib.tensor([0.1, -0.3])];
    for (const eps of [0, -1e-6, NaN]) expect(numError(() => lib.gradcheck(f, x, { eps }))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'gradcheck' });
    expect(numError(() => lib.gradcheck(f, 7 as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'gradcheck' });
    expect(numError(() => lib.gradcheck(7 as never, x))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'gradcheck' });
    expect(numError(() => lib.gradcheck(f, x, { atol: -1 }))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'gradcheck' });
    expect(lib.gradcheck(f, x).ok).toBe(true);
  });
});
