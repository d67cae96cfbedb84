// loadFashionMnist: a small synthetic package in a temp folder (cache written, reused, rejected
// and rebuilt), then the real npm package (counts per class and a pinned split).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fnv1a } from '../../src/node/fashion-cache.js';
import { loadFashionMnist } from '../../src/node/fashion.js';
import { errorCode } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'edgegrad-fashion-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a package with `per[c]` images of class c (plus two empty padding entries in class 0, as the real one has). */
function fixture(name: string, per: readonly number[]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'src', 'clothes'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '1.1.0' }));
  per.forEach((n, c) => {
    const images = Array.from({ length: n }, (_, i) => Array.from({ length: 784 }, (_, p) => (c * 37 + i * 11 + p) % 256));
    writeFileSync(join(dir, 'src', 'clothes', `${c}.json`), JSON.stringify({ data: c === 0 ? [...images, [], []] : images }));
  });
  return dir;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

describe('loadFashionMnist on a synthetic package', () => {
  const per = [6, 5, 5, 7, 5, 5, 6, 5, 5, 5];
  const dir = fixture('pkg', per);
  const cacheDir = join(root, 'cache');
  const opts = { packageDir: dir, cacheDir, testPerClass: 2 };

  it('parses the package on the first load, then reads the same bytes from the cache', () => {
    const lines: string[] = [];
    const a = loadFashionMnist({ ...opts, log: (l) => lines.push(l) });
    expect(a.source).toBe('package');
    expect(lines.some((l) => l.includes('first load'))).toBe(true);
    expect(a.train.y.shape).toEqual([per.reduce((x, y) => x + y, 0) - 20]);
    expect(a.test.y.shape).toEqual([20]);
    // Class 0's empty padding entries are skipped; pixel p of image i of class c is (37c + 11i + p) mod 256.
    const r = a.trainIndices.findIndex((g) => g === 3); // source image 3 = class 0, image 3
    expect(a.train.y.data[r]).toBe(0);
    const b = loadFashionMnist(opts);
    expect(b.source).toBe('cache');
    expect(b.cachePath).toBe(a.cachePath);
    expect(same(a.train.x.data, b.train.x.data)).toBe(true);
    expect(same(a.testIndices, b.testIndices)).toBe(true);
    const raw = loadFashionMnist({ ...opts, normalize: false });
    expect(Math.round(255 * raw.train.x.data[r * 784 + 5]!)).toBe((3 * 11 + 5) % 256);
  });

  it('rejects a corrupted or truncated cache (FORMAT), rebuilds it and gives the same split', () => {
    const ref = loadFashionMnist(opts);
    const path = ref.cachePath!;
    const bytes = readFileSync(path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x40;
    writeFileSync(path, bytes);
    const lines: string[] = [];
    const a = loadFashionMnist({ ...opts, log: (l) => lines.push(l) });
    expect(a.source).toBe('package');
    expect(lines.some((l) => /rejected cache .*checksum/.test(l))).toBe(true);
    expect(same(a.train.x.data, ref.train.x.data)).toBe(true);
    expect(loadFashionMnist(opts).source).toBe('cache');
    writeFileSync(path, bytes.subarray(0, 100));
    expect(loadFashionMnist(opts).source).toBe('package');
    expect(loadFashionMnist(opts).source).toBe('cache');
  });

  it('rebuilds when the package changes, and can skip the cache', () => {
    const other = fixture('pkg2', [5, 5, 5, 5, 5, 5, 5, 5, 5, 6]);
    const a = loadFashionMnist({ packageDir: other, cacheDir, testPerClass: 2 });
    expect(a.source).toBe('package');
    expect(a.train.y.shape).toEqual([31]);
    const b = loadFashionMnist({ ...opts, cache: false });
    expect(b.source).toBe('package');
    expect(b.cachePath).toBeUndefined();
    expect(b.train.y.shape).toEqual([per.reduce((x, y) => x + y, 0) - 20]);
  });

  it('says clearly when the package is missing or malformed', () => {
    expect(errorCode(() => loadFashionMnist({ packageDir: join(root, 'nowhere'), cacheDir }))).toBe('INVALID_ARGUMENT');
    const bad = fixture('bad', [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    writeFileSync(join(bad, 'src', 'clothes', '4.json'), JSON.stringify({ data: [[1, 2, 3]] }));
    expect(errorCode(() => loadFashionMnist({ packageDir: bad, cacheDir: join(root, 'c2'), testPerClass: 1 }))).toBe('FORMAT');
    writeFileSync(join(bad, 'src', 'clothes', '4.json'), JSON.stringify({ data: [Array.from({ length: 784 }, () => 256)] }));
    expect(errorCode(() => loadFashionMnist({ packageDir: bad, cacheDir: join(root, 'c2'), testPerClass: 1 }))).toBe('FORMAT');
  });
});

describe('loadFashionMnist on the real package (cached after the first run)', () => {
  const t0 = performance.now();
  const s = loadFashionMnist();
  const ms = performance.now() - t0;

  it('has 6,000 training and 1,000 test images of every class', () => {
    console.info(`loadFashionMnist: ${ms.toFixed(0)} ms from the ${s.source}`);
    expect(s.train.x.shape).toEqual([60000, 1, 28, 28]);
    expect(s.test.x.shape).toEqual([10000, 1, 28, 28]);
    const c = (y: ArrayLike<number>): number[] => {
      const out = new Array<number>(10).fill(0);
      for (let i = 0; i < y.length; i++) out[y[i]!]! += 1;
      return out;
    };
    expect(c(s.train.y.data)).toEqual(new Array(10).fill(6000));
    expect(c(s.test.y.data)).toEqual(new Array(10).fill(1000));
  });

  it('draws the documented split (pinned: a change here changes every Fashion-MNIST result)', () => {
    const h = (a: Int32Array): number => fnv1a(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    expect([...s.testIndices.subarray(0, 5)]).toEqual(PINNED.testHead);
    expect([h(s.trainIndices), h(s.testIndices)]).toEqual(PINNED.hashes);
  });

  it('rows hold the pixels of their source image in the package', () => {
    const dir = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
    const images = (JSON.parse(readFileSync(join(dir, 'src', 'clothes', '9.json'), 'utf8')) as { data: number[][] }).data;
    const raw = loadFashionMnist({ normalize: false });
    const rows = [...raw.testIndices.subarray(0, 50)].flatMap((g, r) => (g >= 63000 ? [r] : [])); // ankle boots
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const g = raw.testIndices[r]!;
      expect(raw.test.y.data[r]).toBe(9);
      const src = images[g - 63000]!;
      expect(Array.from(raw.test.x.data.subarray(r * 784, (r + 1) * 784), (v) => Math.round(255 * v))).toEqual(src);
    }
  });
});

/** The split of seed 0, testPerClass 1000 (source images numbered class by class, 7,000 each). */
const PINNED = { testHead: [2269, 26521, 14209, 61618, 63568], hashes: [3785002475, 150777391] };
