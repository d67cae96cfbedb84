// Multi-bit GEMM over bit-planes (ALQ §5): equals the float matmul of the reconstruction, for float
// activations (weight-only) and multi-bit activations, with masked planes and ragged last groups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  multiBitGemm, multiBitGemmInto, multiBitGemmRef, multiBitMatrix, multiBitPlane, multiBitToFloat, packBits,
  packMultiBit, packUnsignedActivations, unpackBits, xnorGemm, type MultiBitMatrix,
} from '../../src/bitpack/index.js';
import { code, lcg, sgn, values } from './helpers.js';

interface Spec { rows: number; cols: number; groupSize: number; planes: number; seed: number; maskRate: number }

/** Random planes and alphas; about `maskRate` of the (row, group, plane) slots are masked (α = 0). */
function randomMultiBit(s: Spec): { m: MultiBitMatrix; planes: Float64Array[]; alphas: Float64Array } {
  const g = lcg(s.seed);
  const groups = Math.ceil(s.cols / s.groupSize);
  const planes = Array.from({ length: s.planes }, (_, p) => values(s.rows * s.cols, s.seed * 7 + p));
  const alphas = new Float64Array(s.rows * groups * s.planes);
  for (let i = 0; i < alphas.length; i++) alphas[i] = g.next() % 100 < s.maskRate * 100 ? 0 : Math.fround(g.value());
  return { m: packMultiBit(planes, alphas, s.rows, s.cols, s.groupSize), planes, alphas };
}

/** Float64 reconstruction straight from the definition. */
function reconstruct64(planes: Float64Array[], alphas: Float64Array, rows: number, cols: number, groupSize: number): Float64Array {
  const groups = Math.ceil(cols / groupSize), P = planes.length;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      let v = 0;
      for (let p = 0; p < P; p++) v += alphas[(r * groups + Math.floor(k / groupSize)) * P + p]! * sgn(planes[p]![r * cols + k]!);
      out[r * cols + k] = v;
    }
  }
  return out;
}

/** out ≈ x·wᵀ in float64: |out − exact| ≤ 1e-5 · Σ|x·w| (+ float32 rounding of the result). */
function expectMatmul(out: Float32Array, x: ArrayLike<number>, w: Float64Array, m: number, r: number, k: number): void {
  expect(out.length).toBe(m * r);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0, mag = 0;
      for (let p = 0; p < k; p++) {
        s += x[i * k + p]! * w[j * k + p]!;
        mag += Math.abs(x[i * k + p]! * w[j * k + p]!);
      }
      const err = Math.abs(out[i * r + j]! - s);
      if (!(err <= 1e-5 * mag + 1e-6 * Math.abs(s) + 1e-30)) {
        throw new Error(`out[${i}, ${j}] = ${out[i * r + j]}, expected ${s} (Σ|x·w| = ${mag})`);
      }
    }
  }
}

const spec = (maxPlanes: number): fc.Arbitrary<Spec> => fc.record({
  rows: fc.integer({ min: 0, max: 6 }),
  cols: fc.integer({ min: 0, max: 100 }),
  groupSize: fc.integer({ min: 1, max: 40 }),
  planes: fc.integer({ min: 0, max: maxPlanes }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  maskRate: fc.constantFrom(0, 0.3, 0.7),
});

describe('MultiBitMatrix', () => {
  it('multiBitToFloat reconstructs Σ_p α·b_p; planes are BitMatrix views', () => {
    fc.assert(fc.property(spec(3), (s) => {
      const { m, planes, alphas } = randomMultiBit(s);
      const w64 = reconstruct64(planes, alphas, s.rows, s.cols, s.groupSize);
      expect(Array.from(multiBitToFloat(m))).toEqual(Array.from(w64, Math.fround));
      for (let p = 0; p < s.planes; p++) expect(Array.from(unpackBits(multiBitPlane(m, p)))).toEqual(Array.from(planes[p]!, sgn));
    }), { numRuns: 100 });
  });

  it('packUnsignedActivations encodes s·q with m + 1 planes (ALQ §5)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 70 }),
      fc.integer({ min: 1, max: 2 ** 30 }), fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      (bits, rows, cols, seed, groupSize) => {
        const g = lcg(seed);
        const q = Array.from({ length: rows * cols }, () => g.int(0, 2 ** bits - 1));
        const scale = Array.from({ length: rows }, () => Math.fround(0.01 + (g.next() % 1000) / 250));
        const x = packUnsignedActivations(q, rows, cols, { bits, scale, groupSize });
        expect(x.planes).toBe(bits + 1);
        const f = multiBitToFloat(x);
        for (let i = 0; i < q.length; i++) {
          const want = scale[Math.floor(i / Math.max(cols, 1))]! * q[i]!;
          expect(Math.abs(f[i]! - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, want));
        }
      },
    ), { numRuns: 100 });
  });
});

