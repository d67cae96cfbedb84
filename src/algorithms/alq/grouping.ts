/**
 * How a weight tensor is cut into the equal-size groups of ALQ (spec §1.1). A group is a vector of
 * `n` weights with its own multi-bit basis; a {@link GroupLayout} maps the group-major order
 * `[g][j]` to the row-major tensor layout and back.
 *
 * For a conv weight `W[Co, Ci, kh, kw]` and a linear weight `W[Co, Ci]`:
 *
 * | grouping | one group = | n |
 * |---|---|---|
 * | kernelwise | `W[k, q, :, :]` | kh·kw |
 * | pixelwise | `W[k, :, h, w]` (strided) | Ci |
 * | channelwise | `W[k, ...]` | Ci·kh·kw |
 * | subchannelwise(S) | `W[k, s·n:(s+1)·n]` of the flattened row | Ci·kh·kw / S |
 *
 * Groups never straddle output rows, and group `g` belongs to row `floor(g / groupsPerRow)`, so
 * the layout is also the `[rows, groups, planes]` order of `bitpack.MultiBitMatrix`.
 */
import { NumError, describe, fmtShape } from '../../errors.js';

/**
 * A grouping rule, made by {@link kernelwise}, {@link pixelwise}, {@link channelwise} or
 * {@link subchannelwise}.
 *
 * @example
 * ```ts
 * const g: Grouping = alq.subchannelwise(2);   // each fc row cut into 2 groups
 * ```
 */
export interface Grouping {
  readonly kind: 'kernelwise' | 'pixelwise' | 'channelwise' | 'subchannelwise';
  /** Groups per output row for `subchannelwise` (1 otherwise). */
  readonly splits: number;
}

/**
 * One group per 2-D kernel `W[k, q, :, :]` of a conv weight (n = kh·kw).
 *
 * @example
 * ```ts
 * alq.groupLayout([20, 1, 5, 5], alq.kernelwise()).groupSize; // 25
 * ```
 */
export function kernelwise(): Grouping {
  return { kind: 'kernelwise', splits: 1 };
}

/**
 * One group per spatial tap `W[k, :, h, w]` of a conv weight (n = Ci): the vector over input
 * channels, strided in the tensor.
 *
 * @example
 * ```ts
 * alq.groupLayout([128, 64, 3, 3], alq.pixelwise()).groupSize; // 64
 * ```
 */
export function pixelwise(): Grouping {
  return { kind: 'pixelwise', splits: 1 };
}

/**
 * One group per output channel `W[k, ...]` (n = the row length).
 *
 * @example
 * ```ts
 * alq.groupLayout([128, 3, 3, 3], alq.channelwise()).groupSize; // 27
 * ```
 */
export function channelwise(): Grouping {
  return { kind: 'channelwise', splits: 1 };
}

/**
 * Each output row cut into `splits` contiguous groups (n = row length / splits, which must divide).
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `splits` is a positive integer.
 * @example
 * ```ts
 * alq.groupLayout([500, 800], alq.subchannelwise(2)).groupSize; // 400
 * ```
 */
export function subchannelwise(splits = 1): Grouping {
  if (typeof splits !== 'number' || !Number.isInteger(splits) || splits < 1) {
    throw new NumError('INVALID_ARGUMENT', 'alq.subchannelwise', 'splits must be a positive integer', 'integer >= 1', describe(splits));
  }
  return { kind: 'subchannelwise', splits };
}

/**
 * The groups of one tensor: `groups` groups of `groupSize` weights; `perm[g·n + j]` is the
 * row-major tensor index of weight `j` of group `g`.
 *
 * @example
 * ```ts
 * const l: GroupLayout = alq.groupLayout([2, 3, 1, 2], alq.pixelwise());
 * l.perm; // Int32Array [0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11]
 * ```
 */
export interface GroupLayout {
  readonly shape: readonly number[];
  readonly grouping: Grouping;
  /** n: weights per group. */
  readonly groupSize: number;
  /** G: number of groups. */
  readonly groups: number;
  /** Output rows (`shape[0]`). */
  readonly rows: number;
  /** Weights per row (the GEMM K dimension). */
  readonly cols: number;
  /** `groups / rows`. */
  readonly groupsPerRow: number;
  /** Group-major position → row-major tensor index (a permutation of 0..N−1). */
  readonly perm: Int32Array;
}

/**
 * The layout of a tensor of `shape` under `grouping`. kernelwise and pixelwise need a 4-D
 * (conv) weight; channelwise and subchannelwise take any weight with at least 2 dims.
 *
 * @throws {NumError} `SHAPE_MISMATCH` for a tensor the grouping does not apply to (too few dims,
 *   empty) or a `subchannelwise` split that does not divide the row; `INVALID_ARGUMENT` for a
 *   malformed grouping.
 * @example
 * ```ts
 * const l = alq.groupLayout([500, 800], alq.subchannelwise(2)); // 1000 groups of 400
 * ```
 */
