/**
 * Combinators: build optimizers from transforms (`chain`), restrict them to some leaves
 * (`masked`, `partition`, `freeze`), and move hyperparameters into the state so they can be
 * scheduled or changed between steps (`injectHyperparams`).
 */
import type { Params } from '../tree.js';
import { NumError, describe } from '../errors.js';
import { zeros } from '../tensor/create.js';
import { where } from '../tensor/ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { entries, isPlainObject, map } from '../tree.js';
import type { EmptyState, Extra, GradientTransformation, Mask, ScalarOrSchedule, Schedule, StateOf } from './base.js';
import { checkSameTree, checkTransform, expandPrefix, keepMasked, maskTree, valueAt, zipLeaves } from './base.js';
import { finite, fnArg, options } from '../validate.js';

/** Any gradient transformation (for constraints). */
type AnyTransform = GradientTransformation<unknown>;

/** State of {@link chain}: the tuple of the child states, in order. */
export type ChainState<T extends readonly AnyTransform[]> = { [K in keyof T]: StateOf<T[K]> };

/**
 * Applies transforms one after another; the updates of each are the input of the next. The
 * state is the tuple of the child states, and `extra` is passed to every child.
 *
 * `chain(t₁, …, tₙ).update(g) = tₙ(… t₁(g))`
 *
 * @throws {NumError} `STATE_MISMATCH` from `update` when the state is not a tuple of the right
 *   length (call init() first).
 * @example
 * ```ts
 * const params = { w: ones([3]) };
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * const state = opt.init(params);          // [{}, {count, mu, nu}, {count}]
 * state.length; // 3
 * ```
 */
export function chain<T extends readonly AnyTransform[]>(...transforms: T): GradientTransformation<ChainState<T>> {
  transforms.forEach((t, i) => checkTransform('chain', `transform ${i}`, t));
  return {
    init: (params) => transforms.map((t) => t.init(params)) as ChainState<T>,
    update(updates, state, params, extra) {
      const states = state as unknown;
      if (!Array.isArray(states) || states.length !== transforms.length) {
        throw new NumError('STATE_MISMATCH', 'chain', 'state does not match the chained transforms; call init() first',
          `an array of ${transforms.length} states`, describe(states));
      }
      let u = updates;
      const next = transforms.map((t, i) => {
        const [u2, s2] = t.update(u, states[i] as unknown, params, extra);
        u = u2;
        return s2;
      });
      return [u, next as ChainState<T>];
    },
  };
}

/** State of {@link masked}: the inner state, which holds nothing for unselected leaves. */
export interface MaskedState<S> {
  inner: S;
}

/**
 * Applies `inner` only to the leaves selected by `mask`; the other leaves pass through
 * unchanged (same tensors). The inner transform sees trees in which the unselected leaves are
 * replaced by `null` (an empty subtree), so its state holds nothing for them: momentum and
 * weight decay never touch unselected leaves.
 *
 * The mask is a tree of booleans matching the params (a boolean at a subtree applies to all its
 * leaves) or a function of the params; in `update` it is called with the params, or with the
 * updates when no params are passed, so it should depend only on structure and shapes.
 *
 * A leaf of the mask may also be a `bool` tensor of the leaf's shape (an elementwise mask). Such
 * a leaf goes to `inner` whole, so `inner` keeps state for all of its entries, and the result
 * takes `inner`'s update only where the mask is true.
 *
 * `u = inner(g)` where the mask is true, `u = g` elsewhere; elementwise
 * `u = where(m, inner(g), g)`.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the mask does not match the params (or a mask
 *   tensor is not at a leaf); `SHAPE_MISMATCH` / `DTYPE_MISMATCH` for a mask tensor that is not
 *   `bool` of its leaf's shape; `STATE_MISMATCH` for a state that is not `{inner}`.
 * @example
 * ```ts
 * const decayWeights = masked(addDecayedWeights(1e-4), { w: true, b: false });
 * const opt = chain(scaleByAdam(), decayWeights, scaleByLearningRate(1e-3));
 * // elementwise: only the first entry of w gets the momentum update, the second passes through
 * const some = masked(momentum(0.1), { w: tensor([true, false]), b: false });
 * ```
 */
