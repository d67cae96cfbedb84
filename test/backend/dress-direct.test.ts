// The WebAssembly DRESS direct kernels against their JS twins (src/algorithms/dress/kernels.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeWindow } from '../../src/index.js';
import { backend } from '../../src/backend/index.js';
import {
  dressKernels, imagesToArray, residentToArray, sparseConvPoolResidentWasm, sparseConvPoolWasmInto, sparseConvWasmInto, sparseLinearFromResidentWasm, sparseLinearResidentWasm, sparseLinearWasmInto,
} from '../../src/backend/dress-direct.js';
import {
  convGeometry, sparseConvInto, sparseConvPoolRef, sparseConvRef, sparseLinearF32Ref, sparseLinearInto, type ConvGeometry,
} from '../../src/algorithms/dress/kernels.js';
import { lcg } from '../helpers.js';


type Index = 'u16' | 'i32' | 'u32';

/** Rows of `stride` rank-ordered (shuffled, distinct) columns out of `k` in the chosen index type. */
function rows(m: number, k: number, stride: number, index: Index, rnd: () => number): { v: Float32Array; idx: Uint16Array | Int32Array | Uint32Array } {
  const v = new Float32Array(m * stride);
  const idx = index === 'u16' ? new Uint16Array(m * stride) : index === 'i32' ? new Int32Array(m * stride) : new Uint32Array(m * stride);
  for (let i = 0; i < m; i++) {
    const perm = Array.from({ length: k }, (_, c) => c);
    for (let a = k - 1; a > 0; a--) { const b = Math.floor(rnd() * (a + 1)); [perm[a], perm[b]] = [perm[b]!, perm[a]!]; }
    for (let r = 0; r < stride; r++) { idx[i * stride + r] = perm[r]!; v[i * stride + r] = rnd() * 2 - 1; }
  }
  return { v, idx };
}

/** |got − want| ≤ 1e-5 · Σ|v·x| per output (float32 summation error), as the other wasm f32 tests. */
function close(got: Float32Array, want: Float32Array, scale: Float32Array): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, q) => {
    if (!(Math.abs(g - want[q]!) <= 1e-5 * scale[q]! + 1e-30)) throw new Error(`out[${q}] ${g} vs ${want[q]} (scale ${scale[q]})`);
  });
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

/** Bit-identical (the fused kernels and their twins sum in the same float32 order). */
function same(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length), w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  g.forEach((bits, q) => { if (bits !== w[q]) throw new Error(`out[${q}] ${got[q]} vs ${want[q]}`); });
}
const index = fc.constantFrom<Index>('u16', 'i32', 'u32');

