/**
 * The optimizer core, after optax: a {@link GradientTransformation} is a pair of pure functions
 * `init(params) → state` and `update(updates, state, params?, extra?) → [updates, state]`.
 * Transforms hold no state of their own; counts and moments travel in the returned state, which
 * is a plain tree (tensors, numbers, plain objects and arrays, null) and saves with `saveTree`.
 * {@link applyUpdates} is the only place parameters change.
 */
import type { Params } from '../tree.js';
import { NumError, describe, fmtShape } from '../errors.js';
import { floatType } from '../tensor/dtype.js';
import { zeros } from '../tensor/create.js';
import { add, astype } from '../tensor/ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { isPlainObject, map } from '../tree.js';
import { tooDeep } from '../depth.js';
import { finite } from '../validate.js';


/**
 * Per-step extras a training loop may pass to `update` (the current loss, the step number, …).
 * {@link chain} passes the same object to every child.
 */
export interface Extra {
  /** The loss of the current step. */
  loss?: number | undefined;
  /** The training step, if the loop counts steps itself. */
  step?: number | undefined;
  [key: string]: unknown;
}

/**
 * A pair of pure functions that turns gradients into parameter updates.
 *
 * - `init(params)` returns the initial state (moments, counters) for a parameter tree.
 * - `update(updates, state, params?, extra?)` returns `[newUpdates, newState]`. It never mutates
 *   its inputs; leaves it does not change are returned by reference.
 *
 * @typeParam S - the state record, a plain tree (see {@link EmptyState}, `ScaleByAdamState`, …).
 * @typeParam X - the extras this transform reads.
 * @example
 * ```ts
 * const opt = adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grads, state, params);
 * params = applyUpdates(params, updates);
 * state = next;
 * ```
 */
export interface GradientTransformation<S, X extends Extra = Extra> {
  /** Initial state for `params`. */
  init(params: Params): S;
  /** Transforms `updates` (gradients at the start of a chain); returns new updates and state. */
  update(updates: Params, state: S, params?: Params, extra?: X): [Params, S];
}

/** The state type of a transform. */
export type StateOf<T> = T extends { init(params: Params): infer S } ? S : never;

/** State of a transform that keeps none. */
export type EmptyState = Record<string, never>;

/** A hyperparameter as a function of the number of updates done so far (0 on the first). */
export type Schedule = (count: number) => number;

/** A fixed hyperparameter or a {@link Schedule}. */
export type ScalarOrSchedule = number | Schedule;

/**
 * One entry of a {@link Mask}: a boolean selects or skips a whole leaf (or, at a subtree, all of
 * its leaves); a `bool` tensor of the leaf's shape selects entries elementwise.
 */
export type MaskLeaf = boolean | Tensor;

/**
 * A mask: `true` selects a leaf, and a boolean at a subtree applies to all of its leaves. At a
 * leaf, a `bool` tensor of the leaf's shape selects single entries (elementwise mask).
 */
export type Mask = Tree<MaskLeaf> | ((params: Params) => Tree<MaskLeaf>);

/**
 * Adds updates to parameters: `p ← p + u` for every leaf. This is the only place parameters
 * change. Each result keeps its parameter's dtype (a float64 update to a float32 parameter is
 * added in float64 and cast back). Differentiable, so it can sit inside a `grad` trace
 * (meta-learning).
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the trees differ.
 * @example
 * ```ts
 * const opt = sgd(0.1);
 * let params: Params = { w: tensor([1, 2]) };
 * const state = opt.init(params);
 * const [updates] = opt.update({ w: tensor([10, 10]) }, state, params);
 * params = applyUpdates(params, updates);
 * tree.leaves(params)[0]!.toArray(); // [0, 1]
 * ```
 */
export function applyUpdates(params: Params, updates: Params): Params {
  return map((p: Tensor, u: Tensor) => {
    const r = add(p, u);
    return r.dtype === p.dtype ? r : astype(r, p.dtype);
  }, params, updates);
}

