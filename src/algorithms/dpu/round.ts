/**
 * One server round of deep partial updating and its baselines (spec §2, §6). Every method is
 * the same small pipeline with different verbs plugged in:
 *
 * 1. start from the deployed model or from `w_init`;
 * 2. optionally train all parameters (full updating), accumulating local contributions;
 * 3. select the weights that may change;
 * 4. rewind every other selectable weight (to its start value, or to 0 for pruning);
 * 5. train again with a masked optimizer (only the selected weights and the always-updated
 *    leaves move), keeping the checkpoint with the best validation accuracy;
 * 6. deploy that checkpoint, or nothing when no checkpoint beat the start (update-or-not rule).
 *
 * The optimizer is one gradient transformation for all leaves. Its learning rate follows an
 * epoch schedule that restarts for the second phase while the optimizer state (Adam moments,
 * step count) carries over, as in the reference code.
 */
import type { Params } from '../../tree.js';
import { NumError, describe } from '../../errors.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Layer } from '../../nn/layers.js';
import { evaluate, trainStep } from '../../nn/train.js';
import { adam } from '../../optim/alias.js';
import type { EmptyState, GradientTransformation } from '../../optim/base.js';
import { chain, injectHyperparams } from '../../optim/combine.js';
import type { InjectHyperparamsState } from '../../optim/combine.js';
import { batches } from '../../data/dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { abs } from '../../tensor/ops/elementwise.js';
import { Tensor } from '../../tensor/tensor.js';
import { map } from '../../tree.js';
import type { Update, UpdateBase } from './codec.js';
import { checkLambda, combineContributions, globalContribution, trackLocalContribution } from './contribution.js';
import type { EdgeModel, ModelWeights } from './model.js';
import { edgeModel, layoutOf } from './model.js';
import type { Scores, Selection } from './selection.js';
import {
  budget, checkRatio, isSelectable, partialUpdate, pruneTo, rewind, selectAll, selectRandom, selectWeights, selectedCount,
} from './selection.js';
import { createUpdate } from './update.js';

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
  return (epoch, epochs) => init * gamma ** Math.floor((parts * epoch) / epochs);
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
  /** Batch size for validation passes; default 1000. */
  evalBatchSize?: number | undefined;
  /** Training loss; default cross-entropy. */
  loss?: ((logits: Tensor, labels: Tensor) => Tensor) | undefined;
}

/**
 * Progress of one training epoch inside a round.
 *
 * @example
 * ```ts
 * const onEpoch = (e: dpu.EpochReport) => log(`${e.phase} ${e.epoch + 1}/${e.epochs}: ${e.valAccuracy}`);
 * ```
 */
export interface EpochReport {
  round: number;
  /** `'full'`: all parameters train; `'masked'`: only the selected weights (and always-updated leaves). */
  phase: 'full' | 'masked';
  epoch: number;
  epochs: number;
  /** Validation accuracy after the epoch (only measured in the masked phase; NaN otherwise). */
  valAccuracy: number;
  /** Mean training loss of the epoch. */
  loss: number;
}

/**
 * Everything one server round needs.
 *
 * @example
 * ```ts
 * const input: dpu.RoundInput = {
 *   model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train, val, training: { epochs: 2 }, key: key(5),
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
  val: Dataset;
  training: TrainingOptions;
  /** Randomness of this round (batch order, random selections). */
  key: Key;
  onEpoch?: ((e: EpochReport) => void) | undefined;
}

/**
 * Statistics of one round.
 *
 * @example
 * ```ts
 * result.stats.valStart; result.stats.bestEpoch;
 * ```
 */
export interface RoundStats {
  /** Validation accuracy of the start point (`w^{r−1}` or `w_init`). */
  valStart: number;
  /** Validation accuracy right after the rewind (null when the method does not rewind). */
  valRewind: number | null;
  /** Validation accuracy of the model the edge holds after the round. */
  valDeployed: number;
  /** Which checkpoint was deployed: a masked-phase epoch, −1 for the rewound model, null for none. */
  bestEpoch: number | null;
  /** Selectable weights the selection let change. */
  selected: number;
  /** λ used by the contribution metric (null for methods without it). */
  lambda: number | null;
  /** True when Σ local ≤ 0 forced λ = 1. */
  fallback: boolean;
  /** Epochs trained in this round. */
  epochs: number;
}

