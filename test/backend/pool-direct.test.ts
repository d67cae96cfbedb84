import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromTyped, maxPool2d, sum, vjp } from '../../src/index';
import type { Tensor } from '../../src/index';
import { maxPoolInto } from '../../src/tensor/kernels/pool';

/** maxPool2d through the taped lowering (im2col with −∞ padding, max over axis 0): x is traced. */
function lowered(x: Tensor, k: number, opts: Parameters<typeof maxPool2d>[2]): Tensor {
  let y: Tensor | undefined;
  vjp((xx: Tensor) => { y = maxPool2d(xx, k, opts); return sum(y); }, x);
  return y!;
}

describe('direct max pooling (inference)', () => {
  it('gives the bits of the lowered path, with ties of ±0, NaN, −∞ and padding (fast-check)', () => {
    const special = fc.constantFrom(0, -0, Number.NaN, -Infinity, Infinity, 1, -1, 2.5);
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 2, max: 9 }), w: fc.integer({ min: 2, max: 9 }),
      k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 1 }),
      f64: fc.boolean(),
    }).chain((g) => fc.tuple(fc.constant(g), fc.array(special, { minLength: g.n * g.c * g.h * g.w, maxLength: g.n * g.c * g.h * g.w }))), ([g, vals]) => {
      if (g.k > Math.min(g.h, g.w) + 2 * g.padding || 2 * g.padding > g.k) return;
      const data = g.f64 ? Float64Array.from(vals) : Float32Array.from(vals);
      const x = fromTyped(data, [g.n, g.c, g.h, g.w]);
      const opts = { stride: g.stride, padding: g.padding };
      const got = maxPool2d(x, g.k, opts).toTyped(), want = lowered(x, g.k, opts).toTyped();
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => { expect(Object.is(v, want[i])).toBe(true); });
    }), { numRuns: 300 });
  });

  it('takes the maximum of each window (a hand-checked case)', () => {
    const win = { kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, dh: 1, dw: 1, ho: 1, wo: 2 };
    const out = new Float32Array(2);
    maxPoolInto(new Float32Array([1, 5, 3, 0, 2, -1, 9, 4]), 1, 2, 4, win, out);
    expect(Array.from(out)).toEqual([5, 9]);
  });
});
