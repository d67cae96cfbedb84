/**
 * The two per-weight contributions of deep partial updating and the metric that mixes them
 * (spec §4):
 *
 * ```
 * local_i  = − Σ_t g_{t,i} · Δ_{t,i}          (over the steps of the full-updating phase)
 * global_i = (w^f_i − w^s_i)²
 * c_i      = λ · global_i / Σ_j global_j + (1 − λ) · local_i / Σ_j local_j
 * ```
 *
 * `g_t` is the gradient fed to the optimizer and `Δ_t` the increment it applied. The local
 * contribution is a first-order share of the loss decrease along the training path; the global
 * one is the squared total displacement.
 */
import type { Params } from '../../tree.js';
import { NumError, describe } from '../../errors.js';
import type { Extra, GradientTransformation } from '../../optim/base.js';
import { checkTransform, zipLeaves } from '../../optim/base.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { floatType } from '../../tensor/dtype.js';
import { mul, square, sub } from '../../tensor/ops/elementwise.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import { checkDepth } from '../../depth.js';
import { fnArg, options } from '../../validate.js';
import type { Scores } from './selection.js';
import { checkParams, isSelectable } from './selection.js';

/**
 * State of {@link trackLocalContribution}: the inner optimizer's state and the running local
 * contribution (a float tensor per selectable leaf, `null` elsewhere).
 *
 * @example
 * ```ts
 * const st: dpu.LocalContributionState<AdamState> = tracked.init(params);
 * st.local; // zeros per weight matrix, null per bias
 * ```
 */
export interface LocalContributionState<S> {
  inner: S;
  local: Scores;
}

/**
 * Wraps an optimizer so that every step also accumulates each selectable weight's local
 * contribution `local ← local − g ⊙ Δ`, where `g` is what this transform receives and `Δ` what
 * `inner` returns (the applied increment when nothing follows in the chain). With plain SGD
 * (`Δ = −η g`) this is `Σ η g²`; with momentum or Adam entries can be negative.
 *
 * Where the gradient is measured is a matter of composition: to count an L2 weight-decay term
 * in `g` (as the reference code's SGD does) put `addDecayedWeights` before this transform;
 * put it after to leave it out.
 *
 * @throws {NumError} `STATE_MISMATCH` from `update` for a foreign state.
 * @example
 * ```ts
 * const { params } = nn.mlp([3]).init(key(0), [4]);
 * const tracked = dpu.trackLocalContribution(adam(5e-3));
 * const st = tracked.init(params);
 * const grads = tree.map((t: Tensor) => ones(t.shape), params);
 * const [u, st2] = tracked.update(grads, st, params); // st2.local = −grads ⊙ u
 * tree.leaves(st2.local)[0]!.shape; // [3, 4]
 * ```
 */
export function trackLocalContribution<S, X extends Extra = Extra>(
  inner: GradientTransformation<S, X>,
  selectable: (t: Tensor) => boolean = isSelectable,
): GradientTransformation<LocalContributionState<S>, X> {
  const op = 'dpu.trackLocalContribution';
  checkTransform(op, 'inner', inner);
  fnArg(op, 'selectable', selectable);
  return {
    init: (params) => ({
      inner: inner.init(params),
      local: zipLeaves((p) => (selectable(p) ? zeros(p.shape, { dtype: floatType(p.dtype) }) : null), checkParams(op, params)) as Scores,
    }),
    update(updates, state, params, extra) {
      if (!isPlainObject(state) || !('inner' in state) || !('local' in state)) {
        throw new NumError('STATE_MISMATCH', op, 'state does not belong to this transform; call init() first', '{inner, local}', describe(state));
      }
      const [u, inner2] = inner.update(updates, state.inner, params, extra);
      const local = zipLeaves((g, l, d) => (l instanceof Tensor ? sub(l, mul(g, d as Tensor)) : null), updates, state.local, u) as Scores;
      return [u, { inner: inner2, local }];
    },
  };
}

/**
 * The global contribution `(w^f − w^s)²` of every selectable weight (`null` at other leaves).
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the trees differ.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const start = model.init(key(0), [4]), trained = model.init(key(1), [4]);
 * const global = dpu.globalContribution(start.params, trained.params); // |trained − start|, null on biases
 * tree.paths(global); // ['0.weight']
 * ```
 */
export function globalContribution(start: Params, final: Params): Scores {
  const op = 'dpu.globalContribution';
  checkParams(op, start, 'start');
  checkParams(op, final, 'final');
  let mismatch = false;
  const out = zipLeaves((f, s) => {
    if (!(s instanceof Tensor)) { mismatch = true; return null; }
    return isSelectable(f) ? square(sub(f, s)) : null;
  }, final, start) as Scores;
  if (mismatch) throw new NumError('STRUCTURE_MISMATCH', op, 'start and final params differ in structure', 'the same tree', 'different trees');
  return out;
}

/**
 * Options of {@link combineContributions}.
 *
 * @example
 * ```ts
 * const gcpu: dpu.CombineOptions = { lambda: 1 };
 * ```
 */
