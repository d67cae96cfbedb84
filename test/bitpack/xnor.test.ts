// XNOR-popcount GEMM: exact against the integer matmul of the signs, fast kernel = reference twin.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../../src/index.js';
import { packBits, xnorGemm, xnorGemmInto, xnorGemmRef, type BitMatrix, type OutputTransform } from '../../src/bitpack/index.js';
import { code, lcg, sgn, values } from './helpers.js';

/** Integer matmul of the signs: dot[i, j] = Σ_k sign(a[i, k])·sign(b[j, k]). */
function signDots(a: Float64Array, b: Float64Array, m: number, n: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += sgn(a[i * k + p]!) * sgn(b[j * k + p]!);
      out.push(s);
    }
  }
  return out;
}

function randomTransform(n: number, seed: number, which: number): OutputTransform {
  const g = lcg(seed);
  const vec = (): number[] => Array.from({ length: n }, () => g.value());
  switch (which) {
    case 0: return {};
    case 1: return { scale: vec() };
    case 2: return { scale: new Float32Array(vec()), bias: vec() };
    case 3: return { bias: vec(), clampMin: -3, clampMax: 2.5 };
    default: return { scale: vec(), bias: new Float32Array(vec()), clampMin: -1 };
  }
}

/** Expected transformed value, computed like the contract states (float64, one float32 rounding). */
function expectedTransform(dots: number[], n: number, t: OutputTransform): number[] {
  return dots.map((d, q) => {
    const j = q % n;
    let v = d * (t.scale?.[j] ?? 1) + (t.bias?.[j] ?? 0);
    v = Math.min(Math.max(v, t.clampMin ?? -Infinity), t.clampMax ?? Infinity);
    return Math.fround(v);
  });
}

// Every case runs on both kernels: the JS micro-kernel and the WebAssembly one (where available).
const initial = backend.get();
afterAll(() => { backend.set(initial); });
const backends = backend.available() ? (['js', 'wasm'] as const) : (['js'] as const);

describe.each(backends)('xnorGemm on the %s backend', (name) => {
  beforeAll(() => { backend.set(name); });
  it('runs on that backend', () => { expect(backend.get()).toBe(name); });

  it('equals the integer matmul of the signs exactly; fast = reference, with and without a transform', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 4 }),
      (m, n, k, seed, which) => {
        const av = values(m * k, seed), bv = values(n * k, seed + 1);
        const a = packBits(av, m, k), b = packBits(bv, n, k);
        const dots = signDots(av, bv, m, n, k);
        expect(Array.from(xnorGemm(a, b))).toEqual(dots);
        expect(Array.from(xnorGemmRef(a, b))).toEqual(dots);
        const t = randomTransform(n, seed + 2, which);
        const fast = xnorGemm(a, b, t), ref = xnorGemmRef(a, b, t);
        expect(Array.from(fast)).toEqual(Array.from(ref)); // bit-identical
        expect(Array.from(ref)).toEqual(expectedTransform(dots, n, t));
      },
    ), { numRuns: 300 });
  });

  it('handles K multiples of the 128-bit step and block sizes, and several Bᵀ cache blocks', () => {
    for (const [m, n, k] of [[4, 4, 128], [3, 5, 256], [2, 2, 32], [5, 3, 129], [3, 131, 32 * 1024 + 5]] as const) {
      const av = values(m * k, m + n + k), bv = values(n * k, k);
      const a = packBits(av, m, k), b = packBits(bv, n, k);
      expect(Array.from(xnorGemm(a, b))).toEqual(Array.from(xnorGemmRef(a, b)));
      if (k < 1000) expect(Array.from(xnorGemm(a, b))).toEqual(signDots(av, bv, m, n, k));
    }
  });

  it('all +1 and all −1 rows give ±K', () => {
    const k = 77;
    const a = packBits(new Float32Array(2 * k).fill(1).fill(-1, k), 2, k);
    expect(Array.from(xnorGemm(a, a))).toEqual([k, -k, -k, k]);
  });

  it('K = 0 gives dot 0, then the transform', () => {
    const a = packBits([], 2, 0), b = packBits([], 3, 0);
    expect(Array.from(xnorGemm(a, b, { bias: [1, 2, 3] }))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(xnorGemm(packBits([], 0, 5), packBits(values(10, 1), 2, 5)).length).toBe(0);
  });

  it('xnorGemmInto writes every entry of the provided buffer and returns it', () => {
    const m = 3, n = 5, k = 70;
    const a = packBits(values(m * k, 9), m, k), b = packBits(values(n * k, 10), n, k);
    const out = new Float32Array(m * n).fill(NaN);
    const t = { scale: [1, 2, 3, 4, 5], clampMax: 10 };
    expect(xnorGemmInto(out, a, b, t)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(xnorGemmRef(a, b, t)));
  });

  it('rejects mismatched K, wrong out length and bad options with the right codes', () => {
    const a = packBits(values(2 * 10, 1), 2, 10), b = packBits(values(3 * 11, 2), 3, 11), c = packBits(values(3 * 10, 3), 3, 10);
    expect(code(() => xnorGemm(a, b))).toBe('SHAPE_MISMATCH');
    expect(code(() => xnorGemmRef(a, b))).toBe('SHAPE_MISMATCH');
    expect(code(() => xnorGemmInto(new Float32Array(5), a, c))).toBe('SHAPE_MISMATCH');
    expect(code(() => xnorGemmInto(new Float64Array(6) as unknown as Float32Array, a, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => xnorGemm(a, c, { scale: [1, 2] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => xnorGemm(a, c, { bias: [1, 2, 3, 4] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => xnorGemm(a, c, { clampMin: 1, clampMax: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => xnorGemm(a, c, { clampMin: NaN }))).toBe('INVALID_ARGUMENT');
    const dirty: BitMatrix = { ...c, words: c.words.slice() };
    dirty.words[0]! |= 1 << 12; // a tail bit past cols = 10
    expect(code(() => xnorGemm(a, dirty))).toBe('INVALID_ARGUMENT');
    expect(code(() => xnorGemm(a, { ...c, wordsPerRow: 2 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => packBits([1, NaN, 3], 1, 3))).toBe('INVALID_ARGUMENT');
  });
});
