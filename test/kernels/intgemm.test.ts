// The integer GEMM against its float64 reference twin: bit-identical results for every
// operand width, layout, offset and edge shape within the exactness bound (int32 partials
// flushed every 512 terms), including K past several flush blocks; the bound itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INT_FLUSH, intGemmInto, intGemmIsExact, intGemmJsInto, intGemmRef, intGemmSwarBlock, type IntArray } from '../../src/tensor/kernels/intgemm';

type Kind = 'i8' | 'i16' | 'i32';
const make = (kind: Kind, n: number): IntArray => (kind === 'i8' ? new Int8Array(n) : kind === 'i16' ? new Int16Array(n) : new Int32Array(n));

interface Op { data: IntArray; off: number; rs: number; cs: number }

function operand(rows: number, cols: number, transposed: boolean, off: number, kind: Kind, max: number, seed: number): Op {
  const data = make(kind, off + rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s % (2 * max + 1)) - max;
  }
  return transposed ? { data, off, rs: 1, cs: rows } : { data, off, rs: cols, cs: 1 };
}

const arbCase = fc.record({
  m: fc.integer({ min: 1, max: 13 }), n: fc.integer({ min: 1, max: 11 }),
  k: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: INT_FLUSH - 2, max: 2 * INT_FLUSH + 3 })),
  wide: fc.constantFrom<Kind>('i8', 'i16', 'i32'), ta: fc.boolean(), tb: fc.boolean(),
  aOff: fc.nat({ max: 3 }), bOff: fc.nat({ max: 3 }), cOff: fc.nat({ max: 3 }), pad: fc.nat({ max: 2 }),
  shift: fc.integer({ min: -20, max: 4 }), accumulate: fc.boolean(), seed: fc.nat(),
});

describe('intGemmInto vs intGemmRef', () => {
  it('agree bit for bit within the exactness bound (16-bit × 8-bit, any layout)', () => {
    fc.assert(fc.property(arbCase, (t) => {
      const maxA = t.wide === 'i8' ? 127 : 32767;
      const A = operand(t.m, t.k, t.ta, t.aOff, t.wide, maxA, t.seed);
      const B = operand(t.k, t.n, t.tb, t.bOff, 'i8', 127, t.seed + 1);
      expect(intGemmIsExact(maxA, 127, t.k)).toBe(true);
      const cRs = t.n + t.pad;
      const c1 = new Float64Array(t.cOff + t.m * cRs).fill(0.25);
      const c2 = c1.slice();
      const scale = 2 ** t.shift;
      intGemmInto(t.m, t.n, t.k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c1, t.cOff, cRs, scale, t.accumulate);
      intGemmRef(t.m, t.n, t.k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c2, t.cOff, cRs, scale, t.accumulate);
      expect(Array.from(c1)).toEqual(Array.from(c2));
    }), { numRuns: 150 });
  });

  it('is exact at the extreme of the bound (every term ±32767·±127 over 2.5 flush blocks)', () => {
    const k = 1300;
    const a = new Int16Array(k).fill(32767), b = new Int8Array(k).fill(-127);
    const c = new Float64Array(1);
    intGemmInto(1, 1, k, a, 0, k, 1, b, 0, 1, 1, c, 0, 1, 1, false);
    expect(c[0]).toBe(-32767 * 127 * k);
  });

  it('states the bound: 512·max|A|·max|B| < 2^31', () => {
    expect(intGemmIsExact(32767, 127, 10_000)).toBe(true);
    expect(intGemmIsExact(32767, 128, 10_000)).toBe(true); // 4,194,176 < 2^22
    expect(intGemmIsExact(32767, 129, 10_000)).toBe(false);
    expect(intGemmIsExact(32767, 129, 500)).toBe(true); // fewer terms than one flush block
    expect(intGemmIsExact(32767, 32767, 2)).toBe(true);
    expect(intGemmIsExact(32767, 32767, 3)).toBe(false);
    expect(intGemmIsExact(2 ** 21, 2, 512)).toBe(false); // exactly 2^31
  });
});

