// Packing, unpacking and popcount: the BitMatrix layout (bit set = −1, LSB first, tail bits 0).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { bitMatrix, packBits, popcount32, unpackBits } from '../../src/bitpack/index.js';
import { code, sgn } from './helpers.js';

const signed = fc.oneof(fc.constant(0), fc.constant(-0), fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.integer({ min: -3, max: 3 }));

describe('packBits / unpackBits', () => {
  it('unpackBits(packBits(x)) = sign(x) with sign(0) = +1, for every cols in 0..100; tail bits are 0', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 100 }), fc.infiniteStream(signed),
      (rows, cols, stream) => {
        const x = [...stream.take(rows * cols)];
        const m = packBits(x, rows, cols);
        expect(m.rows).toBe(rows);
        expect(m.cols).toBe(cols);
        expect(m.wordsPerRow).toBe(Math.ceil(cols / 32));
        expect(m.words.length).toBe(rows * m.wordsPerRow);
        expect(Array.from(unpackBits(m))).toEqual(x.map(sgn));
        // Bit j of row r is bit j & 31 of word j >>> 5, set for negatives; nothing else is set.
        for (let r = 0; r < rows; r++) {
          for (let w = 0; w < m.wordsPerRow; w++) {
            let expected = 0;
            for (let b = 0; b < 32; b++) {
              const j = w * 32 + b;
              if (j < cols && x[r * cols + j]! < 0) expected |= 1 << b;
            }
            expect(m.words[r * m.wordsPerRow + w]).toBe(expected >>> 0);
          }
        }
      },
    ), { numRuns: 150 });
  });

  it('accepts typed arrays and a 2-D Tensor (rows/cols from its shape)', () => {
    const m = packBits(new Float32Array([1, -2, 0, -0.5]), 2, 2);
    expect(Array.from(m.words)).toEqual([0b10, 0b10]);
    const t = packBits(tensor([[1, -1, -1], [0, 2, -3]]));
    expect([t.rows, t.cols]).toEqual([2, 3]);
    expect(Array.from(unpackBits(t))).toEqual([1, -1, -1, 1, 1, -1]);
    // A transposed (non-contiguous) view packs its logical order.
    const tt = packBits(tensor([[1, -1], [-1, 1], [1, 1]]).transpose());
    expect(Array.from(unpackBits(tt))).toEqual([1, -1, 1, -1, 1, 1]);
  });

  it('bitMatrix allocates an all +1 matrix', () => {
    const m = bitMatrix(3, 33);
    expect(m.wordsPerRow).toBe(2);
    expect(Array.from(unpackBits(m))).toEqual(new Array(99).fill(1));
  });

  it('rejects NaN, wrong lengths and bad shapes', () => {
    expect(code(() => packBits([1, NaN], 1, 2))).toBe('INVALID_ARGUMENT');
    expect(code(() => packBits([1, 2, 3], 2, 2))).toBe('SHAPE_MISMATCH');
    expect(code(() => packBits([1, 2], 1.5, 2))).toBe('INVALID_ARGUMENT');
    expect(code(() => packBits(tensor([1, 2, 3])))).toBe('SHAPE_MISMATCH');
    expect(code(() => packBits(tensor([[1, 2]]), 2, 1))).toBe('SHAPE_MISMATCH');
    const bad = { rows: 1, cols: 3, wordsPerRow: 1, words: new Uint32Array([0b1000]) }; // tail bit set
    expect(code(() => unpackBits(bad))).toBe('INVALID_ARGUMENT');
    expect(code(() => unpackBits({ rows: 2, cols: 3, wordsPerRow: 1, words: new Uint32Array(1) }))).toBe('SHAPE_MISMATCH');
  });
});

describe('popcount32', () => {
  const loop = (x: number): number => {
    let c = 0;
    for (let b = 0; b < 32; b++) c += (x >>> b) & 1;
    return c;
  };

  it('equals a bit-loop count for random uint32 values, 0 and 0xffffffff', () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(-1)).toBe(32);
    expect(popcount32(0x80000000)).toBe(1);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => popcount32(x) === loop(x)), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (x) => popcount32(x) === loop(x)), { numRuns: 500 });
  });
});
