/**
 * The ALQ training pipeline (spec §4): structured-sketching init → R rounds of
 * [basis epochs → coordinate epochs → one pruning epoch] → post-training [STE epochs →
 * coordinate epochs]. Each epoch picks its transform (basisStep, coordinateStep, prune, steStep)
 * for the quantized leaves and an Adam for the float leaves (biases, batch norm), both at the
 * current η, routed by `partition`. Reports one {@link AlqEpochStats} per epoch through
 * `onProgress` and in the result; prints nothing.
 */
import type { Params } from '../../tree.js';
import { valueAndGrad } from '../../autograd/grad.js';
import { batches } from '../../data/dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Ctx, Layer } from '../../nn/layers.js';
import { evaluate } from '../../nn/train.js';
import { adam } from '../../optim/alias.js';
import type { AdamState } from '../../optim/alias.js';
import { applyUpdates, keepMasked } from '../../optim/base.js';
import type { GradientTransformation } from '../../optim/base.js';
import { partition } from '../../optim/combine.js';
import { foldIn, split } from '../../random.js';
import type { Key } from '../../random.js';
import { Tensor } from '../../tensor/tensor.js';
import { map } from '../../tree.js';
import { kernelwise, subchannelwise } from './grouping.js';
import { averageBits, prune, storage } from './prune.js';
import type { AlqState, GroupingSpec } from './state.js';
import { labels, quantize, view } from './state.js';
import { basisStep, coordinateStep, steStep } from './steps.js';

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
 * const state = alq.quantize(params, { grouping: alq.lenet5Grouping() });
 * ```
 */
export function lenet5Grouping(): GroupingSpec {
  return { '0.weight': kernelwise(), '3.weight': kernelwise(), '7.weight': subchannelwise(2), '9.weight': subchannelwise(1) };
}

/**
 * One line of the run history: the state after an epoch (or `'init'` after sketching).
 *
 * @example
 * ```ts
 * onProgress: (s: AlqEpochStats) => log(`${s.stage} r${s.round} e${s.epoch}: ${s.averageBits.toFixed(2)} bits, ${(100 * s.accuracy).toFixed(1)} %`)
 * ```
 */
export interface AlqEpochStats {
  stage: 'init' | 'basis' | 'coordinate' | 'prune' | 'ste' | 'postCoordinate';
  /** Round (1-based; 0 for init and post-training). */
  round: number;
  /** Epoch within the stage (1-based; 0 for init). */
  epoch: number;
  learningRate: number;
  /** Network average bitwidth Σ n_g I_g / N. */
  averageBits: number;
  /** Weight storage in decimal KB under the spec's convention (`alq.storage`). */
  kilobytes: number;
  /** Validation accuracy and mean loss (eval mode). */
  accuracy: number;
  loss: number;
  /** Mean training loss over the epoch's minibatches (NaN for init). */
  trainLoss: number;
}

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * const opts: RunOptions = { model, params, modelState, train, validation, key: key(0), schedule: alq.lenet5Schedule };
 * ```
 */
export interface RunOptions {
  model: Layer<Params>;
  /** Trained float parameters (stage 0, pretraining, is not part of the run). */
  params: Params;
  /** Model state (batch-norm statistics); default `{}`-like empty state. */
  modelState?: Params | undefined;
  train: Dataset;
  validation: Dataset;
  /** Seeds data shuffling, dropout and the pruning's stochastic rounding. */
  key: Key;
  schedule: Readonly<AlqSchedule>;
  /** Leaf selection and grouping (default `alq.defaultGrouping`). */
  grouping?: GroupingSpec | undefined;
  /**
   * Target network average bitwidth (spec §9.3): the pruning rate of each round is chosen so that
   * the planned rounds end slightly (10 %) below the target, pruning stops as soon as the target is reached, and up to
   * `maxExtraRounds` more rounds run if it is still above after the planned ones. The pruned
   * count per minibatch is rounded stochastically in this mode (`alq.prune`'s `stochasticCount`).
   */
  targetBits?: number | undefined;
  /** Default: `schedule.rounds`. */
  maxExtraRounds?: number | undefined;
  /** Loss on logits and labels; default cross-entropy. */
  loss?: ((logits: Tensor, y: Tensor) => Tensor) | undefined;
  /** Batch size of validation passes; default 500. */
  evalBatchSize?: number | undefined;
  /** Called after init and after every epoch. */
  onProgress?: ((stats: AlqEpochStats) => void) | undefined;
}

