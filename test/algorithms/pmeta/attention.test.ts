// §7 invariant 4, the top-k contract of meta attention: exactly ⌈ρC⌉ channels are nonzero, the
// kept γ sum to m = ⌈ρC⌉, all γ ≥ 0, ties go to the lower index; and the kept set is a constant
// to autograd (gradients reach only the kept logits).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost, fromTyped, grad, key, normal, pmeta, sum, type Tensor } from '../../../src/index.js';

describe('meta attention top-k contract', () => {
  it('exactly ⌈ρC⌉ nonzero, kept weights sum to m, all ≥ 0 (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1000 }),
      (c, rho, seed) => {
        const p = pmeta.initAttention(key(seed), c);
        const x = normal(key(seed + 1), [3, c, 2, 2]);
        const { gamma, index } = pmeta.attend(p, x, rho);
        const m = cost.keptChannels(rho, c);
        const g = Array.from(gamma.toTyped());
        expect(index.length).toBe(m);
        expect(g.filter((v) => v !== 0).length).toBe(m);
        expect(g.every((v) => v >= 0)).toBe(true);
        expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(m, 4);
        expect(Array.from(index)).toEqual([...index].sort((a, b) => a - b));
      },
    ), { numRuns: 60 });
  });

  it('ties go to the lower index', () => {
    expect(Array.from(pmeta.topIndices(Float32Array.of(1, 3, 3, 3, 0), 2))).toEqual([1, 2]);
    expect(Array.from(pmeta.topIndices(Float32Array.of(0, 0, 0), 1))).toEqual([0]);
  });

  it('the kept set is constant under differentiation: dropped logits get zero gradient', () => {
    const s = fromTyped(Float32Array.of(0.1, 2, -1, 1.5), [4]);
    const idx = pmeta.topIndices(s.toTyped(), 2);
    const g = grad((t: Tensor) => sum(pmeta.gammaOf(t, idx).mul(fromTyped(Float32Array.of(1, 2, 3, 4), [4]))))(s).toTyped();
    expect(g[0]).toBe(0);
    expect(g[2]).toBe(0);
    expect(Math.abs(g[1]!) + Math.abs(g[3]!)).toBeGreaterThan(0);
  });
});
