/**
 * Joint training of all subnets (spec §4): on one batch every level j with `α_j > 0` runs the
 * backbone with its masked weights and its BN set, the losses are summed as `L = Σ_j α_j L_j`
 * into the shared weights (and scores), and one optimizer step follows. Two equal forms: the
 * parallel one differentiates `L` in one trace (what the harness objective hook carries), the
 * accumulating one differentiates each `α_j L_j` alone and adds the gradients, so only one
 * subnet's graph is alive at a time.
 *
 * @module
 */
import type { Params } from '../../tree.js';
import { valueAndGrad } from '../../autograd/grad.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Ctx, Layer } from '../../nn/layers.js';
import { applyUpdates } from '../../optim/base.js';
import type { GradientTransformation, ScalarOrSchedule } from '../../optim/base.js';
import { chain, partition } from '../../optim/combine.js';
import { addDecayedWeights, scaleByLearningRate, trace } from '../../optim/transforms.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { add, mul } from '../../tensor/ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import { map } from '../../tree.js';
import type { DressState } from './masks.js';
import { checkState } from './masks.js';
import type { DressParams } from './view.js';
import { checkTree, labels, refresh, subnetParams } from './view.js';
import { datasetArg } from '../../data/dataset.js';
import { isPlainObject } from '../../tree.js';
import { inRange, layerArg, nonNegative, options } from '../../validate.js';

/** The loss of one subnet's logits. */
export type LossFn = (logits: Tensor, y: Tensor) => Tensor;

/**
 * Options shared by {@link objective} and {@link trainStep}.
 * @example
 * ```ts
 * const o: JointOptions = { model: nn.lenet5(), alpha: [0.25, 0.25, 0.25, 0.25] };
 * ```
 */
export interface JointOptions {
  model: Layer<Params>;
  /** `α_j` per level (≥ 0, not all 0). Default uniform `1/K`. */
  alpha?: readonly number[] | undefined;
  /** Default cross-entropy. */
  loss?: LossFn | undefined;
  /** Keep the state's masks instead of re-ranking from the current scores/weights each step. */
  freezeMasks?: boolean | undefined;
}

/** Validated loss weights. @internal */
export function alphas(op: string, alpha: readonly number[] | undefined, k: number): number[] {
  if (alpha === undefined) return Array.from({ length: k }, () => 1 / k);
  if (!Array.isArray(alpha) || alpha.length !== k) throw new NumError('INVALID_ARGUMENT', op, 'alpha must hold one weight per level', `${k} numbers`, describe(alpha));
  if (!alpha.every((a) => typeof a === 'number' && Number.isFinite(a) && a >= 0) || !alpha.some((a) => a > 0)) {
    throw new NumError('INVALID_ARGUMENT', op, 'alpha must be finite, non-negative and not all zero', 'α_j >= 0', describe(alpha));
  }
  return alpha.slice();
}

function checkStates(op: string, modelStates: unknown, k: number): Params[] {
  if (!Array.isArray(modelStates) || modelStates.length !== k) {
    throw new NumError('STRUCTURE_MISMATCH', op, 'the model state must hold one state per level (private BN statistics)', `${k} states`, describe(modelStates));
  }
  return modelStates as Params[];
}

/** One subnet's loss; writes its new model state to `states[j]`. */
function subnetLoss(
  op: string, o: JointOptions, tree: DressParams, masks: DressState, j: number, batch: Dataset,
  training: boolean, states: Params[], key: Key | undefined,
): Tensor {
  const c: Ctx = { training, state: states[j], key: key === undefined ? undefined : foldIn(key, j) };
  const logits = o.model.apply(subnetParams(op, tree, { ...masks, level: j }), batch.x, c);
  if (training && c.newState !== undefined) states[j] = c.newState;
  return (o.loss ?? crossEntropy)(logits, batch.y);
}

/**
 * The joint objective for the harness's training loop: `Σ_j α_j L_j` of one batch. `ctx.state`
 * holds one model state per level and `ctx.newState` receives the updated ones. The masks are
 * re-ranked from the current scores (or weights) at every call unless `freezeMasks`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad `alpha`; `STRUCTURE_MISMATCH` when the params or
 *   the per-level model states do not match the mask state.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params, state: modelState } = model.init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const tree = dress.trainable(params, masks, { modelState });
 * const batch = { x: normal(key(1), [4, 6]), y: randint(key(2), [4], 0, 3) };
 * const obj = dress.objective({ model }, masks);
 * const loss = obj(tree, batch, { training: true, state: [modelState] }); // Σ_j α_j L_j over the levels
 * loss.shape; // []
 * ```
 */
