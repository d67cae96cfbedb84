// The runtime-neutral Fashion-MNIST split and the byte cache codec, on synthetic data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FASHION_MEAN, FASHION_STD, fashionFromBytes } from '../../src/data/index.js';
import { decodeFashionCache, encodeFashionCache, fnv1a } from '../../src/node/fashion-cache.js';
import { errorCode } from '../helpers.js';

/** `perClass[c]` images of class c, interleaved, each filled with a distinct byte pattern. */
function synthetic(perClass: readonly number[]): { labels: Uint8Array; pixels: Uint8Array } {
  const labels: number[] = [];
  const left = [...perClass];
  while (left.some((n) => n > 0)) left.forEach((n, c) => { if (n > 0) { labels.push(c); left[c] = n - 1; } });
  const pixels = new Uint8Array(labels.length * 784);
  for (let i = 0; i < labels.length; i++) for (let p = 0; p < 784; p++) pixels[i * 784 + p] = (i * 31 + p * 7) & 255;
  return { labels: Uint8Array.from(labels), pixels };
}

function counts(y: ArrayLike<number>): number[] {
  const c = new Array<number>(10).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]!]! += 1;
  return c;
}

describe('fashionFromBytes', () => {
  const per = [12, 9, 10, 11, 8, 10, 10, 13, 10, 7];
  const { labels, pixels } = synthetic(per);

  it('draws testPerClass images of every class for test and the rest for training', () => {
    const s = fashionFromBytes(pixels, labels, { testPerClass: 3 });
    expect(counts(s.test.y.data)).toEqual(new Array(10).fill(3));
    expect(counts(s.train.y.data)).toEqual(per.map((n) => n - 3));
    const all = [...s.trainIndices, ...s.testIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: labels.length }, (_, i) => i));
    expect(s.train.x.shape).toEqual([per.reduce((a, b) => a + b, 0) - 30, 1, 28, 28]);
    expect(s.train.x.dtype).toBe('float32');
    expect(s.train.y.dtype).toBe('int32');
  });

  it('rows are the recorded source images, normalised, with their labels', () => {
    const s = fashionFromBytes(pixels, labels, { testPerClass: 2, seed: 5 });
    for (const [ds, idx] of [[s.train, s.trainIndices], [s.test, s.testIndices]] as const) {
      for (let r = 0; r < idx.length; r++) {
        expect(ds.y.data[r]).toBe(labels[idx[r]!]);
        for (const p of [0, 391, 783]) {
          expect(ds.x.data[r * 784 + p]).toBe(Math.fround((pixels[idx[r]! * 784 + p]! / 255 - FASHION_MEAN) / FASHION_STD));
        }
      }
    }
    const raw = fashionFromBytes(pixels, labels, { testPerClass: 2, seed: 5, normalize: false });
    expect(raw.train.x.data[7]).toBe(Math.fround(pixels[s.trainIndices[0]! * 784 + 7]! / 255));
  });

  it('is fixed by the seed, and another seed gives another split and order', () => {
    const a = fashionFromBytes(pixels, labels, { testPerClass: 3, seed: 1 });
    const b = fashionFromBytes(pixels, labels, { testPerClass: 3, seed: 1 });
    const c = fashionFromBytes(pixels, labels, { testPerClass: 3, seed: 2 });
    expect([...a.testIndices]).toEqual([...b.testIndices]);
    expect([...a.trainIndices]).toEqual([...b.trainIndices]);
    expect([...a.testIndices]).not.toEqual([...c.testIndices]);
  });

  it('mixes the classes in the training order (a prefix is not one class)', () => {
    const s = fashionFromBytes(pixels, labels, { testPerClass: 1 });
    expect(new Set(s.train.y.data.subarray(0, 20)).size).toBeGreaterThan(3);
  });

  it('rejects bad inputs at the boundary', () => {
    expect(errorCode(() => fashionFromBytes(pixels.subarray(1), labels))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => fashionFromBytes(pixels, [...labels] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => fashionFromBytes(pixels, labels, { testPerClass: 8 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => fashionFromBytes(pixels, labels, { seed: -1 }))).toBe('OUT_OF_RANGE');
    const bad = labels.slice();
    bad[4] = 10;
    expect(errorCode(() => fashionFromBytes(pixels, bad, { testPerClass: 1 }))).toBe('OUT_OF_RANGE');
  });
});

describe('Fashion-MNIST cache codec', () => {
  const { labels, pixels } = synthetic([2, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  const bytes = encodeFashionCache({ labels, pixels, fingerprint: 0xdeadbeef });

  it('round-trips labels, pixels and the fingerprint', () => {
    expect(bytes.length).toBe(28 + labels.length * 785);
    const d = decodeFashionCache(bytes);
    expect([...d.labels]).toEqual([...labels]);
    expect(d.pixels.length).toBe(pixels.length);
    expect(d.pixels.every((v, i) => v === pixels[i])).toBe(true);
    expect(d.fingerprint).toBe(0xdeadbeef);
  });

  it('rejects every truncation and every single-byte change with FORMAT', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (n) => {
      expect(errorCode(() => decodeFashionCache(bytes.subarray(0, n)))).toBe('FORMAT');
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = bytes.slice();
      bad[at] = bad[at]! ^ x;
      expect(errorCode(() => decodeFashionCache(bad))).toBe('FORMAT');
    }), { numRuns: 300 });
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(errorCode(() => decodeFashionCache(longer))).toBe('FORMAT');
  });

  it('fnv1a matches the published FNV-1a 32 test vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(fnv1a(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
  });
});
