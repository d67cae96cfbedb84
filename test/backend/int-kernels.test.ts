import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, packBits, xnorGemm } from '../../src/index';
import { intGemmInto, intGemmIsExact, intGemmJsInto, intGemmRef } from '../../src/tensor/kernels/intgemm';
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

describe('intGemmInto on wasm (int16 dot products, int32 partials per 512 terms)', () => {
  type Kind = 'i8' | 'i16' | 'i32';
  const make = (kind: Kind, v: number[]): Int8Array | Int16Array | Int32Array =>
    kind === 'i8' ? Int8Array.from(v) : kind === 'i16' ? Int16Array.from(v) : Int32Array.from(v);

  it('is bit-identical to its JS twin within the exactness bound (fast-check: types, strides, scale, accumulate)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1100 }),
      fc.integer({ min: 0, max: 1e9 }), fc.boolean(), fc.boolean(), fc.boolean(),
      fc.constantFrom<[Kind, Kind]>(['i8', 'i8'], ['i16', 'i8'], ['i8', 'i16'], ['i32', 'i8'], ['i16', 'i32']),
      fc.integer({ min: -8, max: 8 }),
      (m, n, k, seed, aT, bT, accumulate, [ka, kb], e) => {
        const la = ka === 'i8' ? 127 : 32767, lb = kb === 'i8' ? 127 : la === 127 ? 32767 : 127;
        const a = make(ka, ints(m * k, seed, -la, la)), b = make(kb, ints(k * n, seed + 1, -lb, lb));
        expect(intGemmIsExact(la, lb, k)).toBe(true);
        // aT / bT: the operand is stored transposed and read through swapped strides.
        const [aRs, aCs] = aT ? [1, m] : [k, 1];
        const [bRs, bCs] = bT ? [1, k] : [n, 1];
        const cRs = n + 2;
        const c0 = Float64Array.from(ints(m * cRs, seed + 2, -1000, 1000));
        const w = c0.slice(), j = c0.slice();
        on('wasm', () => { intGemmInto(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, w, 0, cRs, 2 ** e, accumulate); });
        intGemmJsInto(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, j, 0, cRs, 2 ** e, accumulate);
        expect(w).toEqual(j);
      }), { numRuns: 120 });
  });

  it('falls back to the JS kernel when an Int32Array operand exceeds int16, with the same result', () => {
    const a = Int32Array.from([40000, -3, 2, 1]), b = Int8Array.from([1, 2, 3, 4]);
    const w = new Float64Array(4), r = new Float64Array(4);
    on('wasm', () => { intGemmInto(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, w, 0, 2, 1, false); });
    intGemmRef(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, r, 0, 2, 1, false);
    expect(Array.from(w)).toEqual(Array.from(r));
    expect(Array.from(w)).toEqual([40000 - 9, 80000 - 12, 5, 8]);
  });

  it('is exact against the float64 reference across K blocks and N > 1024', () => {
    const m = 7, n = 1030, k = 1100;
    const a = Int16Array.from(ints(m * k, 1, -32767, 32767)), b = Int8Array.from(ints(k * n, 2, -127, 127));
    const w = new Float64Array(m * n), r = new Float64Array(m * n);
    on('wasm', () => { intGemmInto(m, n, k, a, 0, k, 1, b, 0, n, 1, w, 0, n, 0.25, false); });
    intGemmRef(m, n, k, a, 0, k, 1, b, 0, n, 1, r, 0, n, 0.25, false);
    expect(w).toEqual(r);
  });

  it('is exact at the saturation edges across the 512-term flush, in both layouts (transposed fast paths)', () => {
    // Every product ±32767·127, same sign along K: each 512-term partial is 2,130,641,408 < 2^31.
    for (const k of [511, 512, 513, 1025]) {
      for (const [aT, bT] of [[false, false], [true, true], [true, false], [false, true]] as const) {
        const m = 9, n = 17;
        const a = new Int16Array(m * k).map((_, i) => (i % 3 === 0 ? -32767 : 32767));
        const b = new Int8Array(k * n).fill(127);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[aT ? p * m + i : i * k + p] = i % 2 === 0 ? 32767 : -32767;
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[bT ? j * k + p : p * n + j] = j % 3 === 0 ? -127 : 127;
        const [aRs, aCs] = aT ? [1, m] : [k, 1];
        const [bRs, bCs] = bT ? [1, k] : [n, 1];
        const w = new Float64Array(m * n), r = new Float64Array(m * n);
        on('wasm', () => { intGemmInto(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, w, 0, n, 2 ** -3, false); });
        intGemmRef(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, r, 0, n, 2 ** -3, false);
        expect(w).toEqual(r);
        expect(w[0]).toBe(-(32767 * 127 * k) / 8);
        expect(w[1]).toBe((32767 * 127 * k) / 8);
      }
    }
  });

  it('matches the JS kernel when C is produced in several row chunks (accumulate, padded rows)', () => {
    const m = 301, n = 2000, k = 37, cRs = n + 3; // 301·2000 > the 524,288-element chunk
    const a = Int8Array.from(ints(m * k, 11, -127, 127)), b = Int16Array.from(ints(k * n, 12, -2047, 2047));
    const c0 = Float64Array.from(ints(m * cRs, 13, -50, 50));
    for (const accumulate of [false, true]) {
      const w = c0.slice(), j = c0.slice();
      on('wasm', () => { intGemmInto(m, n, k, a, 0, 1, m, b, 0, n, 1, w, 0, cRs, 0.5, accumulate); });
      intGemmJsInto(m, n, k, a, 0, 1, m, b, 0, n, 1, j, 0, cRs, 0.5, accumulate);
      expect(w).toEqual(j);
    }
  });
});

