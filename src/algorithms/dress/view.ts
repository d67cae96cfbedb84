/**
 * The DRESS parameter tree and its {@link ParamView}. Training carries one tree,
 * `{ net, scores, bn }`: the shared backbone, the learned scores (criterion `'learned'`; `{}`
 * otherwise) and, with private batch norm, one copy of every BN scale/shift per level.
 * `view().apply(tree, state)` gives the backbone parameters of subnet `state.level`:
 * `W ⊙ M_j` in every sparsified layer (a straight-through mask when scores are learned, so
 * `∂L/∂Z = ∂L/∂W_eff ⊙ W`) and BN set j.
 *
 * @module
 */
import type { Params } from '../../tree.js';
import { customVjp, noGrad } from '../../autograd/grad.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { ParamView } from '../../optim/view.js';
import { fromTyped } from '../../tensor/create.js';
import { abs, astype, mul } from '../../tensor/ops/elementwise.js';
import { Tensor } from '../../tensor/tensor.js';
import { entries, isPlainObject, mapWithPath } from '../../tree.js';
import type { Tree } from '../../tree.js';
import type { DressLayer, DressState, NestedMaskOptions } from './masks.js';
import { checkState, maskOf, nestedMasks, rerank } from './masks.js';
import { dressParamsArg } from './check.js';

/**
 * What DRESS trains: the shared backbone, learned scores by weight path, and private BN
 * parameters per level (path → tensor; `[]` when BN is shared).
 * @example
 * ```ts
 * const tree: dress.DressParams = dress.trainable(params, state, { modelState });
 * ```
 */
export interface DressParams {
  [key: string]: Params;
  net: Params;
  scores: Record<string, Tensor>;
  bn: Record<string, Tensor>[];
}

/** Options of {@link trainable}. */
export interface TrainableOptions {
  /** The model state; batch-norm layers are found by their `runningMean` in it. */
  modelState?: Params | undefined;
  /** `'private'` (default): own γ, β per level; `'shared'`: one γ, β (running statistics stay per level). */
  bn?: 'private' | 'shared' | undefined;
}

/**
 * Paths of the parameters of batch-norm layers: the leaves whose layer holds running statistics
 * in `modelState`. @internal
 */
export function bnPaths(net: Params, modelState: Params | undefined): string[] {
  if (modelState === undefined) return [];
  const owners = new Set<string>();
  for (const [p] of entries(modelState)) {
    const cut = p.lastIndexOf('.');
    if (p.slice(cut + 1) === 'runningMean') owners.add(p.slice(0, Math.max(0, cut)));
  }
  return entries(net).filter(([p]) => owners.has(p.slice(0, Math.max(0, p.lastIndexOf('.'))))).map(([p]) => p);
}

/**
 * The training tree of a backbone: `net` as given, `scores = |W|` (float32) for every sparsified
 * layer when the criterion is `'learned'` (so step 0 ranks exactly as magnitude would), and one
 * copy of the BN parameters per level (private BN).
 *
 * @throws {NumError} `STATE_MISMATCH` for a malformed state; `STRUCTURE_MISMATCH` when the params
 *   lack a layer of the state or its shape differs; `INVALID_ARGUMENT` for a bad `bn` option.
 * @example
 * ```ts
 * const { params, state: modelState } = nn.mlp([8, 3]).init(key(0), [6]);
 * const state = dress.nestedMasks(params);
 * const tree = dress.trainable(params, state, { modelState });
 * Object.keys(tree); // ['net', 'scores', 'bn']
 * ```
 */
export function trainable(net: Params, state: DressState, opts: TrainableOptions = {}): DressParams {
  const op = 'dress.trainable';
  checkState(op, state);
  const leaves = checkNet(op, net, state);
  const mode = opts.bn ?? 'private';
  if (mode !== 'private' && mode !== 'shared') throw new NumError('INVALID_ARGUMENT', op, "bn must be 'private' or 'shared'", "'private' | 'shared'", describe(mode));
  const scores: Record<string, Tensor> = {};
  if (state.criterion === 'learned') {
    for (const l of state.layers) scores[l.path] = noGrad(() => astype(abs(leaves.get(l.path)!), 'float32')).contiguous();
  }
  const paths = mode === 'private' ? bnPaths(net, opts.modelState) : [];
  const bn = paths.length === 0 ? [] : state.levels.map(() => Object.fromEntries(paths.map((p) => [p, copy(leaves.get(p)!)])));
  return { net, scores, bn };
}

