/**
 * Boundary checks of the `dress` namespace: the exported functions take packed models, mask
 * layers, runners, models and datasets that a caller may get wrong, and each must fail with one
 * `NumError` naming the op rather than a TypeError from deep inside. Structural, not by identity,
 * so a `{...packed}` copy or a decoded model passes. Every check is O(layers) except the column
 * range of a packed layer, O(stored entries), which guards the kernels' unchecked reads.
 *
 * @module
 */
import { NumError, describe } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import type { PackedRunner } from './infer.js';
import type { DressLayer } from './masks.js';
import type { PackedDress, PackedLayer } from './pack.js';
import type { DressParams } from './view.js';

const isInt = (v: unknown, lo: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo;

function invalid(op: string, what: string, expected: string, got: unknown): never {
  throw new NumError('INVALID_ARGUMENT', op, what, expected, describe(got));
}

/**
 * A level index `0 ≤ j < k`: INVALID_ARGUMENT when not an integer, OUT_OF_RANGE when outside.
 * @example
 * ```ts
 * levelArg('dress.unpackLayer', j, layer.counts.length);
 * ```
 */
export function levelArg(op: string, j: unknown, k: number): number {
  if (typeof j !== 'number' || !Number.isInteger(j)) invalid(op, 'the level must be an integer', `0..${k - 1}`, j);
  if (j < 0 || j >= k) throw new NumError('OUT_OF_RANGE', op, 'the level must index a level', `0..${k - 1}`, String(j));
  return j;
}

function countsOk(counts: unknown, cols: number, k: number | undefined): counts is number[] {
  return Array.isArray(counts) && counts.length > 0 && (k === undefined || counts.length === k)
    && counts.every((n, j) => isInt(n, 1) && n <= cols && (j === 0 || n <= (counts[j - 1] as number)));
}

/**
 * One mask layer of a `DressState` (`state.layers[i]`), checked by shape.
 * @example
 * ```ts
 * const l = dressLayerArg('dress.maskOf', layer);
 * ```
 */
export function dressLayerArg(op: string, v: unknown): DressLayer {
  const l = v as Partial<DressLayer> | null | undefined;
  const ok = isPlainObject(l) && isInt(l.rows, 1) && isInt(l.cols, 1) && countsOk(l.counts, l.cols, undefined)
    && l.order instanceof Tensor && l.order.dtype === 'int32' && l.order.ndim === 2 && l.order.shape[0] === l.rows && l.order.shape[1] === l.counts[0];
  if (!ok) invalid(op, 'the layer must be an entry of a DressState (dress.nestedMasks(...).layers[i])', '{rows, cols, counts, order: int32 [rows, counts[0]]}', v);
  return l as DressLayer;
}

/**
 * One packed layer (`packed.layers[i]`): sizes, counts, layout, value and column buffers, and
 * (unless `columns` is false) every stored column below `cols`. `k` = the number of levels, when known.
 * @example
 * ```ts
 * const l = packedLayerArg('dress.unpackLayer', layer);
 * ```
 */
export function packedLayerArg(op: string, v: unknown, k?: number, columns = true): PackedLayer {
  const l = v as Partial<PackedLayer> | null | undefined;
  const shapeOk = isPlainObject(l) && Array.isArray(l.shape) && l.shape.length > 0 && l.shape.every((d) => isInt(d, 1));
  const ok = shapeOk && typeof l.path === 'string' && isInt(l.rows, 1) && isInt(l.cols, 1) && l.rows === l.shape![0]
    && l.rows * l.cols === l.shape!.reduce((a, b) => a * b, 1) && countsOk(l.counts, l.cols, k)
    && (l.layout === 'row' || l.layout === 'rank') && l.values instanceof Float32Array
    && (l.columns instanceof Uint16Array || l.columns instanceof Uint32Array)
    && l.values.length === l.rows * l.counts[0]! && l.columns.length === l.values.length;
  if (!ok) {
    invalid(op, `the packed layer must come from dress.toSparse / dress.decodePacked${k === undefined ? '' : ` with ${k} levels`}`,
      '{path, shape, rows, cols, counts, layout, values: Float32Array(rows·counts[0]), columns: Uint16Array | Uint32Array}', v);
  }
  const p = l as PackedLayer;
  if (!columns) return p;
  for (let q = 0; q < p.columns.length; q++) {
    if (p.columns[q]! >= p.cols) throw new NumError('INVALID_ARGUMENT', op, `packed layer '${p.path}' has a column index out of range`, `< ${p.cols}`, String(p.columns[q]));
  }
  return p;
}

/**
 * A packed model (`dress.toSparse` / `dress.decodePacked`), checked by shape; `columns` as
 * {@link packedLayerArg}.
 * @example
 * ```ts
 * const p = packedArg('dress.packedRunner', packed);
 * ```
 */
export function packedArg(op: string, v: unknown, columns = true): PackedDress {
  const p = v as Partial<PackedDress> | null | undefined;
  const ok = isPlainObject(p) && Array.isArray(p.levels) && p.levels.length > 0 && p.levels.every((s) => typeof s === 'number' && s >= 0 && s < 1)
    && Array.isArray(p.layers) && Array.isArray(p.bn) && Array.isArray(p.modelState) && p.modelState.length === p.levels.length
    && (p.bn.length === 0 || p.bn.length === p.levels.length);
  if (!ok) invalid(op, 'packed must come from dress.toSparse / dress.decodePacked', '{levels, layers, net, bn, modelState: one per level}', v);
  const k = p!.levels!.length;
  p!.layers!.forEach((l) => packedLayerArg(op, l, k, columns));
  return p as PackedDress;
}

/**
 * A runner from `dress.packedRunner`.
 * @example
 * ```ts
 * const r = runnerArg('dress.profile', runner);
 * ```
 */
export function runnerArg(op: string, v: unknown): PackedRunner {
  const r = v as Partial<PackedRunner> | null | undefined;
  if (!(r !== null && typeof r === 'object' && typeof r.apply === 'function' && typeof r.positions === 'function' && isPlainObject(r.packed) && Array.isArray(r.packed.levels) && Array.isArray(r.packed.layers))) {
    invalid(op, 'runner must come from dress.packedRunner', 'PackedRunner', v);
  }
  return r as PackedRunner;
}

/**
 * The training tree `{ net, scores, bn }` of `dress.trainable`, checked by shape.
 * @example
 * ```ts
 * const t = dressParamsArg('dress.labels', tree);
 * ```
 */
export function dressParamsArg(op: string, v: unknown): DressParams {
  const t = v as Partial<DressParams> | null | undefined;
  if (!(isPlainObject(t) && 'net' in t && isPlainObject(t.scores) && Array.isArray(t.bn))) invalid(op, 'the tree must come from dress.trainable', '{net, scores, bn}', v);
  return t as DressParams;
}
