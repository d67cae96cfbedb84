/**
 * `rct.run`: the RCT driver as named phases on the shared harness. Phases: `'rct'` (adaptive
 * bitwidth), then the §7 baselines on the same layers, schedule and float init: `'fixed8'`,
 * `'fixed16'` (adaptation off), `'fp32'` and `'qat'` (b_q = 8, float master, STE). Every phase
 * emits an `'epoch'` RunEvent with test accuracy; the RCT phases add mean bits and underflow %.
 */
import { batches, gatherLabels, gatherRows, rowsOf, shuffle } from '../../data/dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import { pJ } from '../../cost/report.js';
import type { CostReport } from '../../cost/report.js';
import type { ScalarOrSchedule } from '../../optim/base.js';
import type { Key } from '../../random.js';
import { recorder } from '../../train/events.js';
import type { Report, RunEvent } from '../../train/events.js';
import { purposeKey } from '../../train/keys.js';
import type { Params } from '../../tree.js';
import { runFloat } from './baselines.js';
import type { ControllerOptions } from './controller.js';
import { energy, memory } from './cost.js';
import type { RctEnergy } from './cost.js';
import { parameterMemory } from '../../cost/memory.js';
import type { ParameterMemory } from '../../cost/memory.js';
import { lenet5 } from './net.js';
import type { RctNet } from './net.js';
import type { Rounding } from './optimizer.js';
import { config, evaluate, init, trainStep } from './train.js';
import type { RctConfig, RctState } from './train.js';
import { configArg, stateArg } from './check.js';

/** The methods {@link run} can train. */
export type RunMethod = 'rct' | 'fixed8' | 'fixed16' | 'fp32' | 'qat';

/** Options of {@link run}. */
export interface RunOptions {
  train: Dataset;
  test: Dataset;
  /** Reported per epoch next to test accuracy when given. */
  validation?: Dataset | undefined;
  key: Key;
  net?: RctNet | undefined;
  /** Float init shared by every method; default `net.float.init(purposeKey(key, 'init'))`. */
  init?: Params | undefined;
  epochs: number;
  batchSize?: number | undefined;
  learningRate: ScalarOrSchedule;
  weightDecay?: number | undefined;
  rounding?: Rounding | undefined;
  controller?: ControllerOptions | undefined;
  actBits?: number | undefined;
  errBits?: number | undefined;
  /** Which methods to run (default all five, RCT first). */
  methods?: readonly RunMethod[] | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
  evalBatchSize?: number | undefined;
}

/** One integer-trained method's outcome. */
export interface IntegerResult {
  accuracy: number;
  state: RctState;
  energy: RctEnergy;
  memory: ParameterMemory;
  underflow: number;
}

/** What {@link run} returns. */
export interface RunResult {
  report: Report;
  /** Final test accuracy per method that ran. */
  accuracy: Partial<Record<RunMethod, number>>;
  integer: Partial<Record<'rct' | 'fixed8' | 'fixed16', IntegerResult>>;
  /** The adaptive run's configuration (its net, optimizer and controller). */
  config?: RctConfig | undefined;
}

function underflowShare(st: RctState): number {
  let u = 0, nz = 0;
  for (const c of Object.values(st.opt.counters)) { u += c.underflow; nz += c.nonzero; }
  return nz > 0 ? u / nz : 0;
}

/** Mean bits per weight element (tensors of rank ≥ 2) now. */
function meanWeightBits(st: RctState): number {
  let nb = 0, n = 0;
  for (const t of Object.values(st.params)) if (t.shape.length >= 2) { nb += t.q.length * t.b; n += t.q.length; }
  return n > 0 ? nb / n : 0;
}

/** Weight-only parameter memory over the run (the time-averaged weight bitwidth target). */
function weightMemory(st: RctState): ParameterMemory {
  const idx = Object.values(st.params).map((t, i) => [t, i] as const).filter(([t]) => t.shape.length >= 2);
  return parameterMemory(idx.map(([t]) => t.q.length), st.trace.map((s) => ({ steps: s.steps, bits: idx.map(([, i]) => s.bits[i]!) })));
}

function costOf(e: RctEnergy, m: ParameterMemory): CostReport {
  return { energyJ: pJ(e.gemm.rct + e.movement.rct), macs: e.macs, peakMemoryBytes: m.peakBytes, bits: m.peakBits };
}

/**
 * Trains an integer configuration for `epochs` with the harness's shuffle keys (as `fit`). @internal
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * const data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const accuracy = rct.trainInteger(cfg, st, { train: data, test: data, epochs: 2, batchSize: 8, key: key(3) });
 * st.step; // 4 (2 epochs of 2 batches)
 * ```
 */
export function trainInteger(cfg: RctConfig, st: RctState, o: {
  train: Dataset; test: Dataset; validation?: Dataset | undefined; epochs: number; batchSize: number; key: Key; evalBatchSize?: number | undefined;
  onEpoch?: ((epoch: number, metrics: Record<string, number>) => void) | undefined;
}): number {
  configArg('rct.trainInteger', cfg);
  stateArg('rct.trainInteger', st);
  if (o === null || typeof o !== 'object') throw new NumError('INVALID_ARGUMENT', 'rct.trainInteger', 'options must be an object', '{train, test, epochs, batchSize, key}', describe(o));
  const rows = rowsOf('rct.run', o.train);
  let accuracy = 0;
  for (let e = 0; e < o.epochs; e++) {
    const order = shuffle(purposeKey(o.key, 'shuffle', e), rows.n);
    let lossSum = 0, seen = 0;
    for (let s = 0; s < rows.n; s += o.batchSize) {
      const end = Math.min(s + o.batchSize, rows.n);
      const r = trainStep(cfg, st, { x: gatherRows(rows, order, s, end), y: gatherLabels(rows, order, s, end) }, purposeKey(o.key, 'method', st.step));
      lossSum += r.loss * (end - s); seen += end - s;
    }
    accuracy = evaluate(cfg, st.params, batches(o.test, o.evalBatchSize ?? 500)).accuracy;
    const metrics: Record<string, number> = {
      accuracy, trainLoss: lossSum / seen, meanBits: meanWeightBits(st), underflowPercent: 100 * underflowShare(st),
    };
    if (o.validation !== undefined) metrics['validationAccuracy'] = evaluate(cfg, st.params, batches(o.validation, o.evalBatchSize ?? 500)).accuracy;
    o.onEpoch?.(e, metrics);
  }
  return accuracy;
}

