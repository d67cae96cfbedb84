/**
 * The one training loop of the library. Every method drives its phases through {@link fit} (or a
 * single {@link trainStep}); what differs between methods is the *objective* (the loss of a batch),
 * the *optimizer* (a gradient transformation with its `Extra`) and what happens after an epoch.
 *
 * - The learning rate lives in the optimizer only: a `Schedule` or `injectHyperparams`.
 * - The training loss is a per-sample mean: Σ_batches loss_b · |b| / Σ |b|.
 * - Keys: batch order of epoch `e` uses `purposeKey(key, 'shuffle', e)`, dropout of step `s`
 *   `purposeKey(key, 'dropout', s)`, and the objective gets `purposeKey(key, 'method', s)`.
 * - Everything needed to continue lives in {@link TrainState}, a plain tree: save it with
 *   `saveTree` at any step, load it, call `fit` again with the same options, and the parameters
 *   equal those of an uninterrupted run bit for bit.
 */
import { valueAndGrad } from '../autograd/grad.js';
import type { Params } from '../tree.js';
import { gatherLabels, gatherRows, rowsOf, shuffle } from '../data/dataset.js';
import type { Dataset } from '../data/dataset.js';
import { NumError, describe } from '../errors.js';
import { crossEntropy } from '../nn/functional.js';
import type { Ctx, Layer } from '../nn/layers.js';
import { applyUpdates } from '../optim/base.js';
import type { Extra, GradientTransformation } from '../optim/base.js';
import type { Key } from '../random.js';
import { Tensor } from '../tensor/tensor.js';
import { now } from './events.js';
import type { RunEvent } from './events.js';
import { purposeKey } from './keys.js';
import { count, fnArg, layerArg } from '../validate.js';

/**
 * What an objective sees besides parameters and batch: the layer context (mode, model state,
 * dropout key) plus the loop's counters and a per-step key for the objective's own randomness.
 *
 * @example
 * ```ts
 * const objective: Objective = (p, b, ctx) => crossEntropy(model.apply(p, b.x, ctx), b.y);
 * ```
 */
export interface StepCtx extends Ctx {
  training: boolean;
  /** Global optimizer step (0-based). */
  step: number;
  /** Epoch (0-based). */
  epoch: number;
  /** `purposeKey(key, 'method', step)`: randomness of the objective itself (sampled views, …). */
  methodKey: Key;
}

/**
 * The loss of one batch as a scalar tensor, differentiated with respect to `params`. Layers that
 * update model state (batch norm) write `ctx.newState`.
 *
 * @example
 * ```ts
 * // DRESS-style: the sum of two masked views' losses.
 * const objective: Objective = (p, b, ctx) => add(loss(view(p, 0), b, ctx), loss(view(p, 1), b, ctx));
 * ```
 */
export type Objective = (params: Params, batch: Dataset, ctx: StepCtx) => Tensor;

/**
 * The default objective: `loss(model.apply(params, batch.x, ctx), batch.y)`, cross-entropy by default.
 *
 * @example
 * ```ts
 * const objective = classifierObjective(nn.lenet5());
 * ```
 */
export function classifierObjective(model: Layer<Params>, loss: (logits: Tensor, y: Tensor) => Tensor = crossEntropy): Objective {
  layerArg('classifierObjective', 'model', model);
  fnArg('classifierObjective', 'loss', loss);
  return (params, batch, ctx) => {
    if (batch === null || typeof batch !== 'object') throw new NumError('INVALID_ARGUMENT', 'classifierObjective', 'batch must be a dataset {x, y}', '{x: Tensor, y: Tensor}', describe(batch));
    return loss(model.apply(params, batch.x, ctx), batch.y);
  };
}

/**
 * Everything a training run carries from step to step; a plain tree that saves with `saveTree`.
 *
 * @example
 * ```ts
 * let st = initTrain(params, modelState, opt);
 * st = fit(st, { optimizer: opt, model, train, batchSize: 128, epochs: 2, key: key(0) }).state;
 * ```
 */
export interface TrainState<S> {
  params: Params;
  /** Non-trainable model state (batch-norm statistics). */
  modelState: Params;
  optState: S;
  /** Optimizer steps taken. */
  step: number;
  /** Epochs completed. */
  epoch: number;
  /** Batches of the current epoch already taken (0 at an epoch boundary). */
  batch: number;
  /** Σ loss·|batch| over the current epoch so far. */
  lossSum: number;
  /** Samples of the current epoch so far. */
  samples: number;
}

/**
 * A fresh {@link TrainState}: the optimizer initialised on `params`, all counters 0.
 *
 * @example
 * ```ts
 * const init = nn.sequential(nn.linear(3)).init(key(0), [4]);
 * const st = initTrain(init.params, init.state, adam(1e-3));
 * st.step; // 0
 * ```
 */
