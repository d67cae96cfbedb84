/**
 * Packing for deployment (spec §5): per sparsified layer, the densest level's `n_1` entries of
 * every row, ordered by rank, so subnet j is the first `n_j` entries of each row. Values are
 * float32, columns Uint16 when `cols ≤ 65,536` (else Uint32). Two layouts: `'row'` (row i, rank r
 * at `i·n_1 + r`; what the row-balanced kernels run, with stride `n_1`) and `'rank'` (all rows'
 * rank-0 entries, then rank 1, …; subnet j is the contiguous prefix of length `rows·n_j`).
 *
 * @module
 */
import { noGrad } from '../../autograd/grad.js';
import { NumError, describe } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { mapWithPath } from '../../tree.js';
import type { Params, Tree } from '../../tree.js';
import type { DressState } from './masks.js';
import { checkState, floats } from './masks.js';
import { levelArg, packedArg, packedLayerArg } from './check.js';
import type { DressParams } from './view.js';
import { checkTree } from './view.js';

/** Index array of a packed layer: Uint16 when every column fits, else Uint32. */
export type ColumnArray = Uint16Array | Uint32Array;

/**
 * One packed layer.
 * @example
 * ```ts
 * const l: PackedLayer = packed.layers[0]!;
 * l.values.length === l.rows * l.counts[0]!; // true: storage of the densest subnet only
 * ```
 */
export interface PackedLayer {
  path: string;
  shape: number[];
  rows: number;
  cols: number;
  /** `n_{l,j}` per level. */
  counts: number[];
  layout: 'row' | 'rank';
  values: Float32Array;
  columns: ColumnArray;
}

/**
 * A packed DRESS model: the sparsified layers, the remaining backbone leaves (`net`, with `null`
 * at every packed weight), the BN sets and one model state per level.
 * @example
 * ```ts
 * const packed = dress.toSparse(tree, masks, { modelState: levelStates });
 * ```
 */
export interface PackedDress {
  levels: number[];
  layers: PackedLayer[];
  net: Tree<Tensor>;
  bn: Record<string, Tensor>[];
  modelState: Params[];
}

/**
 * Options of {@link toSparse}.
 * @example
 * ```ts
 * const opts: ToSparseOptions = { layout: 'rank', modelState: states };
 * ```
 */
export interface ToSparseOptions {
  /** Default `'row'`. */
  layout?: 'row' | 'rank' | undefined;
  /** One model state per level (default: none, i.e. `{}` per level — models without BN). */
  modelState?: readonly Params[] | undefined;
}

/** Position of (row i, rank r) in a layer of `rows` rows and `n1` entries per row. @internal */
export function slot(layout: 'row' | 'rank', rows: number, n1: number, i: number, r: number): number {
  return layout === 'row' ? i * n1 + r : r * rows + i;
}

/**
 * Packs a trained DRESS tree: one final ranking (the state's), every layer's kept entries in
 * rank order. Weights outside the densest support are dropped.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the tree does not match the masks or the model
 *   states are not one per level; `STATE_MISMATCH` for a malformed state; `INVALID_ARGUMENT` for
 *   a bad layout.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const tree = dress.trainable(params, masks);
 * const packed = dress.toSparse(tree, dress.refresh(tree, masks));
 * packed.levels; // [0.5, 0.75]
 * ```
 */
