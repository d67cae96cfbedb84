/**
 * Which weights a round may change. A {@link Selection} is an optim `Mask` tree shaped like the
 * params: a `bool` tensor at every selectable leaf (a weight tensor with ndim ≥ 2: linear and
 * conv kernels) and `true` at every other leaf (biases, batch-norm parameters), which DPU always
 * updates in full. Flat indices number the selectable entries of all leaves in leaf order
 * (row-major inside a leaf), so "global" means one ranking over all layers.
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { EmptyState, GradientTransformation, MaskLeaf } from '../../optim/base.js';
import { freeze } from '../../optim/combine.js';
import { foldIn, permutation } from '../../random.js';
import type { Key } from '../../random.js';
import { fromTyped, full } from '../../tensor/create.js';
import { logicalNot, where } from '../../tensor/ops/elementwise.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Tree } from '../../tree.js';
import { isPlainObject, leaves, map } from '../../tree.js';

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
 * dpu.budget(params, 0.01); // 2662 for the 784-300-100-10 MLP
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
function scoreLeaves(op: string, scores: Scores): Tensor[] {
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
function mapScores<R>(scores: Scores, fn: (t: Tensor, i: number) => R, ifNull: R): Tree<R> {
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

/**
 * `scores` with every entry outside `selection` replaced by `fill`: −∞ keeps deselected weights
 * out of a later ranking, 0 forgets their accumulated contribution. Same dtypes. @internal
 */
export function restrictScores(scores: Scores, selection: Selection, fill: number): Scores {
  const go = (s: unknown, m: unknown): unknown => {
    if (s === null || s === undefined) return s;
    if (Array.isArray(s)) return s.map((c, i) => go(c, (m as unknown[])[i]));
    if (isPlainObject(s)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(s)) o[k] = go(s[k], (m as Record<string, unknown>)[k]);
      return o;
    }
    const t = s as Tensor;
    if (m === true) return t;
    const d = t.toTyped().slice();
    if (m === false) d.fill(fill);
    else {
      const md = (m as Tensor).toTyped();
      for (let i = 0; i < d.length; i++) if (md[i] === 0) d[i] = fill;
    }
    return fromTyped(d, t.shape, { dtype: t.dtype });
  };
  return go(scores, selection) as Scores;
}

/**
 * The `k`-th smallest (0-based) entry of `a`, which it reorders; `a` holds no NaN. Quickselect
 * with median-of-three pivots and a three-way partition (score vectors have long runs of equal
 * values, e.g. the −∞ of dropped weights), in O(n) on average instead of a full sort's
 * O(n log n); after 2·log2(n) partitions that did not finish, the remaining range is sorted, so
 * an adversarial input costs at most a sort.
 */
function kthSmallestInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length; // [lo, hi) still holds position k
  let partitions = 2 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (hi - lo > 16 && partitions-- > 0) {
    const x = a[lo]!, y = a[(lo + hi) >>> 1]!, z = a[hi - 1]!;
    const p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let lt = lo, i = lo, gt = hi - 1; // [lo, lt) < p, [lt, i) = p, (gt, hi) > p
    while (i <= gt) {
      const e = a[i]!;
      if (e < p) { a[i] = a[lt]!; a[lt++] = e; i++; } else if (e > p) { a[i] = a[gt]!; a[gt--] = e; } else i++;
    }
    if (k < lt) hi = lt;
    else if (k > gt) lo = gt + 1;
    else return p;
  }
  a.subarray(lo, hi).sort();
  return a[k]!;
}

/** The first `count` flat positions of `values` by (value descending, index ascending); NaN ranks last. @internal */
export function topIndices(values: Float64Array, count: number): Int32Array {
  const n = values.length;
  const out = new Int32Array(count);
  if (count === 0) return out;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    v[i] = x !== x ? -Infinity : x === 0 ? 0 : x; // NaN last; −0 and +0 are one value
  }
  const threshold = kthSmallestInPlace(Float64Array.from(v), n - count);
  let above = 0;
  for (let i = 0; i < n; i++) if (v[i]! > threshold) above++;
  let ties = count - above;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x > threshold || (x === threshold && ties-- > 0)) out[o++] = i;
  }
  return out;
}

