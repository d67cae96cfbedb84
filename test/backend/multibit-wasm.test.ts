import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend } from '../../src/backend/index';
import { arenaBytes } from '../../src/backend/runtime';
import { multiBitMatrix, reconstruct } from '../../src/bitpack/multibit';
import type { MultiBitMatrix } from '../../src/bitpack/multibit';
import { multiBitGemm, multiBitGemmRef } from '../../src/bitpack/multibit-gemm';
import { multiBitConv2dWasm, multiBitRowsGemmRef, weightRows } from '../../src/bitpack/multibit-rows';
import { im2colInto } from '../../src/tensor/kernels/conv';
import { makeWindow } from '../../src/tensor/ops/conv';
import { lcg } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });
const wasm = backend.available();


/** A random multi-bit weight: some planes masked (α = 0), some groups wholly empty. */
function weight(R: number, K: number, n: number, P: number, seed: number): MultiBitMatrix {
  const rnd = lcg(seed);
  const m = multiBitMatrix(R, K, n, P);
  for (let p = 0; p < P; p++) for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) {
    if (rnd() < 0.5) m.words[(p * R + r) * m.wordsPerRow + (k >>> 5)]! |= 1 << (k & 31);
  }
  for (let q = 0; q < m.alphas.length; q++) m.alphas[q] = rnd() < 0.3 ? 0 : Math.round(rnd() * 256) / 64;
  for (let g = 0; g < R * m.groups; g++) if (rnd() < 0.3) m.alphas.fill(0, g * P, (g + 1) * P);
  return m;
}

const floats = (len: number, seed: number): Float32Array => {
  const rnd = lcg(seed);
  return Float32Array.from({ length: len }, () => (rnd() - 0.5) * 8);
};

/** The JS twin on x [M, K]: transpose, row-list sums, then the output transform. */
function twin(x: Float32Array, M: number, w: MultiBitMatrix, scale: Float64Array, bias: Float64Array): Float32Array {
  const K = w.cols, R = w.rows;
  const b = new Float32Array(K * M);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) b[k * M + i] = x[i * K + k]!;
  const t = multiBitRowsGemmRef(weightRows(w), b, M, M, new Float32Array(R * M), M);
  const out = new Float32Array(M * R);
  for (let i = 0; i < M; i++) for (let r = 0; r < R; r++) out[i * R + r] = t[r * M + i]! * scale[r]! + bias[r]!;
  return out;
}

const arb = fc.record({
  R: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 90 }), M: fc.integer({ min: 1, max: 75 }),
  n: fc.integer({ min: 1, max: 40 }), P: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: 0, max: 0x7fffffff }),
  affine: fc.boolean(),
});

describe.runIf(wasm)('multi-bit × float GEMM on WebAssembly', () => {
  it('is bit-identical to its JS twin and within float32 rounding of the float64 reference', () => {
    fc.assert(fc.property(arb, ({ R, K, M, n, P, seed, affine }) => {
      const w = weight(R, K, Math.min(n, K), P, seed), x = floats(M * K, seed + 1);
      const scale = Float64Array.from({ length: R }, (_, r) => (affine ? 0.5 + r : 1));
      const bias = Float64Array.from({ length: R }, (_, r) => (affine ? r - 2 : 0));
      backend.set('wasm');
      const got = multiBitGemm(x, w, affine ? { scale, bias } : undefined);
      expect(got).toEqual(twin(x, M, w, scale, bias));
      const want = multiBitGemmRef(x, w, affine ? { scale, bias } : undefined);
      const wa = reconstruct(w).map(Math.abs);
      for (let i = 0; i < M; i++) for (let r = 0; r < R; r++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.abs(x[i * K + k]!) * wa[r * K + k]!;
        expect(Math.abs(got[i * R + r]! - want[i * R + r]!)).toBeLessThanOrEqual(1e-5 * s * scale[r]! + 1e-6);
      }
    }), { numRuns: 150 });
  });

  it('lists only the columns of groups non-empty in a pair, sorting rows by their empty groups', () => {
    const w = multiBitMatrix(3, 6, 3, 1);
    w.alphas.set([1, 0, 0, 2, 3, 0]); // rows 0 and 2: group 0 live; row 1: group 1 live
    const rows = weightRows(w);
    expect(Array.from(rows.pairRows)).toEqual([1, 0, 2, 3]); // row 1 first (0,1 < 1,0), then 0 with 2... row 3 = scratch
    expect(Array.from(rows.ptr)).toEqual([0, 6, 9]);
    expect(Array.from(rows.col)).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2]);
    expect(Array.from(rows.val)).toEqual([0, 1, 0, 1, 0, 1, 2, 0, 2, 0, 2, 0, 3, 0, 3, 0, 3, 0]);
  });

  it('conv2d through the arena equals im2col + the JS twin, bit for bit', () => {
    fc.assert(fc.property(fc.record({
      N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 3, max: 9 }), W: fc.integer({ min: 3, max: 9 }),
      O: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 1 }),
      n: fc.integer({ min: 1, max: 12 }), P: fc.integer({ min: 1, max: 2 }), perm: fc.boolean(), seed: fc.integer({ min: 0, max: 0x7fffffff }),
    }), ({ N, C, H, W, O, k, stride, pad, n, P, perm, seed }) => {
      const win = makeWindow('test', H, W, [k, k], { stride, padding: pad });
      const K = C * k * k, L = win.ho * win.wo, NL = N * L;
      const w = weight(O, K, Math.min(n, K), P, seed), x = floats(N * C * H * W, seed + 7);
      const columns = perm ? Int32Array.from({ length: K }, (_, q) => (q * 7 + 3) % K) : null;
      if (columns !== null && new Set(columns).size !== K) return; // 7 and K not coprime
      backend.set('wasm');
      const got = multiBitConv2dWasm(x, N, C, H, W, win, w, columns)!;
      backend.set('js');
      const cols = new Float32Array(K * NL);
      im2colInto(x, N, C, H, W, win, 0, cols);
      const t = multiBitRowsGemmRef(weightRows(w, columns), cols, NL, NL, new Float32Array(O * NL), NL);
      const want = new Float32Array(N * O * L);
      for (let b = 0; b < N; b++) for (let o = 0; o < O; o++) for (let l = 0; l < L; l++) want[(b * O + o) * L + l] = t[o * NL + b * L + l]!;
      expect(got).toEqual(want);
    }), { numRuns: 100 });
  });

  it('does not grow the arena over 10,000 calls of one size', () => {
    backend.set('wasm');
    const w = weight(4, 40, 8, 2, 3), x = floats(40 * 33, 4);
    multiBitGemm(x, w);
    const before = arenaBytes();
    for (let i = 0; i < 10000; i++) multiBitGemm(x, w);
    expect(arenaBytes()).toBe(before);
  });
});

