import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, intGemmInto, intGemmJsInto, packBits, xnorGemm } from '../../src/index';
import type { BackendName } from '../../src/index';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

function on<T>(name: BackendName, f: () => T): T {
  backend.set(name);
  return f();
}

/** Deterministic integers in [lo, hi] (Math.random is banned). */
function ints(len: number, seed: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((s >>> 7) % (hi - lo + 1)));
  }
  return out;
}

describe('wasm XNOR-popcount GEMM', () => {
  it('is bit-identical to the JS kernel on random shapes and transforms (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 1e9 }), fc.boolean(),
      (m, n, k, seed, withT) => {
        const a = packBits(Float32Array.from(ints(m * k, seed, 0, 1), (v) => 2 * v - 1), m, k);
        const b = packBits(Float32Array.from(ints(n * k, seed + 1, 0, 1), (v) => 2 * v - 1), n, k);
        const t = withT ? { scale: ints(n, seed + 2, -5, 5).map((v) => v / 3), bias: ints(n, seed + 3, -9, 9), clampMin: -20, clampMax: 30 } : undefined;
        const w = on('wasm', () => xnorGemm(a, b, t)), j = on('js', () => xnorGemm(a, b, t));
        expect(w).toEqual(j);
      }), { numRuns: 150 });
  });

  it('handles K ≥ 1024 with several Bᵀ cache blocks', () => {
    const m = 5, n = 300, k = 4000;
    const a = packBits(Float32Array.from(ints(m * k, 5, 0, 1), (v) => 2 * v - 1), m, k);
    const b = packBits(Float32Array.from(ints(n * k, 6, 0, 1), (v) => 2 * v - 1), n, k);
    expect(on('wasm', () => xnorGemm(a, b))).toEqual(on('js', () => xnorGemm(a, b)));
  });
});

describe('intGemmInto (int8/int16 → int32)', () => {
  it('computes the exact product (doc example)', () => {
    for (const name of ['js', 'wasm'] as const) {
      const out = on(name, () => intGemmInto(new Int32Array(6), new Int16Array([1, 2, 3, 4]), new Int8Array([1, 0, 0, 1, 1, 1]), 2, 3, 2, { transB: true }));
      expect(Array.from(out)).toEqual([1, 2, 3, 3, 4, 7]);
    }
  });

  it('wasm is bit-identical to the JS twin, including int32 wrap-around (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 0, max: 1e9 }), fc.boolean(), fc.boolean(), fc.constantFrom('i8', 'i16', 'extreme'),
      (m, n, k, seed, transB, accumulate, kind) => {
        const [lo, hi] = kind === 'i8' ? [-128, 127] : [-32768, 32767];
        const mk = (len: number, s: number): Int8Array | Int16Array => {
          const v = kind === 'extreme' ? ints(len, s, 0, 1).map((x) => (x ? -32768 : 32767)) : ints(len, s, lo, hi);
          return kind === 'i8' ? Int8Array.from(v) : Int16Array.from(v);
        };
        const a = mk(m * k, seed), b = mk(k * n, seed + 1);
        const c0 = Int32Array.from(ints(m * n, seed + 2, -(2 ** 30), 2 ** 30));
        const w = on('wasm', () => intGemmInto(c0.slice(), a, b, m, n, k, { transB, accumulate }));
        const j = c0.slice();
        intGemmJsInto(j, a, b, m, n, k, transB, accumulate);
        expect(w).toEqual(j);
      }), { numRuns: 150 });
  });

  it('is exact against a float64 reference when sums fit int32, across K blocks', () => {
    const m = 7, n = 1030, k = 1100; // n > NC, k > 2 K blocks, odd K remainder
    const a = Int16Array.from(ints(m * k, 1, -300, 300)), b = Int16Array.from(ints(k * n, 2, -300, 300));
    const out = on('wasm', () => intGemmInto(new Int32Array(m * n), a, b, m, n, k));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j += 37) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
        expect(out[i * n + j]).toBe(s);
      }
    }
  });

  it('rejects bad operands with NumError', () => {
    expect(() => intGemmInto(new Int32Array(3), new Int16Array(4), new Int16Array(4), 2, 2, 2)).toThrow(/intGemmInto: out has the wrong length/);
    expect(() => intGemmInto(new Int32Array(4), new Float32Array(4) as unknown as Int16Array, new Int16Array(4), 2, 2, 2)).toThrow(/must be an Int8Array or Int16Array/);
    expect(() => intGemmInto(new Int32Array(4), new Int16Array(4), new Int16Array(4), 2, 2, -1)).toThrow(/k must be a non-negative integer/);
  });
});