/**
 * Exact global top-`count` selection: the `count` entries with the largest scores over all
 * ranked leaves together (one ranking, not a quota per layer). Ties go to the larger score,
 * then to the lower flat index; NaN scores rank last. Leaves whose score is `null` are always
 * updated (`true` in the result).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a malformed scores tree; `OUT_OF_RANGE` unless
 *   `count` is an integer in `[0, number of scored entries]`.
 * @example
 * ```ts
 * const { metric } = dpu.combineContributions(local, global, { lambda: 0.5 });
 * const sel = dpu.selectWeights(metric, dpu.budget(params, 0.01));
 * ```
 */
export function selectWeights(scores: Scores, count: number): Selection {
  const op = 'dpu.selectWeights';
  const ls = scoreLeaves(op, scores);
  const total = ls.reduce((s, t) => s + t.size, 0);
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > total) {
    throw new NumError('OUT_OF_RANGE', op, 'count must be an integer between 0 and the number of scored entries', `integer in [0, ${total}]`, describe(count));
  }
  const all = new Float64Array(total);
  let off = 0;
  for (const t of ls) {
    all.set(t.toTyped(), off);
    off += t.size;
  }
  const picked = topIndices(all, count);
  const masks = ls.map((t) => new Uint8Array(t.size));
  const starts: number[] = [];
  off = 0;
  for (const t of ls) { starts.push(off); off += t.size; }
  let leaf = 0;
  for (let j = 0; j < picked.length; j++) {
    const f = picked[j]!;
    while (leaf + 1 < ls.length && f >= starts[leaf + 1]!) leaf++;
    masks[leaf]![f - starts[leaf]!] = 1;
  }
  return mapScores<MaskLeaf>(scores, (t, i) => fromTyped(masks[i]!, t.shape, { dtype: 'bool' }), true);
}

/** Python's `round` (half to even), which the reference uses for per-layer counts. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Random partial updating (RPU baseline): in every selectable leaf `l`, `round(k · I_l)` entries
 * chosen uniformly at random (a per-layer quota, half to even as in Python), from
 * `foldIn(key, l)`. Other leaves are `true`.
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 ≤ ratio ≤ 1.
 * @example
 * ```ts
 * const sel = dpu.selectRandom(key(3), params, 0.01);
 * ```
 */
export function selectRandom(k: Key, params: Params, ratio: number): Selection {
  const op = 'dpu.selectRandom';
  const r = checkRatio(op, ratio);
  let l = 0;
  return map((t: Tensor) => {
    if (!isSelectable(t)) return true;
    const n = roundHalfEven(t.size * r);
    const order = permutation(foldIn(k, l++), t.size).toTyped() as Int32Array;
    const m = new Uint8Array(t.size);
    for (let i = 0; i < n; i++) m[order[i]!] = 1;
    return fromTyped(m, t.shape, { dtype: 'bool' });
  }, checkParams(op, params)) as Selection;
}

/**
 * The selection that changes everything (full updating): `true` at every leaf.
 *
 * @example
 * ```ts
 * dpu.selectAll({ w: zeros([2, 2]), b: zeros([2]) }); // { w: true, b: true }
 * ```
 */
export function selectAll(params: Params): Selection {
  return map((_t: Tensor) => true, checkParams('dpu.selectAll', params)) as Selection;
}