// The lane-paired (SWAR) JS kernel: two B columns per double, K block chosen from the bounds so
// that each lane's block sum stays ≤ 2^26 − 1. Exercised at the bound itself, with and without
// caller-supplied bounds, across block boundaries and edge tiles.
describe('intGemmJsInto, lane-paired path', () => {
  const arbSwar = fc.record({
    m: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 14 }),
    k: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 250, max: 530 })),
    bitsA: fc.integer({ min: 1, max: 16 }), bitsB: fc.integer({ min: 1, max: 8 }),
    extreme: fc.boolean(), hinted: fc.boolean(), ta: fc.boolean(), tb: fc.boolean(),
    accumulate: fc.boolean(), shift: fc.integer({ min: -12, max: 2 }), seed: fc.nat(),
  });

  it('agrees bit for bit with the reference for every operand bound (fast-check)', () => {
    fc.assert(fc.property(arbSwar, (t) => {
      const maxA = 2 ** (t.bitsA - 1), maxB = 2 ** (t.bitsB - 1) - (t.bitsB > 1 ? 1 : 0);
      const A = operand(t.m, t.k, t.ta, 1, 'i16', maxA, t.seed);
      const B = operand(t.k, t.n, t.tb, 2, 'i8', maxB, t.seed + 7);
      if (t.extreme) {
        // Same-sign extremes maximise one lane; alternating column signs put -L under +L.
        for (let i = 0; i < A.data.length; i++) A.data[i] = (A.data[i]! >= 0 ? 1 : -1) * Math.min(maxA, 32767);
        for (let p = 0; p < t.k; p++) for (let j = 0; j < t.n; j++) B.data[B.off + p * B.rs + j * B.cs] = j % 2 === 0 ? -maxB : maxB;
      }
      const c1 = new Float64Array(t.m * t.n + 1).fill(0.5), c2 = c1.slice();
      const scale = 2 ** t.shift;
      const hint: [number?, number?] = t.hinted ? [Math.min(maxA, 32767), maxB] : [];
      intGemmJsInto(t.m, t.n, t.k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c1, 1, t.n, scale, t.accumulate, ...hint);
      intGemmRef(t.m, t.n, t.k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, c2, 1, t.n, scale, t.accumulate);
      expect(Array.from(c1)).toEqual(Array.from(c2));
    }), { numRuns: 200 });
  });

  it('is exact with every lane at the largest block sum the bound allows (2^26 − 256)', () => {
    // 2^26 − 1 = 3·2731·8191 has no divisor in [32, 256]; 256·(2^18 − 1) is the closest reachable.
    const maxA = 2 ** 18 - 1, maxB = 1;
    const kc = intGemmSwarBlock(maxA, maxB);
    expect(kc).toBe(256);
    expect(kc * maxA * maxB).toBe(2 ** 26 - 256);
    expect(intGemmIsExact(maxA, maxB, 1000)).toBe(true);
    const k = 3 * kc + 5, m = 5, n = 7;
    const a = new Int32Array(m * k).fill(maxA), b = new Int8Array(k * n);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[p * n + j] = j % 2 === 0 ? -maxB : maxB;
    const c = new Float64Array(m * n), r = new Float64Array(m * n);
    intGemmJsInto(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, 1, false, maxA, maxB);
    intGemmRef(m, n, k, a, 0, k, 1, b, 0, n, 1, r, 0, n, 1, false);
    expect(Array.from(c)).toEqual(Array.from(r));
    expect(c[0]).toBe(-maxA * k);
    expect(c[1]).toBe(maxA * k);
  });

  it('picks the block from the bounds and declines below 32 terms', () => {
    expect(intGemmSwarBlock(127, 127)).toBe(256);
    expect(intGemmSwarBlock(2047, 127)).toBe(256);
    expect(intGemmSwarBlock(4095, 127)).toBe(129); // ⌊(2^26 − 1) / 520,065⌋
    expect(intGemmSwarBlock(16383, 127)).toBe(32);
    expect(intGemmSwarBlock(32767, 127)).toBe(0);
    expect(intGemmSwarBlock(0, 5)).toBe(256);
    expect(intGemmSwarBlock(Number.NaN, 5)).toBe(0);
  });
});