describe.runIf(wasm)('multi-bit × multi-bit GEMM on WebAssembly', () => {
  const arbBits = fc.record({
    R: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 130 }), M: fc.integer({ min: 1, max: 12 }),
    nw: fc.integer({ min: 1, max: 70 }), nx: fc.integer({ min: 1, max: 70 }),
    Pw: fc.integer({ min: 1, max: 3 }), Px: fc.integer({ min: 1, max: 3 }), seed: fc.integer({ min: 0, max: 0x7fffffff }),
    affine: fc.boolean(),
  });
  it('is bit-identical to the JS kernel (its twin) for any two groupings, masked planes and empty groups', () => {
    fc.assert(fc.property(arbBits, ({ R, K, M, nw, nx, Pw, Px, seed, affine }) => {
      const w = weight(R, K, Math.min(nw, K), Pw, seed), x = weight(M, K, Math.min(nx, K), Px, seed + 1);
      const opts = affine ? { scale: Float64Array.from({ length: R }, (_, r) => 0.5 + r), bias: Float64Array.from({ length: R }, (_, r) => r - 2) } : undefined;
      backend.set('js');
      const js = multiBitGemm(x, w, opts);
      backend.set('wasm');
      const got = multiBitGemm(x, w, opts);
      expect(got).toEqual(js);
      // Both within float32 rounding of the float64 matmul of the reconstructions.
      const ref = multiBitGemmRef(x, w, opts);
      for (let o = 0; o < ref.length; o++) expect(Math.abs(got[o]! - ref[o]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref[o]!)));
    }), { numRuns: 150 });
  });

  it('segments spanning many words: K = 1,000 in groups of 300 against groups of 7', () => {
    const w = weight(5, 1000, 300, 2, 11), x = weight(4, 1000, 7, 3, 12);
    backend.set('js');
    const js = multiBitGemm(x, w);
    backend.set('wasm');
    expect(multiBitGemm(x, w)).toEqual(js);
    expect(Array.from(js).some((v) => v !== 0)).toBe(true);
  });

  it('does not grow the arena over 10,000 calls of one size', () => {
    backend.set('wasm');
    const w = weight(8, 64, 16, 2, 3), x = weight(6, 64, 32, 2, 4);
    multiBitGemm(x, w);
    const before = arenaBytes();
    for (let c = 0; c < 10000; c++) multiBitGemm(x, w);
    expect(arenaBytes()).toBe(before);
  });
});

describe('multi-bit × float GEMM on the JS backend', () => {
  it('leaves conv2d to the caller and runs the float64 kernel', () => {
    backend.set('js');
    const w = weight(3, 20, 5, 2, 9), x = floats(20 * 4, 10);
    const win = makeWindow('test', 4, 5, [1, 1], {});
    expect(multiBitConv2dWasm(new Float32Array(20 * 20), 1, 20, 4, 5, win, w, null)).toBeUndefined();
    const got = multiBitGemm(x, w), want = multiBitGemmRef(x, w);
    got.forEach((v, q) => { expect(Math.abs(v - want[q]!)).toBeLessThanOrEqual(1e-4); });
  });
});

describe.runIf(wasm)('ALQ packed LeNet5 with the conv → pool → relu fusion', () => {
  it('gives the bits of the unfused packed forward (copies of the layers are never fused)', async () => {
    const { alq, fromTyped, key, nn } = await import('../../src/index');
    backend.set('wasm');
    const model = nn.lenet5();
    const init = model.init(key(0), [1, 28, 28]);
    const grouping = alq.lenet5Grouping();
    const state = alq.quantize(init.params, { maxBits: 2, grouping });
    const packed = alq.pack(alq.view({ grouping }).apply(init.params, state), state);
    const layers = model.info!.layers!;
    const plain = nn.sequential(...layers.map((l) => ({ info: l.info, init: l.init, apply: l.apply })));
    const x = fromTyped(floats(6 * 28 * 28, 11), [6, 1, 28, 28]);
    const fused = alq.packedApply(model, packed, x, init.state).toTyped();
    expect(fused).toEqual(alq.packedApply(plain, packed, x, init.state).toTyped());
  });
});
