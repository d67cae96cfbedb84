/**
 * Which weights a round may change. A {@link Selection} is an optim `Mask` tree shaped like the
 * params: a `bool` tensor at every selectable leaf (a weight tensor with ndim ≥ 2: linear and
 * conv kernels) and `true` at every other leaf (biases, batch-norm parameters), which DPU always
 * updates in full. Flat indices number the selectable entries of all leaves in leaf order
 * (row-major inside a leaf), so "global" means one ranking over all layers.
 *
 * This module holds the types, the selectable-leaf rules and the walks over params and selections
 * the rest of `dpu` shares.
 */
import type { Params, Tree } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { MaskLeaf } from '../../optim/base.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject, leaves } from '../../tree.js';
import { checkDepth } from '../../depth.js';

/**
 * The weights a round may change: a `bool` tensor per selectable leaf, `true` at the leaves that
 * are always updated (biases, batch norm). It is an optim `Mask`, so it plugs into `masked` and
 * `freeze`.
 *
 * @example
 * ```ts
 * const sel: dpu.Selection = [{ weight: tensor([[true, false]], { dtype: 'bool' }), bias: true }];
 * ```
 */
export type Selection = Tree<MaskLeaf>;

/**
 * Per-weight scores shaped like the params: a float tensor at each selectable leaf and `null`
 * at the leaves that are not ranked (biases, batch norm).
 *
 * @example
 * ```ts
 * const scores: dpu.Scores = [{ weight: tensor([[0.3, 0.1]]), bias: null }];
 * ```
 */
export type Scores = Tree<Tensor | null>;

/**
 * True for a selectable weight: a tensor with at least 2 dimensions (linear and conv kernels).
 * Biases and batch-norm parameters (1-D) are not selectable; DPU updates them in full.
 *
 * @example
 * ```ts
 * dpu.isSelectable(zeros([10, 784])); // true
 * dpu.isSelectable(zeros([10]));      // false
 * ```
 */
export function isSelectable(t: Tensor): boolean {
  if (!(t instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', 'dpu.isSelectable', 'the leaf must be a Tensor', 'Tensor', describe(t));
  return t.ndim >= 2;
}

/** The params as a tree, or INVALID_ARGUMENT. @internal */
export function checkParams(op: string, params: unknown, name = 'params'): Params {
  for (const l of leaves(params as Params)) {
    if (!(l instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a tree of tensors`, 'Tensor leaves', describe(l));
  }
  return params as Params;
}

/**
 * `I`: the number of selectable weights (entries of all leaves with ndim ≥ 2).
 *
 * @throws {NumError} `INVALID_ARGUMENT` when `params` is not a tree of tensors.
 * @example
 * ```ts
 * dpu.selectableCount(nn.mlp([300, 100, 10]).init(key(0), [784]).params); // 266200
 * ```
 */
export function selectableCount(params: Params): number {
  let n = 0;
  for (const t of leaves(checkParams('dpu.selectableCount', params))) if (isSelectable(t)) n += t.size;
  return n;
}

/**
 * `S = ⌊k · I⌋`, the number of selectable weights a round with updating ratio `k` may change
 * (the reference code's `int(k · I)`, including its floating-point rounding).
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 ≤ ratio ≤ 1.
 * @example
 * ```ts
 * const { params } = nn.mlp([300, 100, 10]).init(key(0), [784]);
 * dpu.budget(params, 0.01); // 2662
 * ```
 */
export function budget(params: Params, ratio: number): number {
  return Math.floor(checkRatio('dpu.budget', ratio) * selectableCount(params));
}

/** A ratio in [0, 1], or OUT_OF_RANGE. @internal */
export function checkRatio(op: string, ratio: unknown): number {
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw new NumError('OUT_OF_RANGE', op, 'ratio must be an updating ratio in [0, 1]', '0 <= ratio <= 1', describe(ratio));
  }
  return ratio;
}

/** The scores of every ranked leaf, in leaf order. */
export function scoreLeaves(op: string, scores: Scores): Tensor[] {
  checkDepth(op, scores);
  const out: Tensor[] = [];
  const go = (x: unknown): void => {
    if (x === null || x === undefined) return;
    if (Array.isArray(x)) { x.forEach(go); return; }
    if (isPlainObject(x)) { Object.values(x).forEach(go); return; }
    if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'scores must be a tree of tensors and nulls', 'Tensor | null', describe(x));
    out.push(x);
  };
  go(scores);
  return out;
}

/** Maps a scores-shaped tree: `fn(t)` at tensors, `ifNull` at nulls (kept as leaves). */
export function mapScores<R>(scores: Scores, fn: (t: Tensor, i: number) => R, ifNull: R): Tree<R> {
  let i = 0;
  const go = (x: unknown): unknown => {
    if (x === null || x === undefined) return ifNull;
    if (Array.isArray(x)) return x.map(go);
    if (isPlainObject(x)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x)) o[k] = go(x[k]);
      return o;
    }
    return fn(x as Tensor, i++);
  };
  return go(scores) as Tree<R>;
}

/** Walks a selection against the params; `fn(param, maskLeaf)`. */
export function zipSelection<R>(op: string, params: Params, selection: Selection, fn: (p: Tensor, m: MaskLeaf) => R): Tree<R> {
  const go = (p: unknown, m: unknown, path: string): unknown => {
    if (p === null || p === undefined) return p;
    if (Array.isArray(p)) {
      if (!Array.isArray(m) || m.length !== p.length) throw mismatch(op, path, m);
      return p.map((c, i) => go(c, (m as unknown[])[i], path === '' ? String(i) : `${path}.${i}`));
    }
    if (isPlainObject(p)) {
      if (!isPlainObject(m) || Object.keys(m).length !== Object.keys(p).length) throw mismatch(op, path, m);
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(p)) {
        if (!(k in m)) throw mismatch(op, path, m);
        o[k] = go(p[k], m[k], path === '' ? k : `${path}.${k}`);
      }
      return o;
    }
    const t = p as Tensor;
    if (typeof m === 'boolean') return fn(t, m);
    if (!(m instanceof Tensor)) throw mismatch(op, path, m);
    if (m.dtype !== 'bool' || m.ndim !== t.ndim || m.shape.some((d, i) => d !== t.shape[i])) {
      throw new NumError('SHAPE_MISMATCH', op, `selection at '${path}' must be a bool tensor of the leaf's shape`, `bool ${fmtShape(t.shape)}`, `${m.dtype} ${fmtShape(m.shape)}`);
    }
    return fn(t, m);
  };
  return go(params, selection, '') as Tree<R>;
}

function mismatch(op: string, path: string, got: unknown): NumError {
  return new NumError('STRUCTURE_MISMATCH', op, `selection does not match the params ${path === '' ? 'at the root' : `at '${path}'`}`, 'the structure of the params', describe(got));
}