// ---------------------------------------------------------------------------------------------
// Internal helpers shared by the optimizer modules (not re-exported).

/** A finite number or a function (a schedule), or INVALID_ARGUMENT. @internal */
export function scalarOrSchedule(op: string, name: string, v: unknown): ScalarOrSchedule {
  if (typeof v === 'function') return v as Schedule;
  return finite(op, name, v);
}

/** Value of a number or schedule at `count`, checked to be finite. @internal */
export function valueAt(op: string, name: string, v: ScalarOrSchedule, count: number): number {
  if (typeof v === 'number') return v;
  const x = v(count);
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new NumError('INVALID_ARGUMENT', op, `schedule ${name} returned a non-finite value at count ${count}`, 'finite number', describe(x));
  }
  return x;
}

/**
 * Checks that `state` is a plain object with the given keys (and a numeric `count` if listed);
 * otherwise STATE_MISMATCH with "call init() first". @internal
 */
export function checkState(op: string, state: unknown, keys: readonly string[]): void {
  const ok = isPlainObject(state) && keys.every((k) => k in state) && (!keys.includes('count') || typeof state['count'] === 'number');
  if (!ok) {
    throw new NumError('STATE_MISMATCH', op, 'state does not belong to this transform; call init() first',
      `{${keys.join(', ')}}`, isPlainObject(state) ? `{${Object.keys(state).join(', ')}}` : describe(state));
  }
}

/** The params, or INVALID_ARGUMENT for transforms that need them. @internal */
export function needParams(op: string, params: Params | undefined): Params {
  if (params === undefined) {
    throw new NumError('INVALID_ARGUMENT', op, 'update needs params (pass them as the third argument)', 'params', 'undefined');
  }
  return params;
}

/** Zeros with each leaf's shape and float dtype (optimizer moments). @internal */
export function zerosLike(op: string, params: Params): Params {
  return map((p: Tensor) => {
    if (!(p instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'params must be a tree of tensors', 'Tensor', describe(p));
    return zeros(p.shape, { dtype: floatType(p.dtype) });
  }, params);
}

/**
 * Walks the structure of `ref` and calls `fn` at every leaf with the values found at the same
 * place in `others` (undefined where a partner has no such place). The partners are assumed to
 * follow `ref`'s structure (or be empty there). @internal
 */
export function zipLeaves<R>(fn: (leaf: Tensor, ...at: unknown[]) => R, ref: Params, ...others: unknown[]): Tree<R> {
  const go = (r: unknown, os: unknown[], depth: number): unknown => {
    if (r === null || r === undefined) return r;
    tooDeep('optim', depth);
    if (Array.isArray(r)) return r.map((c, i) => go(c, os.map((o) => (Array.isArray(o) ? (o as unknown[])[i] : undefined)), depth + 1));
    if (isPlainObject(r)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(r)) out[k] = go(r[k], os.map((o) => (isPlainObject(o) ? o[k] : undefined)), depth + 1);
      return out;
    }
    return fn(r as Tensor, ...os);
  };
  return go(ref, others, 0) as Tree<R>;
}

