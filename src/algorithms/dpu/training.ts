/**
 * How the server trains inside a round: the options, their checks, and training phases on the
 * shared loop (`fit`). A phase's learning rate is its epoch schedule turned into a step
 * `Schedule` and applied through `phaseOptimizer`, so the rate restarts with every phase while
 * the optimizer's state (Adam moments, step count) carries over, as in the reference code.
 */
import type { Params } from '../../tree.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import type { Layer } from '../../nn/layers.js';
import { adam } from '../../optim/alias.js';
import type { GradientTransformation, Schedule } from '../../optim/base.js';
import type { InjectHyperparamsState } from '../../optim/combine.js';
import type { Key } from '../../random.js';
import { Tensor } from '../../tensor/tensor.js';
import { EVAL_BATCH_SIZE, evaluate } from '../../train/evaluate.js';
import { now } from '../../train/events.js';
import type { RunEvent } from '../../train/events.js';
import { purposeKey } from '../../train/keys.js';
import { classifierObjective, fit } from '../../train/loop.js';
import type { Objective } from '../../train/loop.js';
import { phaseOptimizer } from '../../train/phase.js';
import type { PhaseOptimizer } from '../../train/phase.js';
import type { EdgeModel, ModelWeights } from './model.js';
import { layoutOf } from './model.js';
import { finite, positive, positiveInt } from '../../validate.js';

/**
 * A learning rate per epoch: `(epoch, epochs) → rate`, with `epoch` counted from 0 inside the
 * current phase (the schedule restarts for the masked phase).
 *
 * @example
 * ```ts
 * const constant: dpu.EpochSchedule = () => 1e-3;
 * ```
 */
export type EpochSchedule = (epoch: number, epochs: number) => number;

/**
 * Step decay over a phase: `init · gamma^⌊parts · epoch / epochs⌋`, so the rate drops by
 * `gamma` at each `1/parts` of the phase. With `epochs` a multiple of `parts` this is the
 * reference code's `StepLR(step_size = epochs // parts)` (MLP/VGG: `gamma` 0.1 / 0.2, `parts` 3);
 * for other epoch counts it keeps the drops at the thirds instead of after every epoch.
 *
 * @example
 * ```ts
 * const lr = dpu.stepDecay(5e-3, 0.1);
 * lr(0, 6); lr(1, 6); // 5e-3
 * lr(2, 6);           // 5e-4
 * lr(5, 6);           // 5e-5
 * lr(1, 5); lr(2, 5); // 5e-3, 5e-4
 * ```
 */
