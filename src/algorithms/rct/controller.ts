/**
 * `rct.bitwidthController` (spec §5): per parameter tensor, Gavg = mean |η·G|/Δ over an
 * interval of I steps (the mean update size in LSBs of the tensor's grid). At each boundary:
 * Gavg < T_min → one more bit (f+1, q ← 2q: exact); Gavg > T_max → one bit fewer (f−1,
 * q ← sat(roundHalfEven(q/2))); at most ±1 bit per boundary, within [b_min, b_max]. The
 * optional range guard adds an integer bit (f unchanged) when more than 0.1 % of a tensor
 * saturated during the interval. T_max/T_min > 2 gives hysteresis: one bit changes Gavg by 2×.
 */
import { NumError, describe } from '../../errors.js';
import { roundHalfEven } from './fixed.js';
import type { RctOptState } from './optimizer.js';
import { checkQuantized, limitsFor, narrow, resolveBits, widen } from './quantized.js';
import type { BitsOptions, QuantizedParams, RctBits } from './quantized.js';
import { options, positive } from '../../validate.js';
import { checkOptState } from './check.js';

/** Options of {@link bitwidthController}. */
export interface ControllerOptions {
  tMin?: number | undefined;
  tMax?: number | undefined;
  /** Steps per interval (I). */
  interval?: number | undefined;
  rangeGuard?: boolean | undefined;
  /** Fraction of saturated elements that triggers the range guard (default 0.001). */
  guardFraction?: number | undefined;
  /** Bit limits (default {@link DEFAULT_BITS}). */
  bits?: BitsOptions | undefined;
  /** Turn adaptation off (fixed-precision RCT): boundaries only reset the counters. */
  fixed?: boolean | undefined;
}

/** Controller state: plain counters. */
export interface ControllerState {
  /** Steps since the last boundary. */
  sinceBoundary: number;
  /** Boundaries passed. */
  boundaries: number;
}

/** One tensor's decision at a boundary. */
export interface BitChange {
  path: string;
  gavg: number;
  from: number;
  to: number;
  /** 'widen' | 'narrow' | 'guard' | 'keep'. */
  action: 'widen' | 'narrow' | 'guard' | 'keep';
  /** Elements saturated by narrowing. */
  saturated: number;
}

/** A resolved controller. */
export interface BitwidthController {
  readonly tMin: number;
  readonly tMax: number;
  readonly interval: number;
  readonly rangeGuard: boolean;
  readonly bits: RctBits;
  readonly fixed: boolean;
  init(): ControllerState;
  /**
   * Call once after every optimizer step. At an interval boundary it changes bitwidths in
   * place (replacing `qp[path]`, rescaling momentum velocities) and resets the interval
   * counters; returns the decisions then, otherwise `undefined`.
   */
  afterStep(qp: QuantizedParams, opt: RctOptState, state: ControllerState): BitChange[] | undefined;
  /** The boundary decision itself (also usable on its own). */
  boundary(qp: QuantizedParams, opt: RctOptState, state: ControllerState): BitChange[];
}

/**
 * `rct.bitwidthController` (API), defaults T_min = 1, T_max = 4, I = 100 (our choice, §10).
 * @example
 * ```ts
 * const qp = rct.quantizedParams(nn.mlp([3]).init(key(0), [4]).params);
 * const opt = rct.optimizer({ learningRate: 0.05 }), optState = opt.init(qp);
 * const ctl = rct.bitwidthController({ tMin: 1, tMax: 4, interval: 100 });
 * const cs = ctl.init();
 * const changes = ctl.afterStep(qp, optState, cs); // decisions every 100 steps
 * changes; // undefined (not at a boundary yet)
 * ```
 */
export function bitwidthController(opts: ControllerOptions = {}): BitwidthController {
  const op = 'rct.bitwidthController';
  opts = options(op, 'opts', opts);
  const tMin = positive(op, 'tMin', opts.tMin ?? 1);
  const tMax = positive(op, 'tMax', opts.tMax ?? 4);
  if (!(tMax / tMin > 2)) throw new NumError('INVALID_ARGUMENT', op, 'tMax/tMin must exceed 2 (one bit changes Gavg by 2x; a smaller ratio oscillates)', '> 2', String(tMax / tMin));
  const interval = opts.interval ?? 100;
  if (!Number.isInteger(interval) || interval < 1) throw new NumError('INVALID_ARGUMENT', op, 'interval must be a positive integer', '>= 1', describe(interval));
  const guardFraction = opts.guardFraction ?? 0.001;
  if (!(Number.isFinite(guardFraction) && guardFraction >= 0 && guardFraction < 1)) throw new NumError('INVALID_ARGUMENT', op, 'guardFraction must be in [0, 1)', '[0, 1)', describe(guardFraction));
  const bits = resolveBits(opts.bits, op);
  const rangeGuard = opts.rangeGuard ?? false;
  const fixed = opts.fixed ?? false;

  const boundary = (qp: QuantizedParams, opt: RctOptState, state: ControllerState): BitChange[] => {
    checkQuantized(qp, op);
    checkOptState(op, opt, state);
    const out: BitChange[] = [];
    for (const [path, qt] of Object.entries(qp)) {
      const c = opt.counters[path];
      const gavg = c !== undefined && c.intervalCount > 0 ? c.intervalSum / c.intervalCount : NaN;
      const satFrac = c !== undefined && c.intervalCount > 0 ? c.intervalSaturated / c.intervalCount : 0;
      const lim = limitsFor(bits, qt.shape);
      const change: BitChange = { path, gavg, from: qt.b, to: qt.b, action: 'keep', saturated: 0 };
      if (!fixed && Number.isFinite(gavg)) {
        const vel = opt.velocity[path];
        if (gavg < tMin && qt.b < lim.bMax) {
          qp[path] = widen(qt);
          change.action = 'widen';
          if (vel !== undefined) for (let i = 0; i < vel.length; i++) vel[i] = Math.max(-32767, Math.min(32767, 2 * vel[i]!));
        } else if (gavg > tMax && qt.b > lim.bMin) {
          const r = narrow(qt);
          qp[path] = r.qt;
          change.action = 'narrow';
          change.saturated = r.saturated;
          if (vel !== undefined) for (let i = 0; i < vel.length; i++) vel[i] = roundHalfEven(vel[i]! / 2);
        } else if (rangeGuard && satFrac > guardFraction && qt.b < lim.bMax) {
          qp[path] = widen(qt, true);
          change.action = 'guard';
        }
        change.to = qp[path]!.b;
      }
      if (c !== undefined) { c.intervalSum = 0; c.intervalCount = 0; c.intervalSaturated = 0; }
      out.push(change);
    }
    state.sinceBoundary = 0;
    state.boundaries++;
    return out;
  };

  return {
    tMin, tMax, interval, rangeGuard, bits, fixed, boundary,
    init: () => ({ sinceBoundary: 0, boundaries: 0 }),
    afterStep(qp, opt, state) {
      checkOptState(op, opt, state);
      state.sinceBoundary++;
      return state.sinceBoundary >= interval ? boundary(qp, opt, state) : undefined;
    },
  };
}