function joinPath(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

/**
 * Expands a prefix tree (a value at a subtree applies to all of its leaves) to the full
 * structure of `ref`. Containers must match `ref` exactly (STRUCTURE_MISMATCH); a non-value
 * where `ref` has a leaf is INVALID_ARGUMENT. @internal
 */
export function expandPrefix<T>(
  op: string, arg: string, prefix: unknown, ref: Params, isValue: (x: unknown) => x is T, valueDesc: string,
  leafOnly?: (x: T) => boolean,
): Tree<T> {
  const where = (path: string): string => (path === '' ? 'at the root' : `at '${path}'`);
  const go = (p: unknown, r: unknown, path: string, depth = 0): unknown => {
    if (r === null || r === undefined) return r;
    tooDeep(op, depth);
    if (isValue(p)) {
      if (leafOnly !== undefined && leafOnly(p) && !(r instanceof Tensor)) {
        throw new NumError('STRUCTURE_MISMATCH', op, `${arg} ${where(path)} is per-element, so it must sit at a leaf`, 'a leaf of the params', describe(r));
      }
      return map((_leaf: Tensor) => p, r as Params);
    }
    if (Array.isArray(r)) {
      if (!Array.isArray(p) || p.length !== r.length) {
        throw new NumError('STRUCTURE_MISMATCH', op, `${arg} does not match the params ${where(path)}`, `an array of length ${r.length} or ${valueDesc}`, describe(p));
      }
      return r.map((c, i) => go((p as unknown[])[i], c, joinPath(path, i), depth + 1));
    }
    if (isPlainObject(r)) {
      const keys = Object.keys(r);
      const pk = isPlainObject(p) ? Object.keys(p) : undefined;
      if (pk === undefined || pk.length !== keys.length || pk.some((k) => !(k in r))) {
        throw new NumError('STRUCTURE_MISMATCH', op, `${arg} does not match the params ${where(path)}`,
          `keys {${keys.join(', ')}} or ${valueDesc}`, pk === undefined ? describe(p) : `keys {${pk.join(', ')}}`);
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = go((p as Record<string, unknown>)[k], r[k], joinPath(path, k), depth + 1);
      return out;
    }
    throw new NumError('INVALID_ARGUMENT', op, `${arg} ${where(path)} must be ${valueDesc}`, valueDesc, describe(p));
  };
  return go(prefix, ref, '') as Tree<T>;
}

const isMaskLeaf = (x: unknown): x is MaskLeaf => typeof x === 'boolean' || x instanceof Tensor;

/**
 * The mask as a full tree over `ref` (a boolean or a bool tensor per leaf); a function mask is
 * called with `ref`. A tensor entry must sit at a leaf and be `bool` with the leaf's shape. @internal
 */
export function maskTree(op: string, mask: Mask, ref: Params): Tree<MaskLeaf> {
  const m = typeof mask === 'function' ? mask(ref) : mask;
  const full = expandPrefix(op, 'mask', m, ref, isMaskLeaf, 'a boolean or a bool tensor', (x) => x instanceof Tensor);
  zipLeaves((leaf, sel) => {
    if (!(sel instanceof Tensor)) return null;
    if (sel.dtype !== 'bool') throw new NumError('DTYPE_MISMATCH', op, 'an elementwise mask must be a bool tensor', 'bool', sel.dtype);
    if (sel.ndim !== leaf.ndim || sel.shape.some((d, i) => d !== leaf.shape[i])) {
      throw new NumError('SHAPE_MISMATCH', op, 'an elementwise mask must have the shape of its leaf', fmtShape(leaf.shape), fmtShape(sel.shape));
    }
    return null;
  }, ref, full);
  return full;
}

/**
 * `t` when it is a gradient transformation (an `{init, update}` pair), else INVALID_ARGUMENT:
 * combinators check their children when built, not at the first step. @internal
 */
export function checkTransform<T>(op: string, name: string, t: T): T {
  const o = t as { init?: unknown; update?: unknown } | null | undefined;
  if (typeof o?.init !== 'function' || typeof o.update !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a gradient transformation`, '{init, update}', describe(t));
  }
  return t;
}

/** Throws tree.map's STRUCTURE_MISMATCH unless the two trees have the same structure. @internal */
export function checkSameTree(a: Params, b: Params): void {
  map((_x: Tensor) => null, a, b);
}

/** Keeps the leaves where `mask` is true or elementwise (a tensor) and puts null elsewhere. @internal */
export function keepMasked(tree: Params, mask: Tree<MaskLeaf>): Params {
  return zipLeaves((leaf, m) => (m === true || m instanceof Tensor ? leaf : null), tree, mask);
}
