// The packed runner's JS kernels against their reference twins and the library's im2col path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTyped, im2col, makeWindow } from '../../../src/index.js';
import { convGeometry, sparseConvInto, sparseConvRef, sparseLinearInto } from '../../../src/algorithms/dress/kernels.js';
import { spmmRef, type KernelRows } from '../../../src/sparse/kernels.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** Rows of `stride` rank-ordered (shuffled, distinct) columns out of `k`, random values. */
function rows(m: number, k: number, stride: number, rnd: () => number): { v: Float32Array; idx: Uint16Array } {
  const v = new Float32Array(m * stride), idx = new Uint16Array(m * stride);
  for (let i = 0; i < m; i++) {
    const perm = Array.from({ length: k }, (_, c) => c);
    for (let a = k - 1; a > 0; a--) { const b = Math.floor(rnd() * (a + 1)); [perm[a], perm[b]] = [perm[b]!, perm[a]!]; }
    for (let r = 0; r < stride; r++) { idx[i * stride + r] = perm[r]!; v[i * stride + r] = rnd() * 2 - 1; }
  }
  return { v, idx };
}

const close = (got: Float32Array, want: Float32Array): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[q]!))));
};

describe('dress kernels', () => {
  const convArb = fc.record({
    n: fc.integer({ min: 1, max: 2 }), ci: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 1, max: 11 }), w: fc.integer({ min: 1, max: 21 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 3 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)), seed: fc.nat(1e6), a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
  }).filter((r) => r.h + r.pad[0] + r.pad[1] >= r.dh * (r.kh - 1) + 1 && r.w + r.pad[2] + r.pad[3] >= r.dw * (r.kw - 1) + 1);

  it('sparseConvInto equals its reference twin and im2col + the row-balanced reference on any geometry', () => {
    fc.assert(fc.property(convArb, (r) => {
      const win = makeWindow('test', r.h, r.w, [r.kh, r.kw], { stride: [r.sh, r.sw], dilation: [r.dh, r.dw], padding: [[r.pad[0], r.pad[1]], [r.pad[2], r.pad[3]]] });
      const k = r.ci * r.kh * r.kw;
      const stride = 1 + Math.floor(r.a * (k - 1)), count = Math.floor(r.b * stride);
      const rnd = lcg(r.seed);
      const { v, idx } = rows(r.m, k, stride, rnd);
      const x = Float32Array.from({ length: r.n * r.ci * r.h * r.w }, () => rnd() - 0.5);
      const g = convGeometry(r.n, r.ci, r.h, r.w, win);
      const size = r.n * r.m * win.ho * win.wo;
      const got = new Float32Array(size).fill(Number.NaN), want = new Float32Array(size);
      sparseConvInto(got, v, idx, r.m, stride, count, x, g);
      sparseConvRef(want, v, idx, r.m, stride, count, x, g);
      close(got, want);
      // The same product through the library's im2col and the generic row-balanced reference.
      const cols = im2col(fromTyped(x, [r.n, r.ci, r.h, r.w]), win, 0).toTyped() as Float32Array;
      const pos = r.n * win.ho * win.wo;
      const a: KernelRows = { m: r.m, k, indptr: null, rowNnz: count, stride, indices: idx, nnz: r.m * count };
      const mp = new Float32Array(r.m * pos);
      spmmRef(mp, a, v, cols, pos, false);
      const nchw = new Float32Array(size);
      for (let i = 0; i < r.m; i++) for (let q = 0; q < pos; q++) {
        const b = Math.floor(q / (win.ho * win.wo)), o = q % (win.ho * win.wo);
        nchw[(b * r.m + i) * win.ho * win.wo + o] = mp[i * pos + q]!;
      }
      close(got, nchw);
    }), { numRuns: 150 });
  });

  it('sparseLinearInto equals the row-balanced reference (B·Aᵀ) for any batch, stride and prefix', () => {
    fc.assert(fc.property(fc.record({
      m: fc.integer({ min: 1, max: 7 }), k: fc.integer({ min: 1, max: 13 }), p: fc.integer({ min: 1, max: 21 }), seed: fc.nat(1e6),
      a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
    }), (r) => {
      const stride = 1 + Math.floor(r.a * (r.k - 1)), count = Math.floor(r.b * stride);
      const rnd = lcg(r.seed);
      const { v, idx } = rows(r.m, r.k, stride, rnd);
      const x = Float32Array.from({ length: r.p * r.k }, () => rnd() - 0.5);
      const got = new Float32Array(r.p * r.m).fill(Number.NaN), want = new Float32Array(r.p * r.m);
      sparseLinearInto(got, v, idx, r.m, r.k, stride, count, x, r.p);
      spmmRef(want, { m: r.m, k: r.k, indptr: null, rowNnz: count, stride, indices: idx, nnz: r.m * count }, v, x, r.p, true);
      close(got, want);
    }), { numRuns: 200 });
  });
});
