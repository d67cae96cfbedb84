/**
 * The ALQ driver (spec §4): structured-sketching init → R rounds of [basis epochs → coordinate
 * epochs → one pruning epoch] → post-training [STE epochs → coordinate epochs], as named phases on
 * the shared training loop (`fit`). Each phase routes the quantized leaves to its ALQ transform and
 * the float leaves (biases, batch norm) to Adam with `partition`; both follow the phase's
 * learning-rate schedule through `phaseOptimizer`, and both carry their state into the next phase.
 *
 * Keys (`purposeKey` of `opts.key`): `shuffle` per global epoch, `dropout` per global step,
 * `method` with index r for the stochastic rounding of round r's pruning.
 *
 * Events: a `'step'` event of phase `'init'` after sketching, then an `'epoch'` event per epoch of
 * the phases `'basis'`, `'coordinate'`, `'prune'`, `'ste'`, `'postCoordinate'` (round and epoch
 * 0-based, epoch counted within the phase) with metrics `accuracy`, `loss` (validation),
 * `trainLoss` (per-sample mean), `learningRate`, `averageBits`, and the storage cost
 * (`cost.multiBitStorage`: bits, bytes).
 */
import type { Params } from '../../tree.js';
import type { CostReport } from '../../cost/report.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import type { Layer } from '../../nn/layers.js';
import { adam } from '../../optim/alias.js';
import type { AdamState } from '../../optim/alias.js';
import { keepMasked } from '../../optim/base.js';
import type { GradientTransformation, Schedule } from '../../optim/base.js';
import { partition } from '../../optim/combine.js';
import { constant, step as stepDecay } from '../../optim/schedules.js';
import type { Key } from '../../random.js';
import { Tensor } from '../../tensor/tensor.js';
import { map } from '../../tree.js';
import { evaluate, EVAL_BATCH_SIZE } from '../../train/evaluate.js';
import { recorder } from '../../train/events.js';
import type { Report, RunEvent } from '../../train/events.js';
import { purposeKey } from '../../train/keys.js';
import { classifierObjective, fit } from '../../train/loop.js';
import type { Objective, TrainState } from '../../train/loop.js';
import { phaseOptimizer } from '../../train/phase.js';
import { averageBits, prune, storage } from './prune.js';
import type { AlqSchedule } from './schedule.js';
import { checkSchedule } from './schedule.js';
import { count, positive } from '../../validate.js';
import type { AlqState, GroupingSpec } from './state.js';
import { labels, quantize, view } from './state.js';
import { basisStep, coordinateStep, steStep } from './steps.js';

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
  /** Trained float parameters (pretraining is not part of the run). */
  params: Params;
  /** Model state (batch-norm statistics); default empty. */
  modelState?: Params | undefined;
  train: Dataset;
  /** Evaluated after every epoch (events' `accuracy` and `loss`). */
  validation: Dataset;
  /** Evaluated once at the end when given (`report.metrics.testAccuracy`). */
  test?: Dataset | undefined;
  /** Root key: shuffling, dropout and the pruning's stochastic rounding. */
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
  /** Training loss of a batch; default cross-entropy through `model.apply`. */
  objective?: Objective | undefined;
  /** Batch size of validation passes; default `EVAL_BATCH_SIZE`. */
  evalBatchSize?: number | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
}

/**
 * What {@link run} returns: network parameters (quantized leaves = reconstruction), model
 * state, the ALQ state, the float leaves' Adam state, the history of events after init and
 * every epoch, and the run's report.
 *
 * @example
 * ```ts
 * const { params, state, history, report } = alq.run(opts);
 * alq.averageBits(state).total; history.at(-1)!.metrics['accuracy']; report.cost.bytes;
 * ```
 */
export interface RunResult {
  params: Params;
  modelState: Params;
  state: AlqState;
  floatState: AdamState;
  history: RunEvent[];
  report: Report;
}

/** Target mode plans the rounds toward this fraction of the target (the prune step stops at the target itself). */
const TARGET_AIM = 0.9;

