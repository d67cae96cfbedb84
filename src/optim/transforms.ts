/**
 * The building blocks of optimizers: small gradient transformations (verbs) that are chained
 * into recipes by {@link chain}. In the equations `g` is the incoming update of one leaf, `t`
 * the number of updates done including this one, and every operation is elementwise.
 */
import type { Params } from '../tree.js';
import { add, div, maximum, mul, sqrt, square, where } from '../tensor/ops/elementwise.js';
import { sum } from '../tensor/ops/reduce.js';
import { Tensor } from '../tensor/tensor.js';
import { leaves, map } from '../tree.js';
import type { EmptyState, GradientTransformation, Mask, ScalarOrSchedule } from './base.js';
import {
  checkSameTree, checkState, maskTree, needParams, scalarOrSchedule, valueAt, zerosLike, zipLeaves,
} from './base.js';
import { finite, inRange, nonNegative, options } from '../validate.js';

/**
 * Passes updates through unchanged (same object). Useful as a placeholder in {@link partition}.
 *
 * `u = g`
 *
 * @example
 * ```ts
 * const labels = { head: 'train', backbone: 'keep' } as const;
 * const opt = partition({ train: adam(1e-3), keep: identity() }, labels);
 * const params = { head: ones([2]), backbone: ones([2]) };
 * const [u] = opt.update({ head: ones([2]), backbone: ones([2]) }, opt.init(params), params);
 * tree.leaves(u)[1]!.toArray(); // [1, 1]
 * ```
 */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [updates, state],
  };
}

/**
 * Multiplies updates by a constant factor.
 *
 * `u = factor · g`
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-finite factor.
 * @example
 * ```ts
 * const sgdByHand = chain(scale(-0.1)); // u = -0.1 g
 * ```
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  const f = finite('scale', 'factor', factor);
  return {
    init: () => ({}),
    update: (updates, state) => [map((g: Tensor) => mul(g, f), updates), state],
  };
}

/** State of {@link scaleByLearningRate}: the number of updates done. */
export interface ScaleByLearningRateState {
  count: number;
}

/**
 * Multiplies updates by minus the learning rate, so that {@link applyUpdates} descends.
 * A schedule is evaluated at the number of updates done so far (0 on the first update). The
 * state keeps that count for fixed rates too, so switching to a schedule keeps the state format.
 *
 * `u = −η(count) · g`,  `count ← count + 1`
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-finite rate (negative rates are allowed), or
 *   when a schedule returns a non-finite value.
 * @example
 * ```ts
 * chain(scaleByAdam(), scaleByLearningRate(schedules.cosine(1e-3, { decaySteps: 1000 })));
 * ```
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule): GradientTransformation<ScaleByLearningRateState> {
  const op = 'scaleByLearningRate';
  const lr = scalarOrSchedule(op, 'learningRate', learningRate);
  return {
    init: () => ({ count: 0 }),
    update(updates, state) {
      checkState(op, state, ['count']);
      const step = valueAt(op, 'learningRate', lr, state.count);
      return [map((g: Tensor) => mul(g, -step), updates), { count: state.count + 1 }];
    },
  };
}

/** Options of {@link scaleByAdam} and {@link scaleByAmsgrad}. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number | undefined;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number | undefined;
  /** Added to the denominator outside the square root, ≥ 0. Default 1e-8. */
  eps?: number | undefined;
  /** Added to the second moment inside the square root, ≥ 0. Default 0. */
  epsRoot?: number | undefined;
}

/** State of {@link scaleByAdam}: the update count and the first and second moments. */
export interface ScaleByAdamState {
  count: number;
  mu: Params;
  nu: Params;
}

interface AdamConstants { b1: number; b2: number; eps: number; epsRoot: number }

function adamConstants(op: string, opts: ScaleByAdamOptions): AdamConstants {
  options(op, 'opts', opts);
  return {
    b1: inRange(op, 'b1', opts.b1 ?? 0.9, 0, 1),
    b2: inRange(op, 'b2', opts.b2 ?? 0.999, 0, 1),
    eps: nonNegative(op, 'eps', opts.eps ?? 1e-8),
    epsRoot: nonNegative(op, 'epsRoot', opts.epsRoot ?? 0),
  };
}

