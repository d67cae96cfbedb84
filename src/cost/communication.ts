/**
 * Communication cost of model updates sent from a server to an edge device: a full update
 * against a partial update that changes `S` of the `I` weights (deep partial updating, DPU).
 *
 * A partial update sends `S` values plus their positions. The positions can be sent in several
 * interchangeable ways; with `p = S / I`:
 *
 * | positions as          | bits                                         |
 * |-----------------------|----------------------------------------------|
 * | a bitmask             | `I`                                          |
 * | plain indices         | `S · ⌈log₂ I⌉`                               |
 * | entropy bound of mask | `I · H₂(p)`, `H₂(p) = −p log₂ p − (1−p) log₂(1−p)` |
 * | Golomb-coded gaps     | `S · (b* + 1 / (1 − (1−p)^(2^b*)))`, `b* = 1 + ⌊log₂(ln(φ−1) / ln(1−p))⌋` |
 *
 * (φ is the golden ratio; the Golomb estimate is the one Sattler et al. 2019 use for sparse
 * updates with geometric gaps.) Values cost `valueBits` each, 32 for float32. Biases and
 * batch-norm parameters that are always sent dense are not part of `I` or `S`: count them with
 * {@link fullUpdateBits} and add them separately. For the real size of an encoded message use
 * {@link payloadBits}.
 */
import { NumError, describe } from '../errors.js';
import { count } from '../validate.js';

/** Checks `I ≥ 1` and `0 ≤ S ≤ I`. */
function sizes(op: string, total: unknown, selected: unknown): [number, number] {
  const i = count(op, 'total', total, 1);
  const s = count(op, 'selected', selected, 0);
  if (s > i) throw new NumError('OUT_OF_RANGE', op, 'selected must not exceed total', `selected <= ${i}`, String(s));
  return [i, s];
}

function ratio(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new NumError('OUT_OF_RANGE', op, 'p must be a probability', '0 <= p <= 1', describe(p));
  }
  return p;
}

/**
 * Binary entropy in bits, `H₂(p) = −p log₂ p − (1−p) log₂(1−p)` (0 at p = 0 and p = 1).
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 ≤ p ≤ 1.
 * @example
 * ```ts
 * cost.binaryEntropy(0.5);  // 1
 * cost.binaryEntropy(0.01); // 0.080793…
 * ```
 */
export function binaryEntropy(p: number): number {
  const q = ratio('cost.binaryEntropy', p);
  if (q === 0 || q === 1) return 0;
  return -q * Math.log2(q) - (1 - q) * Math.log2(1 - q);
}

/**
 * The Golomb parameter `b*` (the code uses `2^b*` as its divisor) for gaps between positions
 * chosen with probability `p`: `b* = 1 + ⌊log₂(ln(φ−1) / ln(1−p))⌋`, clamped at 0 (for
 * p ≳ 0.38 the formula goes negative; a unary code, `b* = 0`, is then best).
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 < p ≤ 1.
 * @example
 * ```ts
 * cost.golombParameter(0.01); // 6
 * ```
 */
export function golombParameter(p: number): number {
  const q = ratio('cost.golombParameter', p);
  if (q === 0) throw new NumError('OUT_OF_RANGE', 'cost.golombParameter', 'p must be positive (no positions to code)', '0 < p <= 1', '0');
  if (q === 1) return 0;
  const phi = (1 + Math.sqrt(5)) / 2;
  return Math.max(0, 1 + Math.floor(Math.log2(Math.log(phi - 1) / Math.log(1 - q))));
}

/**
 * Expected bits per position of Golomb-coded gaps: `b̄ = b* + 1 / (1 − (1−p)^(2^b*))` with
 * `b*` from {@link golombParameter}.
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 < p ≤ 1.
 * @example
 * ```ts
 * cost.golombBitsPerIndex(0.01);  // 8.1079…
 * cost.golombBitsPerIndex(0.005); // 9.1117…
 * ```
 */
export function golombBitsPerIndex(p: number): number {
  const b = golombParameter(p);
  return b + 1 / (1 - (1 - p) ** (2 ** b));
}

/**
 * Bits of the positions sent as a bitmask over all `I` weights: `I`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` unless `I ≥ 1` and `0 ≤ S ≤ I` are integers.
 * @example
 * ```ts
 * cost.bitmaskPositionBits(266_200, 2_662); // 266200
 * ```
 */
export function bitmaskPositionBits(total: number, selected: number): number {
  return sizes('cost.bitmaskPositionBits', total, selected)[0];
}

