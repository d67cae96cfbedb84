/**
 * Schedules: hyperparameters as functions of `count`, the number of updates done so far (0 on
 * the first update). Pass them wherever a learning rate is accepted, or to
 * `injectHyperparams`. Every schedule validates its arguments once, when it is made.
 */
import type { Schedule } from './base.js';
import { finite, nonNegative } from '../validate.js';

/**
 * The same value at every step.
 *
 * `η(n) = value`
 *
 * @example
 * ```ts
 * schedules.constant(0.1)(1000); // 0.1
 * ```
 */
export function constant(value: number): Schedule {
  const v = finite('schedules.constant', 'value', value);
  return () => v;
}

/** Options of {@link step}. */
export interface StepOptions {
  /** Steps between decays, > 0. */
  stepSize: number;
  /** Factor applied at each decay. */
  gamma: number;
}

/**
 * Step decay (PyTorch's `StepLR`): multiply by `gamma` every `stepSize` updates.
 *
 * `η(n) = init · gamma^⌊n / stepSize⌋`
 *
 * @example
 * ```ts
 * const s = schedules.step(0.1, { stepSize: 10, gamma: 0.5 });
 * s(0); s(9);  // 0.1
 * s(10);       // 0.05
 * s(25);       // 0.025
 * ```
 */
export function step(init: number, opts: StepOptions): Schedule {
  const op = 'schedules.step';
  const v = finite(op, 'init', init);
  const size = nonNegative(op, 'stepSize', opts.stepSize, true);
  const gamma = finite(op, 'gamma', opts.gamma);
  return (n) => v * gamma ** Math.floor(n / size);
}

/** Options of {@link cosine}. */
export interface CosineOptions {
  /** Steps over which the value decays, > 0; afterwards it stays at `alpha · init`. */
  decaySteps: number;
  /** Final value as a fraction of `init`. Default 0. */
  alpha?: number | undefined;
}

/**
 * Cosine decay (Loshchilov & Hutter, SGDR) from `init` to `alpha · init` over `decaySteps`.
 *
 * `η(n) = init · ((1 − alpha) · ½(1 + cos(π · min(n, decaySteps) / decaySteps)) + alpha)`
 *
 * @example
 * ```ts
 * const s = schedules.cosine(1, { decaySteps: 100 });
 * s(0);   // 1
 * s(50);  // 0.5
 * s(100); // 0 (and for every later step)
 * ```
 */
export function cosine(init: number, opts: CosineOptions): Schedule {
  const op = 'schedules.cosine';
  const v = finite(op, 'init', init);
  const steps = nonNegative(op, 'decaySteps', opts.decaySteps, true);
  const alpha = finite(op, 'alpha', opts.alpha ?? 0);
  return (n) => {
    const frac = Math.min(Math.max(n, 0), steps) / steps;
    return v * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * frac)) + alpha);
  };
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** Factor per `transitionSteps` updates, ≥ 0. */
  decayRate: number;
  /** Updates per factor of `decayRate`, > 0. */
  transitionSteps: number;
  /** Decay in whole steps of `transitionSteps` instead of continuously. Default false. */
  staircase?: boolean | undefined;
}

/**
 * Exponential decay.
 *
 * `η(n) = init · decayRate^(n / transitionSteps)` (exponent floored when `staircase`)
 *
 * @example
 * ```ts
 * const s = schedules.exponential(1, { decayRate: 0.5, transitionSteps: 10 });
 * s(10); // 0.5
 * s(5);  // 0.7071… (1 with staircase: true)
 * ```
 */
export function exponential(init: number, opts: ExponentialOptions): Schedule {
  const op = 'schedules.exponential';
  const v = finite(op, 'init', init);
  const rate = nonNegative(op, 'decayRate', opts.decayRate);
  const steps = nonNegative(op, 'transitionSteps', opts.transitionSteps, true);
  const stair = opts.staircase ?? false;
  return (n) => {
    const p = n / steps;
    return v * rate ** (stair ? Math.floor(p) : p);
  };
}

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Length of the linear warm-up, ≥ 0. */
  warmupSteps: number;
  /** Value at count 0. Default 0. */
  initValue?: number | undefined;
}

/**
 * Linear warm-up, then `after` (a schedule, started afresh at the end of the warm-up, or a
 * constant).
 *
 * ```
 * η(n) = initValue + (after(0) − initValue) · n / warmupSteps     for n < warmupSteps
 * η(n) = after(n − warmupSteps)                                   otherwise
 * ```
 *
 * @example
 * ```ts
 * const s = schedules.warmup(schedules.cosine(1e-3, { decaySteps: 1000 }), { warmupSteps: 100 });
 * s(0);    // 0
 * s(50);   // 5e-4
 * s(100);  // 1e-3, then the cosine decay
 * ```
 */
export function warmup(after: Schedule | number, opts: WarmupOptions): Schedule {
  const op = 'schedules.warmup';
  const next = typeof after === 'function' ? after : constant(finite(op, 'after', after));
  const w = nonNegative(op, 'warmupSteps', opts.warmupSteps);
  const init = finite(op, 'initValue', opts.initValue ?? 0);
  return (n) => (n < w ? init + ((next(0) - init) * n) / w : next(n - w));
}
