/**
 * The DRESS driver: named phases on the shared training loop. `pretrain` (a dense backbone,
 * unless one is given) → `joint` (all subnets on `Σ_j α_j L_j`, the harness objective hook) →
 * `pack` (final ranking, rank-ordered packing) → `profile` (latency, bytes and MACs per subnet on
 * the sparse kernels, test accuracy of every packed subnet). Emits `RunEvent`s, returns a `Report`.
 *
 * @module
 */
import { rowSparseBytes } from '../../cost/sparse.js';
import type { Dataset } from '../../data/dataset.js';
import { take } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import type { Layer } from '../../nn/layers.js';
import type { GradientTransformation } from '../../optim/base.js';
import { adam } from '../../optim/alias.js';
import { partition } from '../../optim/combine.js';
import type { Key } from '../../random.js';
import { purposeKey } from '../../train/keys.js';
import { fit, initTrain } from '../../train/loop.js';
import { evaluate } from '../../train/evaluate.js';
import { recorder } from '../../train/events.js';
import type { Report, RunEvent } from '../../train/events.js';
import type { Params } from '../../tree.js';
import type { Criterion, DressState, LayerSelection } from './masks.js';
import { nestedMasks } from './masks.js';
import type { PackedRunner } from './infer.js';
import { packedRunner } from './infer.js';
import type { PackedDress } from './pack.js';
import { toSparse } from './pack.js';
import { profile } from './select.js';
import type { SubnetProfile } from './select.js';
import { objective } from './train.js';
import type { DressParams } from './view.js';
import { labels, refresh, subnetParams, trainable } from './view.js';
import { datasetArg } from '../../data/dataset.js';
import { levelArg, runnerArg } from './check.js';
import { layerArg, options, positiveInt } from '../../validate.js';

/**
 * Options of {@link run}.
 * @example
 * ```ts
 * const o: RunOptions = { model: nn.lenet5(), inputShape: [1, 28, 28], train, test, key: key(0), epochs: 3 };
 * ```
 */
export interface RunOptions {
  model: Layer<Params>;
  /** Per-example input shape, to initialise the model when no `params` are given. */
  inputShape?: readonly number[] | undefined;
  /** A trained dense backbone (skips `pretrain` unless `pretrainEpochs` > 0). */
  params?: Params | undefined;
  modelState?: Params | undefined;
  train: Dataset;
  validation?: Dataset | undefined;
  test?: Dataset | undefined;
  key: Key;
  /** Joint-training epochs. */
  epochs: number;
  /** Dense epochs before joint training; default 0 with `params`, else 3. */
  pretrainEpochs?: number | undefined;
  batchSize?: number | undefined;
  levels?: readonly number[] | undefined;
  denseLevel?: boolean | undefined;
  /** Mask criterion; default `'magnitude'` (see `nestedMasks`). */
  criterion?: Criterion | undefined;
  layers?: LayerSelection | undefined;
  alpha?: readonly number[] | undefined;
  bn?: 'private' | 'shared' | undefined;
  /** Adam learning rate of both phases (weights and scores). Default 1e-3. */
  learningRate?: number | undefined;
  /** Override the joint phase's optimizer (it sees the `{net, scores, bn}` tree; see `dress.labels`). */
  optimizer?: GradientTransformation<unknown> | undefined;
  /** Batch of the latency profile (drawn from test, else validation, else train). Default 64. */
  profileBatch?: number | undefined;
  profileRuns?: number | undefined;
  evalBatchSize?: number | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
}

/**
 * What {@link run} returns.
 * @example
 * ```ts
 * const { report, packed, profiles } = dress.run(opts);
 * ```
 */
export interface RunResult {
  report: Report;
  /** The dense backbone the subnets were sampled from. */
  backbone: { params: Params; modelState: Params };
  params: DressParams;
  masks: DressState;
  /** One model state per level. */
  modelState: Params[];
  packed: PackedDress;
  runner: PackedRunner;
  profiles: SubnetProfile[];
  /** Test accuracy of every packed subnet (sparse kernels), densest first; empty without `test`. */
  accuracy: number[];
}

function epochs(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer >= 0`, '>= 0', describe(v));
  return v;
}

/**
 * Test accuracy of one packed subnet on the sparse kernels. @internal
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params } = model.init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const runner = dress.packedRunner(model, dress.toSparse(dress.trainable(params, masks), masks));
 * const test = { x: normal(key(1), [10, 6]), y: randint(key(2), [10], 0, 3) };
 * const acc = dress.packedAccuracy(runner, test, 0); // subnet 0 (50 % sparse) on the sparse kernels
 * acc >= 0 && acc <= 1; // true
 * ```
 */
export function packedAccuracy(runner: PackedRunner, data: Dataset, level: number, batchSize = 500): number {
  const op = 'dress.packedAccuracy';
  runnerArg(op, runner);
  datasetArg(op, 'data', data);
  levelArg(op, level, runner.packed.levels.length);
  positiveInt(op, 'batchSize', batchSize);
  const n = data.y.shape[0]!;
  let correct = 0;
  for (let s = 0; s < n; s += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i);
    const b = take(data, idx);
    const pred = runner.apply(b.x, level).argmax({ axis: 1 }).toTyped();
    const y = b.y.toTyped();
    for (let i = 0; i < idx.length; i++) if (pred[i] === y[i]) correct++;
  }
  return n === 0 ? 0 : correct / n;
}

