/**
 * Keys: making one from a seed, splitting it and folding data into it (Threefry on counters,
 * as JAX's partitionable threefry; see `random.ts` for the scheme).
 */
import { NumError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { TWO_M32, blockAt } from './threefry.js';
import { checkIndex, makeKey, readKey } from './check.js';

/** Most keys one split call returns (each is a Tensor object on the heap). */
const MAX_SPLIT = 1048576; // 2^20

/**
 * A PRNG key: an `int32` tensor of shape `[2]` holding the two 32-bit Threefry key words
 * (stored as signed int32, used as uint32).
 */
export type Key = Tensor;

/**
 * Creates a key from a seed: a non-negative safe integer. Both 32-bit halves of the seed are used:
 * the key words are `[floor(seed / 2^32), seed mod 2^32]` (JAX's `PRNGKey(seed)`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` when `seed` is not an integer in `[0, 2^53 − 1]`.
 * @example
 * ```ts
 * const k = key(42);
 * k.toArray(); // [0, 42]
 * const x = uniform(k, [3]); // three floats in [0, 1)
 * ```
 */
export function key(seed: number): Key {
  const s = checkIndex('key', 'seed', seed);
  return makeKey(Math.floor(s * TWO_M32), s >>> 0);
}

/**
 * Splits a key into `n` new, independent keys (an array). Key `i` is Threefry of the parent on
 * the counter `(hi32(i), lo32(i))`, as JAX's partitionable `split`; it therefore equals
 * `foldIn(k, i)`, so use either `split` or `foldIn` on a given parent key, not both.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or an `n` that is not a non-negative integer,
 *   `OUT_OF_RANGE` for `n >= 2^32`.
 * @example
 * ```ts
 * let k = key(0);
 * const [next, sub] = split(k);   // JAX-style: keep one, consume the other
 * const w = normal(sub!, [4, 4]);
 * k = next!;
 * const many = split(k, 8);       // 8 keys
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  const op = 'split';
  const [k0, k1] = readKey(op, k);
  const count = checkIndex(op, 'n', n);
  // Each key is a Tensor object: 2^31 of them exhaust the heap long before the loop ends, so the
  // count is capped where the array still fits easily; foldIn(k, i) derives any single key.
  if (count > MAX_SPLIT) throw new NumError('OUT_OF_RANGE', op, 'too many keys for one array (use foldIn(k, i) for a large index range)', `n <= ${MAX_SPLIT}`, String(count));
  const w = [0, 0];
  const out: Key[] = new Array<Key>(count);
  for (let i = 0; i < count; i++) {
    blockAt(k0, k1, i, 0, w);
    out[i] = makeKey(w[0]!, w[1]!);
  }
  return out;
}

/**
 * Derives a key from a key and a non-negative integer (e.g. a step or layer number):
 * Threefry of the key on the counter `(hi32(data), lo32(data))`, as JAX's `fold_in`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or `data` not an integer in `[0, 2^53 − 1]`.
 * @example
 * ```ts
 * const base = key(7);
 * for (let step = 0; step < 3; step++) {
 *   const kStep = foldIn(base, step);
 *   const noise = normal(kStep, [2]);
 * }
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  const op = 'foldIn';
  const [k0, k1] = readKey(op, k);
  const d = checkIndex(op, 'data', data);
  const w = [0, 0];
  blockAt(k0, k1, d, 0, w);
  return makeKey(w[0]!, w[1]!);
}