/**
 * Runs ALQ on a trained float model (spec §4, code stage order, §9.2):
 *
 * 1. `init`: structured sketching of every quantized weight (Imax = `schedule.maxBits`), network
 *    weights ← reconstruction;
 * 2. rounds r = 0..R−1: `basis` epochs at η0·basisDecay^(e+1); `coordinate` epochs continuing
 *    from the last basis rate ×coordinateDecay per epoch; one `prune` epoch at the last rate, in
 *    eval mode;
 * 3. `ste` epochs at η0·steDecay^(e+1), then `postCoordinate` epochs ×postCoordinateDecay.
 *
 * Float leaves take an Adam step at the same rate every minibatch, pruning epochs included.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad schedule or options; errors of the model and
 *   datasets propagate.
 * @example
 * ```ts
 * // A toy run (a few seconds on LeNet5 scale data would be minutes): a 16-8-2 MLP, 32 samples, one epoch per phase.
 * const model = nn.mlp([8, 2]), data = { x: normal(key(1), [32, 16]), y: randint(key(2), [32], 0, 2) };
 * const { params: trained, state: modelState } = model.init(key(0), [16]);
 * const { params, state, report } = alq.run({
 *   model, params: trained, modelState, train: data, validation: data, key: key(0),
 *   schedule: { ...alq.lenet5Schedule, rounds: 1, basisEpochs: 1, coordinateEpochs: 1, steEpochs: 1, postCoordinateEpochs: 1, maxBits: 3, batchSize: 16 },
 *   targetBits: 2,
 *   onEvent: (e) => console.log(e.phase, e.epoch, e.metrics),
 * });
 * alq.averageBits(state).total < 3; // true
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
  const evalBatchSize = count(op, 'evalBatchSize', opts.evalBatchSize ?? EVAL_BATCH_SIZE, 1);
  const { model, train, validation } = opts;
  const objective = opts.objective ?? classifierObjective(model);
  const quantOpts = { maxBits: s.maxBits, grouping: opts.grouping };
  const labelFn = labels(quantOpts);
  const stepsPerEpoch = Math.ceil(train.x.shape[0]! / s.batchSize);

  const history: RunEvent[] = [];
  const rec = recorder('alq', (e) => {
    if (e.kind === 'epoch' || e.kind === 'step') history.push(e);
    opts.onEvent?.(e);
  });
  let alqState = quantize(opts.params, quantOpts);
  let adamState = adam(s.learningRate).init(keepMasked(opts.params, map((l: string) => l === 'float', labelFn(opts.params))));
  let st: TrainState<unknown> = {
    params: view(quantOpts).apply(opts.params, alqState), modelState: opts.modelState ?? {}, optState: null,
    step: 0, epoch: 0, batch: 0, lossSum: 0, samples: 0,
  };
  const bits = (): number => averageBits(alqState).total;
  const costNow = (): CostReport => {
    const b = storage(alqState);
    return { bits: b.binaryBits + b.coordinateBits, bytes: b.bytes };
  };
  const validate = (t: TrainState<unknown>): Record<string, number> => {
    const ev = evaluate(model, t.params, t.modelState, validation, { batchSize: evalBatchSize });
    return { accuracy: ev.accuracy, loss: ev.loss };
  };

  /** One named phase of `epochs` epochs: ALQ transform `make` and Adam, both at `lr`. */
  const phase = (name: string, round: number, epochs: number, lr: Schedule, make: (lr: number) => GradientTransformation<AlqState>, training = true): void => {
    if (epochs === 0) return;
    const q = phaseOptimizer(make, lr), f = phaseOptimizer((r) => adam(r), lr);
    const first = st.epoch;
    const r = rec.phase(name, (emit) => fit({ ...st, optState: { alq: q.enter(alqState), float: f.enter(adamState) } }, {
      optimizer: partition({ alq: q.transform, float: f.transform }, labelFn), objective, train, batchSize: s.batchSize,
      epochs: first + epochs, key: opts.key, training,
      afterEpoch: (t, e) => {
        alqState = t.optState.alq.inner;
        const epoch = e.epoch - first;
        emit('epoch', { round, epoch, step: t.step }, {
          ...validate(t), trainLoss: e.trainLoss, learningRate: lr(epoch * stepsPerEpoch), averageBits: bits(),
        }, costNow());
      },
    }), { round });
    alqState = r.state.optState.alq.inner;
    adamState = r.state.optState.float.inner;
    st = r.state;
  };

  rec.phase('init', (emit) => emit('step', {}, { ...validate(st), learningRate: s.learningRate, averageBits: bits() }, costNow()));
  const reached = (): boolean => target !== undefined && bits() <= target;
  for (let r = 0; r < s.rounds + extraRounds; r++) {
    if (r >= s.rounds && !(target !== undefined && !reached())) break;
    const basisLr = stepDecay(s.learningRate * s.basisDecay, { stepSize: stepsPerEpoch, gamma: s.basisDecay });
    phase('basis', r, s.basisEpochs, basisLr, (lr) => basisStep({ learningRate: lr, ...quantOpts }));
    let eta = s.learningRate * s.basisDecay ** s.basisEpochs;
    phase('coordinate', r, s.coordinateEpochs, stepDecay(eta * s.coordinateDecay, { stepSize: stepsPerEpoch, gamma: s.coordinateDecay }),
      (lr) => coordinateStep({ learningRate: lr, ...quantOpts }));
    eta *= s.coordinateDecay ** s.coordinateEpochs;
    if (reached()) break;
    let rate = s.pruneRate, topK = s.topK;
    if (target !== undefined) {
      const remaining = Math.max(1, s.rounds - r);
      // Aim 10% below the target so the last round reliably gets there; pruning stops at the target.
      rate = Math.log(bits() / (TARGET_AIM * target)) / remaining;
      // The pool must be able to supply ≈ A·pr/T slots per minibatch.
      topK = Math.max(topK, Math.min(1, (2 * rate) / stepsPerEpoch));
    }
    phase('prune', r, 1, constant(eta), (lr) => prune({
      learningRate: lr, rate, topK, stepsPerEpoch, key: purposeKey(opts.key, 'method', r), targetBits: target, stochasticCount: target !== undefined, ...quantOpts,
    }), false);
    if (reached()) break;
  }
  phase('ste', 0, s.steEpochs, stepDecay(s.learningRate * s.steDecay, { stepSize: stepsPerEpoch, gamma: s.steDecay }),
    (lr) => steStep({ learningRate: lr, ...quantOpts }));
  const postStart = s.postCoordinateLearningRate ?? s.learningRate * s.steDecay ** s.steEpochs;
  phase('postCoordinate', 0, s.postCoordinateEpochs, stepDecay(postStart * s.postCoordinateDecay, { stepSize: stepsPerEpoch, gamma: s.postCoordinateDecay }),
    (lr) => coordinateStep({ learningRate: lr, ...quantOpts }));

  const final = validate(st);
  const metrics: Record<string, number> = { ...final, averageBits: bits() };
  if (opts.test !== undefined) metrics['testAccuracy'] = evaluate(model, st.params, st.modelState, opts.test, { batchSize: evalBatchSize }).accuracy;
  return { params: st.params, modelState: st.modelState, state: alqState, floatState: adamState, history, report: rec.report(metrics, costNow()) };
}