export function initTrain<S, X extends Extra = Extra>(params: Params, modelState: Params, optimizer: GradientTransformation<S, X>): TrainState<S> {
  checkOptimizer('initTrain', optimizer);
  return { params, modelState, optState: optimizer.init(params), step: 0, epoch: 0, batch: 0, lossSum: 0, samples: 0 };
}

/**
 * Options of {@link trainStep}.
 *
 * @example
 * ```ts
 * const opts: StepOptions<AdamState> = { optimizer: adam(1e-3), model, key: key(0) };
 * ```
 */
export interface StepOptions<S, X extends Extra = Extra> {
  optimizer: GradientTransformation<S, X>;
  /** Root key of the run (dropout and method keys are derived per step). */
  key: Key;
  /** The model, for the default objective. */
  model?: Layer<Params> | undefined;
  /** The loss of a batch; default {@link classifierObjective}(model). */
  objective?: Objective | undefined;
  /** Model mode during the step; default true. Model state is only updated in training mode. */
  training?: boolean | undefined;
  /** The optimizer's `Extra` for a step; default `{ loss, step }`. */
  extra?: ((st: TrainState<S>, loss: number) => X) | undefined;
}

/**
 * Builds one training step: the objective's value and gradient, one optimizer update, the new
 * model state and counters. Pure: returns a new state.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a missing optimizer, key, or both model and objective.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const init = model.init(key(0), [4]);
 * const opt = adam(1e-3);
 * const st = initTrain(init.params, init.state, opt);
 * const step = trainStep({ optimizer: opt, model, key: key(0) });
 * const { state, loss } = step(st, { x: normal(key(1), [8, 4]), y: randint(key(2), [8], 0, 3) });
 * state.step; // 1
 * ```
 */
export function trainStep<S, X extends Extra = Extra>(
  opts: StepOptions<S, X>,
): (st: TrainState<S>, batch: Dataset) => { state: TrainState<S>; loss: number } {
  const op = 'trainStep';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'StepOptions', describe(opts));
  checkOptimizer(op, opts.optimizer);
  if (!(opts.key instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'key must be a PRNG key', 'key(seed)', describe(opts.key));
  const objective = objectiveOf(op, opts);
  const { optimizer, key } = opts;
  const training = opts.training ?? true;
  return (st, batch) => {
    const ctx: StepCtx = {
      training, state: st.modelState, key: purposeKey(key, 'dropout', st.step),
      step: st.step, epoch: st.epoch, methodKey: purposeKey(key, 'method', st.step),
    };
    const [value, grads] = valueAndGrad((p: Params) => objective(p, batch, ctx))(st.params);
    const loss = value.item();
    const extra = opts.extra === undefined ? ({ loss, step: st.step } as X) : opts.extra(st, loss);
    const [updates, optState] = optimizer.update(grads, st.optState, st.params, extra);
    const n = batch.y.shape[0] ?? 1;
    return {
      state: {
        params: applyUpdates(st.params, updates),
        modelState: training && ctx.newState !== undefined ? ctx.newState : st.modelState,
        optState, step: st.step + 1, epoch: st.epoch, batch: st.batch + 1, lossSum: st.lossSum + loss * n, samples: st.samples + n,
      },
      loss,
    };
  };
}

/**
 * What {@link fit} reports for every completed epoch.
 *
 * @example
 * ```ts
 * const { epochs } = fit(st, opts);
 * epochs.at(-1)!.trainLoss;
 * ```
 */
export interface EpochStats {
  /** The epoch that just finished (0-based). */
  epoch: number;
  /** Per-sample mean training loss of the epoch. */
  trainLoss: number;
  samples: number;
  /** What `afterEpoch` returned. */
  metrics: Record<string, number>;
}

/**
 * Options of {@link fit}: those of {@link trainStep} plus data, length and reporting.
 *
 * @example
 * ```ts
 * const opts: FitOptions<AdamState> = { optimizer: adam(1e-3), model, train, batchSize: 128, epochs: 4, key: key(0) };
 * ```
 */
export interface FitOptions<S, X extends Extra = Extra> extends StepOptions<S, X> {
  train: Dataset;
  batchSize: number;
  /** Train until `state.epoch === epochs` (absolute: a resumed run passes the same value). */
  epochs: number;
  /** Stop after this many steps of this call (an interruption; the state resumes mid-epoch). */
  maxSteps?: number | undefined;
  /** Called after every epoch with the new state; its numbers join the epoch's event (validation, …). */
  afterEpoch?: ((st: TrainState<S>, stats: EpochStats) => Record<string, number> | void) | undefined;
  /**
   * Event sink: a `'step'` {@link RunEvent} per step (metrics `trainLoss`, the epoch's running
   * per-sample mean, `samples` seen in the epoch, `epochSamples`) and an `'epoch'` event per epoch
   * (`trainLoss` and what `afterEpoch` returned).
   */
  onEvent?: ((e: RunEvent) => void) | undefined;
  /** Names on the events; defaults `'train'`, `'train'`, 0. */
  method?: string | undefined;
  phase?: string | undefined;
  round?: number | undefined;
}