/**
 * Runs DRESS end to end (see the module comment). Keys: shuffling and dropout per purpose from
 * `key` (`purposeKey`); the backbone is initialised from `purposeKey(key, 'init')`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad epochs, missing `inputShape` without `params`,
 *   and everything {@link nestedMasks} rejects.
 * @example
 * ```ts
 * const data = { x: normal(key(1), [32, 6]), y: randint(key(2), [32], 0, 3) };
 * const r = dress.run({ model: nn.mlp([8, 3]), inputShape: [6], train: data, test: data, key: key(0), epochs: 1, pretrainEpochs: 1, batchSize: 16, levels: [0.5] });
 * r.accuracy.length; // 2: per subnet, densest first
 * ```
 */
export function run(opts: RunOptions): RunResult {
  const op = 'dress.run';
  const model = layerArg(op, 'model', options(op, 'options', opts).model);
  const train = datasetArg(op, 'train', opts.train);
  if (opts.test !== undefined) datasetArg(op, 'test', opts.test);
  if (opts.validation !== undefined) datasetArg(op, 'validation', opts.validation);
  if (opts.onEvent !== undefined && typeof opts.onEvent !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'onEvent must be a function', 'function', describe(opts.onEvent));
  const rec = recorder('dress', opts.onEvent);
  const batchSize = opts.batchSize ?? 64;
  const lr = opts.learningRate ?? 1e-3;
  const jointEpochs = epochs(op, 'epochs', opts.epochs);
  const val = opts.validation ?? opts.test;
  const evalOpts = { batchSize: opts.evalBatchSize };
  let params: Params = opts.params;
  let modelState: Params = opts.modelState ?? {};
  const preEpochs = epochs(op, 'pretrainEpochs', opts.pretrainEpochs ?? (opts.params === undefined ? 3 : 0));
  if (opts.params === undefined) {
    if (opts.inputShape === undefined) throw new NumError('INVALID_ARGUMENT', op, 'give a trained backbone (params) or the inputShape to initialise one', 'params | inputShape', 'neither');
    const init = model.init(purposeKey(opts.key, 'init'), opts.inputShape);
    params = init.params;
    modelState = opts.modelState ?? init.state;
  }
  if (preEpochs > 0) {
    const start = params;
    const startState = modelState;
    const r = rec.phase('pretrain', () => {
      const opt = adam(lr);
      return fit(initTrain(start, startState, opt), {
        optimizer: opt, model, train, batchSize, epochs: preEpochs, key: purposeKey(opts.key, 'method', 0),
        method: 'dress', phase: 'pretrain', onEvent: opts.onEvent,
        afterEpoch: val === undefined ? undefined : (s) => ({ accuracy: evaluate(model, s.params, s.modelState, val, evalOpts).accuracy }),
      }).state;
    });
    params = r.params;
    modelState = r.modelState;
  }
  const backbone = { params, modelState };
  let masks = nestedMasks(params, { levels: opts.levels, denseLevel: opts.denseLevel, criterion: opts.criterion, layers: opts.layers });
  const k = masks.levels.length;
  const tree = trainable(params, masks, { modelState, bn: opts.bn });
  const joint = rec.phase('joint', () => {
    const opt = opts.optimizer ?? (partition({ weights: adam(lr), scores: adam(lr) }, labels) as GradientTransformation<unknown>);
    const perLevel = (s: { params: Params; modelState: Params }): Record<string, number> => {
      if (val === undefined) return {};
      const m = refresh(s.params as DressParams, masks);
      const out: Record<string, number> = {};
      for (let j = 0; j < k; j++) {
        out[`accuracy${j}`] = evaluate(model, subnetParams(op, s.params as DressParams, { ...m, level: j }), (s.modelState as Params[])[j]!, val, evalOpts).accuracy;
      }
      return out;
    };
    return fit(initTrain(tree, masks.levels.map(() => modelState), opt), {
      optimizer: opt, objective: objective({ model, alpha: opts.alpha }, masks), train, batchSize, epochs: jointEpochs,
      key: purposeKey(opts.key, 'method', 1), method: 'dress', phase: 'joint', onEvent: opts.onEvent, afterEpoch: perLevel,
    }).state;
  });
  const trained = joint.params as DressParams;
  const states = joint.modelState as Params[];
  const packed = rec.phase('pack', (emit) => {
    masks = refresh(trained, masks);
    const p = toSparse(trained, masks, { modelState: states });
    let bytes = 0;
    for (const l of p.layers) bytes += rowSparseBytes(l.rows, l.counts[0]!, l.cols);
    emit('end', {}, { bytes, levels: k }, { bytes });
    return p;
  });
  const runner = packedRunner(model, packed);
  const source = opts.test ?? val ?? train;
  const pb = Math.min(opts.profileBatch ?? 64, source.y.shape[0]!);
  const profiles = rec.phase('profile', (emit) => {
    const x = take(source, Array.from({ length: pb }, (_, i) => i)).x;
    const ps = profile(runner, x, { runs: opts.profileRuns });
    for (const p of ps) emit('step', { step: p.level }, { level: p.level, sparsity: p.sparsity, latencyMs: p.latencyMs, nnz: p.nnz }, { bytes: p.bytes, macs: p.macs });
    return ps;
  });
  const accuracy = opts.test === undefined ? [] : profiles.map((p) => packedAccuracy(runner, opts.test!, p.level, opts.evalBatchSize));
  const metrics: Record<string, number> = {};
  accuracy.forEach((a, j) => { metrics[`accuracy${j}`] = a; });
  profiles.forEach((p) => { metrics[`latencyMs${p.level}`] = p.latencyMs; });
  const report = rec.report(metrics, { bytes: profiles[0]!.bytes, macs: profiles[0]!.macs });
  return { report, backbone, params: trained, masks, modelState: states, packed, runner, profiles, accuracy };
}