/**
 * The outcome of one round.
 *
 * @example
 * ```ts
 * const { deployed, update } = dpu.round(input, { ratio: 0.01 });
 * if (update !== null) send(dpu.encodeUpdate(update));
 * ```
 */
export interface RoundResult {
  /** The model the edge holds after this round (the old one when nothing is sent). */
  deployed: EdgeModel;
  /** What is sent to the edge; null when the round decided not to update. */
  update: Update | null;
  /** The weights this round was allowed to change. */
  selection: Selection;
  /** True when the deployed model restarted from `w_init` (advances the doubling rule). */
  restarted: boolean;
  stats: RoundStats;
}

// ---- training ------------------------------------------------------------------------------------

/** @internal */
export type InjState = InjectHyperparamsState<unknown>;

/** The checked inputs of a round and its training settings. @internal */
export interface Trainer {
  input: RoundInput;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  lr: EpochSchedule;
  loss: (logits: Tensor, labels: Tensor) => Tensor;
  optimizer: GradientTransformation<InjState>;
  trained: number;
}

/** @internal */
export const withLr = (s: InjState, lr: number): InjState => ({ ...s, hyperparams: { ...s.hyperparams, learningRate: lr } });

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a positive integer`, 'integer >= 1', describe(v));
  return v;
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
  const epochs = positiveInt(op, 'training.epochs', typeof t.epochs === 'function' ? t.epochs(input.train?.y?.size ?? 0) : t.epochs);
  const rate = t.learningRate ?? stepDecay(5e-3, 0.1);
  if (typeof rate !== 'function' && (typeof rate !== 'number' || !Number.isFinite(rate))) {
    throw new NumError('INVALID_ARGUMENT', op, 'training.learningRate must be a number or an epoch schedule', 'number | EpochSchedule', describe(rate));
  }
  const lr: EpochSchedule = typeof rate === 'number' ? () => rate : rate;
  const make = t.optimizer ?? ((r: number) => adam(r) as GradientTransformation<unknown>);
  return {
    input, epochs, lr,
    batchSize: positiveInt(op, 'training.batchSize', t.batchSize ?? 128),
    evalBatchSize: positiveInt(op, 'training.evalBatchSize', t.evalBatchSize ?? 1000),
    loss: t.loss ?? crossEntropy,
    optimizer: injectHyperparams((h: { learningRate: number }) => make(h.learningRate))({ learningRate: lr(0, epochs) }),
    trained: 0,
  };
}

/** @internal */
export function valAccuracy(tr: Trainer, w: ModelWeights): number {
  return evaluate(tr.input.model, w.params, w.modelState, batches(tr.input.val, tr.evalBatchSize), tr.loss).accuracy;
}

/**
 * Trains `epochs` epochs from `w` with `opt`, setting the learning rate per epoch; `after` sees
 * every epoch's weights. @internal
 */
export function trainEpochs<S>(
  tr: Trainer, phase: EpochReport['phase'], opt: GradientTransformation<S>, state: S, setLr: (s: S, lr: number) => S,
  w: ModelWeights, epochs: number, after?: (epoch: number, w: ModelWeights, loss: number) => void,
): { weights: ModelWeights; state: S } {
  const step = trainStep(tr.input.model, opt, tr.loss);
  const phaseKey = foldIn(tr.input.key, phase === 'full' ? 1 : 2);
  let st = { params: w.params, modelState: w.modelState, optState: state, step: 0 };
  for (let e = 0; e < epochs; e++) {
    st = { ...st, optState: setLr(st.optState, tr.lr(e, epochs)) };
    let lossSum = 0;
    let n = 0;
    for (const b of batches(tr.input.train, tr.batchSize, { key: foldIn(phaseKey, e) })) {
      const r = step(st, b, phaseKey);
      st = r.state;
      lossSum += r.loss * b.y.size;
      n += b.y.size;
    }
    tr.trained++;
    const weights = { params: st.params, modelState: st.modelState };
    if (after !== undefined) after(e, weights, n > 0 ? lossSum / n : NaN);
    else tr.input.onEpoch?.({ round: tr.input.round, phase, epoch: e, epochs, valAccuracy: NaN, loss: n > 0 ? lossSum / n : NaN });
  }
  return { weights: { params: st.params, modelState: st.modelState }, state: st.optState };
}

// ---- the pipeline ---------------------------------------------------------------------------------

/** What a method plugs into the pipeline. */
interface Plan {
  /** Start from w_init (re-init, or methods that always do). */
  fromInit: boolean;
  /** Whether starting from w_init counts as a restart for the doubling rule. */
  restart: boolean;
  /** Epochs of full updating before the selection (0: select at the start point). */
  fullEpochs: number;
  /** Accumulate local contributions during full updating. */
  track: boolean;
  select(start: ModelWeights, trained: ModelWeights, local: Scores | null): { selection: Selection; lambda: number | null; fallback: boolean };
  /** New params after the selection: `rewind` (to the start point) or `pruneTo` (to zero). */
  rewind(start: Params, trained: Params, selection: Selection): Params;
  maskedEpochs: number;
  /** What the update is relative to. */
  base: UpdateBase;
  /** Send every selectable weight. */
  full: boolean;
}

function runPlan(tr: Trainer, plan: Plan): RoundResult {
  const input = tr.input;
  const start: ModelWeights = plan.fromInit ? input.init : input.deployed;
  const valStart = valAccuracy(tr, start);
  let trained = start;
  let injState: InjState | undefined;
  let local: Scores | null = null;
  if (plan.fullEpochs > 0) {
    if (plan.track) {
      const tracked = trackLocalContribution(tr.optimizer);
      const r = trainEpochs(tr, 'full', tracked, tracked.init(start.params), (s, lr) => ({ ...s, inner: withLr(s.inner, lr) }), start, plan.fullEpochs);
      trained = r.weights;
      injState = r.state.inner;
      local = r.state.local;
    } else {
      const r = trainEpochs(tr, 'full', tr.optimizer, tr.optimizer.init(start.params), withLr, start, plan.fullEpochs);
      trained = r.weights;
      injState = r.state;
    }
  }
  const chosen = plan.select(start, trained, local);
  const rewound: ModelWeights = { params: plan.rewind(start.params, trained.params, chosen.selection), modelState: trained.modelState };

  let candidate: ModelWeights | null = null;
  let best = valStart;
  let bestEpoch: number | null = null;
  let valRewind: number | null = null;
  if (plan.fullEpochs > 0) {
    valRewind = valAccuracy(tr, rewound);
    if (valRewind >= valStart) {
      candidate = rewound;
      best = valRewind;
      bestEpoch = -1;
    }
  }
  const masked = chain(tr.optimizer, partialUpdate(chosen.selection));
  const maskedState: [InjState, EmptyState] = [injState ?? tr.optimizer.init(rewound.params), {}];
  trainEpochs(tr, 'masked', masked, maskedState, (s, lr): [InjState, EmptyState] => [withLr(s[0], lr), s[1]], rewound, plan.maskedEpochs, (e, w, loss) => {
    const acc = valAccuracy(tr, w);
    input.onEpoch?.({ round: input.round, phase: 'masked', epoch: e, epochs: plan.maskedEpochs, valAccuracy: acc, loss });
    if (acc > best) {
      best = acc;
      candidate = w;
      bestEpoch = e;
    }
  });

  const stats: RoundStats = {
    valStart, valRewind, valDeployed: best, bestEpoch,
    selected: selectedCount(start.params, chosen.selection),
    lambda: chosen.lambda, fallback: chosen.fallback, epochs: tr.trained,
  };
  const chosenModel = candidate as ModelWeights | null;
  if (chosenModel === null) {
    if (plan.fromInit) stats.valDeployed = valAccuracy(tr, input.deployed);
    return { deployed: input.deployed, update: null, selection: chosen.selection, restarted: false, stats };
  }
  const update = createUpdate({
    round: input.round, deployed: input.deployed, next: chosenModel, base: plan.base, full: plan.full,
    ...(plan.base === 'init' ? { init: input.init, seed: input.seed } : {}),
  });
  return { deployed: edgeModel(chosenModel, input.round), update, selection: chosen.selection, restarted: plan.restart, stats };
}

// ---- DPU and baselines ----------------------------------------------------------------------------

/**
 * Options of {@link round}.
 *
 * @example
 * ```ts
 * const opts: dpu.DpuRoundOptions = { ratio: 0.01, lambda: 0.5 };
 * ```
 */
export interface DpuRoundOptions {
  /** Updating ratio k: at most `⌊k·I⌋` selectable weights change. */
  ratio: number;
  /** λ of the combined metric; default 0.5. λ = 1 is GCPU (global contribution only), λ = 0 LCPU. */
  lambda?: number | undefined;
}

/**
 * One server round of deep partial updating (spec §2): from the deployed model (or `w_init`
 * when `input.reinit`), train all parameters for E epochs while accumulating each weight's local
 * contribution `−Σ g·Δ`; compute the global contribution `(w^f − w^s)²`; normalise and mix them
 * with λ; pick the `S = ⌊k·I⌋` weights with the largest metric over all layers (exact, ties to the
 * lower flat index); rewind every other selectable weight to its start value (biases and batch
 * norm keep their trained values); keep the rewound model if its validation accuracy is at least
 * the start's; train E more epochs with the masked optimizer `chain(optimizer, partialUpdate(sel))`
 * (learning-rate schedule restarted, optimizer state kept), keeping any epoch whose validation
 * accuracy beats the best so far. If nothing beat the start, nothing is sent.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const r = dpu.round({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train, val, training: { epochs: 3 }, key: key(7) }, { ratio: 0.01 });
 * r.update?.indices.length; // ≤ ⌊0.01 · I⌋
 * ```
 */