/**
 * Bits of the positions sent as plain indices: `S · ⌈log₂ I⌉`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` unless `I ≥ 1` and `0 ≤ S ≤ I` are integers.
 * @example
 * ```ts
 * cost.indexPositionBits(266_200, 2_662); // 2662 · 19
 * ```
 */
export function indexPositionBits(total: number, selected: number): number {
  const [i, s] = sizes('cost.indexPositionBits', total, selected);
  return s * Math.ceil(Math.log2(i));
}

/**
 * The entropy bound of the positions (the information in a random mask of density `p = S/I`):
 * `I · H₂(p)`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` unless `I ≥ 1` and `0 ≤ S ≤ I` are integers.
 * @example
 * ```ts
 * cost.entropyPositionBits(1000, 10); // 80.79…
 * ```
 */
export function entropyPositionBits(total: number, selected: number): number {
  const [i, s] = sizes('cost.entropyPositionBits', total, selected);
  return i * binaryEntropy(s / i);
}

/**
 * Expected bits of Golomb-coded gaps between sorted positions: `S · b̄(S/I)` (0 when `S = 0`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` unless `I ≥ 1` and `0 ≤ S ≤ I` are integers.
 * @example
 * ```ts
 * cost.golombPositionBits(1000, 10); // 81.08…
 * ```
 */
export function golombPositionBits(total: number, selected: number): number {
  const [i, s] = sizes('cost.golombPositionBits', total, selected);
  return s === 0 ? 0 : s * golombBitsPerIndex(s / i);
}

/**
 * Bits of a full (dense) update of `count` values: `valueBits · count` (default 32 bits, float32).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a count that is not an integer ≥ 0 or a negative
 *   `valueBits`.
 * @example
 * ```ts
 * cost.fullUpdateBits(266_200); // 8518400
 * ```
 */
export function fullUpdateBits(count_: number, valueBits = 32): number {
  const op = 'cost.fullUpdateBits';
  const n = count(op, 'count', count_, 0);
  if (typeof valueBits !== 'number' || !(valueBits >= 0) || !Number.isFinite(valueBits)) {
    throw new NumError('INVALID_ARGUMENT', op, 'valueBits must be a finite number >= 0', 'number >= 0', describe(valueBits));
  }
  return n * valueBits;
}

/**
 * Options of {@link partialUpdateBits}.
 *
 * @example
 * ```ts
 * const opts: cost.PartialUpdateBitsOptions = { valueBits: 16, positions: cost.entropyPositionBits };
 * ```
 */
export interface PartialUpdateBitsOptions {
  /** Bits per value; default 32 (float32). */
  valueBits?: number | undefined;
  /** How the positions are counted; default {@link golombPositionBits}. */
  positions?: ((total: number, selected: number) => number) | undefined;
}

/**
 * Bits of a partial update of `S` of `I` weights: `valueBits · S + positions(I, S)`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` unless `I ≥ 1` and `0 ≤ S ≤ I` are
 *   integers and `valueBits ≥ 0`.
 * @example
 * ```ts
 * const I = 266_200, S = Math.floor(0.01 * I);
 * cost.partialUpdateBits(I, S) / cost.fullUpdateBits(I);                                          // ≈ 0.01253
 * cost.partialUpdateBits(I, S, { positions: cost.bitmaskPositionBits }) / cost.fullUpdateBits(I); // ≈ 0.0413
 * ```
 */
export function partialUpdateBits(total: number, selected: number, opts: PartialUpdateBitsOptions = {}): number {
  const op = 'cost.partialUpdateBits';
  const [i, s] = sizes(op, total, selected);
  const positions = opts.positions ?? golombPositionBits;
  if (typeof positions !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'positions must be a function (total, selected) => bits', 'function', describe(positions));
  }
  return fullUpdateBits(s, opts.valueBits ?? 32) + positions(i, s);
}

/**
 * The real size of an encoded message in bits: `8 · byteLength`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `payload` is a `Uint8Array`.
 * @example
 * ```ts
 * cost.payloadBits(new Uint8Array(12)); // 96
 * ```
 */
export function payloadBits(payload: Uint8Array): number {
  if (!(payload instanceof Uint8Array)) {
    throw new NumError('INVALID_ARGUMENT', 'cost.payloadBits', 'payload must be a Uint8Array', 'Uint8Array', describe(payload));
  }
  return 8 * payload.byteLength;
}
