/**
 * Ready-made optimizers. Each is a recipe: a {@link chain} of verbs from `transforms.ts`
 * ending in {@link scaleByLearningRate}, so its state is the tuple of those verbs' states.
 * The learning rate is a number or a {@link Schedule} everywhere.
 */
import type { EmptyState, GradientTransformation, Mask, ScalarOrSchedule } from './base.js';
import { chain } from './combine.js';
import type { ScaleByAdamOptions, ScaleByAdamState, ScaleByAmsgradState, ScaleByLearningRateState, TraceState } from './transforms.js';
import { addDecayedWeights, identity, scaleByAdam, scaleByAmsgrad, scaleByLearningRate, trace } from './transforms.js';
import { options } from '../validate.js';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Momentum coefficient β; omit for plain SGD (no momentum buffer in the state). */
  momentum?: number | undefined;
  /** Nesterov momentum (needs `momentum`). Default false. */
  nesterov?: boolean | undefined;
}

/** State of {@link sgd}: `[trace or {}, {count}]`. */
export type SgdState = [TraceState | EmptyState, ScaleByLearningRateState];

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum:
 * `chain(trace({decay: momentum, nesterov}) or identity(), scaleByLearningRate(lr))`.
 *
 * ```
 * plain:     u = −η g
 * momentum:  m ← g + β m,  u = −η m          nesterov: u = −η (g + β m)
 * ```
 *
 * @example
 * ```ts
 * const opt = sgd(0.1, { momentum: 0.9, nesterov: true });
 * ```
 */
export function sgd(learningRate: ScalarOrSchedule, opts: SgdOptions = {}): GradientTransformation<SgdState> {
  opts = options('sgd', 'opts', opts);
  const first = opts.momentum === undefined ? identity() : trace({ decay: opts.momentum, nesterov: opts.nesterov });
  return chain(first as GradientTransformation<TraceState | EmptyState>, scaleByLearningRate(learningRate));
}

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /** Nesterov momentum. Default false. */
  nesterov?: boolean | undefined;
}

/** State of {@link momentum}: `[{trace}, {count}]`. */
export type MomentumState = [TraceState, ScaleByLearningRateState];

/**
 * SGD with heavy-ball (or Nesterov) momentum: `chain(trace({decay: beta, nesterov}), scaleByLearningRate(lr))`.
 *
 * `m ← g + β m`,  `u = −η m` (nesterov: `u = −η (g + β m)`)
 *
 * @example
 * ```ts
 * const opt = momentum(0.05, 0.9);
 * ```
 */
export function momentum(learningRate: ScalarOrSchedule, beta = 0.9, opts: MomentumOptions = {}): GradientTransformation<MomentumState> {
  opts = options('momentum', 'opts', opts);
  return chain(trace({ decay: beta, nesterov: opts.nesterov }), scaleByLearningRate(learningRate));
}

/** Options of {@link adam} and {@link amsgrad}. */
export type AdamOptions = ScaleByAdamOptions;

/** State of {@link adam}: `[{count, mu, nu}, {count}]`. */
export type AdamState = [ScaleByAdamState, ScaleByLearningRateState];

/**
 * Adam: `chain(scaleByAdam({b1, b2, eps, epsRoot}), scaleByLearningRate(lr))`.
 *
 * `u = −η · μ̂ / (√(ν̂ + ε_root) + ε)` with bias-corrected moments (see {@link scaleByAdam}).
 *
 * @example
 * ```ts
 * const opt = adam(1e-3);                       // b1 0.9, b2 0.999, eps 1e-8
 * const warm = adam(schedules.warmup(1e-3, { warmupSteps: 100 }));
 * ```
 */
export function adam(learningRate: ScalarOrSchedule, opts: AdamOptions = {}): GradientTransformation<AdamState> {
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/** Options of {@link adamw}. */
export interface AdamwOptions extends ScaleByAdamOptions {
  /** Decoupled weight decay λ. Default 1e-4. */
  weightDecay?: number | undefined;
  /** Which leaves decay (a boolean tree or a function of the params); default all. */
  mask?: Mask | undefined;
}

/** State of {@link adamw}: `[{count, mu, nu}, {}, {count}]`. */
export type AdamwState = [ScaleByAdamState, EmptyState, ScaleByLearningRateState];

/**
 * AdamW (Adam with decoupled weight decay):
 * `chain(scaleByAdam(…), addDecayedWeights(weightDecay, mask), scaleByLearningRate(lr))`.
 *
 * `u = −η · (μ̂ / (√(ν̂ + ε_root) + ε) + λ p)`
 *
 * @example
 * ```ts
 * const opt = adamw(1e-3, { weightDecay: 1e-2, mask: (p) => tree.map((t: Tensor) => t.ndim > 1, p) });
 * ```
 */
export function adamw(learningRate: ScalarOrSchedule, opts: AdamwOptions = {}): GradientTransformation<AdamwState> {
  return chain(scaleByAdam(opts), addDecayedWeights(opts.weightDecay ?? 1e-4, opts.mask), scaleByLearningRate(learningRate));
}

/** State of {@link amsgrad}: `[{count, mu, nu, nuMax}, {count}]`. */
export type AmsgradState = [ScaleByAmsgradState, ScaleByLearningRateState];

/**
 * AMSGrad: `chain(scaleByAmsgrad({b1, b2, eps, epsRoot}), scaleByLearningRate(lr))`.
 *
 * `u = −η · μ̂ / (√(ν_max + ε_root) + ε)`,  `ν_max = max over steps of ν̂`
 *
 * @example
 * ```ts
 * const opt = amsgrad(1e-3, { b2: 0.99 });
 * ```
 */
export function amsgrad(learningRate: ScalarOrSchedule, opts: AdamOptions = {}): GradientTransformation<AmsgradState> {
  return chain(scaleByAmsgrad(opts), scaleByLearningRate(learningRate));
}
