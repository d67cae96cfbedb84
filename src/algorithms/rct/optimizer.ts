/**
 * `rct.optimizer` (spec §4): SGD straight onto the integer grid, with no float master.
 * Per element, in LSB units of the tensor's grid: `u = η·(G + wd·w)/Δ`, `q ← sat(q − R(u))`
 * with R = round half to even (`nearest`, default; an update with |u| < 1/2 is lost: underflow)
 * or unbiased stochastic rounding. Gradients arrive tile by tile (a slice of the tensor) and
 * are applied at once, so no parameter-sized float buffer outlives a step.
 * Momentum is an option, stored as a 16-bit integer velocity in units of 1/16 LSB and counted
 * as parameter memory; the reference design is plain SGD (no optimizer state at all).
 */
import { NumError, describe } from '../../errors.js';
import type { ScalarOrSchedule } from '../../optim/base.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { Tensor } from '../../tensor/tensor.js';
import { qmax, roundHalfEven, roundingUniforms } from './fixed.js';
import { checkQuantized } from './quantized.js';
import type { QTensor, QuantizedParams } from './quantized.js';

/** How an update in LSB units is rounded onto the grid. */
export type Rounding = 'nearest' | 'stochastic';

/** Options of {@link optimizer}. */
export interface RctOptimizerOptions {
  /** η: a number or a schedule of the step. */
  learningRate: ScalarOrSchedule;
  rounding?: Rounding | undefined;
  weightDecay?: number | undefined;
  /** β of an integer-stored momentum (0 = plain SGD, the reference design). */
  momentum?: number | undefined;
}

/** Counters per tensor. `interval*` fields are reset by the bitwidth controller at each boundary. */
export interface TensorCounters {
  /** Elements visited by updates (cumulative). */
  elements: number;
  /** Elements with u ≠ 0. */
  nonzero: number;
  /** Elements with u ≠ 0 but R(u) = 0 (the update was lost). */
  underflow: number;
  /** Elements clamped to ±(2^(b−1) − 1) by an update. */
  saturated: number;
  /** Σ |η·G| / Δ over the current interval (Gavg numerator). */
  intervalSum: number;
  /** Elements over the current interval (Gavg denominator). */
  intervalCount: number;
  /** Saturations over the current interval (range guard). */
  intervalSaturated: number;
}

/** Optimizer state: counters (plain numbers) and, with momentum only, integer velocities. */
export interface RctOptState {
  counters: Record<string, TensorCounters>;
  /** Velocity per tensor in units of Δ/16, 16-bit integers; empty without momentum. */
  velocity: Record<string, Int16Array>;
}

/** Resolved optimizer. */
export interface RctOptimizer {
  readonly rounding: Rounding;
  readonly weightDecay: number;
  readonly momentum: number;
  /** η at a step, checked finite (OUT_OF_RANGE otherwise). */
  learningRate(step: number): number;
  init(qp: QuantizedParams): RctOptState;
  /**
   * Applies gradient entries `g[0..len)` to elements `start..start+len` of `qt` in place at rate
   * `lr`; `key` drives stochastic rounding (one uniform per element).
   */
  applyTile(path: string, qt: QTensor, g: ArrayLike<number>, start: number, len: number, lr: number, state: RctOptState, key: Key | undefined): void;
  /**
   * Whole-tensor convenience: applies `grads[path]` (float arrays or tensors of each tensor's
   * size) to every tensor of `qp` in place; every gradient and η is checked before any q is written.
   */
  apply(qp: QuantizedParams, grads: Record<string, ArrayLike<number> | Tensor>, state: RctOptState, opts: { step: number; key?: Key | undefined }): void;
}

/** Fresh counters. @internal */
export function zeroCounters(): TensorCounters {
  return { elements: 0, nonzero: 0, underflow: 0, saturated: 0, intervalSum: 0, intervalCount: 0, intervalSaturated: 0 };
}

const VEL_FRAC = 16;
const VEL_MAX = 32767;

/**
 * `rct.optimizer` (API): SGD onto the integer grid (see the module comment).
 * @example
 * ```ts
 * const qp = rct.quantizedParams(nn.mlp([3]).init(key(0), [4]).params);
 * const opt = rct.optimizer({ learningRate: 0.05, rounding: 'nearest', weightDecay: 5e-4 });
 * const st = opt.init(qp);
 * opt.apply(qp, { '0.weight': new Float32Array(12).fill(1) }, st, { step: 0 }); // integers updated in place
 * ```
 */