export function round(input: RoundInput, opts: DpuRoundOptions): RoundResult {
  const op = 'dpu.round';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  const lambda = checkLambda(op, opts.lambda);
  return runPlan(tr, {
    fromInit: input.reinit, restart: input.reinit,
    fullEpochs: tr.epochs, track: lambda < 1, maskedEpochs: tr.epochs,
    select(start, trained, local) {
      const global = globalContribution(start.params, trained.params);
      const m = combineContributions(local, global, { lambda });
      return { selection: selectWeights(m.metric, budget(start.params, ratio)), lambda: m.lambda, fallback: m.fallback };
    },
    rewind,
    base: input.reinit ? 'init' : 'deployed', full: false,
  });
}

/**
 * Options of {@link randomRound} and {@link pruningRound}.
 *
 * @example
 * ```ts
 * const opts: dpu.RatioOptions = { ratio: 0.01 };
 * ```
 */
export interface RatioOptions {
  /** Updating ratio k. */
  ratio: number;
}

/**
 * Random partial updating (RPU baseline, spec §6): from the deployed model (or `w_init` when
 * `input.reinit`), pick `round(k·I_l)` random weights in every layer, train 2E epochs with the
 * masked optimizer, and deploy the best validation checkpoint if it beats the start.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const r = dpu.randomRound(input, { ratio: 0.01 });
 * ```
 */
