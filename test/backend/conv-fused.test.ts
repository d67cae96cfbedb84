import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, conv2d, fromTyped, sum, vjp } from '../../src/index';
import type { Tensor } from '../../src/index';
import { conv2dWasmInto } from '../../src/backend/conv-fused';
import { lcgFloats } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

const values = (len: number, seed: number): Float32Array => lcgFloats(len, seed, 256);

/** conv2d through the taped lowering (im2col, matmul, permute, add): x is traced, so nothing is fused. */
function lowered(x: Tensor, w: Tensor, opts: Parameters<typeof conv2d>[2]): Tensor {
  let y: Tensor | undefined;
  vjp((xx: Tensor) => { y = conv2d(xx, w, opts); return sum(y); }, x);
  return y!;
}

describe('fused wasm conv2d (inference)', () => {
  it('gives the bits of the lowered path and agrees with the JS backend (fast-check over geometry, bias)', () => {
    backend.set('wasm');
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), o: fc.integer({ min: 1, max: 9 }),
      h: fc.integer({ min: 3, max: 11 }), w: fc.integer({ min: 3, max: 11 }),
      k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 2 }),
      dilation: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1e9 }),
    }), (g) => {
      if (g.dilation * (g.k - 1) + 1 > Math.min(g.h, g.w) + 2 * g.padding) return;
      const x = fromTyped(values(g.n * g.c * g.h * g.w, g.seed), [g.n, g.c, g.h, g.w]);
      const w = fromTyped(values(g.o * g.c * g.k * g.k, g.seed + 1), [g.o, g.c, g.k, g.k]);
      const opts = { stride: g.stride, padding: g.padding, dilation: g.dilation, ...(g.bias ? { bias: fromTyped(values(g.o, g.seed + 2)) } : {}) };
      backend.set('wasm');
      const fused = conv2d(x, w, opts);
      expect(fused.toTyped()).toEqual(lowered(x, w, opts).toTyped());
      backend.set('js');
      expect(fused).toBeAllClose(conv2d(x, w, opts), { rtol: 1e-5, atol: 1e-4 });
    }), { numRuns: 150 });
  });

  it('gives the same bits when the batch is split into cache-sized chunks (one image per chunk here)', () => {
    backend.set('wasm');
    const x = fromTyped(values(3 * 8 * 40 * 40, 5), [3, 8, 40, 40]); // K·L = 200·1296 floats > 1 MiB
    const w = fromTyped(values(7 * 8 * 5 * 5, 6), [7, 8, 5, 5]);
    const opts = { bias: fromTyped(values(7, 7)) };
    expect(conv2d(x, w, opts).toTyped()).toEqual(lowered(x, w, opts).toTyped());
  });

  it('gives the bits of the lowered path when K spans several 256-term blocks (odd O: a scratch row)', () => {
    backend.set('wasm');
    for (const [c, o, k] of [[20, 7, 5], [11, 50, 5], [30, 3, 3]] as const) { // K = 500, 275, 270
      const x = fromTyped(values(2 * c * 9 * 9, c), [2, c, 9, 9]);
      const w = fromTyped(values(o * c * k * k, o), [o, c, k, k]);
      const opts = { bias: fromTyped(values(o, 3)) };
      expect(conv2d(x, w, opts).toTyped()).toEqual(lowered(x, w, opts).toTyped());
    }
  });

  it('writes NCHW with the bias added (a hand-checked case)', () => {
    // x: one 1×3×3 image 1..9; w: two 2×2 filters (sum, and top-left only); bias [10, -1].
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = new Float32Array([1, 1, 1, 1, 1, 0, 0, 0]);
    const out = new Float32Array(8);
    const win = { kh: 2, kw: 2, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1, ho: 2, wo: 2 };
    expect(conv2dWasmInto(out, x, 1, 1, 3, 3, win, w, 2, new Float32Array([10, -1]))).toBe(true);
    expect(Array.from(out)).toEqual([22, 26, 34, 38, 0, 1, 3, 4]);
  });
});