export function masked<S, X extends Extra = Extra>(inner: GradientTransformation<S, X>, mask: Mask): GradientTransformation<MaskedState<S>, X> {
  const op = 'masked';
  checkTransform(op, 'inner', inner);
  return {
    init: (params) => ({ inner: inner.init(keepMasked(params, maskTree(op, mask, params))) }),
    update(updates, state, params, extra) {
      if (!isPlainObject(state) || !('inner' in state)) {
        throw new NumError('STATE_MISMATCH', op, 'state does not belong to this transform; call init() first', '{inner}', describe(state));
      }
      if (params !== undefined) checkSameTree(updates, params);
      const m = maskTree(op, mask, params ?? updates);
      const [u, s] = inner.update(keepMasked(updates, m), state.inner, params === undefined ? undefined : keepMasked(params, m), extra);
      return [zipLeaves((g, sel, v) => (sel === true ? (v as Tensor) : sel instanceof Tensor ? where(sel, v as Tensor, g) : g), updates, m, u), { inner: s }];
    },
  };
}

/**
 * Sets the updates of the selected leaves to zero, so {@link applyUpdates} leaves them
 * unchanged. Put it last in a chain (after the optimizer), or use it as one branch of
 * {@link partition} (`freeze(true)` freezes everything it is given).
 *
 * A leaf of the mask may be a `bool` tensor of the leaf's shape: then only the entries where it
 * is true are frozen. Those entries get the update `−0`, the additive identity of every float
 * (`w + (−0)` is `w` bit for bit, also for `w = −0`), so a frozen entry never changes however
 * many steps run. The state of the optimizer before `freeze` still evolves for every entry,
 * which is what masked Adam / masked SGD (deep partial updating) need; zeroing the gradient
 * instead would let momentum move frozen weights.
 *
 * `u = 0` where the mask is true, `u = g` elsewhere; elementwise `u = where(m, −0, g)`.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the mask does not match the params;
 *   `SHAPE_MISMATCH` / `DTYPE_MISMATCH` for a mask tensor that is not `bool` of its leaf's shape.
 * @example
 * ```ts
 * const opt = chain(adam(1e-3), freeze({ backbone: true, head: false }));
 * // elementwise: the entries of w where `frozen` is true never move
 * const frozen = tensor([true, false]);
 * const sparse = chain(adam(1e-3), freeze({ w: frozen, b: false }));
 * const params = { w: ones([2]), b: ones([1]) };
 * const [u] = sparse.update({ w: ones([2]), b: ones([1]) }, sparse.init(params), params);
 * tree.leaves(u)[0]!.toTyped()[0]; // 0
 * ```
 */
export function freeze(mask: Mask): GradientTransformation<EmptyState> {
  const op = 'freeze';
  return {
    init: (params) => { maskTree(op, mask, params); return {}; },
    update(updates, state, params) {
      const m = maskTree(op, mask, params ?? updates);
      return [zipLeaves((g, sel) => (sel === true ? zeros(g.shape, { dtype: g.dtype }) : sel instanceof Tensor ? where(sel, -0, g) : g), updates, m), state];
    },
  };
}

/** Labels for {@link partition}: a tree of strings matching the params (a string at a subtree applies to all its leaves), or a function of the params. */
export type Labels = Tree<string> | ((params: Params) => Tree<string>);

/** State of {@link partition}: one state per label. */
export type PartitionState<T extends Record<string, AnyTransform>> = { [K in keyof T]: StateOf<T[K]> };

const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * Routes every leaf to the transform of its label; each transform sees only its own leaves
 * (the others are `null`), exactly as with {@link masked}. A label function is called with the
 * params (or the updates when no params are passed).
 *
 * `u = transforms[label(leaf)](g)`
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a label with no transform; `STRUCTURE_MISMATCH`
 *   when the labels do not match the params; `STATE_MISMATCH` for a state without one entry per
 *   label.
 * @example
 * ```ts
 * const opt = partition(
 *   { body: adamw(1e-3), head: sgd(1e-2), frozen: freeze(true) },
 *   { embed: 'frozen', layers: 'body', out: 'head' },
 * );
 * ```
 */
