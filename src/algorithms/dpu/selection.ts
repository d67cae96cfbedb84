/**
 * Choosing which weights a round may change (global top-S by score, random, all) and applying a
 * selection: the masked-optimizer verb, complements, rewinding and pruning. Types and leaf rules
 * are in `selectable.ts`.
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
import { isPlainObject, leaves, map } from '../../tree.js';
import { checkDepth } from '../../depth.js';
import type { Scores, Selection } from './selectable.js';
import { checkParams, checkRatio, isSelectable, mapScores, scoreLeaves, zipSelection } from './selectable.js';
import { topIndices } from './topk.js';
export { budget, checkParams, checkRatio, isSelectable, selectableCount } from './selectable.js';
export type { Scores, Selection } from './selectable.js';
export { topIndices } from './topk.js';

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
 * Exact global top-`count` selection: the `count` entries with the largest scores over all
 * ranked leaves together (one ranking, not a quota per layer). Ties go to the larger score,
 * then to the lower flat index; NaN scores rank last. Leaves whose score is `null` are always
 * updated (`true` in the result).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a malformed scores tree; `OUT_OF_RANGE` unless
 *   `count` is an integer in `[0, number of scored entries]`.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const start = model.init(key(0), [4]).params, trained = model.init(key(1), [4]).params;
 * const { metric } = dpu.combineContributions(null, dpu.globalContribution(start, trained), { lambda: 1 }); // global only
 * const sel = dpu.selectWeights(metric, dpu.budget(start, 0.25));
 * dpu.selectedCount(start, sel); // 3
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
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const sel = dpu.selectRandom(key(3), params, 0.5);
 * dpu.selectedCount(params, sel); // 6
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

/**
 * Number of selectable entries a selection lets change (bool tensors: their true entries;
 * `true` at a selectable leaf: all of its entries). Leaves with ndim < 2 are not counted.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` / `SHAPE_MISMATCH` when the selection does not fit the params.
 * @example
 * ```ts
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const metric = tree.map((t: Tensor) => (dpu.isSelectable(t) ? abs(t) : null), params);
 * dpu.selectedCount(params, dpu.selectWeights(metric, 5)); // 5
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
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const selection = dpu.selectRandom(key(1), params, 0.25); // 3 of the 12 weights
 * const maskedAdam = chain(adam(5e-3), dpu.partialUpdate(selection));
 * const [u] = maskedAdam.update(tree.map((t: Tensor) => ones(t.shape), params), maskedAdam.init(params), params);
 * dpu.selectedCount(params, selection); // 3
 * tree.leaves(u)[0]!.toTyped().filter((v) => v !== 0).length; // 3
 * ```
 */
export function partialUpdate(selection: Selection): GradientTransformation<EmptyState> {
  checkDepth('dpu.partialUpdate', selection);
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
  checkDepth('dpu.complement', selection);
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
 * const model = nn.mlp([3]);
 * const start = model.init(key(0), [4]), trained = model.init(key(1), [4]);
 * const selection = dpu.selectRandom(key(2), start.params, 0.25);
 * const rewound = dpu.rewind(start.params, trained.params, selection); // trained on the selection, start elsewhere
 * tree.leaves(rewound)[0]!.shape; // [3, 4]
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
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const magnitudes = tree.map((t: Tensor) => (dpu.isSelectable(t) ? abs(t) : null), params); // biases are not selectable
 * const sparse = dpu.pruneTo(params, dpu.selectWeights(magnitudes, 4)); // keeps the 4 largest weights
 * tree.leaves(sparse)[0]!.toTyped().filter((v) => v !== 0).length; // 4
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
