// Binary conv2d on packed bits equals the float convolution of the signs, +1-padded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryConv2d, binaryConv2dShape, packBits } from '../../src/bitpack/index.js';
import { code, sgn, values } from './helpers.js';

interface Case {
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; seed: number;
}

/** Naive NCHW/OIHW convolution of sign(x) and sign(w), with +1 outside the image. */
function convOfSigns(x: Float64Array, wt: Float64Array, k: Case, ho: number, wo: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < k.n; n++) {
    for (let o = 0; o < k.o; o++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          let s = 0;
          for (let c = 0; c < k.c; c++) {
            for (let ky = 0; ky < k.kh; ky++) {
              for (let kx = 0; kx < k.kw; kx++) {
                const iy = oy * k.sh - k.ph + ky * k.dh, ix = ox * k.sw - k.pw + kx * k.dw;
                const xs = iy >= 0 && iy < k.h && ix >= 0 && ix < k.w ? sgn(x[((n * k.c + c) * k.h + iy) * k.w + ix]!) : 1;
                s += xs * sgn(wt[((o * k.c + c) * k.kh + ky) * k.kw + kx]!);
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return out;
}

const cases: fc.Arbitrary<Case> = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), o: fc.integer({ min: 1, max: 5 }),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }),
  ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
}).filter((k) => k.h + 2 * k.ph >= k.dh * (k.kh - 1) + 1 && k.w + 2 * k.pw >= k.dw * (k.kw - 1) + 1);

describe('binaryConv2d', () => {
  it('equals the float convolution of the signs with +1 padding (stride, padding, dilation)', () => {
    fc.assert(fc.property(cases, (k) => {
      const x = values(k.n * k.c * k.h * k.w, k.seed), wt = values(k.o * k.c * k.kh * k.kw, k.seed + 1);
      const w = packBits(wt, k.o, k.c * k.kh * k.kw);
      const opts = { kernelSize: [k.kh, k.kw] as const, stride: [k.sh, k.sw] as const, padding: [k.ph, k.pw] as const, dilation: [k.dh, k.dw] as const };
      const shape = binaryConv2dShape([k.n, k.c, k.h, k.w], w, opts);
      const ho = Math.floor((k.h + 2 * k.ph - k.dh * (k.kh - 1) - 1) / k.sh) + 1;
      const wo = Math.floor((k.w + 2 * k.pw - k.dw * (k.kw - 1) - 1) / k.sw) + 1;
      expect(shape).toEqual([k.n, k.o, ho, wo]);
      const y = binaryConv2d(x, [k.n, k.c, k.h, k.w], w, opts);
      expect(Array.from(y)).toEqual(convOfSigns(x, wt, k, ho, wo));
    }), { numRuns: 150 });
  });

  it('fuses the per-channel output transform', () => {
    const k: Case = { n: 2, c: 3, h: 6, w: 5, o: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, seed: 42 };
    const x = values(2 * 3 * 6 * 5, 1), wt = values(4 * 27, 2);
    const w = packBits(wt, 4, 27);
    const t = { scale: [0.5, -1, 2, 0.25], bias: [1, 0, -3, 0.5], clampMin: -2, clampMax: 6 };
    const y = binaryConv2d(x, [2, 3, 6, 5], w, { kernelSize: 3, padding: 1, ...t });
    const dots = convOfSigns(x, wt, k, 6, 5);
    expect(Array.from(y)).toEqual(dots.map((d, q) => {
      const o = Math.floor(q / 30) % 4;
      return Math.fround(Math.min(6, Math.max(-2, d * t.scale[o]! + t.bias[o]!)));
    }));
  });

  it('a K large enough to span several words (C = 16, 3×3: K = 144)', () => {
    const k: Case = { n: 1, c: 16, h: 5, w: 4, o: 6, kh: 3, kw: 3, sh: 1, sw: 2, ph: 1, pw: 0, dh: 1, dw: 1, seed: 7 };
    const x = values(16 * 20, 3), wt = values(6 * 144, 4);
    const y = binaryConv2d(x, [1, 16, 5, 4], packBits(wt, 6, 144), { kernelSize: 3, stride: [1, 2], padding: [1, 0] });
    expect(Array.from(y)).toEqual(convOfSigns(x, wt, k, 5, 1));
  });

  it('rejects bad inputs with the right codes', () => {
    const w = packBits(values(2 * 9, 1), 2, 9);
    const x = values(16, 2);
    expect(code(() => binaryConv2d(x, [1, 1, 4, 4], packBits(values(8, 1), 1, 8), { kernelSize: 3 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => binaryConv2d(x, [1, 1, 4, 3], w, { kernelSize: 3 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => binaryConv2d(x, [1, 1, 2, 8], w, { kernelSize: 3 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => binaryConv2d(x, [1, 1, 4], w, { kernelSize: 3 }))).toBe('SHAPE_MISMATCH');
    const bad = Float64Array.from(x);
    bad[5] = NaN;
    expect(code(() => binaryConv2d(bad, [1, 1, 4, 4], w, { kernelSize: 3 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => binaryConv2d(x, [1, 1, 4, 4], w, { kernelSize: 3, stride: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => binaryConv2d(x, [1, 1, 4, 4], w, { kernelSize: 3, scale: [1] }))).toBe('SHAPE_MISMATCH');
  });
});
