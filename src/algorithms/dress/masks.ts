/**
 * Nested row-based masks (spec §2–§3). A sparsified layer's weight is read as a `rows × cols`
 * matrix (linear `[O, I]`; conv `[Co, Ci/g·kh·kw]`, the left operand of the im2col GEMM). One
 * score per weight ranks every row; subnet j keeps, in every row, the `n_j` best-ranked
 * entries, `n_j = clamp(round((1 − s_j)·cols), 1, cols)`. All levels read the same ranking, so
 * the masks are nested and a weight kept by a sparse subnet is the same number in every denser one.
 *
 * The state keeps, per layer, the densest level's kept columns of every row in rank order
 * (`order`, int32 `[rows, n_1]`); level j's mask is the first `n_j` of them.
 *
 * @module
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { fromTyped } from '../../tensor/create.js';
import { isFloat } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { entries, isPlainObject } from '../../tree.js';
import { dressLayerArg, levelArg } from './check.js';
import { rankRowsInto } from './rank.js';

/** The default sparsity levels: each halves the non-zeros of the one before (our choice). */
export const DEFAULT_LEVELS: readonly number[] = [0.5, 0.75, 0.875, 0.9375];

/** How weights are ranked: by |W| (recomputed from the weights) or by trained scores with an STE. */
export type Criterion = 'magnitude' | 'learned';

/**
 * One sparsified layer of a {@link DressState}.
 * @example
 * ```ts
 * const l: DressLayer = state.layers[0]!;
 * l.counts;            // n_{l,j}: kept entries per row at each level, non-increasing
 * l.order.shape;       // [rows, counts[0]]
 * ```
 */
export interface DressLayer {
  /** Dotted path of the weight leaf (`tree.paths` naming). */
  path: string;
  /** Shape of the weight tensor. */
  shape: number[];
  rows: number;
  cols: number;
  /** `n_{l,j}` for every level j (densest first). */
  counts: number[];
  /** int32 `[rows, counts[0]]`: per row, the kept columns of the densest level, best first. */
  order: Tensor;
}

/**
 * The mask state: the levels, the active level, the criterion and the sparsified layers. A plain
 * record of numbers, strings and tensors, so it saves with `saveTree`.
 * @example
 * ```ts
 * const state = dress.nestedMasks(params);
 * const sparsest = { ...state, level: state.levels.length - 1 }; // switching = one integer
 * ```
 */
export interface DressState {
  /** Sparsities `s_j`, strictly increasing in [0, 1); index 0 is the densest subnet. */
  levels: number[];
  /** The active subnet (index into `levels`). */
  level: number;
  criterion: Criterion;
  layers: DressLayer[];
}

/** Which leaves are sparsified: a predicate or a list of dotted paths. */
export type LayerSelection = ((path: string, t: Tensor) => boolean) | readonly string[];

/**
 * Options of {@link nestedMasks}.
 * @example
 * ```ts
 * const opts: NestedMaskOptions = { levels: [0.5, 0.9], denseLevel: true, layers: ['3.weight', '7.weight'] };
 * ```
 */
export interface NestedMaskOptions {
  /** Sparsities, strictly increasing in [0, 1). Default {@link DEFAULT_LEVELS}. */
  levels?: readonly number[] | undefined;
  /** Prepend the dense backbone as level 0 (s = 0). Default false. */
  denseLevel?: boolean | undefined;
  /**
   * Default `'magnitude'` (rank by |W|, re-ranked from the current weights every step): on our
   * LeNet5 / MNIST runs it kept all four subnets within 1.0 point of independently pruned models on
   * both seeds, where `'learned'` (trained scores initialised from |W|, spec §3 option B) missed at
   * 93.75 % on one seed (docs/dress.md, "Measured results").
   */
  criterion?: Criterion | undefined;
  /** Layer coverage. Default: every 2-D (linear) and 4-D (conv) float leaf. */
  layers?: LayerSelection | undefined;
  /** Rank by these scores (path → tensor shaped like the weight) instead of |W|. */
  scores?: Readonly<Record<string, Tensor>> | undefined;
}

/**
 * The default coverage: linear and conv weights.
 * @example
 * ```ts
 * dress.defaultLayers('0.weight', ones([8, 6])); // true: linear weights are sparsified
 * dress.defaultLayers('0.bias', ones([8])); // false
 * dress.defaultLayers('1.weight', ones([4, 3, 5, 5])); // true: so are conv kernels
 * ```
 */
export function defaultLayers(_path: string, t: Tensor): boolean {
  return t instanceof Tensor && (t.ndim === 2 || t.ndim === 4);
}