export function objective(o: JointOptions, masks: DressState): (params: Params, batch: Dataset, ctx: Ctx) => Tensor {
  const op = 'dress.objective';
  checkState(op, masks);
  const a = alphas(op, o.alpha, masks.levels.length);
  return (params, batch, ctx) => {
    const tree = params as DressParams;
    const m = o.freezeMasks === true ? masks : refresh(tree, masks);
    const states = checkStates(op, ctx.state, m.levels.length).slice();
    const training = ctx.training ?? true;
    let total: Tensor | undefined;
    for (let j = 0; j < a.length; j++) {
      if (a[j] === 0) continue;
      const l = mul(subnetLoss(op, o, tree, m, j, batch, training, states, ctx.key), a[j]!);
      total = total === undefined ? l : add(total, l);
    }
    if (training) ctx.newState = states;
    return total!;
  };
}

/**
 * What {@link trainStep} carries from step to step; a plain tree that saves with `saveTree`.
 * @example
 * ```ts
 * const st = dress.initTrainState(tree, modelState, masks, opt);
 * ```
 */
export interface DressTrainState<S> {
  params: DressParams;
  /** One model state per level. */
  modelState: Params[];
  optState: S;
  masks: DressState;
  step: number;
}

/**
 * The first {@link DressTrainState}: every level starts from the backbone's model state.
 * @example
 * ```ts
 * const { params, state: modelState } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const tree = dress.trainable(params, masks, { modelState });
 * const st = dress.initTrainState(tree, modelState, masks, dress.optimizer({ learningRate: 0.1 }));
 * st.modelState.length; // 2 (one per level, the dense one included)
 * ```
 */
export function initTrainState<S>(params: DressParams, modelState: Params, masks: DressState, optimizer: GradientTransformation<S>): DressTrainState<S> {
  checkState('dress.initTrainState', masks);
  checkTree('dress.initTrainState', params, masks);
  return { params, modelState: masks.levels.map(() => modelState), optState: optimizer.init(params), masks, step: 0 };
}

/**
 * Options of {@link trainStep}.
 * @example
 * ```ts
 * const o: TrainStepOptions<unknown> = { model, optimizer: dress.optimizer({ learningRate: 0.01 }), form: 'accumulate' };
 * ```
 */
export interface TrainStepOptions<S> extends JointOptions {
  optimizer: GradientTransformation<S>;
  /** `'parallel'` (default): one trace of `Σ α_j L_j`; `'accumulate'`: one subnet at a time. */
  form?: 'parallel' | 'accumulate' | undefined;
}

/**
 * Builds the joint training step: re-rank the masks, compute the gradient of `Σ_j α_j L_j`
 * (parallel or accumulated per subnet), take one optimizer step on the shared tree. Pure: the
 * input state is not changed.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad `alpha` or `form`; `STRUCTURE_MISMATCH` when the
 *   params or model states do not match the masks.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params, state: modelState } = model.init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const opt = dress.optimizer({ learningRate: 0.1 });
 * const st = dress.initTrainState(dress.trainable(params, masks, { modelState }), modelState, masks, opt);
 * const step = dress.trainStep({ model, optimizer: opt });
 * const { state, loss, losses } = step(st, { x: normal(key(1), [4, 6]), y: randint(key(2), [4], 0, 3) });
 * [state.step, losses.length]; // [1, 1]
 * ```
 */
