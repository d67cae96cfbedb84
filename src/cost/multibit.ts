/**
 * Storage of multi-bit binary-basis weights (ALQ): each group of n weights keeps I_g valid binary
 * bases (n bits each) and I_g float coordinates α.
 *
 * - `binaryBits = Σ_g n_g·I_g`, `coordinateBits = c·Σ_g I_g` (c = 32 for float32 α);
 * - `bits = binaryBits + coordinateBits`, `bytes = bits / 8` (not rounded: a model-level figure);
 * - `metadataBits = G·⌈log2(Imax + 1)⌉` is the cost of storing each group's I_g, reported apart.
 */
import { NumError, describe } from '../errors.js';
import { count, options } from '../validate.js';

/**
 * The counts of one multi-bit layer.
 *
 * @example
 * ```ts
 * const l: MultiBitLayerCounts = { groupSize: 25, groups: 96, validSlots: 120, maxBits: 6 };
 * ```
 */
export interface MultiBitLayerCounts {
  /** n: weights per group. */
  groupSize: number;
  /** G: groups of the layer. */
  groups: number;
  /** Σ_g I_g: valid (unpruned) bases over all groups. */
  validSlots: number;
  /** Imax: the most bases a group may hold. */
  maxBits: number;
}

/**
 * Storage figures of multi-bit layers.
 *
 * @example
 * ```ts
 * const s: MultiBitStorage = multiBitStorage([{ groupSize: 25, groups: 4, validSlots: 6, maxBits: 2 }]);
 * s.bytes; // (150 + 192) / 8
 * ```
 */
export interface MultiBitStorage {
  binaryBits: number;
  coordinateBits: number;
  metadataBits: number;
  bits: number;
  bytes: number;
}

/**
 * Storage of multi-bit binary-basis layers (see the module comment for the formulas).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for counts that are not non-negative integers.
 * @example
 * ```ts
 * cost.multiBitStorage([{ groupSize: 25, groups: 4, validSlots: 6, maxBits: 2 }]).bits; // 150 + 6·32
 * ```
 */
export function multiBitStorage(layers: readonly MultiBitLayerCounts[], opts: { coordinateBits?: number } = {}): MultiBitStorage {
  const op = 'cost.multiBitStorage';
  if (!Array.isArray(layers)) throw new NumError('INVALID_ARGUMENT', op, 'layers must be an array', 'MultiBitLayerCounts[]', describe(layers));
  const c = count(op, 'coordinateBits', options(op, 'opts', opts).coordinateBits ?? 32);
  let binaryBits = 0, coords = 0, metadataBits = 0;
  for (const l of layers) {
    if (l === null || typeof l !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'each layer must be a counts object', 'MultiBitLayerCounts', describe(l));
    binaryBits += count(op, 'groupSize', l.groupSize) * count(op, 'validSlots', l.validSlots);
    coords += l.validSlots;
    metadataBits += count(op, 'groups', l.groups) * Math.ceil(Math.log2(count(op, 'maxBits', l.maxBits) + 1));
  }
  const bits = binaryBits + c * coords;
  return { binaryBits, coordinateBits: c * coords, metadataBits, bits, bytes: bits / 8 };
}