/** Validates a list of sparsity levels (strictly increasing, each in [0, 1)). @internal */
export function checkLevels(op: string, levels: unknown, dense: boolean): number[] {
  if (!Array.isArray(levels) || levels.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'levels must be a non-empty array of sparsities', 'number[]', describe(levels));
  const out = dense ? [0, ...(levels as unknown[])] : [...(levels as unknown[])];
  out.forEach((s, j) => {
    if (typeof s !== 'number' || !(s >= 0 && s < 1)) throw new NumError('INVALID_ARGUMENT', op, `level ${j} must be a sparsity in [0, 1)`, '0 <= s < 1', describe(s));
    if (j > 0 && !(s > (out[j - 1] as number))) {
      throw new NumError('INVALID_ARGUMENT', op, `levels must be strictly increasing${dense ? ' (denseLevel prepends 0)' : ''}`, `> ${String(out[j - 1])}`, String(s));
    }
  });
  return out as number[];
}

/** `n = clamp(round((1 − s)·cols), 1, cols)` per level. @internal */
export function rowCounts(levels: readonly number[], cols: number): number[] {
  return levels.map((s) => Math.min(cols, Math.max(1, Math.round((1 - s) * cols))));
}

function selector(op: string, layers: LayerSelection | undefined, params: Params): (path: string, t: Tensor) => boolean {
  if (layers === undefined) return defaultLayers;
  if (typeof layers === 'function') return layers;
  if (!Array.isArray(layers)) throw new NumError('INVALID_ARGUMENT', op, 'layers must be a predicate or an array of paths', 'function | string[]', describe(layers));
  const have = new Set(entries(params).map(([p]) => p));
  for (const p of layers) {
    if (!have.has(p)) throw new NumError('STRUCTURE_MISMATCH', op, `layers names '${String(p)}', which the params do not have`, 'a parameter path', JSON.stringify(p));
  }
  const set = new Set(layers);
  return (path) => set.has(path);
}

/** A float32 copy of a tensor's elements, row-major. @internal */
export function floats(t: Tensor): Float32Array {
  const a = t.toTyped({ copy: false });
  return a instanceof Float32Array ? a : Float32Array.from(a as ArrayLike<number>);
}

function ranked(scores: ArrayLike<number>, rows: number, cols: number, keep: number): Tensor {
  const order = new Int32Array(rows * keep);
  rankRowsInto(order, scores, rows, cols, keep);
  return fromTyped(order, [rows, keep]);
}