/** Walks a selection against the params; `fn(param, maskLeaf)`. */
function zipSelection<R>(op: string, params: Params, selection: Selection, fn: (p: Tensor, m: MaskLeaf) => R): Tree<R> {
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

/**
 * Number of selectable entries a selection lets change (bool tensors: their true entries;
 * `true` at a selectable leaf: all of its entries). Leaves with ndim < 2 are not counted.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` / `SHAPE_MISMATCH` when the selection does not fit the params.
 * @example
 * ```ts
 * dpu.selectedCount(params, dpu.selectWeights(metric, 100)); // 100
 * ```
 */
export function selectedCount(params: Params, selection: Selection): number {
  let n = 0;
  zipSelection('dpu.selectedCount', checkParams('dpu.selectedCount', params), selection, (p, m) => {
    if (!isSelectable(p)) return null;
    if (m === true) n += p.size;
    else if (m instanceof Tensor) {
      const d = m.toTyped();
      for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
    }
    return null;
  });
  return n;
}

/**
 * The masked optimizer's last verb: keeps the increments of the selected entries and gives
 * every other entry the increment `−0`, so it stays bit-identical however many steps run
 * (`freeze` of the complement). The optimizer before it still updates its state for all
 * entries (spec §3: increment ⊙ mask, never gradient ⊙ mask).
 *
 * `u = where(selected, g, −0)`
 *
 * @throws {NumError} from `update` when the selection does not fit the params.
 * @example
 * ```ts
 * const maskedAdam = chain(adam(5e-3), dpu.partialUpdate(selection));
 * ```
 */
export function partialUpdate(selection: Selection): GradientTransformation<EmptyState> {
  const frozen = complement(selection);
  return freeze(frozen);
}

/**
 * The complement of a selection: `false` ↔ `true`, bool tensors negated.
 *
 * @example
 * ```ts
 * dpu.complement({ w: tensor([true, false], { dtype: 'bool' }), b: true }); // { w: [false, true], b: false }
 * ```
 */
export function complement(selection: Selection): Selection {
  const go = (m: unknown): unknown => {
    if (typeof m === 'boolean') return !m;
    if (m instanceof Tensor) return logicalNot(m);
    if (Array.isArray(m)) return m.map(go);
    if (isPlainObject(m)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(m)) o[k] = go(m[k]);
      return o;
    }
    if (m === null || m === undefined) return m;
    throw new NumError('INVALID_ARGUMENT', 'dpu.complement', 'selection leaves must be booleans or bool tensors', 'boolean | Tensor', describe(m));
  };
  return go(selection) as Selection;
}

/**
 * Rewinding (spec §2 step 7): selected entries keep their trained value, every other selectable
 * entry gets back its exact start value; leaves that are `true` (biases, batch norm) keep their
 * trained values.
 *
 * `w = where(selected, trained, start)`
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` / `SHAPE_MISMATCH` when the trees do not fit together.
 * @example
 * ```ts
 * const rewound = dpu.rewind(start.params, trained.params, selection);
 * ```
 */
export function rewind(start: Params, trained: Params, selection: Selection): Params {
  const op = 'dpu.rewind';
  return rewindWith(op, checkParams(op, start, 'start'), checkParams(op, trained, 'trained'), selection, (st) => st);
}

/**
 * Magnitude pruning's rewind: selected entries keep their trained value, every other selectable
 * entry becomes 0; `true` leaves keep their trained values.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` / `SHAPE_MISMATCH` when the trees do not fit together.
 * @example
 * ```ts
 * const sparse = dpu.pruneTo(trained.params, dpu.selectWeights(magnitudes, S));
 * ```
 */
export function pruneTo(trained: Params, selection: Selection): Params {
  const op = 'dpu.pruneTo';
  const t = checkParams(op, trained, 'trained');
  return rewindWith(op, t, t, selection, () => 0);
}

function rewindWith(op: string, start: Params, trained: Params, selection: Selection, other: (start: Tensor) => Tensor | number): Params {
  let i = 0;
  const starts = leaves(start);
  const ts = leaves(trained);
  if (starts.length !== ts.length) throw new NumError('STRUCTURE_MISMATCH', op, 'start and trained params differ', `${ts.length} leaves`, `${starts.length} leaves`);
  return zipSelection(op, trained, selection, (p, m) => {
    const st = starts[i++]!;
    if (st.ndim !== p.ndim || st.shape.some((d, j) => d !== p.shape[j])) {
      throw new NumError('SHAPE_MISMATCH', op, 'start and trained params differ in shape', fmtShape(p.shape), fmtShape(st.shape));
    }
    if (m === true) return p;
    const o = other(st);
    if (m === false) return typeof o === 'number' ? full(p.shape, o, { dtype: p.dtype }) : o;
    return where(m, p, o);
  }) as Params;
}