function copy(t: Tensor): Tensor {
  return fromTyped(t.toTyped(), t.shape.slice());
}

function checkNet(op: string, net: Params, state: DressState): Map<string, Tensor> {
  const leaves = new Map(entries(net) as [string, Tensor][]);
  for (const l of state.layers) {
    const t = leaves.get(l.path);
    if (!(t instanceof Tensor) || t.shape.length !== l.shape.length || t.shape.some((d, i) => d !== l.shape[i])) {
      throw new NumError('STRUCTURE_MISMATCH', op, `parameter '${l.path}' does not match its mask`, fmtShape(l.shape), t instanceof Tensor ? fmtShape(t.shape) : describe(t));
    }
  }
  return leaves;
}

/** Checks a training tree against the state; returns its leaves by path. @internal */
export function checkTree(op: string, tree: unknown, state: DressState): Map<string, Tensor> {
  if (!isPlainObject(tree) || !('net' in tree) || !isPlainObject(tree['scores']) || !Array.isArray(tree['bn'])) {
    throw new NumError('STRUCTURE_MISMATCH', op, 'params must be a DRESS tree; build it with dress.trainable', '{net, scores, bn}', isPlainObject(tree) ? `{${Object.keys(tree).join(', ')}}` : describe(tree));
  }
  const p = tree as DressParams;
  const leaves = checkNet(op, p.net, state);
  const want = state.criterion === 'learned' ? state.layers.map((l) => l.path) : [];
  const have = Object.keys(p.scores);
  if (have.length !== want.length || want.some((w) => !(p.scores[w] instanceof Tensor))) {
    throw new NumError('STRUCTURE_MISMATCH', op, `scores must hold one tensor per sparsified layer (criterion ${state.criterion})`, `{${want.join(', ')}}`, `{${have.join(', ')}}`);
  }
  for (const l of state.layers) {
    const z = p.scores[l.path];
    if (z !== undefined && (z.shape.length !== l.shape.length || z.shape.some((d, i) => d !== l.shape[i]))) {
      throw new NumError('STRUCTURE_MISMATCH', op, `scores['${l.path}'] must be shaped like the weight`, fmtShape(l.shape), fmtShape(z.shape));
    }
  }
  if (p.bn.length !== 0 && p.bn.length !== state.levels.length) {
    throw new NumError('STRUCTURE_MISMATCH', op, 'bn must hold one set per level (or none when shared)', `0 or ${state.levels.length} sets`, String(p.bn.length));
  }
  for (const set of p.bn) {
    if (!isPlainObject(set)) throw new NumError('STRUCTURE_MISMATCH', op, 'each bn set must be a record path → Tensor', 'Record<string, Tensor>', describe(set));
    for (const [path, t] of Object.entries(set)) {
      const ref = leaves.get(path);
      if (ref === undefined || !(t instanceof Tensor) || t.size !== ref.size) {
        throw new NumError('STRUCTURE_MISMATCH', op, `bn set entry '${path}' does not match a net parameter`, ref === undefined ? 'a net path' : fmtShape(ref.shape), describe(t));
      }
    }
  }
  return leaves;
}

/** Forward: the hard mask; backward: the mask's cotangent goes to the scores unchanged (STE). */
const steMask = /* @__PURE__ */ customVjp(
  (_scores: Tensor, mask: Tensor) => [mask, null] as const,
  (_res: null, ct: Tensor) => [ct, null],
);