/** New first and second moments: `μ = b1 μ + (1−b1) g`, `ν = b2 ν + (1−b2) g²`. */
function moments(c: AdamConstants, updates: Params, mu: Params, nu: Params): [Params, Params] {
  return [
    map((g: Tensor, m: Tensor) => add(mul(g, 1 - c.b1), mul(m, c.b1)), updates, mu),
    map((g: Tensor, v: Tensor) => add(mul(square(g), 1 - c.b2), mul(v, c.b2)), updates, nu),
  ];
}

/** `m / (sqrt(v + epsRoot) + eps)`. */
function adamDirection(c: AdamConstants, m: Tensor, v: Tensor): Tensor {
  return div(m, add(sqrt(c.epsRoot === 0 ? v : add(v, c.epsRoot)), c.eps));
}

/**
 * Rescales updates with Adam (Kingma & Ba, 2014): bias-corrected moment estimates.
 *
 * ```
 * μ ← b1 μ + (1 − b1) g          ν ← b2 ν + (1 − b2) g²        t ← t + 1
 * μ̂ = μ / (1 − b1ᵗ)              ν̂ = ν / (1 − b2ᵗ)
 * u = μ̂ / (√(ν̂ + ε_root) + ε)
 * ```
 *
 * Moments start at zero with each parameter's float dtype.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless 0 ≤ b1, b2 < 1 and eps, epsRoot ≥ 0 (finite).
 * @example
 * ```ts
 * const opt = chain(scaleByAdam({ b1: 0.9, b2: 0.99 }), scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAdam(opts: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const op = 'scaleByAdam';
  const c = adamConstants(op, opts);
  return {
    init: (params) => ({ count: 0, mu: zerosLike(op, params), nu: zerosLike(op, params) }),
    update(updates, state) {
      checkState(op, state, ['count', 'mu', 'nu']);
      const [mu, nu] = moments(c, updates, state.mu, state.nu);
      const count = state.count + 1;
      const c1 = 1 - c.b1 ** count;
      const c2 = 1 - c.b2 ** count;
      const out = map((m: Tensor, v: Tensor) => adamDirection(c, div(m, c1), div(v, c2)), mu, nu);
      return [out, { count, mu, nu }];
    },
  };
}

/** State of {@link scaleByAmsgrad}: Adam's state plus the running maximum of `ν̂`. */
export interface ScaleByAmsgradState {
  count: number;
  mu: Params;
  nu: Params;
  nuMax: Params;
}

/**
 * Rescales updates with AMSGrad (Reddi et al., 2018): Adam with a non-decreasing second moment.
 *
 * ```
 * μ, ν, t, μ̂, ν̂ as in scaleByAdam
 * ν_max ← max(ν_max, ν̂)
 * u = μ̂ / (√(ν_max + ε_root) + ε)
 * ```
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless 0 ≤ b1, b2 < 1 and eps, epsRoot ≥ 0 (finite).
 * @example
 * ```ts
 * const opt = chain(scaleByAmsgrad(), scaleByLearningRate(1e-3));
 * ```
 */
export function scaleByAmsgrad(opts: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAmsgradState> {
  const op = 'scaleByAmsgrad';
  const c = adamConstants(op, opts);
  return {
    init: (params) => ({ count: 0, mu: zerosLike(op, params), nu: zerosLike(op, params), nuMax: zerosLike(op, params) }),
    update(updates, state) {
      checkState(op, state, ['count', 'mu', 'nu', 'nuMax']);
      const [mu, nu] = moments(c, updates, state.mu, state.nu);
      const count = state.count + 1;
      const c1 = 1 - c.b1 ** count;
      const c2 = 1 - c.b2 ** count;
      const nuMax = map((vm: Tensor, v: Tensor) => maximum(vm, div(v, c2)), state.nuMax, nu);
      const out = map((m: Tensor, vm: Tensor) => adamDirection(c, div(m, c1), vm), mu, nuMax);
      return [out, { count, mu, nu, nuMax }];
    },
  };
}

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Decay of the trace (the momentum coefficient β). */
  decay: number;
  /** Use Nesterov's look-ahead. Default false. */
  nesterov?: boolean | undefined;
}