export function partition<T extends Record<string, AnyTransform>>(transforms: T, labels: Labels): GradientTransformation<PartitionState<T>> {
  const op = 'partition';
  if (!isPlainObject(transforms)) throw new NumError('INVALID_ARGUMENT', op, 'transforms must be an object of named transforms', '{label: transform}', describe(transforms));
  const names = Object.keys(transforms);
  for (const n of names) checkTransform(op, `transforms.${n}`, transforms[n]);
  if (typeof labels !== 'function' && labels === undefined) throw new NumError('INVALID_ARGUMENT', op, 'labels are required', 'a tree of labels or a function', 'undefined');
  const labelTree = (ref: Params): Tree<string> => {
    const l = expandPrefix(op, 'labels', typeof labels === 'function' ? labels(ref) : labels, ref, isString, 'a string label');
    for (const [path, label] of entries(l)) {
      if (!Object.prototype.hasOwnProperty.call(transforms, label)) {
        throw new NumError('INVALID_ARGUMENT', op, `unknown label${path === '' ? '' : ` at '${path}'`}`,
          `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`, JSON.stringify(label));
      }
    }
    return l;
  };
  const only = (l: Tree<string>, name: string): Tree<boolean> => map((x: string) => x === name, l);
  return {
    init(params) {
      const l = labelTree(params);
      const out: Record<string, unknown> = {};
      for (const name of names) out[name] = transforms[name]!.init(keepMasked(params, only(l, name)));
      return out as PartitionState<T>;
    },
    update(updates, state, params, extra) {
      const st = state as unknown;
      if (!isPlainObject(st) || names.some((n) => !(n in st))) {
        throw new NumError('STATE_MISMATCH', op, 'state does not belong to this transform; call init() first',
          `{${names.join(', ')}}`, isPlainObject(st) ? `{${Object.keys(st).join(', ')}}` : describe(st));
      }
      if (params !== undefined) checkSameTree(updates, params);
      const l = labelTree(params ?? updates);
      const next: Record<string, unknown> = {};
      const outs: Record<string, Params> = {};
      for (const name of names) {
        const m = only(l, name);
        const [u, s] = transforms[name]!.update(keepMasked(updates, m), st[name], params === undefined ? undefined : keepMasked(params, m), extra);
        outs[name] = u;
        next[name] = s;
      }
      return [zipLeaves((_g, label, ...routed) => routed[names.indexOf(label as string)] as typeof _g, updates, l, ...names.map((n) => outs[n])),
        next as PartitionState<T>];
    },
  };
}

/** State of {@link injectHyperparams}: the update count, the current hyperparameters and the inner state. */
export interface InjectHyperparamsState<S> {
  count: number;
  /** Current numeric hyperparameters; scheduled ones are rewritten from `count` at each step. */
  hyperparams: Record<string, number>;
  inner: S;
}

/** A factory argument as accepted by an injected factory: numbers may become schedules. */
export type Injectable<T> = T extends number ? ScalarOrSchedule : T;

/** The arguments of an injected factory. */
export type InjectableArgs<H> = { [K in keyof H]: Injectable<H[K]> };

/** Options of {@link injectHyperparams}. */
export interface InjectHyperparamsOptions<H> {
  /**
   * Argument names that are passed through unchanged and never put into the state. Function
   * arguments that are not schedules (mask functions) must be listed here.
   */
  staticArgs?: readonly (keyof H & string)[] | undefined;
}

