/**
 * Skipping steps whose gradients are not finite (optax's `apply_if_finite`): one NaN/Inf batch
 * must not poison the parameters or the optimizer's moments.
 * @module
 */
import { NumError, describe } from '../errors.js';
import { zeros } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params } from '../tree.js';
import { leaves, map } from '../tree.js';
import { checkCount } from '../validate.js';
import type { Extra, GradientTransformation } from './base.js';
import { checkState } from './base.js';

/** State of {@link skipNotFinite}: the inner state and the skip counters. */
export interface SkipNotFiniteState<S> {
  inner: S;
  /** Consecutive skipped steps (0 after a finite step). */
  notFiniteCount: number;
  /** Skipped steps since init. */
  totalNotFinite: number;
}

/** Options of {@link skipNotFinite}. */
export interface SkipNotFiniteOptions {
  /** Consecutive non-finite steps tolerated; the next one throws OUT_OF_RANGE. Default 5. */
  maxConsecutive?: number | undefined;
}

function allFinite(updates: Params): boolean {
  for (const g of leaves(updates)) {
    if (!(g instanceof Tensor)) continue;
    const d = g.data;
    // Checks the whole backing array of a view too: cheap, and a NaN there is never intended.
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return false;
  }
  return true;
}

/**
 * Wraps `inner` so that a step whose incoming updates hold NaN or ±Infinity is skipped: the
 * updates become zeros, the inner state is left as it was, and the skip is counted. After
 * `maxConsecutive` consecutive skips, the next non-finite step throws `OUT_OF_RANGE` (training
 * has diverged; skipping further would hide it).
 *
 * @throws {NumError} `OUT_OF_RANGE` after too many consecutive non-finite steps;
 *   `STATE_MISMATCH` for a state from another transform.
 * @example
 * ```ts
 * const opt = skipNotFinite(adam(1e-3), { maxConsecutive: 3 });
 * const params = { w: ones([2]) };
 * const st = opt.init(params);
 * const [u, st2] = opt.update({ w: tensor([NaN, 1]) }, st, params); // zeros if grads hold NaN
 * st2.notFiniteCount; // 1
 * tree.leaves(u)[0]!.toArray(); // [0, 0]
 * ```
 */
export function skipNotFinite<S, X extends Extra = Extra>(inner: GradientTransformation<S, X>, opts?: SkipNotFiniteOptions): GradientTransformation<SkipNotFiniteState<S>, X> {
  const op = 'skipNotFinite';
  if (inner === null || typeof inner !== 'object' || typeof inner.init !== 'function' || typeof inner.update !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'inner must be a gradient transformation', '{init, update}', describe(inner));
  }
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new NumError('INVALID_ARGUMENT', op, 'opts must be an object', '{maxConsecutive?}', describe(opts));
  const max = opts?.maxConsecutive === undefined ? 5 : checkCount(op, 'maxConsecutive', opts.maxConsecutive, 0);
  return {
    init: (params) => ({ inner: inner.init(params), notFiniteCount: 0, totalNotFinite: 0 }),
    update(updates, state, params, extra) {
      checkState(op, state, ['inner', 'notFiniteCount', 'totalNotFinite']);
      if (allFinite(updates)) {
        const [u, s] = inner.update(updates, state.inner, params, extra);
        return [u, { inner: s, notFiniteCount: 0, totalNotFinite: state.totalNotFinite }];
      }
      if (state.notFiniteCount >= max) {
        throw new NumError('OUT_OF_RANGE', op, `${state.notFiniteCount + 1} consecutive steps with non-finite gradients`, `at most ${max}`, String(state.notFiniteCount + 1));
      }
      const skipped = map((g: Tensor) => zeros(g.shape, { dtype: g.dtype }), updates) as Params;
      return [skipped, { inner: state.inner, notFiniteCount: state.notFiniteCount + 1, totalNotFinite: state.totalNotFinite + 1 }];
    },
  };
}
