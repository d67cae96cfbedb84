import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, conv2d, fromTyped } from '../../src/index';
import { conv2dDirectInto } from '../../src/backend/conv-direct';
import { conv2dGemmInto, type FusedPool } from '../../src/backend/conv-fused';
import type { Win } from '../../src/backend/conv';
import type { WeightRows } from '../../src/backend/multibit';
import { lcgFloats } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

const values = (len: number, seed: number): Float32Array => lcgFloats(len, seed, 256);

interface Geo { n: number; c: number; o: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; dh: number; dw: number }

/** The window of a geometry with symmetric padding, or undefined when the kernel does not fit. */
function windowOf(g: Geo): Win | undefined {
  const ho = Math.floor((g.h + 2 * g.pt - g.dh * (g.kh - 1) - 1) / g.sh) + 1;
  const wo = Math.floor((g.w + 2 * g.pl - g.dw * (g.kw - 1) - 1) / g.sw) + 1;
  return ho >= 1 && wo >= 1 ? { kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, pt: g.pt, pl: g.pl, dh: g.dh, dw: g.dw, ho, wo } : undefined;
}

/** float64 reference conv and Σ|w·x| + |bias| per output (the scale of its rounding error). */
function reference(x: Float32Array, wt: Float32Array, bias: Float32Array | undefined, g: Geo, win: Win): { y: Float64Array; mag: Float64Array } {
  const L = win.ho * win.wo, y = new Float64Array(g.n * g.o * L), mag = new Float64Array(g.n * g.o * L);
  for (let b = 0; b < g.n; b++) for (let o = 0; o < g.o; o++) for (let oy = 0; oy < win.ho; oy++) for (let ox = 0; ox < win.wo; ox++) {
    let s = bias?.[o] ?? 0, m = Math.abs(s);
    for (let c = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      const iy = oy * g.sh - g.pt + i * g.dh, ix = ox * g.sw - g.pl + j * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      const p = wt[((o * g.c + c) * g.kh + i) * g.kw + j]! * x[((b * g.c + c) * g.h + iy) * g.w + ix]!;
      s += p; m += Math.abs(p);
    }
    const q = (b * g.o + o) * L + oy * win.wo + ox;
    y[q] = s; mag[q] = m;
  }
  return { y, mag };
}

const geometry = fc.record({
  n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 7 }), o: fc.integer({ min: 1, max: 35 }),
  h: fc.integer({ min: 1, max: 10 }), w: fc.integer({ min: 1, max: 10 }),
  kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  pt: fc.integer({ min: 0, max: 2 }), pl: fc.integer({ min: 0, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
});