export function randomRound(input: RoundInput, opts: RatioOptions): RoundResult {
  const op = 'dpu.randomRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  return runPlan(tr, {
    fromInit: input.reinit, restart: input.reinit, fullEpochs: 0, track: false, maskedEpochs: 2 * tr.epochs,
    select: (start) => ({ selection: selectRandom(foldIn(input.key, 3), start.params, ratio), lambda: null, fallback: false }),
    rewind,
    base: input.reinit ? 'init' : 'deployed', full: false,
  });
}

/**
 * Full updating (FU baseline, the reference's `same_init`): train every parameter from `w_init`
 * for 2E epochs on `D^r`, deploy the best validation checkpoint if it beats `w_init`, and send
 * every weight.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad inputs.
 * @example
 * ```ts
 * const r = dpu.fullRound(input);
 * r.update?.indices.length; // I
 * ```
 */
export function fullRound(input: RoundInput): RoundResult {
  const tr = trainer('dpu.fullRound', input);
  return runPlan(tr, {
    fromInit: true, restart: false, fullEpochs: 0, track: false, maskedEpochs: 2 * tr.epochs,
    select: (start) => ({ selection: selectAll(start.params), lambda: null, fallback: false }),
    rewind,
    base: 'deployed', full: true,
  });
}

/**
 * Magnitude pruning (baseline, spec §6): from `w_init`, train all parameters for E epochs, keep
 * the `S = ⌊k·I⌋` selectable weights of largest magnitude over all layers and set the others to
 * 0, then fine-tune the kept ones for E epochs. The update is a sparse model (relative to zeros).
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const r = dpu.pruningRound(input, { ratio: 0.01 });
 * ```
 */
