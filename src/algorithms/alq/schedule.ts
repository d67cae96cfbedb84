/**
 * The schedule of an ALQ run (spec §4) and the reference LeNet5 settings.
 */
import { NumError, describe } from '../../errors.js';
import { count, positive } from '../../validate.js';
import { kernelwise, subchannelwise } from './grouping.js';
import type { GroupingSpec } from './state.js';

/**
 * The schedule of an ALQ run (spec §4). Learning rates are multiplied by the stage's decay
 * *before* each epoch; coordinate epochs continue from the last basis η; pruning runs at the last η.
 *
 * @example
 * ```ts
 * const fast: AlqSchedule = { ...alq.lenet5Schedule, rounds: 2, basisEpochs: 2, coordinateEpochs: 1, steEpochs: 1, postCoordinateEpochs: 1 };
 * ```
 */
export interface AlqSchedule {
  /** η0, the learning rate at the start of every round and of post-training. */
  learningRate: number;
  /** Planned rounds R (= pruning epochs). */
  rounds: number;
  basisEpochs: number;
  basisDecay: number;
  coordinateEpochs: number;
  coordinateDecay: number;
  /** pr: one pruning epoch keeps ≈ e^{−pr} of the slots (code rule, without `targetBits`). */
  pruneRate: number;
  /** k: per-layer candidate fraction per minibatch. */
  topK: number;
  steEpochs: number;
  steDecay: number;
  postCoordinateEpochs: number;
  postCoordinateDecay: number;
  /** η at the start of the post-training coordinate epochs; default: continue from the STE epochs. */
  postCoordinateLearningRate?: number | undefined;
  /** Imax. */
  maxBits: number;
  batchSize: number;
}

/**
 * The reference LeNet5/MNIST schedule (spec §4: lenet5.py): η0 1e-3, 4 rounds of 20 basis epochs
 * (×0.8) + 10 coordinate epochs (×0.8) + 1 pruning epoch (pr 0.8, top-k 0.005), then 50 STE
 * epochs (×0.95) and 20 coordinate epochs (×0.9); Imax 6, batch 128.
 *
 * @example
 * ```ts
 * alq.run({ ...data, schedule: alq.lenet5Schedule, grouping: alq.lenet5Grouping, targetBits: 0.4 });
 * ```
 */
export const lenet5Schedule: Readonly<AlqSchedule> = {
  learningRate: 1e-3, rounds: 4, basisEpochs: 20, basisDecay: 0.8, coordinateEpochs: 10, coordinateDecay: 0.8,
  pruneRate: 0.8, topK: 0.005, steEpochs: 50, steDecay: 0.95, postCoordinateEpochs: 20, postCoordinateDecay: 0.9,
  maxBits: 6, batchSize: 128,
};

/**
 * The reference grouping of `nn.lenet5()` (spec §1.1): both convs kernelwise (n = 25), fc1
 * subchannelwise(2) (n = 400), fc2 subchannelwise(1) (n = 500).
 *
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * const state = alq.quantize(params, { grouping: alq.lenet5Grouping() });
 * state.layers.map((l) => l.groupSize); // [25, 25, 400, 500]
 * ```
 */
export function lenet5Grouping(): GroupingSpec {
  return { '0.weight': kernelwise(), '3.weight': kernelwise(), '7.weight': subchannelwise(2), '9.weight': subchannelwise(1) };
}

/** Checks a schedule once at the boundary. @internal */
export function checkSchedule(op: string, s: Readonly<AlqSchedule>): void {
  if (s === null || typeof s !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'schedule must be an object', 'AlqSchedule', describe(s));
  positive(op, 'schedule.learningRate', s.learningRate);
  for (const k of ['rounds', 'basisEpochs', 'coordinateEpochs', 'steEpochs', 'postCoordinateEpochs'] as const) count(op, `schedule.${k}`, s[k]);
  for (const k of ['basisDecay', 'coordinateDecay', 'steDecay', 'postCoordinateDecay', 'topK'] as const) positive(op, `schedule.${k}`, s[k]);
  if (!(typeof s.pruneRate === 'number' && s.pruneRate >= 0 && Number.isFinite(s.pruneRate))) {
    throw new NumError('INVALID_ARGUMENT', op, 'schedule.pruneRate must be a finite number >= 0', '>= 0', describe(s.pruneRate));
  }
  if (s.postCoordinateLearningRate !== undefined) positive(op, 'schedule.postCoordinateLearningRate', s.postCoordinateLearningRate);
  count(op, 'schedule.maxBits', s.maxBits, 1);
  count(op, 'schedule.batchSize', s.batchSize, 1);
}

