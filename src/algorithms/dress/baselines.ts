/**
 * The baselines of spec §9, on the same kernels and epochs as DRESS: (i) one independently
 * row-pruned (magnitude, per row) and fine-tuned model per level, K times the storage; (ii) the
 * prefixes of one pruned model (the densest level's) without joint training; (iii) the dense
 * backbone, which the callers evaluate directly.
 *
 * @module
 */
import { rowSparseBytes } from '../../cost/sparse.js';
import type { Dataset } from '../../data/dataset.js';
import type { Layer } from '../../nn/layers.js';
import type { GradientTransformation } from '../../optim/base.js';
import { adam } from '../../optim/alias.js';
import { partition } from '../../optim/combine.js';
import type { Key } from '../../random.js';
import { foldIn } from '../../random.js';
import { fit, initTrain } from '../../train/loop.js';
import type { RunEvent } from '../../train/events.js';
import type { Params } from '../../tree.js';
import type { DressState, LayerSelection } from './masks.js';
import { checkLevels, nestedMasks } from './masks.js';
import { datasetArg } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import { isPlainObject } from '../../tree.js';
import { layerArg, options } from '../../validate.js';
import { objective } from './train.js';
import type { DressParams } from './view.js';
import { labels, subnetParams, trainable } from './view.js';

/**
 * One independently pruned and fine-tuned model.
 * @example
 * ```ts
 * const m: PrunedModel = dress.independentModels(opts)[0]!;
 * model.apply(m.params, x, { state: m.modelState });
 * ```
 */
export interface PrunedModel {
  sparsity: number;
  /** Backbone parameters with the pruned weights (`W ⊙ M`). */
  params: Params;
  modelState: Params;
  masks: DressState;
  /** Packed weights + indices of this model's sparse layers. */
  bytes: number;
}

/**
 * Options of {@link independentModels}.
 * @example
 * ```ts
 * const o: BaselineOptions = { model, params, modelState, train, key: key(1), epochs: 2, levels: [0.5, 0.9375] };
 * ```
 */
export interface BaselineOptions {
  model: Layer<Params>;
  /** The dense backbone. */
  params: Params;
  modelState: Params;
  train: Dataset;
  key: Key;
  epochs: number;
  levels: readonly number[];
  layers?: LayerSelection | undefined;
  batchSize?: number | undefined;
  learningRate?: number | undefined;
  optimizer?: (() => GradientTransformation<unknown>) | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
}

function bytesOf(masks: DressState): number {
  return masks.layers.reduce((a, l) => a + rowSparseBytes(l.rows, l.counts[0]!, l.cols), 0);
}

/**
 * Baseline (i): for every level, prune the backbone per row by magnitude and fine-tune with the
 * mask fixed, for the same epochs as DRESS.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params, state: modelState } = model.init(key(0), [6]);
 * const train = { x: normal(key(1), [16, 6]), y: randint(key(2), [16], 0, 3) };
 * const models = dress.independentModels({ model, params, modelState, train, key: key(1), epochs: 1, levels: [0.5, 0.75] });
 * models.map((m) => m.sparsity); // [0.5, 0.75]
 * ```
 */
export function independentModels(o: BaselineOptions): PrunedModel[] {
  const op = 'dress.independentModels';
  layerArg(op, 'model', options(op, 'options', o).model);
  datasetArg(op, 'train', o.train);
  checkLevels(op, o.levels, false);
  if (o.optimizer !== undefined && typeof o.optimizer !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'optimizer must be a factory () => GradientTransformation', 'function', describe(o.optimizer));
  return o.levels.map((s, j) => {
    const masks = nestedMasks(o.params, { levels: [s], criterion: 'magnitude', layers: o.layers });
    const tree = trainable(o.params, masks, { modelState: o.modelState });
    const lr = o.learningRate ?? 1e-3;
    const opt = o.optimizer?.() ?? (partition({ weights: adam(lr), scores: adam(lr) }, labels) as GradientTransformation<unknown>);
    const st = fit(initTrain(tree, [o.modelState], opt), {
      optimizer: opt, objective: objective({ model: o.model, freezeMasks: true }, masks), train: o.train,
      batchSize: o.batchSize ?? 64, epochs: o.epochs, key: foldIn(o.key, j),
      method: 'dress', phase: `independent-${s}`, onEvent: o.onEvent,
    }).state;
    const params = subnetParams('dress.independentModels', st.params as DressParams, masks);
    return { sparsity: s, params, modelState: (st.modelState as Params[])[0]!, masks, bytes: bytesOf(masks) };
  });
}

/**
 * Baseline (ii): the nested prefixes of one pruned model, without joint training. The pruned
 * weights are ranked again by magnitude (their support is the model's own), so level j keeps
 * the `n_j` largest surviving weights of every row.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params, state: modelState } = model.init(key(0), [6]);
 * const train = { x: normal(key(1), [16, 6]), y: randint(key(2), [16], 0, 3) };
 * const [densest] = dress.independentModels({ model, params, modelState, train, key: key(1), epochs: 1, levels: [0.5] });
 * const prefixes = dress.prefixModels(densest!, [0.5, 0.75]);
 * prefixes.length; // 2
 * ```
 */
export function prefixModels(pruned: PrunedModel, levels: readonly number[], layers?: LayerSelection): PrunedModel[] {
  const op = 'dress.prefixModels';
  if (!isPlainObject(pruned) || !('params' in pruned) || !('modelState' in pruned)) {
    throw new NumError('INVALID_ARGUMENT', op, 'pruned must be a model of dress.independentModels', '{params, modelState, ...}', describe(pruned));
  }
  const masks = nestedMasks(pruned.params, { levels, criterion: 'magnitude', layers });
  const tree = trainable(pruned.params, masks, { bn: 'shared' });
  return levels.map((s, j) => ({
    sparsity: s, params: subnetParams('dress.prefixModels', tree, { ...masks, level: j }), modelState: pruned.modelState, masks, bytes: bytesOf(masks),
  }));
}