export function toSparse(tree: DressParams, state: DressState, opts: ToSparseOptions = {}): PackedDress {
  const op = 'dress.toSparse';
  checkState(op, state);
  const leaves = checkTree(op, tree, state);
  const layout = opts.layout ?? 'row';
  if (layout !== 'row' && layout !== 'rank') throw new NumError('INVALID_ARGUMENT', op, "layout must be 'row' or 'rank'", "'row' | 'rank'", describe(layout));
  const k = state.levels.length;
  const ms = opts.modelState ?? state.levels.map(() => ({}));
  if (!Array.isArray(ms) || ms.length !== k) throw new NumError('STRUCTURE_MISMATCH', op, 'modelState must hold one state per level', `${k} states`, describe(ms));
  const layers = state.layers.map((l): PackedLayer => {
    const w = floats(noGrad(() => leaves.get(l.path)!.contiguous()));
    const order = l.order.toTyped({ copy: false }) as Int32Array;
    const n1 = l.counts[0]!;
    const values = new Float32Array(l.rows * n1);
    const columns = l.cols <= 65536 ? new Uint16Array(l.rows * n1) : new Uint32Array(l.rows * n1);
    for (let i = 0; i < l.rows; i++) {
      for (let r = 0; r < n1; r++) {
        const c = order[i * n1 + r]!;
        const q = slot(layout, l.rows, n1, i, r);
        values[q] = w[i * l.cols + c]!;
        columns[q] = c;
      }
    }
    return { path: l.path, shape: l.shape.slice(), rows: l.rows, cols: l.cols, counts: l.counts.slice(), layout, values, columns };
  });
  const packedPaths = new Set(state.layers.map((l) => l.path));
  const net = mapWithPath((path, t: Tensor) => (packedPaths.has(path) ? null : t), tree.net) as Tree<Tensor>;
  return { levels: state.levels.slice(), layers, net, bn: tree.bn.map((s) => ({ ...s })), modelState: ms.slice() };
}

/**
 * The same model in the other layout (values and columns permuted, nothing else changes).
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const packed = dress.toSparse(dress.trainable(params, masks), masks);
 * const rankMajor = dress.relayout(packed, 'rank');
 * rankMajor.layers[0]!.layout; // 'rank'
 * ```
 */
export function relayout(packed: PackedDress, layout: 'row' | 'rank'): PackedDress {
  packedArg('dress.relayout', packed);
  if (layout !== 'row' && layout !== 'rank') throw new NumError('INVALID_ARGUMENT', 'dress.relayout', "layout must be 'row' or 'rank'", "'row' | 'rank'", describe(layout));
  const layers = packed.layers.map((l) => {
    if (l.layout === layout) return l;
    const n1 = l.counts[0]!;
    const values = new Float32Array(l.values.length);
    const columns = l.columns instanceof Uint16Array ? new Uint16Array(l.columns.length) : new Uint32Array(l.columns.length);
    for (let i = 0; i < l.rows; i++) {
      for (let r = 0; r < n1; r++) {
        const from = slot(l.layout, l.rows, n1, i, r), to = slot(layout, l.rows, n1, i, r);
        values[to] = l.values[from]!;
        columns[to] = l.columns[from]!;
      }
    }
    return { ...l, layout, values, columns };
  });
  return { ...packed, layers };
}

/**
 * Subnet j of a packed layer as a dense float32 row-major `rows × cols` array: the first `n_j`
 * entries of every row put back in place (`W ⊙ M_j`).
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const packed = dress.toSparse(dress.trainable(params, masks), masks);
 * const w1 = dress.unpackLayer(packed.layers[0]!, 1); // the dense 8×6 weight of subnet 1 (75 % sparse), zeros where pruned
 * w1.length; // 48
 * ```
 */
export function unpackLayer(l: PackedLayer, j: number): Float32Array {
  packedLayerArg('dress.unpackLayer', l);
  levelArg('dress.unpackLayer', j, l.counts.length);
  const out = new Float32Array(l.rows * l.cols);
  const n1 = l.counts[0]!, n = l.counts[j]!;
  for (let i = 0; i < l.rows; i++) {
    for (let r = 0; r < n; r++) {
      const q = slot(l.layout, l.rows, n1, i, r);
      out[i * l.cols + l.columns[q]!] = l.values[q]!;
    }
  }
  return out;
}

/**
 * Bytes of subnet j's weights and indices (its prefix) and of the whole packed model's sparse
 * layers (= the densest subnet's, independent of the number of levels).
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const packed = dress.toSparse(dress.trainable(params, masks), masks);
 * dress.subnetBytes(packed, 1) < dress.subnetBytes(packed, 0); // true: what a RAM-limited device must hold for the sparsest subnet
 * ```
 */
export function subnetBytes(packed: PackedDress, j: number): number {
  packedArg('dress.subnetBytes', packed);
  levelArg('dress.subnetBytes', j, packed.levels.length);
  let b = 0;
  for (const l of packed.layers) b += l.rows * l.counts[j]! * (4 + l.columns.BYTES_PER_ELEMENT);
  return b;
}