/** State of {@link trace}: the running trace (momentum buffer). */
export interface TraceState {
  trace: Params;
}

/**
 * Momentum: accumulates a decaying trace of past updates (PyTorch's SGD momentum buffer).
 *
 * ```
 * m ← g + β m
 * u = m               (heavy ball)
 * u = g + β m         (nesterov)
 * ```
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-finite decay.
 * @example
 * ```ts
 * const opt = chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1));
 * ```
 */
export function trace(opts: TraceOptions): GradientTransformation<TraceState> {
  const op = 'trace';
  const decay = finite(op, 'decay', options(op, 'opts', opts).decay);
  const nesterov = opts.nesterov ?? false;
  return {
    init: (params) => ({ trace: zerosLike(op, params) }),
    update(updates, state) {
      checkState(op, state, ['trace']);
      const t = map((g: Tensor, m: Tensor) => add(g, mul(m, decay)), updates, state.trace);
      const out = nesterov ? map((g: Tensor, m: Tensor) => add(g, mul(m, decay)), updates, t) : t;
      return [out, { trace: t }];
    },
  };
}

/**
 * Adds decoupled weight decay (AdamW, Loshchilov & Hutter, 2019) to the updates; place it
 * before {@link scaleByLearningRate} so the decay is scaled by the learning rate. With a mask,
 * only selected leaves decay (e.g. not biases or norms); a `bool` tensor at a leaf selects
 * entries. A mask function is called with the params.
 *
 * `u = g + λ p`   (where the mask is true; `u = g` elsewhere)
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-finite weight decay or when `update` gets no
 *   params; `STRUCTURE_MISMATCH` when the mask does not match the params.
 * @example
 * ```ts
 * const decayMatrices = (p: Params) => tree.map((t: Tensor) => t.ndim > 1, p);
 * const opt = chain(scaleByAdam(), addDecayedWeights(1e-4, decayMatrices), scaleByLearningRate(1e-3));
 * ```
 */
export function addDecayedWeights(weightDecay: number, mask?: Mask): GradientTransformation<EmptyState> {
  const op = 'addDecayedWeights';
  const wd = finite(op, 'weightDecay', weightDecay);
  return {
    init: () => ({}),
    update(updates, state, params) {
      const p = needParams(op, params);
      if (mask === undefined) return [map((g: Tensor, w: Tensor) => add(g, mul(w, wd)), updates, p), state];
      const m = maskTree(op, mask, p);
      checkSameTree(updates, p);
      return [zipLeaves((g, w, sel) => (sel === true ? add(g, mul(w as Tensor, wd))
        : sel instanceof Tensor ? where(sel, add(g, mul(w as Tensor, wd)), g) : g), updates, p, m), state];
    },
  };
}

/**
 * The global L2 norm of a tree of tensors, `√(Σ_leaves Σ x²)`, as a number (accumulated in
 * float64 across leaves).
 *
 * @example
 * ```ts
 * globalNorm({ a: tensor([3]), b: tensor([4]) }); // 5
 * ```
 */
export function globalNorm(updates: Params): number {
  let s = 0;
  for (const g of leaves(updates)) s += sum(square(g)).item();
  return Math.sqrt(s);
}

/**
 * Clips updates so that their global norm is at most `maxNorm`: all leaves are scaled by the
 * same factor. The norm is read as a number, so gradients do not flow through the factor.
 *
 * `‖g‖ = √(Σ_leaves Σ g²)`,  `u = g · min(1, maxNorm / ‖g‖)`
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `maxNorm` is finite and positive.
 * @example
 * ```ts
 * const opt = chain(clipByGlobalNorm(1), adam(1e-3));
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const max = nonNegative('clipByGlobalNorm', 'maxNorm', maxNorm, true);
  return {
    init: () => ({}),
    update(updates, state) {
      const norm = globalNorm(updates);
      if (!(norm > max)) return [updates, state];
      const factor = max / norm;
      return [map((g: Tensor) => mul(g, factor), updates), state];
    },
  };
}