/**
 * `rct.run`: trains RCT and its baselines (see the module comment) and reports accuracy, GEMM
 * and movement energy and parameter memory through the shared cost model.
 * @example
 * ```ts
 * const data = { x: normal(key(1), [32, 4]), y: randint(key(2), [32], 0, 3) };
 * const { report, accuracy } = rct.run({ train: data, test: data, net: rct.mlp(4, [3]), key: key(0), epochs: 1, batchSize: 8, learningRate: 0.05, methods: ['rct', 'fp32'] });
 * Object.keys(accuracy); // ['rct', 'fp32']
 * report.metrics['gemmSaving'];
 * ```
 */
export function run(opts: RunOptions): RunResult {
  const op = 'rct.run';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'RunOptions', describe(opts));
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new NumError('INVALID_ARGUMENT', op, 'epochs must be a positive integer', '>= 1', describe(opts.epochs));
  const net = opts.net ?? lenet5();
  const initParams = opts.init ?? net.float.init(purposeKey(opts.key, 'init'), net.inputShape).params;
  const batchSize = opts.batchSize ?? 64;
  const methods = opts.methods ?? ['rct', 'fixed8', 'fixed16', 'fp32', 'qat'];
  const rec = recorder('rct', opts.onEvent);
  const out: RunResult = { report: rec.report({}, {}), accuracy: {}, integer: {} };
  const common = { learningRate: opts.learningRate, weightDecay: opts.weightDecay, rounding: opts.rounding, actBits: opts.actBits, errBits: opts.errBits };
  const integerPhase = (name: 'rct' | 'fixed8' | 'fixed16'): void => {
    const fixed = name === 'fixed8' ? 8 : name === 'fixed16' ? 16 : undefined;
    const cfg = config(net, {
      ...common,
      controller: fixed === undefined ? opts.controller : { ...opts.controller, fixed: true },
      bits: fixed === undefined ? opts.controller?.bits : { ...opts.controller?.bits, weight: { bMin: fixed, bMax: fixed, bInit: fixed } },
    });
    if (name === 'rct') out.config = cfg;
    rec.phase(name, (emit) => {
      const st = init(cfg, initParams);
      const accuracy = trainInteger(cfg, st, {
        train: opts.train, test: opts.test, validation: opts.validation, epochs: opts.epochs, batchSize, key: opts.key, evalBatchSize: opts.evalBatchSize,
        onEpoch: (epoch, m) => emit('epoch', { epoch, step: st.step }, m, costOf(energy(net, st, common), memory(st))),
      });
      const e = energy(net, st, common), m = memory(st);
      out.integer[name] = { accuracy, state: st, energy: e, memory: m, underflow: underflowShare(st) };
      out.accuracy[name] = accuracy;
    });
  };
  for (const m of methods) {
    if (m === 'rct' || m === 'fixed8' || m === 'fixed16') integerPhase(m);
    else if (m === 'fp32' || m === 'qat') {
      rec.phase(m, (emit) => {
        const r = runFloat({
          net, init: initParams, train: opts.train, test: opts.test, epochs: opts.epochs, batchSize, learningRate: opts.learningRate,
          weightDecay: opts.weightDecay ?? 0, key: opts.key, evalBatchSize: opts.evalBatchSize, qatBits: m === 'qat' ? 8 : undefined, phase: m,
          onEpoch: (epoch, accuracy, trainLoss) => emit('epoch', { epoch }, { accuracy, trainLoss }),
        });
        out.accuracy[m] = r.accuracy;
      });
    } else throw new NumError('INVALID_ARGUMENT', op, 'unknown method', "'rct' | 'fixed8' | 'fixed16' | 'fp32' | 'qat'", describe(m));
  }
  const main = out.integer.rct ?? out.integer.fixed8 ?? out.integer.fixed16;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(out.accuracy)) metrics[`accuracy.${k}`] = v;
  if (out.accuracy.rct !== undefined) metrics['accuracy'] = out.accuracy.rct;
  if (out.accuracy.rct !== undefined && out.accuracy.fp32 !== undefined) metrics['gapToFp32Points'] = 100 * (out.accuracy.fp32 - out.accuracy.rct);
  if (main !== undefined) {
    metrics['gemmSaving'] = main.energy.gemm.saving;
    metrics['peakMemorySavingVsQat'] = main.memory.savingVsQat.peak;
    metrics['peakMemorySavingVsFp32'] = main.memory.savingVsFp32.peak;
    metrics['timeAveragedBits'] = main.memory.meanBits.average;
    metrics['timeAveragedWeightBits'] = weightMemory(main.state).meanBits.average;
    metrics['movementRatioVsQat'] = main.energy.movement.ratioVsQat;
    metrics['underflowPercent'] = 100 * main.underflow;
  }
  out.report = rec.report(metrics, main === undefined ? {} : costOf(main.energy, main.memory));
  return out;
}