export interface CombineOptions {
  /** Weight λ ∈ [0, 1] of the global contribution; default 0.5 (λ = 1: global only, GCPU; λ = 0: local only). */
  lambda?: number | undefined;
}

/**
 * What {@link combineContributions} returns: the metric, the λ actually used, and whether the
 * local contribution had to be dropped.
 *
 * @example
 * ```ts
 * const { metric, lambda, fallback } = dpu.combineContributions(local, global);
 * ```
 */
export interface CombinedMetric {
  /** `c = λ ĝ + (1 − λ) l̂` per selectable weight (float64), null elsewhere. */
  metric: Scores;
  /** The λ used: the requested one, or 1 after a fallback. */
  lambda: number;
  /** True when `Σ local ≤ 0` (or not finite) made the normalised local term meaningless, so λ = 1 was used. */
  fallback: boolean;
}

/** Sum over all tensor leaves, in float64. */
/** λ of the combined metric, 0.5 when omitted; `OUT_OF_RANGE` outside [0, 1]. @internal */
export function checkLambda(op: string, lambda: unknown): number {
  const l = lambda ?? 0.5;
  if (typeof l !== 'number' || !(l >= 0 && l <= 1)) throw new NumError('OUT_OF_RANGE', op, 'lambda must be in [0, 1]', '0 <= lambda <= 1', describe(l));
  return l;
}

function total(scores: Scores): number {
  let s = 0;
  const go = (x: unknown): void => {
    if (x instanceof Tensor) {
      const d = x.toTyped();
      for (let i = 0; i < d.length; i++) s += d[i]!;
    } else if (Array.isArray(x)) x.forEach(go);
    else if (isPlainObject(x)) Object.values(x).forEach(go);
  };
  go(scores);
  return s;
}

/**
 * Normalises both contributions to sum 1 over all selectable weights of all layers and mixes
 * them: `c = λ · global/Σglobal + (1 − λ) · local/Σlocal`, computed in float64.
 *
 * With λ = 1 `local` may be `null` (it is not used).
 *
 * Guards (our choices, spec §12): if `Σ local ≤ 0` or is not finite while λ < 1, the local term
 * is meaningless (a sum of signed terms), so λ = 1 is used and `fallback` is set. If
 * `Σ global = 0` (nothing moved), the global term is 0.
 *
 * @throws {NumError} `OUT_OF_RANGE` unless 0 ≤ λ ≤ 1; `STRUCTURE_MISMATCH` when the trees differ;
 *   `INVALID_ARGUMENT` for a missing local contribution with λ < 1.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const start = model.init(key(0), [4]).params, trained = model.init(key(1), [4]).params;
 * const global = dpu.globalContribution(start, trained);
 * const local = tree.map((t: Tensor | null) => (t === null ? null : sqrt(t)), global); // normally dpu.trackLocalContribution's state.local
 * const { metric, lambda, fallback } = dpu.combineContributions(local, global, { lambda: 0.5 });
 * [lambda, fallback]; // [0.5, false]
 * tree.leaves(metric)[0]!.sum().item(); // 1 (both terms are normalised to sum 1)
 * ```
 */
export function combineContributions(local: Scores | null, global: Scores, opts: CombineOptions = {}): CombinedMetric {
  const op = 'dpu.combineContributions';
  const lambda = checkLambda(op, options(op, 'opts', opts).lambda);
  checkDepth(op, local);
  checkDepth(op, global);
  if (local === null || local === undefined) {
    if (lambda !== 1) throw new NumError('INVALID_ARGUMENT', op, 'the local contribution is needed unless lambda = 1', 'a scores tree', describe(local));
    local = global;
  }
  const sl = total(local);
  const sg = total(global);
  const fallback = lambda < 1 && !(sl > 0 && Number.isFinite(sl));
  const lam = fallback ? 1 : lambda;
  const wg = sg > 0 && Number.isFinite(sg) ? lam / sg : 0;
  const wl = lam < 1 ? (1 - lam) / sl : 0;
  const walk = (l: unknown, g: unknown): unknown => {
    if (g === null || g === undefined) {
      if (l !== null && l !== undefined) throw structure();
      return g;
    }
    if (Array.isArray(g)) {
      if (!Array.isArray(l) || l.length !== g.length) throw structure();
      return g.map((c, i) => walk((l as unknown[])[i], c));
    }
    if (isPlainObject(g)) {
      if (!isPlainObject(l)) throw structure();
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(g)) o[k] = walk(l[k], g[k]);
      return o;
    }
    if (!(g instanceof Tensor) || !(l instanceof Tensor) || l.size !== g.size) throw structure();
    const gd = g.toTyped();
    const ld = l.toTyped();
    const c = new Float64Array(g.size);
    for (let i = 0; i < c.length; i++) c[i] = wg * gd[i]! + (wl === 0 ? 0 : wl * ld[i]!);
    return fromTyped(c, g.shape);
  };
  const structure = (): NumError => new NumError('STRUCTURE_MISMATCH', op, 'local and global contributions differ in structure', 'trees shaped alike', 'different trees');
  return { metric: walk(local, global) as Scores, lambda: lam, fallback };
}