export function pruningRound(input: RoundInput, opts: RatioOptions): RoundResult {
  const op = 'dpu.pruningRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  return runPlan(tr, {
    fromInit: true, restart: false, fullEpochs: tr.epochs, track: false, maskedEpochs: tr.epochs,
    select(start, trained) {
      const magnitude = map((t: Tensor) => (isSelectable(t) ? abs(t) : null), trained.params) as Scores;
      return { selection: selectWeights(magnitude, budget(start.params, ratio)), lambda: null, fallback: false };
    },
    rewind: (_start, trained, selection) => pruneTo(trained, selection),
    base: 'zeros', full: false,
  });
}

// ---- methods for the multi-round driver -----------------------------------------------------------

/**
 * A way of updating the edge, round after round: its name, whether it follows the doubling
 * re-initialisation rule, and its round function.
 *
 * @example
 * ```ts
 * const methods: dpu.Method[] = [dpu.fullUpdating(), dpu.deepPartialUpdating({ ratio: 0.01 })];
 * ```
 */
export interface Method {
  readonly name: string;
  /** Restart from `w_init` when the data has more than doubled since the last restart. */
  readonly reinit: boolean;
  round(input: RoundInput): RoundResult;
}

/**
 * Options of {@link deepPartialUpdating}.
 *
 * @example
 * ```ts
 * const opts: dpu.DeepPartialOptions = { ratio: 0.01, lambda: 0.5, reinit: true };
 * ```
 */
export interface DeepPartialOptions extends DpuRoundOptions {
  /** Follow the doubling re-initialisation rule; default true (the reference's default). */
  reinit?: boolean | undefined;
  /** Name in reports; default `'DPU'` (`'GCPU'` for λ = 1). */
  name?: string | undefined;
}

/**
 * Deep partial updating as a {@link Method} ({@link round} every round).
 *
 * @example
 * ```ts
 * dpu.simulate({ ...setup, method: dpu.deepPartialUpdating({ ratio: 0.01 }) });
 * ```
 */
export function deepPartialUpdating(opts: DeepPartialOptions): Method {
  checkRatio('dpu.deepPartialUpdating', opts?.ratio);
  const o: DpuRoundOptions = { ratio: opts.ratio, lambda: opts.lambda };
  return { name: opts.name ?? (opts.lambda === 1 ? 'GCPU' : 'DPU'), reinit: opts.reinit ?? true, round: (input) => round(input, o) };
}

/**
 * Global-contribution partial updating (GCPU baseline): DPU with λ = 1, without re-initialisation
 * by default (as the reference README runs it).
 *
 * @example
 * ```ts
 * const gcpu = dpu.globalContributionUpdating({ ratio: 0.01 });
 * ```
 */
export function globalContributionUpdating(opts: RatioOptions & { reinit?: boolean | undefined }): Method {
  return deepPartialUpdating({ ratio: opts?.ratio, lambda: 1, reinit: opts.reinit ?? false, name: 'GCPU' });
}

/**
 * Random partial updating (RPU baseline) as a {@link Method}; no re-initialisation by default.
 *
 * @example
 * ```ts
 * const rpu = dpu.randomPartialUpdating({ ratio: 0.01 });
 * ```
 */
export function randomPartialUpdating(opts: RatioOptions & { reinit?: boolean | undefined }): Method {
  checkRatio('dpu.randomPartialUpdating', opts?.ratio);
  const o: RatioOptions = { ratio: opts.ratio };
  return { name: 'RPU', reinit: opts.reinit ?? false, round: (input) => randomRound(input, o) };
}

/**
 * Full updating (FU baseline) as a {@link Method}: retrain from `w_init` and send everything.
 *
 * @example
 * ```ts
 * const fu = dpu.fullUpdating();
 * ```
 */
export function fullUpdating(): Method {
  return { name: 'FU', reinit: false, round: fullRound };
}

/**
 * Magnitude pruning (baseline) as a {@link Method}.
 *
 * @example
 * ```ts
 * const pruning = dpu.pruningUpdating({ ratio: 0.01 });
 * ```
 */
export function pruningUpdating(opts: RatioOptions): Method {
  checkRatio('dpu.pruningUpdating', opts?.ratio);
  const o: RatioOptions = { ratio: opts.ratio };
  return { name: 'Pruning', reinit: false, round: (input) => pruningRound(input, o) };
}