/**
 * Moves the numeric hyperparameters of a transform factory into the state, so they can be read
 * and changed between steps (by hand, by a controller or by a meta-learner), and lets any of
 * them be a {@link Schedule}.
 *
 * `factory` takes one record of arguments. The returned function takes the same record, where
 * every number may also be a schedule. Numbers go into `state.hyperparams`; schedules are
 * evaluated at `state.count` on every update and written into `state.hyperparams`; other
 * arguments (booleans, masks, names in `staticArgs`) stay fixed. Each update rebuilds the inner
 * transform with the current hyperparameters and runs it on `state.inner`:
 *
 * ```
 * h = state.hyperparams, with h[k] = schedule_k(count) for scheduled k
 * [u, inner'] = factory({...static, ...h}).update(g, state.inner, params, extra)
 * state' = {count: count + 1, hyperparams: h, inner: inner'}
 * ```
 *
 * @throws {NumError} `INVALID_ARGUMENT` when a hyperparameter in the state is not a finite
 *   number or a schedule returns a non-finite value; `STATE_MISMATCH` for a foreign state.
 * @example
 * ```ts
 * const params = { w: ones([2]) };
 * const opt = injectHyperparams((h: { learningRate: number }) => adam(h.learningRate))({ learningRate: 1e-3 });
 * let state = opt.init(params);
 * state = { ...state, hyperparams: { ...state.hyperparams, learningRate: 1e-4 } }; // takes effect next step
 * ```
 */
export function injectHyperparams<H extends object, S, X extends Extra = Extra>(
  factory: (hparams: H) => GradientTransformation<S, X>,
  opts: InjectHyperparamsOptions<H> = {},
): (hparams: InjectableArgs<H>) => GradientTransformation<InjectHyperparamsState<S>, X> {
  const op = 'injectHyperparams';
  fnArg(op, 'factory', factory);
  const o = options(op, 'opts', opts);
  if (o.staticArgs !== undefined && (!Array.isArray(o.staticArgs) || !o.staticArgs.every((n) => typeof n === 'string'))) {
    throw new NumError('INVALID_ARGUMENT', op, 'opts.staticArgs must be an array of argument names', 'string[]', describe(o.staticArgs));
  }
  const staticNames = new Set<string>(o.staticArgs ?? []);
  return (hparams) => {
    if (!isPlainObject(hparams)) throw new NumError('INVALID_ARGUMENT', op, 'hyperparameters must be a plain object', 'object', describe(hparams));
    const fixed: Record<string, unknown> = {};
    const numeric: string[] = [];
    const scheduled: [string, Schedule][] = [];
    for (const [k, v] of Object.entries(hparams)) {
      if (staticNames.has(k)) fixed[k] = v;
      else if (typeof v === 'number') numeric.push(k);
      else if (typeof v === 'function') scheduled.push([k, v as Schedule]);
      else fixed[k] = v;
    }
    for (const k of numeric) finite(op, k, (hparams as Record<string, unknown>)[k]);
    const current = (count: number, stored: Record<string, unknown>): Record<string, number> => {
      const h: Record<string, number> = {};
      for (const k of numeric) h[k] = finite(op, `hyperparams.${k}`, stored[k]);
      for (const [k, s] of scheduled) h[k] = valueAt(op, k, s, count);
      return h;
    };
    const build = (h: Record<string, number>): GradientTransformation<S, X> => checkTransform(op, 'the factory result', factory({ ...fixed, ...h } as H));
    return {
      init(params) {
        const h = current(0, hparams);
        return { count: 0, hyperparams: h, inner: build(h).init(params) };
      },
      update(updates, state, params, extra) {
        const st = state as unknown;
        if (!isPlainObject(st) || typeof st['count'] !== 'number' || !isPlainObject(st['hyperparams']) || !('inner' in st)) {
          throw new NumError('STATE_MISMATCH', op, 'state does not belong to this transform; call init() first',
            '{count, hyperparams, inner}', isPlainObject(st) ? `{${Object.keys(st).join(', ')}}` : describe(st));
        }
        const h = current(state.count, state.hyperparams);
        const [u, inner] = build(h).update(updates, state.inner, params, extra);
        return [u, { count: state.count + 1, hyperparams: h, inner }];
      },
    };
  };
}