export function groupLayout(shape: readonly number[], grouping: Grouping): GroupLayout {
  const op = 'alq.groupLayout';
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new NumError('SHAPE_MISMATCH', op, 'shape must be an array of positive integers', 'e.g. [Co, Ci, kh, kw]', describe(shape));
  }
  if (shape.length < 2) throw new NumError('SHAPE_MISMATCH', op, 'only weights with at least 2 dims are grouped', 'ndim >= 2', fmtShape(shape));
  checkGrouping(op, grouping);
  const rows = shape[0]!;
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  const n = rows * cols;
  const perm = new Int32Array(n);
  let groupSize: number;
  if (grouping.kind === 'kernelwise' || grouping.kind === 'pixelwise') {
    if (shape.length !== 4) {
      throw new NumError('SHAPE_MISMATCH', op, `${grouping.kind} grouping needs a conv weight [Co, Ci, kh, kw]`, '4 dims', fmtShape(shape));
    }
    const ci = shape[1]!, taps = shape[2]! * shape[3]!;
    if (grouping.kind === 'kernelwise') {
      groupSize = taps;
      for (let i = 0; i < n; i++) perm[i] = i;
    } else {
      groupSize = ci;
      // group (k, s) holds W[k, c, s] for c = 0..Ci−1.
      let q = 0;
      for (let k = 0; k < rows; k++) {
        for (let s = 0; s < taps; s++) {
          for (let c = 0; c < ci; c++) perm[q++] = k * cols + c * taps + s;
        }
      }
    }
  } else {
    const splits = grouping.kind === 'channelwise' ? 1 : grouping.splits;
    if (cols % splits !== 0) {
      throw new NumError('SHAPE_MISMATCH', op, `subchannelwise(${splits}) must divide the row length evenly`,
        `a divisor of ${cols}`, `${splits} for ${fmtShape(shape)}`);
    }
    groupSize = cols / splits;
    for (let i = 0; i < n; i++) perm[i] = i;
  }
  const groups = n / groupSize;
  return { shape: shape.slice(), grouping, groupSize, groups, rows, cols, groupsPerRow: groups / rows, perm };
}

function checkGrouping(op: string, g: unknown): asserts g is Grouping {
  const kinds = ['kernelwise', 'pixelwise', 'channelwise', 'subchannelwise'];
  const ok = typeof g === 'object' && g !== null && kinds.includes((g as Grouping).kind)
    && Number.isInteger((g as Grouping).splits) && (g as Grouping).splits >= 1;
  if (!ok) {
    throw new NumError('INVALID_ARGUMENT', op, 'grouping must come from alq.kernelwise/pixelwise/channelwise/subchannelwise',
      'a Grouping', describe(g));
  }
}

/**
 * Reorders a row-major tensor buffer into group-major order: `out[g·n + j] = data[perm[g·n + j]]`.
 *
 * @throws {NumError} `SHAPE_MISMATCH` when the lengths differ.
 * @example
 * ```ts
 * const weight = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
 * const layout = alq.groupLayout(weight.shape, alq.subchannelwise(2)); // n = 2 weights per group
 * const grouped = alq.toGroups(layout, weight.toTyped()); // Float64Array, group-major
 * grouped.length; // 8
 * ```
 */
export function toGroups(layout: GroupLayout, data: ArrayLike<number>): Float64Array {
  checkLength('alq.toGroups', layout, data);
  const out = new Float64Array(layout.perm.length);
  gatherInto(out, data, layout.perm);
  return out;
}

/**
 * The inverse of {@link toGroups}: `out[perm[q]] = grouped[q]` (row-major tensor order).
 *
 * @throws {NumError} `SHAPE_MISMATCH` when the lengths differ.
 * @example
 * ```ts
 * const layout = alq.groupLayout([2, 6], alq.subchannelwise(2)); // two groups of 3 per row
 * const w = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
 * alq.fromGroups(layout, alq.toGroups(layout, w)); // [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
 * ```
 */
export function fromGroups(layout: GroupLayout, grouped: ArrayLike<number>): Float64Array {
  checkLength('alq.fromGroups', layout, grouped);
  const out = new Float64Array(layout.perm.length);
  scatterInto(out, grouped, layout.perm);
  return out;
}

function checkLength(op: string, layout: GroupLayout, data: ArrayLike<number>): void {
  if (!((layout as Partial<GroupLayout> | null | undefined)?.perm instanceof Int32Array)) {
    throw new NumError('INVALID_ARGUMENT', op, 'layout must come from alq.groupLayout', 'GroupLayout', describe(layout));
  }
  if (data === null || typeof data !== 'object' || data.length !== layout.perm.length) {
    throw new NumError('SHAPE_MISMATCH', op, 'data must hold one value per weight', `${layout.perm.length}`, describe(data));
  }
}

/** `out[q] = src[perm[q]]`. @internal */
export function gatherInto(out: Float64Array | Float32Array, src: ArrayLike<number>, perm: Int32Array): void {
  for (let q = 0; q < perm.length; q++) out[q] = src[perm[q]!]!;
}

/** `out[perm[q]] = src[q]`. @internal */
export function scatterInto(out: Float64Array | Float32Array, src: ArrayLike<number>, perm: Int32Array): void {
  for (let q = 0; q < perm.length; q++) out[perm[q]!] = src[q]!;
}