describe('multiBitGemm', () => {
  it('weight-only (float activations) equals the float matmul with the reconstruction', () => {
    fc.assert(fc.property(spec(3), fc.integer({ min: 0, max: 4 }), (s, m) => {
      const { m: w, planes, alphas } = randomMultiBit(s);
      const x = values(m * s.cols, s.seed + 99);
      const w64 = reconstruct64(planes, alphas, s.rows, s.cols, s.groupSize);
      const mm = s.cols === 0 ? 0 : m; // with K = 0 a float x has no rows to count
      expectMatmul(multiBitGemm(x, w), x, w64, mm, s.rows, s.cols);
      expectMatmul(multiBitGemmRef(x, w), x, w64, mm, s.rows, s.cols);
      expectMatmul(multiBitGemm(new Float32Array(x), w), new Float32Array(x), w64, mm, s.rows, s.cols);
    }), { numRuns: 150 });
  });

  it('multi-bit × multi-bit equals the matmul of both reconstructions (different groupings too)', () => {
    fc.assert(fc.property(spec(3), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 50 }), (s, m, xPlanes, xGroup) => {
      const { m: w, planes, alphas } = randomMultiBit(s);
      const xs = randomMultiBit({ rows: m, cols: s.cols, groupSize: xGroup, planes: xPlanes, seed: s.seed + 5, maskRate: 0.2 });
      const w64 = reconstruct64(planes, alphas, s.rows, s.cols, s.groupSize);
      const x64 = reconstruct64(xs.planes, xs.alphas, m, s.cols, xGroup);
      expectMatmul(multiBitGemm(xs.m, w), x64, w64, m, s.rows, s.cols);
      expectMatmul(multiBitGemmRef(xs.m, w), x64, w64, m, s.rows, s.cols);
    }), { numRuns: 150 });
  });

  it('with unsigned m-bit activations (ALQ): ŵᵀ(s·q)', () => {
    fc.assert(fc.property(spec(2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), (s, bits, m) => {
      const { m: w, planes, alphas } = randomMultiBit(s);
      const g = lcg(s.seed + 11);
      const q = Array.from({ length: m * s.cols }, () => g.int(0, 2 ** bits - 1));
      const xq = packUnsignedActivations(q, m, s.cols, { bits, scale: 0.125, groupSize: s.groupSize });
      const w64 = reconstruct64(planes, alphas, s.rows, s.cols, s.groupSize);
      expectMatmul(multiBitGemm(xq, w), q.map((v) => 0.125 * v), w64, m, s.rows, s.cols);
      expectMatmul(multiBitGemm(q.map((v) => 0.125 * v), w), q.map((v) => 0.125 * v), w64, s.cols === 0 ? 0 : m, s.rows, s.cols);
    }), { numRuns: 100 });
  });

  it('one plane with α = β = 1 reduces to xnorGemm; masked planes contribute nothing', () => {
    const rows = 3, cols = 45, m = 2;
    const wv = values(rows * cols, 3), xv = values(m * cols, 4);
    const w = packMultiBit([wv], new Float32Array(rows * 5).fill(1), rows, cols, 9);
    const x = packMultiBit([xv], new Float32Array(m).fill(1), m, cols, cols);
    expect(Array.from(multiBitGemm(x, w))).toEqual(Array.from(xnorGemm(packBits(xv, m, cols), packBits(wv, rows, cols))));
    // A second plane whose α is 0 everywhere changes nothing, whatever its bits.
    const w2 = packMultiBit([wv, values(rows * cols, 8)], Float32Array.from({ length: rows * 5 * 2 }, (_, i) => (i % 2 ? 0 : 1)), rows, cols, 9);
    expect(Array.from(multiBitGemm(x, w2))).toEqual(Array.from(multiBitGemm(x, w)));
  });

  it('applies the output transform and writes into a provided buffer', () => {
    const { m: w, planes, alphas } = randomMultiBit({ rows: 4, cols: 37, groupSize: 10, planes: 2, seed: 5, maskRate: 0.25 });
    const x = values(3 * 37, 6);
    const t = { scale: [1, -2, 0.5, 3], bias: [0, 1, -1, 0.25], clampMin: -4, clampMax: 4 };
    const out = new Float32Array(12).fill(NaN);
    expect(multiBitGemmInto(out, x, w, t)).toBe(out);
    const plain = multiBitGemmRef(x, w);
    const w64 = reconstruct64(planes, alphas, 4, 37, 10);
    expectMatmul(plain, x, w64, 3, 4, 37);
    out.forEach((v, q) => {
      const j = q % 4;
      const want = Math.min(4, Math.max(-4, plain[q]! * t.scale[j]! + t.bias[j]!));
      expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)));
    });
  });

  it('rejects bad inputs with the right codes', () => {
    const w = multiBitMatrix(2, 10, 5, 2);
    expect(code(() => multiBitGemm(new Float32Array(15), w))).toBe('SHAPE_MISMATCH');
    expect(code(() => multiBitGemm(multiBitMatrix(1, 11, 5, 1), w))).toBe('SHAPE_MISMATCH');
    expect(code(() => multiBitGemmInto(new Float32Array(3), new Float32Array(20), w))).toBe('SHAPE_MISMATCH');
    expect(code(() => multiBitGemm(new Float32Array(10), { ...w, alphas: new Float32Array(3) }))).toBe('SHAPE_MISMATCH');
    expect(code(() => multiBitGemm(new Float32Array(10), { ...w, groups: 3 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => multiBitGemm(new Float32Array(10), w, { scale: [1] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => packMultiBit([[1, NaN]], [1], 1, 2, 2))).toBe('INVALID_ARGUMENT');
    expect(code(() => packMultiBit([[1, 2]], [1, 2], 1, 2, 2))).toBe('SHAPE_MISMATCH');
    expect(code(() => packMultiBit([[1, 2]], [1], 1, 2, 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => packUnsignedActivations([4], 1, 1, { bits: 2, scale: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => multiBitPlane(w, 2))).toBe('OUT_OF_RANGE');
  });
});
