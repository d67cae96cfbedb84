/**
 * Depth guards for tree walks: a cyclic (or runaway) tree is rejected with STRUCTURE_MISMATCH
 * naming the op, instead of overflowing the engine's stack. Not re-exported from the package
 * root.
 *
 * @module
 * @internal
 */
import { NumError } from './errors.js';

/**
 * Nesting deeper than this is taken as a cyclic (or runaway) tree and rejected, long before the
 * engine's stack would overflow; real parameter trees nest a handful of levels. @internal
 */
export const MAX_TREE_DEPTH = 256;

/**
 * STRUCTURE_MISMATCH naming `op` once a tree walk is `depth` levels down past
 * {@link MAX_TREE_DEPTH}. @internal
 * @example
 * ```ts
 * const go = (t: unknown, depth: number): void => { tooDeep('cost.paramCount', depth); };
 * ```
 */
export function tooDeep(op: string, depth: number): void {
  if (depth > MAX_TREE_DEPTH) {
    throw new NumError('STRUCTURE_MISMATCH', op, 'tree nests too deeply (cyclic?)', `at most ${MAX_TREE_DEPTH} levels`, `more than ${MAX_TREE_DEPTH}`);
  }
}

/**
 * Walks `t` only to reject a cyclic or runaway tree, before code that recurses without a depth
 * bound sees it. Containers are arrays and plain objects, as in `tree`. @internal
 * @example
 * ```ts
 * checkDepth('dpu.partialUpdate', selection);
 * ```
 */
export function checkDepth(op: string, t: unknown, depth = 0): void {
  if (t === null || typeof t !== 'object') return;
  if (Array.isArray(t)) {
    tooDeep(op, depth);
    for (const c of t) checkDepth(op, c, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(t) as unknown;
  if (proto !== Object.prototype && proto !== null) return;
  tooDeep(op, depth);
  for (const k of Object.keys(t)) checkDepth(op, (t as Record<string, unknown>)[k], depth + 1);
}