/**
 * What {@link run} returns: network parameters (quantized leaves = reconstruction), model
 * state, the ALQ state, the float leaves' Adam state and the per-epoch history.
 *
 * @example
 * ```ts
 * const { params, state, history } = alq.run(opts);
 * alq.averageBits(state).total; history.at(-1)!.accuracy;
 * ```
 */
export interface RunResult {
  params: Params;
  modelState: Params;
  state: AlqState;
  floatState: AdamState;
  history: AlqEpochStats[];
}

/** Target mode plans the rounds toward this fraction of the target (the prune step stops at the target itself). */
const TARGET_AIM = 0.9;

type Optimizer = GradientTransformation<{ alq: AlqState; float: AdamState }>;

function count(op: string, name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min}`, `integer >= ${min}`, describe(v));
  }
  return v;
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite number > 0`, '> 0', describe(v));
  }
  return v;
}

function checkSchedule(op: string, s: Readonly<AlqSchedule>): void {
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

/**
 * Runs the ALQ pipeline on a trained float model (spec §4, code stage order, §9.2):
 *
 * 1. init: structured sketching of every quantized weight (Imax = `schedule.maxBits`), network
 *    weights ← reconstruction;
 * 2. rounds r = 1..R: η = η0; `basisEpochs` × basis mode (η ×= basisDecay before each);
 *    `coordinateEpochs` × coordinate mode (η ×= coordinateDecay before each); one pruning epoch
 *    at the last η in eval mode;
 * 3. post-training: η = η0; `steEpochs` × STE mode (η ×= steDecay); `postCoordinateEpochs` ×
 *    coordinate mode (η ×= postCoordinateDecay).
 *
 * Float leaves take an Adam step at the same η every minibatch, pruning epochs included.
 * Training epochs run the model in training mode (batch-norm statistics update); pruning epochs
 * in eval mode. Validation after every epoch.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad schedule or options; errors of the model and
 *   datasets propagate.
 * @example
 * ```ts
 * const { params, state, history } = alq.run({
 *   model, params: trained, modelState, train, validation, key: key(0),
 *   schedule: { ...alq.lenet5Schedule, rounds: 2, basisEpochs: 2, coordinateEpochs: 1, steEpochs: 2, postCoordinateEpochs: 1 },
 *   grouping: alq.lenet5Grouping(), targetBits: 0.4,
 *   onProgress: (s) => log(s),
 * });
 * const packed = alq.pack(params, state);
 * ```
 */
export function run(opts: RunOptions): RunResult {
  const op = 'alq.run';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'RunOptions', describe(opts));
  const s = opts.schedule;
  checkSchedule(op, s);
  if (!(opts.key instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'key must be a PRNG key', 'key(seed)', describe(opts.key));
  if (typeof opts.model?.apply !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'model must be an nn layer', '{init, apply}', describe(opts.model));
  const target = opts.targetBits === undefined ? undefined : positive(op, 'targetBits', opts.targetBits);
  const extraRounds = target === undefined ? 0 : count(op, 'maxExtraRounds', opts.maxExtraRounds ?? s.rounds);
  const lossFn = opts.loss ?? crossEntropy;
  const evalBatch = count(op, 'evalBatchSize', opts.evalBatchSize ?? 500, 1);
  const { model, train, validation } = opts;
  const quantOpts = { maxBits: s.maxBits, grouping: opts.grouping };
  const labelFn = labels(quantOpts);
  const [dataKey, dropKey, pruneKey] = split(opts.key, 3) as [Key, Key, Key];
  const stepsPerEpoch = Math.ceil(train.x.shape[0]! / s.batchSize);

  let modelState: Params = opts.modelState;
  const floatOnly = keepMasked(opts.params, map((l: string) => l === 'float', labelFn(opts.params)));
  let optState: { alq: AlqState; float: AdamState } = {
    alq: quantize(opts.params, quantOpts),
    float: adam(s.learningRate).init(floatOnly),
  };
  let params: Params = view(quantOpts).apply(opts.params, optState.alq);
  let step = 0, epochIndex = 0;
  const history: AlqEpochStats[] = [];

  const record = (stage: AlqEpochStats['stage'], round: number, epoch: number, eta: number, trainLoss: number): void => {
    const ev = evaluate(model, params, modelState, batches(validation, evalBatch), lossFn);
    const stats: AlqEpochStats = {
      stage, round, epoch, learningRate: eta, averageBits: averageBits(optState.alq).total,
      kilobytes: storage(optState.alq).kilobytes, accuracy: ev.accuracy, loss: ev.loss, trainLoss,
    };
    history.push(stats);
    opts.onProgress?.(stats);
  };

  const epoch = (opt: Optimizer, training: boolean): number => {
    let sum = 0, n = 0;
    for (const b of batches(train, s.batchSize, { key: foldIn(dataKey, epochIndex) })) {
      const ctx: Ctx = { training, state: modelState, key: foldIn(dropKey, step) };
      const [value, grads] = valueAndGrad((p: Params) => lossFn(model.apply(p, b.x, ctx), b.y))(params);
      const [u, next] = opt.update(grads, optState, params);
      params = applyUpdates(params, u);
      optState = next;
      if (training && ctx.newState !== undefined) modelState = ctx.newState;
      sum += value.item();
      n++;
      step++;
    }
    epochIndex++;
    return n === 0 ? NaN : sum / n;
  };

  record('init', 0, 0, s.learningRate, NaN);
  const bits = (): number => averageBits(optState.alq).total;
  const reached = (): boolean => target !== undefined && bits() <= target;
  for (let r = 1; r <= s.rounds + extraRounds; r++) {
    if (r > s.rounds && !(target !== undefined && !reached())) break;
    let eta = s.learningRate;
    for (let e = 1; e <= s.basisEpochs; e++) {
      eta *= s.basisDecay;
      const loss = epoch(partitioned(basisStep({ learningRate: eta, ...quantOpts }), eta, labelFn), true);
      record('basis', r, e, eta, loss);
    }
    for (let e = 1; e <= s.coordinateEpochs; e++) {
      eta *= s.coordinateDecay;
      const loss = epoch(partitioned(coordinateStep({ learningRate: eta, ...quantOpts }), eta, labelFn), true);
      record('coordinate', r, e, eta, loss);
    }
    if (reached()) break;
    let rate = s.pruneRate, topK = s.topK;
    if (target !== undefined) {
      const remaining = Math.max(1, s.rounds - r + 1);
      // Aim 10% below the target so the last round reliably gets there; pruning stops at the target.
      rate = Math.log(bits() / (TARGET_AIM * target)) / remaining;
      // The pool must be able to supply ≈ A·pr/T slots per minibatch.
      topK = Math.max(topK, Math.min(1, (2 * rate) / stepsPerEpoch));
    }
    const pruneStep = prune({
      learningRate: eta, rate, topK, stepsPerEpoch, key: foldIn(pruneKey, r), targetBits: target, stochasticCount: target !== undefined, ...quantOpts,
    });
    const loss = epoch(partitioned(pruneStep, eta, labelFn), false);
    record('prune', r, 1, eta, loss);
    if (reached()) break;
  }
  let eta = s.learningRate;
  for (let e = 1; e <= s.steEpochs; e++) {
    eta *= s.steDecay;
    const loss = epoch(partitioned(steStep({ learningRate: eta, ...quantOpts }), eta, labelFn), true);
    record('ste', 0, e, eta, loss);
  }
  if (s.postCoordinateLearningRate !== undefined) eta = s.postCoordinateLearningRate;
  for (let e = 1; e <= s.postCoordinateEpochs; e++) {
    eta *= s.postCoordinateDecay;
    const loss = epoch(partitioned(coordinateStep({ learningRate: eta, ...quantOpts }), eta, labelFn), true);
    record('postCoordinate', 0, e, eta, loss);
  }
  return { params, modelState, state: optState.alq, floatState: optState.float, history };
}

/**
 * An ALQ step for the quantized leaves and Adam (same η) for the float leaves, routed by
 * `partition` with {@link labels}.
 */
function partitioned(step: GradientTransformation<AlqState>, eta: number, labelFn: ReturnType<typeof labels>): Optimizer {
  return partition({ alq: step, float: adam(eta) }, labelFn);
}
