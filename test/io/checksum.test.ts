import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/io/checksum.js';

/** Reference twin: the CRC computed bit by bit, with no table. */
function crc32Bitwise(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= bytes[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('matches the standard check value and the empty input', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bit-serial reference on any sub-range', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (b, i, j) => {
      const lo = b.length === 0 ? 0 : Math.min(i % (b.length + 1), j % (b.length + 1));
      const hi = b.length === 0 ? 0 : Math.max(i % (b.length + 1), j % (b.length + 1));
      expect(crc32(b, lo, hi)).toBe(crc32Bitwise(b, lo, hi));
    }), { numRuns: 300 });
  });

  it('continues a running checksum: crc(a ++ b) = crc(b, prev = crc(a))', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (b, cut) => {
      const m = b.length === 0 ? 0 : cut % (b.length + 1);
      expect(crc32(b, m, b.length, crc32(b, 0, m))).toBe(crc32(b));
    }), { numRuns: 300 });
  });

  it('detects every single-bit flip', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (b, at, bit) => {
      const flipped = b.slice();
      flipped[at % b.length]! ^= 1 << bit;
      expect(crc32(flipped)).not.toBe(crc32(b));
    }), { numRuns: 200 });
  });
});
