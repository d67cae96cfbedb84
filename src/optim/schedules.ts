/**
 * Schedules: hyperparameters as functions of `count`, the number of updates done so far (0 on
 * the first update). Pass them wherever a learning rate is accepted, or to
 * `injectHyperparams`. Every schedule validates its arguments once, when it is made.
 */
import type { Schedule } from './base.js';
import { NumError, describe } from '../errors.js';
import { finite, nonNegative } from '../validate.js';

// A schedule called without a step count (or with NaN) would silently return NaN and poison
// every parameter it scales, so the count is checked on every call.
function at(op: string, n: unknown): number {
  if (typeof n !== 'number' || Number.isNaN(n)) {
    throw new NumError('INVALID_ARGUMENT', op, 'the step count must be a number', 'number >= 0', describe(n));
  }
  return n;
}

function bag(op: string, opts: unknown): Record<string, unknown> {
  if (typeof opts !== 'object' || opts === null) {
    throw new NumError('INVALID_ARGUMENT', op, 'opts must be an options object', 'object', describe(opts));
  }
  return opts as Record<string, unknown>;
}

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
  return (n) => (at('schedules.constant', n), v);
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
  const o = bag(op, opts);
  const size = nonNegative(op, 'stepSize', o['stepSize'], true);
  const gamma = finite(op, 'gamma', o['gamma']);
  return (n) => v * gamma ** Math.floor(at(op, n) / size);
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
  const o = bag(op, opts);
  const steps = nonNegative(op, 'decaySteps', o['decaySteps'], true);
  const alpha = finite(op, 'alpha', o['alpha'] ?? 0);
  return (n) => {
    const frac = Math.min(Math.max(at(op, n), 0), steps) / steps;
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
  const o = bag(op, opts);
  const rate = nonNegative(op, 'decayRate', o['decayRate']);
  const steps = nonNegative(op, 'transitionSteps', o['transitionSteps'], true);
  const stair = o['staircase'] ?? false;
  if (typeof stair !== 'boolean') throw new NumError('INVALID_ARGUMENT', op, 'staircase must be a boolean', 'boolean', describe(stair));
  return (n) => {
    const p = at(op, n) / steps;
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
  const o = bag(op, opts);
  const w = nonNegative(op, 'warmupSteps', o['warmupSteps']);
  const init = finite(op, 'initValue', o['initValue'] ?? 0);
  return (n) => {
    const c = at(op, n);
    // A user schedule returning a non-number would otherwise surface as NaN far from here.
    const value = (k: number): number => finite(op, 'after(count)', next(k));
    return c < w ? init + ((value(0) - init) * c) / w : value(c - w);
  };
}