/** The effective weight of one layer at level j. @internal */
export function effectiveWeight(l: DressLayer, j: number, w: Tensor, score: Tensor | undefined): Tensor {
  const full = l.counts[j] === l.cols;
  if (full && score === undefined) return w;
  const m = fromTyped(maskOf(l, j), l.shape.slice());
  const mask = w.dtype === 'float32' ? m : astype(m, w.dtype);
  return mul(w, score === undefined ? mask : steMask(score, mask));
}

/**
 * The backbone parameters of subnet `state.level` from a training tree (no copies of the
 * unmasked leaves). @internal
 */
export function subnetParams(op: string, tree: DressParams, state: DressState): Params {
  checkState(op, state);
  checkTree(op, tree, state);
  const j = state.level;
  const byPath = new Map(state.layers.map((l) => [l.path, l]));
  const bn = tree.bn[j];
  return mapWithPath((path, t: Tensor) => {
    const l = byPath.get(path);
    if (l !== undefined) return effectiveWeight(l, j, t, state.criterion === 'learned' ? tree.scores[path] : undefined);
    const b = bn?.[path];
    return b === undefined ? t : b;
  }, tree.net as Tree<Tensor>) as Params;
}

/**
 * DRESS as a {@link ParamView} over the training tree: `init(tree)` ranks the layers (by the
 * tree's scores when it has any, else by |W|), `apply(tree, state)` gives subnet `state.level`.
 *
 * @throws {NumError} from `apply`: `STRUCTURE_MISMATCH` when the tree does not match the mask
 *   state (missing layer, other shape, scores or BN sets that do not fit); `STATE_MISMATCH` for a
 *   malformed state; `OUT_OF_RANGE` for a level outside the state's levels.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params } = model.init(key(0), [6]);
 * const tree = dress.trainable(params, dress.nestedMasks(params, { levels: [0.5, 0.75] }));
 * const v = dress.view({ levels: [0.5, 0.75] });
 * const state = v.init(tree);
 * const sparse = v.apply(tree, { ...state, level: 1 }); // feed to model.apply
 * model.apply(sparse as Params[], ones([2, 6])).shape; // [2, 3]
 * ```
 */
export function view(opts: Omit<NestedMaskOptions, 'scores'> = {}): ParamView<DressState> {
  return {
    init(params) {
      const t = params as unknown;
      if (!isPlainObject(t) || !isPlainObject(t['scores'])) return nestedMasks(params, opts);
      const tree = t as DressParams;
      const scores = Object.keys(tree.scores).length === 0 ? undefined : tree.scores;
      return nestedMasks(tree.net, { ...opts, scores, criterion: opts.criterion ?? (scores === undefined ? 'magnitude' : 'learned') });
    },
    apply: (params, state) => subnetParams('dress.view', params as DressParams, state),
  };
}

/**
 * Re-ranks the masks from the tree's current values: the learned scores, or |W| under the
 * magnitude criterion. Levels, counts and the active level are kept.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` / `STATE_MISMATCH` as {@link view}'s `apply`.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * let state = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const tree = dress.trainable(params, state);
 * state = dress.refresh(tree, state); // after an optimizer step: masks re-ranked from the new scores
 * state.levels; // [0.5, 0.75]
 * ```
 */
export function refresh(tree: DressParams, state: DressState): DressState {
  const op = 'dress.refresh';
  checkState(op, state);
  const leaves = checkTree(op, tree, state);
  const learned = state.criterion === 'learned';
  return rerank(state, (l) => (learned ? tree.scores[l.path]! : leaves.get(l.path)!), !learned);
}

/**
 * Labels for `partition`: `'weights'` on the backbone and the BN sets, `'scores'` on the
 * learned scores, so weight decay can act on W and not on Z.
 * @example
 * ```ts
 * const opt = partition({ weights: chain(addDecayedWeights(5e-4), sgd(0.01, { momentum: 0.9 })),
 *                         scores: sgd(0.01, { momentum: 0.9 }) }, dress.labels);
 * ```
 */
export function labels(tree: Params): Tree<string> {
  const t = dressParamsArg('dress.labels', tree);
  return { net: 'weights', scores: 'scores', bn: t.bn.map(() => 'weights') };
}