describe.runIf(backend.available())('DRESS direct kernels on WebAssembly', () => {
  it('the module loads where WebAssembly SIMD exists', () => {
    expect(dressKernels()).toBeDefined();
  });

  const convArb = fc.record({
    n: fc.integer({ min: 1, max: 3 }), ci: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 5 }),
    h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 30 }), kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)), index, seed: fc.nat(1e6),
    a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
  }).filter((r) => r.h + r.pad[0] + r.pad[1] >= r.dh * (r.kh - 1) + 1 && r.w + r.pad[2] + r.pad[3] >= r.dw * (r.kw - 1) + 1);

  /** One drawn conv case: its window and geometry, a row stride and kept count, the rows and an input. */
  function convCase(r: typeof convArb extends fc.Arbitrary<infer T> ? T : never) {
    const win = makeWindow('test', r.h, r.w, [r.kh, r.kw], { stride: [r.sh, r.sw], dilation: [r.dh, r.dw], padding: [[r.pad[0], r.pad[1]], [r.pad[2], r.pad[3]]] });
    const k = r.ci * r.kh * r.kw;
    const stride = 1 + Math.floor(r.a * (k - 1)), count = Math.min(stride, Math.floor(r.b * (stride + 1)));
    const rnd = lcg(r.seed);
    const { v, idx } = rows(r.m, k, stride, r.index, rnd);
    const x = Float32Array.from({ length: r.n * r.ci * r.h * r.w }, () => rnd() - 0.5);
    const g = convGeometry(r.n, r.ci, r.h, r.w, win);
    return { win, stride, count, rnd, v, idx, x, g };
  }

  it('sparseConvWasmInto agrees with sparseConvInto and its reference on any geometry, sparsity and index width', () => {
    fc.assert(fc.property(convArb, (r) => {
      const { win, stride, count, v, idx, x, g } = convCase(r);
      const size = r.n * r.m * win.ho * win.wo;
      const got = new Float32Array(size).fill(Number.NaN), js = new Float32Array(size), ref = new Float32Array(size), scale = new Float32Array(size);
      expect(sparseConvWasmInto(got, v, idx, r.m, stride, count, x, g)).toBe(true);
      sparseConvInto(js, v, idx, r.m, stride, count, x, g);
      sparseConvRef(ref, v, idx, r.m, stride, count, x, g);
      sparseConvRef(scale, abs(v), idx, r.m, stride, count, abs(x), g);
      close(got, js, scale);
      close(got, ref, scale);
    }), { numRuns: 300 });
  });

  it('sparseLinearWasmInto agrees with sparseLinearInto for any batch (padding lanes), stride, prefix and index width', () => {
    fc.assert(fc.property(fc.record({
      m: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 40 }), p: fc.integer({ min: 1, max: 45 }), index, seed: fc.nat(1e6),
      a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
    }), (r) => {
      const stride = 1 + Math.floor(r.a * (r.k - 1)), count = Math.min(stride, Math.floor(r.b * (stride + 1)));
      const rnd = lcg(r.seed);
      const { v, idx } = rows(r.m, r.k, stride, r.index, rnd);
      const x = Float32Array.from({ length: r.p * r.k }, () => rnd() - 0.5);
      const got = new Float32Array(r.p * r.m).fill(Number.NaN), js = new Float32Array(r.p * r.m), scale = new Float32Array(r.p * r.m);
      expect(sparseLinearWasmInto(got, v, idx, r.m, r.k, stride, count, x, r.p)).toBe(true);
      sparseLinearInto(js, v, idx, r.m, r.k, stride, count, x, r.p);
      sparseLinearInto(scale, abs(v), idx, r.m, r.k, stride, count, abs(x), r.p);
      close(got, js, scale);
    }), { numRuns: 300 });
  });

  it('sparseConvPoolWasmInto (conv, bias, 2×2 max pool, relu in one pass) equals sparseConvPoolRef bit for bit', () => {
    fc.assert(fc.property(convArb, fc.boolean(), fc.boolean(), (r, withBias, relu) => {
      const { win, stride, count, rnd, v, idx, x, g } = convCase(r);
      const bias = withBias ? Float32Array.from({ length: r.m }, () => rnd() - 0.5) : undefined;
      const size = r.n * r.m * (win.ho >> 1) * (win.wo >> 1);
      const got = new Float32Array(size).fill(Number.NaN), ref = new Float32Array(size);
      expect(sparseConvPoolWasmInto(got, v, idx, r.m, stride, count, x, g, bias, relu)).toBe(true);
      sparseConvPoolRef(ref, v, idx, r.m, stride, count, x, g, bias, relu);
      same(got, ref);
    }), { numRuns: 300 });
  });

  it('two fused convs chained through the arena (pooled images read in place) equal the reference twins bit for bit', () => {
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 3 }), ci: fc.integer({ min: 1, max: 3 }), m1: fc.integer({ min: 1, max: 5 }), m2: fc.integer({ min: 1, max: 4 }),
      hq: fc.integer({ min: 1, max: 3 }), qn: fc.integer({ min: 1, max: 3 }), k2: fc.integer({ min: 1, max: 3 }), index, seed: fc.nat(1e6), relu: fc.boolean(),
      a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
    }), (r) => {
      // conv 1 (3×3, no padding) pools to an exact 2hq × 4qn plane (what can stay in the arena)
      const hp = 2 * r.hq, wp = 4 * r.qn, h = 2 * hp + 2, w = 2 * wp + 2;
      const geo = (n: number, ci: number, hh: number, ww: number, kk: number): ConvGeometry => ({ n, ci, h: hh, w: ww, kh: kk, kw: kk, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, ho: hh - kk + 1, wo: ww - kk + 1 });
      const g1 = geo(r.n, r.ci, h, w, 3), g2 = geo(r.n, r.m1, hp, wp, Math.min(r.k2, hp, wp));
      if (g2.ho < 2 || g2.wo < 2) return;
      const rnd = lcg(r.seed);
      const c1 = r.ci * 9, c2 = r.m1 * g2.kh * g2.kw;
      const s1 = 1 + Math.floor(r.a * (c1 - 1)), n1 = Math.min(s1, Math.floor(r.b * (s1 + 1)));
      const s2 = 1 + Math.floor(r.b * (c2 - 1)), n2 = Math.min(s2, Math.floor(r.a * (s2 + 1)));
      const l1 = rows(r.m1, c1, s1, r.index, rnd), l2 = rows(r.m2, c2, s2, r.index, rnd);
      const b1 = Float32Array.from({ length: r.m1 }, () => rnd() - 0.5), b2 = Float32Array.from({ length: r.m2 }, () => rnd() - 0.5);
      const x = Float32Array.from({ length: r.n * r.ci * h * w }, () => rnd() - 0.5);
      const want1 = new Float32Array(r.n * r.m1 * hp * wp);
      sparseConvPoolRef(want1, l1.v, l1.idx, r.m1, s1, n1, x, g1, b1, r.relu);
      const res = sparseConvPoolResidentWasm(l1.v, l1.idx, r.m1, s1, n1, x, g1, b1, r.relu)!;
      expect(res).toMatchObject({ n: r.n, c: r.m1, h: hp, w: wp });
      same(imagesToArray(res), want1);
      const res2 = sparseConvPoolResidentWasm(l1.v, l1.idx, r.m1, s1, n1, x, g1, b1, r.relu)!;
      const size2 = r.n * r.m2 * (g2.ho >> 1) * (g2.wo >> 1);
      const got = new Float32Array(size2).fill(Number.NaN), want = new Float32Array(size2);
      expect(sparseConvPoolWasmInto(got, l2.v, l2.idx, r.m2, s2, n2, res2, g2, b2, true)).toBe(true);
      sparseConvPoolRef(want, l2.v, l2.idx, r.m2, s2, n2, want1, g2, b2, true);
      same(got, want);
    }), { numRuns: 200 });
  });

  it('two chained sparse linears through the arena (transposed, no copy between) equal sparseLinearF32Ref bit for bit', () => {
    fc.assert(fc.property(fc.record({
      m1: fc.integer({ min: 1, max: 9 }), m2: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 40 }), p: fc.integer({ min: 1, max: 45 }),
      index, seed: fc.nat(1e6), relu: fc.boolean(), withBias: fc.boolean(),
      a: fc.double({ min: 0, max: 1, noNaN: true }), b: fc.double({ min: 0, max: 1, noNaN: true }),
    }), (r) => {
      const rnd = lcg(r.seed);
      const s1 = 1 + Math.floor(r.a * (r.k - 1)), n1 = Math.min(s1, Math.floor(r.b * (s1 + 1)));
      const s2 = 1 + Math.floor(r.b * (r.m1 - 1)), n2 = Math.min(s2, Math.floor(r.a * (s2 + 1)));
      const l1 = rows(r.m1, r.k, s1, r.index, rnd), l2 = rows(r.m2, r.m1, s2, r.index, rnd);
      const b1 = r.withBias ? Float32Array.from({ length: r.m1 }, () => rnd() - 0.5) : undefined;
      const b2 = r.withBias ? Float32Array.from({ length: r.m2 }, () => rnd() - 0.5) : undefined;
      const x = Float32Array.from({ length: r.p * r.k }, () => rnd() - 0.5);
      const h = sparseLinearResidentWasm(l1.v, l1.idx, r.m1, r.k, s1, n1, x, r.p, b1, r.relu);
      expect(h).toBeDefined();
      const want1 = new Float32Array(r.p * r.m1);
      sparseLinearF32Ref(want1, l1.v, l1.idx, r.m1, r.k, s1, n1, x, r.p, b1, r.relu);
      same(residentToArray(h!), want1);
      // a second resident layer reads the first in place; then the batch-major output layer
      const h2 = sparseLinearResidentWasm(l2.v, l2.idx, r.m2, r.m1, s2, n2, h!, r.p, b2, false)!;
      const want2 = new Float32Array(r.p * r.m2);
      sparseLinearF32Ref(want2, l2.v, l2.idx, r.m2, r.m1, s2, n2, want1, r.p, b2, false);
      same(residentToArray(h2), want2);
      const got = new Float32Array(r.p * r.m2).fill(Number.NaN);
      const h1 = sparseLinearResidentWasm(l1.v, l1.idx, r.m1, r.k, s1, n1, x, r.p, b1, r.relu)!;
      expect(sparseLinearFromResidentWasm(got, l2.v, l2.idx, r.m2, s2, n2, h1, b2)).toBe(true);
      same(got, want2);
    }), { numRuns: 300 });
  });

  it('a later, smaller call after a large one reads none of the earlier operands (arena reuse)', () => {
    const rnd = lcg(7);
    const big = rows(64, 300, 40, 'u16', rnd), xb = Float32Array.from({ length: 33 * 300 }, () => rnd() - 0.5);
    const o1 = new Float32Array(33 * 64);
    sparseLinearWasmInto(o1, big.v, big.idx, 64, 300, 40, 40, xb, 33);
    const small = rows(3, 5, 2, 'i32', rnd), xs = Float32Array.from({ length: 2 * 5 }, () => rnd() - 0.5);
    const got = new Float32Array(6), want = new Float32Array(6), scale = new Float32Array(6);
    sparseLinearWasmInto(got, small.v, small.idx, 3, 5, 2, 1, xs, 2);
    sparseLinearInto(want, small.v, small.idx, 3, 5, 2, 1, xs, 2);
    sparseLinearInto(scale, abs(small.v), small.idx, 3, 5, 2, 1, abs(xs), 2);
    close(got, want, scale);
  });
});