export function trainStep<S>(o: TrainStepOptions<S>): (st: DressTrainState<S>, batch: Dataset, key?: Key) => { state: DressTrainState<S>; loss: number; losses: number[] } {
  const op = 'dress.trainStep';
  layerArg(op, 'model', options(op, 'options', o).model);
  if (o.optimizer === null || typeof o.optimizer !== 'object' || typeof o.optimizer.update !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'optimizer must be a GradientTransformation', '{init, update}', describe(o.optimizer));
  }
  const form = o.form ?? 'parallel';
  if (form !== 'parallel' && form !== 'accumulate') throw new NumError('INVALID_ARGUMENT', op, "form must be 'parallel' or 'accumulate'", "'parallel' | 'accumulate'", describe(form));
  return (st, batch, key) => {
    if (!isPlainObject(st) || !isPlainObject(st.params) || !('optState' in st)) {
      throw new NumError('INVALID_ARGUMENT', op, 'the state must come from dress.initTrainState', 'DressTrainState', describe(st));
    }
    checkState(op, st.masks);
    checkTree(op, st.params, st.masks);
    datasetArg(op, 'batch', batch);
    const masks = o.freezeMasks === true ? st.masks : refresh(st.params, st.masks);
    const k = masks.levels.length;
    const a = alphas(op, o.alpha, k);
    const states = checkStates(op, st.modelState, k).slice();
    const stepKey = key === undefined ? undefined : foldIn(key, st.step);
    const losses = new Array<number>(k).fill(0);
    let grads: Params;
    let loss = 0;
    if (form === 'parallel') {
      const [v, g] = valueAndGrad((p: DressParams) => {
        let total: Tensor | undefined;
        for (let j = 0; j < k; j++) {
          if (a[j] === 0) continue;
          const l = subnetLoss(op, o, p, masks, j, batch, true, states, stepKey);
          losses[j] = l.item();
          total = total === undefined ? mul(l, a[j]!) : add(total, mul(l, a[j]!));
        }
        return total!;
      })(st.params);
      grads = g as Params;
      loss = v.item();
    } else {
      let acc: Params | undefined;
      for (let j = 0; j < k; j++) {
        if (a[j] === 0) continue;
        const [v, g] = valueAndGrad((p: DressParams) => mul(subnetLoss(op, o, p, masks, j, batch, true, states, stepKey), a[j]!))(st.params);
        losses[j] = v.item() / a[j]!;
        loss += v.item();
        acc = acc === undefined ? (g as Params) : (map((x: Tensor, y: Tensor) => add(x, y), acc, g as Params) as Params);
      }
      grads = acc!;
    }
    const [updates, optState] = o.optimizer.update(grads, st.optState, st.params, { loss, step: st.step });
    const params = applyUpdates(st.params, updates) as DressParams;
    return { state: { params, modelState: states, optState, masks, step: st.step + 1 }, loss, losses };
  };
}

/**
 * Options of {@link optimizer}.
 * @example
 * ```ts
 * const o: OptimizerOptions = { learningRate: schedules.cosine(0.01, { steps: 1000 }), weightDecay: 5e-4 };
 * ```
 */
export interface OptimizerOptions {
  learningRate: ScalarOrSchedule;
  /** Default 0.9. */
  momentum?: number | undefined;
  /** On the weights (backbone and BN sets), never on the scores. Default 5e-4. */
  weightDecay?: number | undefined;
  /** Learning rate of the scores; default `learningRate`. */
  scoresLearningRate?: ScalarOrSchedule | undefined;
}

/**
 * The spec's default optimizer: SGD with momentum on the whole tree, weight decay on W only,
 * routed by `partition` with {@link labels}.
 * @example
 * ```ts
 * const opt = dress.optimizer({ learningRate: 0.01 });
 * ```
 */
export function optimizer(opts: OptimizerOptions): GradientTransformation<unknown> {
  const op = 'dress.optimizer';
  const o = options(op, 'opts', opts);
  const lrOk = (v: unknown): boolean => typeof v === 'function' || (typeof v === 'number' && Number.isFinite(v));
  if (!lrOk(o.learningRate)) throw new NumError('INVALID_ARGUMENT', op, 'opts.learningRate must be a number or a schedule', 'number | (step) => number', describe(o.learningRate));
  if (o.scoresLearningRate !== undefined && !lrOk(o.scoresLearningRate)) throw new NumError('INVALID_ARGUMENT', op, 'opts.scoresLearningRate must be a number or a schedule', 'number | (step) => number', describe(o.scoresLearningRate));
  const m = o.momentum === undefined ? 0.9 : inRange(op, 'momentum', o.momentum, 0, 1);
  if (o.weightDecay !== undefined) nonNegative(op, 'weightDecay', o.weightDecay);
  return partition({
    weights: chain(addDecayedWeights(o.weightDecay ?? 5e-4), trace({ decay: m }), scaleByLearningRate(o.learningRate!)),
    scores: chain(trace({ decay: m }), scaleByLearningRate(o.scoresLearningRate ?? o.learningRate!)),
  }, labels) as GradientTransformation<unknown>;
}