export function stepDecay(init: number, gamma = 0.1, parts = 3): EpochSchedule {
  const op = 'dpu.stepDecay';
  for (const [name, v] of [['init', init], ['gamma', gamma], ['parts', parts]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite number`, 'finite number', describe(v));
  }
  if (!Number.isInteger(parts) || parts < 1) throw new NumError('INVALID_ARGUMENT', op, 'parts must be a positive integer', 'integer >= 1', String(parts));
  return (epoch, epochs) => init * gamma ** Math.floor((parts * finite(op, 'epoch', epoch)) / positive(op, 'epochs', epochs));
}

/**
 * How the server trains in a round.
 *
 * @example
 * ```ts
 * const training: dpu.TrainingOptions = { epochs: 6, batchSize: 128, learningRate: dpu.stepDecay(5e-3) };
 * ```
 */
export interface TrainingOptions {
  /**
   * E: epochs per phase (DPU and pruning train E + E; one-phase baselines train 2E), or E as a
   * function of the round's number of training samples `|D^r|` (to keep the number of
   * optimizer steps per phase roughly constant while the data grows).
   */
  epochs: number | ((samples: number) => number);
  /** Mini-batch size; default 128. */
  batchSize?: number | undefined;
  /** A rate or an epoch schedule; default `stepDecay(5e-3, 0.1)` (the reference MLP setting). */
  learningRate?: number | EpochSchedule | undefined;
  /** The (unmasked) optimizer for all leaves, from the learning rate; default `adam`. */
  optimizer?: ((learningRate: number) => GradientTransformation<unknown>) | undefined;
  /** Batch size for validation passes; default `EVAL_BATCH_SIZE`. */
  evalBatchSize?: number | undefined;
  /** Training loss of a batch; default cross-entropy through `model.apply`. */
  objective?: Objective | undefined;
}

/**
 * Everything one server round needs.
 *
 * @example
 * ```ts
 * const input: dpu.RoundInput = {
 *   model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train, validation, training: { epochs: 2 }, key: key(5),
 * };
 * ```
 */
export interface RoundInput {
  /** The architecture. */
  model: Layer<Params>;
  /** The round number r (greater than `deployed.round`). */
  round: number;
  /** What the edge holds now: `w^{r−1}` and its round (−1 for `w_init`). */
  deployed: EdgeModel;
  /** The initial model `w_init`. */
  init: ModelWeights;
  /** The seed that regenerates `w_init` on the edge. */
  seed: number;
  /** Start from `w_init` instead of the deployed model (re-initialisation; the caller applies the doubling rule). */
  reinit: boolean;
  /** The cumulative training data `D^r`. */
  train: Dataset;
  /** Validation data for the update-or-not rule and checkpoint choice. */
  validation: Dataset;
  training: TrainingOptions;
  /**
   * Root key of this round. Method tags (`purposeKey(key, 'method', tag)`): 0 the random
   * selection, 1 the full-training phase, 2 + p the p-th masked phase; each phase's training
   * derives its shuffle and dropout keys from its own root.
   */
  key: Key;
  /** `'epoch'` events of the phases `'full'` and `'masked'` (metrics `trainLoss`, `learningRate`, `accuracy` = validation). */
  onEvent?: ((e: RunEvent) => void) | undefined;
}

/** The optimizer state a round carries from phase to phase (the inner state of `phaseOptimizer`). @internal */
export type InnerState = unknown;

/** The checked inputs of a round and its training settings. @internal */
export interface Trainer {
  input: RoundInput;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  objective: Objective;
  /** The phase optimizer of a phase of `epochs` epochs (its rate restarts at the phase's first step). */
  phase(epochs: number): PhaseOptimizer<InnerState> & { rateOfEpoch(epoch: number): number };
  /** Epochs trained in this round so far. */
  trained: number;
  /** When the round started (`now()`), for events' `elapsedMs`. */
  started: number;
}

/** Checks a round input once at the boundary and builds its trainer. @internal */
export function trainer(op: string, input: RoundInput): Trainer {
  if (input === null || typeof input !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'input must be a RoundInput', 'RoundInput', describe(input));
  const m = input.model as unknown;
  if (m === null || typeof m !== 'object' || typeof (m as Layer).init !== 'function' || typeof (m as Layer).apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'model must be a layer {init, apply}', 'Layer', describe(m));
  }
  const dep = layoutOf(op, input.deployed, 'deployed');
  const init = layoutOf(op, input.init, 'init');
  if (dep.size !== init.size || dep.denseSize !== init.denseSize) {
    throw new NumError('STRUCTURE_MISMATCH', op, 'deployed and init models differ in layout', `I = ${dep.size}, D = ${dep.denseSize}`, `I = ${init.size}, D = ${init.denseSize}`);
  }
  if (!Number.isSafeInteger(input.round) || !(input.round > input.deployed.round)) {
    throw new NumError('INVALID_ARGUMENT', op, 'round must be an integer after the deployed round', `integer > ${input.deployed.round}`, describe(input.round));
  }
  if (!Number.isSafeInteger(input.seed) || input.seed < 0 || input.seed > 0xffffffff) {
    throw new NumError('INVALID_ARGUMENT', op, 'seed must be a u32', 'integer in [0, 2^32)', describe(input.seed));
  }
  if (!(input.key instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'key must be a PRNG key', 'Key', describe(input.key));
  const t = input.training;
  if (t === null || typeof t !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'training must be an object', 'TrainingOptions', describe(t));
  const samples = input.train?.y?.size ?? 0;
  const epochs = positiveInt(op, 'training.epochs', typeof t.epochs === 'function' ? t.epochs(samples) : t.epochs);
  const rate = t.learningRate ?? stepDecay(5e-3, 0.1);
  if (typeof rate !== 'function' && (typeof rate !== 'number' || !Number.isFinite(rate))) {
    throw new NumError('INVALID_ARGUMENT', op, 'training.learningRate must be a number or an epoch schedule', 'number | EpochSchedule', describe(rate));
  }
  const lr: EpochSchedule = typeof rate === 'number' ? () => rate : rate;
  const make = t.optimizer ?? ((r: number) => adam(r) as GradientTransformation<unknown>);
  const batchSize = positiveInt(op, 'training.batchSize', t.batchSize ?? 128);
  const stepsPerEpoch = Math.max(1, Math.ceil(samples / batchSize));
  const objective = t.objective ?? classifierObjective(input.model);
  return {
    input, epochs, batchSize, objective, trained: 0, started: now(),
    evalBatchSize: positiveInt(op, 'training.evalBatchSize', t.evalBatchSize ?? EVAL_BATCH_SIZE),
    phase(n) {
      const perStep: Schedule = (count) => lr(Math.floor(count / stepsPerEpoch), n);
      return { ...phaseOptimizer(make, perStep), rateOfEpoch: (e: number) => lr(e, n) };
    },
  };
}

/** Validation accuracy of weights `w`. @internal */
export function valAccuracy(tr: Trainer, w: ModelWeights): number {
  return evaluate(tr.input.model, w.params, w.modelState, tr.input.validation, { batchSize: tr.evalBatchSize }).accuracy;
}

/** A phase's optimizer state around the carried inner state. @internal */
export type PhaseState = InjectHyperparamsState<InnerState>;

/**
 * Trains `epochs` epochs from `w` with `opt` (whose state is `state`) on the round's data, with
 * keys from `purposeKey(input.key, 'method', tag)`; `after` sees every epoch's weights and may
 * return metrics for the epoch's event (e.g. validation accuracy). @internal
 */
export function trainPhase<S>(
  tr: Trainer, phase: 'full' | 'masked', tag: number, opt: GradientTransformation<S>, state: S, w: ModelWeights, epochs: number,
  lrOf: (epoch: number) => number,
  after?: (epoch: number, w: ModelWeights) => Record<string, number> | void,
): { weights: ModelWeights; state: S } {
  const input = tr.input;
  const r = fit({ params: w.params, modelState: w.modelState, optState: state, step: 0, epoch: 0, batch: 0, lossSum: 0, samples: 0 }, {
    optimizer: opt, objective: tr.objective, train: input.train, batchSize: tr.batchSize, epochs, key: purposeKey(input.key, 'method', tag),
    afterEpoch: (st, e) => {
      tr.trained++;
      const metrics = after?.(e.epoch, { params: st.params, modelState: st.modelState }) ?? {};
      input.onEvent?.({
        method: 'dpu', phase, kind: 'epoch', round: input.round, epoch: e.epoch, step: st.step,
        metrics: { trainLoss: e.trainLoss, learningRate: lrOf(e.epoch), ...metrics }, elapsedMs: now() - tr.started, cost: {},
      });
    },
  });
  return { weights: { params: r.state.params, modelState: r.state.modelState }, state: r.state.optState };
}
