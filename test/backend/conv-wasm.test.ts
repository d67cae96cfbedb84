import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, conv2d, grad, key, mul, normal, sum } from '../../src/index';
import type { BackendName, Tensor } from '../../src/index';
import { col2imInto, im2colInto, type Window } from '../../src/tensor/kernels/conv';
import { lcgFloats } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

function on<T>(name: BackendName, f: () => T): T {
  backend.set(name);
  return f();
}

const values = (len: number, seed: number): Float32Array => lcgFloats(len, seed, 7);

describe('wasm im2col / col2im', () => {
  it('are bit-identical to the JS kernels for any geometry (fast-check)', () => {
    fc.assert(fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
        kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
        sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
        pt: fc.integer({ min: 0, max: 2 }), pl: fc.integer({ min: 0, max: 2 }),
        dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
        pad: fc.constantFrom(0, -Infinity, 1.5), seed: fc.integer({ min: 0, max: 1e9 }),
      }),
      (g) => {
        const ho = Math.floor((g.h + 2 * g.pt - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
        const wo = Math.floor((g.w + 2 * g.pl - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
        if (ho < 1 || wo < 1) return;
        const win: Window = { kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, pt: g.pt, pl: g.pl, dh: g.dh, dw: g.dw, ho, wo };
        const x = values(g.n * g.c * g.h * g.w, g.seed);
        const len = g.c * g.kh * g.kw * g.n * ho * wo;
        const cw = new Float32Array(len), cj = new Float32Array(len);
        on('wasm', () => { im2colInto(x, g.n, g.c, g.h, g.w, win, g.pad, cw); });
        on('js', () => { im2colInto(x, g.n, g.c, g.h, g.w, win, g.pad, cj); });
        expect(cw).toEqual(cj);
        const cols = values(len, g.seed + 1);
        const xw = new Float32Array(x.length).fill(NaN), xj = new Float32Array(x.length).fill(NaN);
        on('wasm', () => { col2imInto(cols, g.n, g.c, g.h, g.w, win, xw); });
        on('js', () => { col2imInto(cols, g.n, g.c, g.h, g.w, win, xj); });
        expect(xw).toEqual(xj);
      }), { numRuns: 200 });
  });

  it('conv2d forward and both gradients agree across backends within float32 GEMM rounding', () => {
    const x = normal(key(1), [4, 6, 14, 14]), w = normal(key(2), [16, 6, 5, 5]), r = normal(key(3), [4, 16, 12, 12]);
    const f = grad((xx: Tensor, ww: Tensor) => sum(mul(conv2d(xx, ww, { padding: 1, stride: 1 }), r)), { argnums: [0, 1] });
    const [gw, gj] = [on('wasm', () => f(x, w) as Tensor[]), on('js', () => f(x, w) as Tensor[])];
    for (let q = 0; q < 2; q++) expect(gw[q]!).toBeAllClose(gj[q]!, { rtol: 1e-4, atol: 1e-4 });
  });
});
