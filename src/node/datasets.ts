/**
 * The two image datasets of the demo and the repro scripts, chosen by name (`--dataset`):
 * the small MNIST split of the `mnist` package and the full Fashion-MNIST split.
 */
import { NumError, data } from '../index.js';
import type { Dataset } from '../index.js';
import { loadFashionMnist } from './fashion.js';
import { loadMnist } from './mnist.js';

/** Names accepted by `--dataset`. */
export type DatasetName = 'mnist' | 'fashion';

/** A loaded train/test split with the words to describe it. */
export interface NamedSplit {
  name: DatasetName;
  /** 'MNIST' or 'Fashion-MNIST'. */
  title: string;
  /** One line saying what the split is, for logs and docs. */
  description: string;
  train: Dataset;
  test: Dataset;
}

/**
 * Checks a `--dataset` value (undefined means the default, `mnist`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for anything but `mnist` or `fashion`.
 * @example
 * ```ts
 * datasetName(flags.get('dataset')); // 'mnist' | 'fashion'
 * ```
 */
export function datasetName(v: unknown): DatasetName {
  if (v === undefined || v === 'mnist') return 'mnist';
  if (v === 'fashion') return 'fashion';
  throw new NumError('INVALID_ARGUMENT', 'datasetName', '--dataset must be mnist or fashion', "'mnist' | 'fashion'", typeof v === 'string' ? v : typeof v);
}

/**
 * Loads a dataset by name: MNIST as `loadMnist({ seed, trainSize })` (8,000 / 2,000 by default),
 * Fashion-MNIST as `loadFashionMnist({ seed })` (60,000 / 10,000; `trainSize` keeps a prefix of
 * its randomly ordered training set).
 *
 * @example
 * ```ts
 * const { train, test, description } = loadDataset('fashion', { seed: 0 });
 * ```
 */
export function loadDataset(name: DatasetName, opts: { seed?: number | undefined; trainSize?: number | undefined; log?: ((line: string) => void) | undefined } = {}): NamedSplit {
  const seed = opts.seed ?? 0;
  if (name === 'mnist') {
    const { train, test } = loadMnist({ seed, trainSize: opts.trainSize });
    return { name, title: 'MNIST', train, test,
      description: `MNIST: the fixed ${train.y.shape[0]!.toLocaleString('en-US')} / ${test.y.shape[0]!.toLocaleString('en-US')} split (seed ${seed}) of the \`mnist\` package's 10,000 digits` };
  }
  const s = loadFashionMnist({ seed, log: opts.log });
  const n = opts.trainSize ?? s.train.y.shape[0]!;
  const train = n >= s.train.y.shape[0]! ? s.train : data.take(s.train, Int32Array.from({ length: n }, (_, i) => i));
  return { name, title: 'Fashion-MNIST', train, test: s.test,
    description: `Fashion-MNIST: ${n < s.train.y.shape[0]! ? `the first ${n.toLocaleString('en-US')} of ` : ''}the stratified 60,000 / 10,000 split (seed ${seed}) of the \`fashion-mnist\` package's 70,000 images` };
}
