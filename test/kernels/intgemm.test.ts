// The integer GEMM against its float64 reference twin: bit-identical results for every
// operand width, layout, offset and edge shape within the exactness bound (int32 partials
// flushed every 512 terms), including K past several flush blocks; the bound itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INT_FLUSH, intGemmInto, intGemmIsExact, intGemmRef, type IntArray } from '../../src/tensor/kernels/intgemm';

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