export function optimizer(opts: RctOptimizerOptions): RctOptimizer {
  const op = 'rct.optimizer';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{learningRate, ...}', describe(opts));
  const lrOpt = opts.learningRate;
  if (typeof lrOpt !== 'function' && typeof lrOpt !== 'number') throw new NumError('INVALID_ARGUMENT', op, 'learningRate must be a number or a schedule', 'number | (step) => number', describe(lrOpt));
  const rounding = opts.rounding ?? 'nearest';
  if (rounding !== 'nearest' && rounding !== 'stochastic') throw new NumError('INVALID_ARGUMENT', op, 'rounding must be nearest or stochastic', "'nearest' | 'stochastic'", describe(rounding));
  const weightDecay = opts.weightDecay ?? 0;
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) throw new NumError('INVALID_ARGUMENT', op, 'weightDecay must be a finite number >= 0', '>= 0', describe(weightDecay));
  const momentum = opts.momentum ?? 0;
  if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1)) throw new NumError('INVALID_ARGUMENT', op, 'momentum must be in [0, 1)', '0 <= momentum < 1', describe(momentum));

  const learningRate = (step: number): number => {
    const v = typeof lrOpt === 'number' ? lrOpt : lrOpt(step);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new NumError('OUT_OF_RANGE', op, `learning rate at step ${step} must be finite and >= 0`, 'finite >= 0', describe(v));
    return v;
  };

  const applyTile: RctOptimizer['applyTile'] = (path, qt, g, start, len, lr, state, key) => {
    const c = state.counters[path] ?? (state.counters[path] = zeroCounters());
    const q = qt.q, hi = qmax(qt.b);
    const inv = 2 ** qt.f, delta = 2 ** -qt.f;
    const u01 = rounding === 'stochastic' ? uniformFor(op, key, len) : undefined;
    const vel = momentum > 0 ? state.velocity[path] : undefined;
    let sum = 0, nonzero = 0, under = 0, sat = 0;
    for (let t = 0; t < len; t++) {
      const i = start + t;
      const gi = g[t]!;
      const w = q[i]! * delta;
      sum += Math.abs(lr * gi) * inv;
      let u = lr * (gi + weightDecay * w) * inv;
      if (vel !== undefined) {
        let v = roundHalfEven(momentum * vel[i]! + VEL_FRAC * u);
        if (v > VEL_MAX) v = VEL_MAX; else if (v < -VEL_MAX) v = -VEL_MAX;
        vel[i] = v;
        u = v / VEL_FRAC;
      }
      const r = u01 === undefined ? roundHalfEven(u) : Math.floor(u + u01[t]!);
      if (u !== 0) {
        nonzero++;
        if (r === 0) under++;
      }
      let nq = q[i]! - r;
      if (nq > hi) { nq = hi; sat++; } else if (nq < -hi) { nq = -hi; sat++; }
      q[i] = nq;
    }
    c.elements += len; c.nonzero += nonzero; c.underflow += under; c.saturated += sat;
    c.intervalSum += sum; c.intervalCount += len; c.intervalSaturated += sat;
  };

  return {
    rounding, weightDecay, momentum, learningRate, applyTile,
    init(qp) {
      const counters: Record<string, TensorCounters> = {};
      const velocity: Record<string, Int16Array> = {};
      for (const [path, qt] of Object.entries(checkQuantized(qp, op))) {
        counters[path] = zeroCounters();
        if (momentum > 0) velocity[path] = new Int16Array(qt.q.length);
      }
      return { counters, velocity };
    },
    apply(qp, grads, state, o) {
      checkQuantized(qp, op);
      const lr = learningRate(o.step);
      const gs: [string, QTensor, ArrayLike<number>][] = [];
      for (const [path, qt] of Object.entries(qp)) {
        const raw = grads[path];
        if (raw === undefined) continue;
        const g = raw instanceof Tensor ? raw.toTyped() : raw;
        if (g.length !== qt.q.length) throw new NumError('SHAPE_MISMATCH', op, `gradient of ${path} has the wrong size`, String(qt.q.length), String(g.length));
        for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) throw new NumError('OUT_OF_RANGE', op, `gradient of ${path} is not finite`, 'finite values', String(g[i]));
        gs.push([path, qt, g]);
      }
      gs.forEach(([path, qt, g], i) => applyTile(path, qt, g, 0, g.length, lr, state, o.key === undefined ? undefined : foldIn(o.key, i)));
    },
  };
}

function uniformFor(op: string, key: Key | undefined, n: number): Float64Array {
  if (key === undefined) throw new NumError('INVALID_ARGUMENT', op, 'stochastic rounding needs a key', 'a Key', 'undefined');
  return roundingUniforms(key, n);
}
