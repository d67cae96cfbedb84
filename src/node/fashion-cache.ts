/**
 * The compact cache file of `loadFashionMnist`: the package's 70,000 images as bytes, so that
 * later runs skip parsing its ~150 MB of JSON.
 *
 * Layout (little-endian):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `EGFMNIST` |
 * | 8 | 4 | format version (1) |
 * | 12 | 4 | FNV-1a 32 checksum of every byte from offset 16 to the end |
 * | 16 | 4 | image count N |
 * | 20 | 4 | pixels per image (784) |
 * | 24 | 4 | fingerprint of the source (FNV-1a 32 of `fashion-mnist@<version>:<file sizes>`) |
 * | 28 | N | labels, one byte each |
 * | 28 + N | 784·N | pixels, one byte each, image after image |
 */
import { NumError } from '../index.js';

const MAGIC = 'EGFMNIST';
/** Format version written in the header; a different version is rejected. */
export const FASHION_CACHE_VERSION = 1;
const HEADER = 28;
const PIXELS = 784;

/** What the cache holds. */
export interface FashionCacheData {
  labels: Uint8Array;
  pixels: Uint8Array;
  /** Identifies the source the bytes were read from; the loader rebuilds when it differs. */
  fingerprint: number;
}

/**
 * FNV-1a (32 bit) of `bytes[start…]` (or of a string's UTF-16 code units, each taken mod 256).
 * Detects every single-byte change, since each step is a bijection of the running hash.
 *
 * @example
 * ```ts
 * fnv1a(new Uint8Array([1, 2, 3])); // a uint32
 * ```
 */
export function fnv1a(bytes: Uint8Array | string, start = 0): number {
  let h = 0x811c9dc5;
  if (typeof bytes === 'string') {
    for (let i = start; i < bytes.length; i++) h = Math.imul(h ^ (bytes.charCodeAt(i) & 0xff), 0x01000193);
  } else {
    for (let i = start; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Encodes labels and pixels into the cache layout described in the module comment.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `pixels` has 784 bytes per label.
 * @example
 * ```ts
 * const bytes = encodeFashionCache({ labels, pixels, fingerprint: 0 });
 * ```
 */
export function encodeFashionCache(d: FashionCacheData): Uint8Array {
  const n = d.labels.length;
  if (d.pixels.length !== n * PIXELS) {
    throw new NumError('INVALID_ARGUMENT', 'encodeFashionCache', 'pixels must hold 784 bytes per label', `${n * PIXELS}`, `${d.pixels.length}`);
  }
  const out = new Uint8Array(HEADER + n * (PIXELS + 1));
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const v = new DataView(out.buffer);
  v.setUint32(8, FASHION_CACHE_VERSION, true);
  v.setUint32(16, n, true);
  v.setUint32(20, PIXELS, true);
  v.setUint32(24, d.fingerprint >>> 0, true);
  out.set(d.labels, HEADER);
  out.set(d.pixels, HEADER + n);
  v.setUint32(12, fnv1a(out, 16), true);
  return out;
}

/**
 * Decodes a cache file; the returned arrays are views into `bytes` (no copy).
 *
 * @throws {NumError} `FORMAT` for a wrong magic or version, a length that does not match the
 *   header, a checksum mismatch or a label above 9.
 * @example
 * ```ts
 * const { labels, pixels } = decodeFashionCache(readFileSync(path));
 * ```
 */
export function decodeFashionCache(bytes: Uint8Array): FashionCacheData {
  const op = 'decodeFashionCache';
  if (bytes.length < HEADER) throw new NumError('FORMAT', op, 'cache file is truncated', `>= ${HEADER} bytes`, `${bytes.length} bytes`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new NumError('FORMAT', op, 'not a Fashion-MNIST cache file (bad magic)', MAGIC, 'other bytes');
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== FASHION_CACHE_VERSION) throw new NumError('FORMAT', op, 'unsupported cache version', `${FASHION_CACHE_VERSION}`, `${version}`);
  const n = v.getUint32(16, true);
  const pixelsPer = v.getUint32(20, true);
  if (pixelsPer !== PIXELS) throw new NumError('FORMAT', op, 'cache file has the wrong image size', `${PIXELS}`, `${pixelsPer}`);
  const expected = HEADER + n * (PIXELS + 1);
  if (bytes.length !== expected) throw new NumError('FORMAT', op, 'cache file length does not match its header', `${expected} bytes`, `${bytes.length} bytes`);
  const sum = v.getUint32(12, true);
  const actual = fnv1a(bytes, 16);
  if (sum !== actual) throw new NumError('FORMAT', op, 'cache file checksum mismatch (corrupted)', `${sum}`, `${actual}`);
  const labels = bytes.subarray(HEADER, HEADER + n);
  for (let i = 0; i < n; i++) {
    if (labels[i]! > 9) throw new NumError('FORMAT', op, `label ${i} is not a class 0–9`, '[0, 9]', `${labels[i]}`);
  }
  return { labels, pixels: bytes.subarray(HEADER + n), fingerprint: v.getUint32(24, true) };
}
