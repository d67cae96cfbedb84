/**
 * One key per purpose. A run has a single root key; every random stream of a run is derived from
 * it by {@link purposeKey}, so no key ever serves two purposes (before this module, the shuffle key
 * of epoch `e` and the dropout key of step `e` were the same key).
 *
 * | purpose | tag | index |
 * |---|---|---|
 * | `shuffle` | 1 | epoch (0-based) |
 * | `dropout` | 2 | global optimizer step (0-based) |
 * | `init` | 3 | a caller's choice (layer, restart, …) |
 * | `method` | 16 | a tag documented by the method (e.g. DPU's random selection, ALQ's pruning) |
 *
 * The key is `foldIn(foldIn(root, tag), index)`: streams of different purposes never coincide,
 * and a stream's `i`-th key does not depend on how many keys of other streams were drawn.
 */
import { foldIn } from '../random.js';
import type { Key } from '../random.js';
import { NumError, describe } from '../errors.js';

/**
 * The documented tag of each key purpose.
 *
 * @example
 * ```ts
 * KEY_TAGS.shuffle; // 1
 * ```
 */
export const KEY_TAGS = { shuffle: 1, dropout: 2, init: 3, method: 16 } as const;

/** A purpose of a random stream. */
export type KeyPurpose = keyof typeof KEY_TAGS;

/**
 * The key of stream `purpose` at `index`: `foldIn(foldIn(root, KEY_TAGS[purpose]), index)`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or index (from `foldIn`).
 * @example
 * ```ts
 * const root = key(0);
 * const train = { x: zeros([256, 4]), y: zeros([256], { dtype: 'int32' }) };
 * const order = batches(train, 128, { key: purposeKey(root, 'shuffle', 3) }); // epoch 3
 * const dropoutKey = purposeKey(root, 'dropout', 17);                          // step 17
 * ```
 */
export function purposeKey(root: Key, purpose: KeyPurpose, index = 0): Key {
  if (typeof purpose !== 'string' || !Object.prototype.hasOwnProperty.call(KEY_TAGS, purpose)) {
    throw new NumError('INVALID_ARGUMENT', 'purposeKey', 'unknown key purpose', Object.keys(KEY_TAGS).join(' | '), describe(purpose));
  }
  return foldIn(foldIn(root, KEY_TAGS[purpose]), index);
}