function absOf(t: Tensor): Float32Array {
  const w = floats(t);
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.abs(w[i]!);
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Builds the nested masks of a parameter tree: selects the layers, computes `n_{l,j}` for every
 * level and ranks every row once (by |W|, or by `opts.scores`). Ties go to the smaller column,
 * so the masks are a pure function of the scores.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for levels that are not strictly increasing in [0, 1), an
 *   unknown criterion, a selected leaf that is not a float 2-D/4-D tensor or holds a non-finite
 *   value, or no selected layer; `STRUCTURE_MISMATCH` when `layers` or `scores` name paths the
 *   params do not have, or scores do not match their weights.
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * const state = dress.nestedMasks(params, { levels: [0.5, 0.75, 0.875, 0.9375] });
 * state.layers[0]!.counts; // [13, 6, 3, 2] for LeNet5's first conv (25 weights per filter)
 * ```
 */
export function nestedMasks(params: Params, opts: NestedMaskOptions = {}): DressState {
  const op = 'dress.nestedMasks';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{levels?, criterion?, layers?, ...}', describe(opts));
  const levels = checkLevels(op, opts.levels ?? DEFAULT_LEVELS, opts.denseLevel === true);
  const criterion = opts.criterion ?? 'magnitude';
  if (criterion !== 'magnitude' && criterion !== 'learned') throw new NumError('INVALID_ARGUMENT', op, 'criterion must be magnitude or learned', "'magnitude' | 'learned'", describe(criterion));
  const select = selector(op, opts.layers, params);
  const scores = opts.scores;
  if (scores !== undefined && !isPlainObject(scores)) throw new NumError('INVALID_ARGUMENT', op, 'scores must be a record path → Tensor', 'Record<string, Tensor>', describe(scores));
  const layers: DressLayer[] = [];
  for (const [path, t] of entries(params)) {
    if (!(t instanceof Tensor) || !select(path, t)) continue;
    if (!isFloat(t.dtype) || (t.ndim !== 2 && t.ndim !== 4)) {
      throw new NumError('INVALID_ARGUMENT', op, `sparsified leaf '${path}' must be a float linear or conv weight`, 'float 2-D or 4-D', `${t.dtype} ${fmtShape(t.shape)}`);
    }
    const rows = t.shape[0]!, cols = t.size / rows;
    let s: ArrayLike<number>;
    if (scores === undefined) {
      s = absOf(t);
    } else {
      const z = scores[path];
      if (!(z instanceof Tensor) || !sameShape(z.shape, t.shape)) {
        throw new NumError('STRUCTURE_MISMATCH', op, `scores['${path}'] must be a tensor shaped like the weight`, fmtShape(t.shape), z instanceof Tensor ? fmtShape(z.shape) : describe(z));
      }
      s = floats(z);
    }
    for (let i = 0; i < s.length; i++) {
      if (!Number.isFinite(s[i]!)) throw new NumError('INVALID_ARGUMENT', op, `the ${scores === undefined ? 'weight' : 'score'} '${path}' has a non-finite value`, 'finite values', String(s[i]));
    }
    const counts = rowCounts(levels, cols);
    layers.push({ path, shape: t.shape.slice(), rows, cols, counts, order: ranked(s, rows, cols, counts[0]!) });
  }
  if (layers.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'no layer was selected for sparsification', 'at least one linear or conv weight', 'none');
  if (scores !== undefined) {
    const used = new Set(layers.map((l) => l.path));
    const extra = Object.keys(scores).find((p) => !used.has(p));
    if (extra !== undefined) throw new NumError('STRUCTURE_MISMATCH', op, `scores has '${extra}', which is not a sparsified layer`, 'one score tensor per sparsified layer', extra);
  }
  return { levels, level: 0, criterion, layers };
}

/**
 * Re-ranks every layer from current values (`values[path]`: the learned scores, or the weights
 * for the magnitude criterion), keeping levels and counts. Non-finite values rank first. @internal
 */
export function rerank(state: DressState, values: (layer: DressLayer) => Tensor, magnitude: boolean): DressState {
  const layers = state.layers.map((l) => {
    const v = values(l);
    const s = magnitude ? absOf(v) : floats(v);
    return { ...l, order: ranked(s, l.rows, l.cols, l.counts[0]!) };
  });
  return { ...state, layers };
}

/**
 * The 0/1 mask of layer `l` at level `j`, float32 in the weight's row-major layout.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const state = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const m = dress.maskOf(state.layers[0]!, 1); // Float32Array, rows·cols entries
 * m.length; // 48
 * m.reduce((a, b) => a + b); // 16 (level 1 = 75 % sparse: each of the 8 rows keeps 2 of its 6 weights)
 * ```
 */
export function maskOf(l: DressLayer, j: number): Float32Array {
  dressLayerArg('dress.maskOf', l);
  levelArg('dress.maskOf', j, l.counts.length);
  const out = new Float32Array(l.rows * l.cols);
  const order = l.order.toTyped({ copy: false }) as Int32Array;
  const n1 = l.counts[0]!, n = l.counts[j]!;
  for (let i = 0; i < l.rows; i++) {
    for (let t = 0; t < n; t++) out[i * l.cols + order[i * n1 + t]!] = 1;
  }
  return out;
}

/** Checks a state record (shapes and counts), O(layers). @internal */
export function checkState(op: string, state: unknown): asserts state is DressState {
  const bad = (what: string, expected: string, got: string): never => {
    throw new NumError('STATE_MISMATCH', op, `${what}; create the state with dress.nestedMasks`, expected, got);
  };
  if (!isPlainObject(state) || !Array.isArray(state['levels']) || !Array.isArray(state['layers']) || typeof state['level'] !== 'number') {
    bad('state is not a DRESS state', '{levels, level, criterion, layers}', isPlainObject(state) ? `{${Object.keys(state).join(', ')}}` : describe(state));
  }
  const s = state as unknown as DressState;
  const k = s.levels.length;
  if (s.criterion !== 'magnitude' && s.criterion !== 'learned') bad('state.criterion is unknown', "'magnitude' | 'learned'", describe(s.criterion));
  if (!Number.isInteger(s.level) || s.level < 0 || s.level >= k) {
    throw new NumError('OUT_OF_RANGE', op, 'state.level must index a level', `0..${k - 1}`, describe(s.level));
  }
  s.layers.forEach((l, i) => {
    const where = `state.layers[${i}]`;
    if (!isPlainObject(l) || typeof l.path !== 'string' || !Array.isArray(l.counts) || l.counts.length !== k) bad(`${where} is malformed`, `{path, shape, rows, cols, counts[${k}], order}`, describe(l));
    const n1 = l.counts[0]!;
    if (!(l.order instanceof Tensor) || l.order.dtype !== 'int32' || !sameShape(l.order.shape, [l.rows, n1])) {
      bad(`${where}.order is malformed`, `int32 ${fmtShape([l.rows, n1])}`, l.order instanceof Tensor ? `${l.order.dtype} ${fmtShape(l.order.shape)}` : describe(l.order));
    }
    if (l.rows * l.cols !== l.shape.reduce((a, b) => a * b, 1)) bad(`${where} has rows·cols != weight size`, String(l.rows * l.cols), fmtShape(l.shape));
  });
}