describe('direct wasm conv2d (45-conv-direct.wat)', () => {
  it('is within 1e-5 of the float64 reference, bit-identical run to run and to im2col + GEMM (fast-check)', () => {
    backend.set('wasm');
    fc.assert(fc.property(geometry, fc.boolean(), fc.integer({ min: 0, max: 1e9 }), (g, withBias, seed) => {
      const win = windowOf(g);
      if (win === undefined) return;
      const K = g.c * g.kh * g.kw, len = g.n * g.o * win.ho * win.wo;
      const x = values(g.n * g.c * g.h * g.w, seed), wt = values(g.o * K, seed + 1), bias = withBias ? values(g.o, seed + 2) : undefined;
      const got = new Float32Array(len).fill(NaN), again = new Float32Array(len).fill(NaN), gemm = new Float32Array(len).fill(NaN);
      expect(conv2dDirectInto(got, x, g.n, g.c, g.h, g.w, win, wt, g.o, bias)).toBe(true);
      const { y, mag } = reference(x, wt, bias, g, win);
      for (let q = 0; q < len; q++) expect(Math.abs(got[q]! - y[q]!)).toBeLessThanOrEqual(1e-5 * mag[q]! + 1e-30);
      conv2dDirectInto(again, x, g.n, g.c, g.h, g.w, win, wt, g.o, bias);
      expect(again).toEqual(got);
      conv2dGemmInto(gemm, x, g.n, g.c, g.h, g.w, win, wt, g.o, bias);
      expect(got).toEqual(gemm);
    }), { numRuns: 200 });
  });

  it('sums K > 256 in the GEMM\'s 256-term blocks (same bits), both channel tiles, odd pixel counts', () => {
    backend.set('wasm');
    for (const [c, o, k, h] of [[20, 7, 5, 9], [11, 50, 5, 8], [30, 3, 3, 7], [64, 16, 3, 5], [13, 17, 5, 11]] as const) {
      const win: Win = { kh: k, kw: k, sh: 1, sw: 1, pt: 1, pl: 1, dh: 1, dw: 1, ho: h + 2 - k + 1, wo: h + 2 - k + 1 };
      const x = values(2 * c * h * h, c), wt = values(o * c * k * k, o), bias = values(o, 3);
      const len = 2 * o * win.ho * win.wo, a = new Float32Array(len), b = new Float32Array(len);
      conv2dDirectInto(a, x, 2, c, h, h, win, wt, o, bias);
      conv2dGemmInto(b, x, 2, c, h, h, win, wt, o, bias);
      expect(a).toEqual(b);
    }
  });

  it('with a fused max pool and relu gives the bits of the GEMM route (fast-check)', () => {
    backend.set('wasm');
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 6, max: 13 }), fc.constantFrom<FusedPool['relu']>('none', 'after', 'before'), fc.boolean(), fc.integer({ min: 0, max: 1e9 }),
      (n, c, o, h, relu, withBias, seed) => {
        const win: Win = { kh: 3, kw: 3, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1, ho: h - 2, wo: h - 2 };
        const pool: FusedPool = { kh: 2, kw: 2, sh: 2, sw: 2, hp: Math.floor(win.ho / 2), wp: Math.floor(win.wo / 2), relu };
        const x = values(n * c * h * h, seed), wt = values(o * c * 9, seed + 1), bias = withBias ? values(o, seed + 2) : undefined;
        const len = n * o * pool.hp * pool.wp, a = new Float32Array(len), b = new Float32Array(len);
        expect(conv2dDirectInto(a, x, n, c, h, h, win, wt, o, bias, pool)).toBe(true);
        conv2dGemmInto(b, x, n, c, h, h, win, wt, o, bias, pool);
        expect(a).toEqual(b);
      }), { numRuns: 60 });
  });

  it('runs multi-bit pair lists (ALQ) with the bits of im2col + the pair kernel, pooled or not (fast-check)', () => {
    backend.set('wasm');
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 }),
      fc.constantFrom<FusedPool['relu'] | 'no pool'>('no pool', 'none', 'after', 'before'), fc.integer({ min: 0, max: 1e9 }),
      (n, c, R, wBlocks, hBlocks, pad, sh, relu, seed) => {
        const k = 3, wo = 8 * wBlocks, ho = 2 * hBlocks, w = wo + k - 1 - 2 * pad, h = (ho - 1) * sh + k - 2 * pad;
        const win: Win = { kh: k, kw: k, sh, sw: 1, pt: pad, pl: pad, dh: 1, dw: 1, ho, wo };
        const K = c * k * k, pairs = (R + 1) >> 1, rnd = values(4 * pairs * K + 8, seed);
        // Each pair: a random subset of the columns in a scrambled order, with both rows' weights.
        const ptr = new Int32Array(pairs + 1), pairRows = new Int32Array(2 * pairs), col: number[] = [], val: number[] = [];
        for (let q = 0; q < pairs; q++) {
          pairRows[2 * q] = 2 * q; pairRows[2 * q + 1] = 2 * q + 1 < R ? 2 * q + 1 : R;
          for (let j = 0; j < K; j++) {
            const kk = (j * 7 + q) % K;
            if (rnd[q * K + j]! > 0) { col.push(kk); val.push(rnd[pairs * K + q * K + j]!, 2 * q + 1 < R ? rnd[2 * pairs * K + q * K + j]! : 0); }
          }
          ptr[q + 1] = col.length;
        }
        const rows: WeightRows = { rows: R, cols: K, pairs, ptr, pairRows, col: Int32Array.from(col), val: Float32Array.from(val) };
        const x = values(n * c * h * w, seed + 1);
        const pool: FusedPool | undefined = relu === 'no pool' ? undefined : { kh: 2, kw: 2, sh: 2, sw: 2, hp: ho / 2, wp: wo / 2, relu };
        const bias = pool === undefined ? undefined : values(R, seed + 2);
        const len = pool === undefined ? n * R * ho * wo : n * R * pool.hp * pool.wp, a = new Float32Array(len), b = new Float32Array(len);
        expect(conv2dDirectInto(a, x, n, c, h, w, win, rows, R, bias, pool)).toBe(true);
        conv2dGemmInto(b, x, n, c, h, w, win, rows, R, bias, pool);
        expect(a).toEqual(b);
      }), { numRuns: 80 });
  });

  it('agrees with its JS twin (conv2d on the js backend) on LeNet\'s two conv layers', () => {
    for (const [n, c, o, h] of [[5, 1, 6, 28], [5, 6, 16, 14]] as const) {
      const x = fromTyped(values(n * c * h * h, h), [n, c, h, h]), w = fromTyped(values(o * c * 25, o), [o, c, 5, 5]);
      const bias = fromTyped(values(o, 1));
      backend.set('wasm');
      const yw = conv2d(x, w, { bias });
      backend.set('js');
      expect(yw).toBeAllClose(conv2d(x, w, { bias }), { rtol: 1e-5, atol: 1e-5 });
    }
  });

  it('writes NCHW with the bias added (a hand-checked case, both tiles)', () => {
    // x: one 1×3×3 image 1..9; w: filters (sum, top-left only) repeated; bias [10, -1, …].
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const win: Win = { kh: 2, kw: 2, sh: 1, sw: 1, pt: 0, pl: 0, dh: 1, dw: 1, ho: 2, wo: 2 };
    for (const o of [2, 10]) {
      const w = new Float32Array(4 * o), bias = new Float32Array(o), want: number[] = [];
      for (let q = 0; q < o; q++) {
        w.set(q % 2 === 0 ? [1, 1, 1, 1] : [1, 0, 0, 0], 4 * q);
        bias[q] = q % 2 === 0 ? 10 : -1;
        want.push(...(q % 2 === 0 ? [22, 26, 34, 38] : [0, 1, 3, 4]));
      }
      const out = new Float32Array(4 * o);
      expect(conv2dDirectInto(out, x, 1, 1, 3, 3, win, w, o, bias)).toBe(true);
      expect(Array.from(out)).toEqual(want);
    }
  });
});