/**
 * Trains epochs of mini-batches until `state.epoch === opts.epochs` (or `maxSteps` steps), from
 * wherever `state` stands, mid-epoch included.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad options; errors of the objective propagate.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const init = model.init(key(0), [4]);
 * const train = { x: normal(key(1), [64, 4]), y: randint(key(2), [64], 0, 3) }, validation = train;
 * const st = initTrain(init.params, init.state, adam(1e-3));
 * const { state, epochs } = fit(st, {
 *   optimizer: adam(1e-3), model, train, batchSize: 16, epochs: 3, key: key(0),
 *   afterEpoch: (s) => ({ accuracy: evaluate(model, s.params, s.modelState, validation).accuracy }),
 * });
 * ```
 */
export function fit<S, X extends Extra = Extra>(state: TrainState<S>, opts: FitOptions<S, X>): { state: TrainState<S>; epochs: EpochStats[] } {
  const op = 'fit';
  const step = trainStep(opts);
  const rows = rowsOf(op, opts.train);
  const size = count(op, 'batchSize', opts.batchSize, 1);
  const epochs = count(op, 'epochs', opts.epochs, 0);
  const maxSteps = opts.maxSteps === undefined ? Infinity : count(op, 'maxSteps', opts.maxSteps, 0);
  checkState(op, state);
  const perEpoch = Math.ceil(rows.n / size);
  const out: EpochStats[] = [];
  let st = state;
  let taken = 0;
  const t0 = now();
  const event = (kind: 'step' | 'epoch', epoch: number, metrics: Record<string, number>): void => opts.onEvent?.({
    method: opts.method ?? 'train', phase: opts.phase ?? 'train', kind, round: opts.round ?? 0, epoch, step: st.step,
    metrics, elapsedMs: now() - t0, cost: {},
  });
  while (st.epoch < epochs && taken < maxSteps) {
    const order = shuffle(purposeKey(opts.key, 'shuffle', st.epoch), rows.n);
    while (st.batch < perEpoch && taken < maxSteps) {
      const s = st.batch * size, e = Math.min(s + size, rows.n);
      st = step(st, { x: gatherRows(rows, order, s, e), y: gatherLabels(rows, order, s, e) }).state;
      taken++;
      if (opts.onEvent !== undefined) event('step', st.epoch, { trainLoss: st.lossSum / st.samples, samples: st.samples, epochSamples: rows.n });
    }
    if (st.batch < perEpoch) break;
    const stats: EpochStats = { epoch: st.epoch, trainLoss: st.samples > 0 ? st.lossSum / st.samples : NaN, samples: st.samples, metrics: {} };
    st = { ...st, epoch: st.epoch + 1, batch: 0, lossSum: 0, samples: 0 };
    stats.metrics = opts.afterEpoch?.(st, stats) ?? {};
    out.push(stats);
    event('epoch', stats.epoch, { trainLoss: stats.trainLoss, ...stats.metrics });
  }
  return { state: st, epochs: out };
}

function objectiveOf<S, X extends Extra>(op: string, opts: StepOptions<S, X>): Objective {
  if (opts.objective !== undefined) {
    if (typeof opts.objective !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'objective must be a function', '(params, batch, ctx) => Tensor', describe(opts.objective));
    return opts.objective;
  }
  const m = opts.model as unknown;
  if (m === null || typeof m !== 'object' || typeof (m as Layer).apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'need a model (for the default objective) or an objective', '{init, apply} | objective', describe(m));
  }
  return classifierObjective(m as Layer<Params>);
}

function checkOptimizer(op: string, opt: unknown): void {
  if (opt === null || typeof opt !== 'object' || typeof (opt as { init?: unknown }).init !== 'function' || typeof (opt as { update?: unknown }).update !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'optimizer must be a gradient transformation', '{init, update}', describe(opt));
  }
}

function checkState(op: string, st: unknown): void {
  const s = st as Record<string, unknown> | null;
  if (s === null || typeof s !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'state must be a TrainState (see initTrain)', 'TrainState', describe(st));
  for (const k of ['step', 'epoch', 'batch', 'lossSum', 'samples'] as const) {
    if (typeof s[k] !== 'number') throw new NumError('STATE_MISMATCH', op, `state.${k} must be a number; build the state with initTrain`, 'number', describe(s[k]));
  }
}
