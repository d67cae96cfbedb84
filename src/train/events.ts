/**
 * One event stream for every method. A driver is a list of named phases; it reports progress as
 * {@link RunEvent}s through one option, `onEvent`, and returns one {@link Report}. Progress bars,
 * demo stages and tests consume only these two types.
 */
import type { CostReport } from '../cost/report.js';
import { NumError, describe } from '../errors.js';
import { fnArg } from '../validate.js';

/** What an event marks. */
export type RunEventKind = 'start' | 'epoch' | 'step' | 'round' | 'end';

/**
 * One progress event of a method's run. Counters are 0-based everywhere; a counter that does not
 * apply to the phase is 0.
 *
 * @example
 * ```ts
 * const onEvent = (e: RunEvent) => {
 *   if (e.kind === 'epoch') console.log(`${e.phase} ${e.epoch}: ${e.metrics['accuracy']}`);
 * };
 * ```
 */
export interface RunEvent {
  /** The method: `'alq'`, `'dpu'`, `'dress'`, `'pmeta'`, `'rct'` or a user's name. */
  method: string;
  /** The driver's phase, e.g. `'basis'`, `'full'`, `'masked'`. */
  phase: string;
  kind: RunEventKind;
  round: number;
  epoch: number;
  step: number;
  /**
   * Plain numbers. Shared names: `accuracy` and `loss` are validation figures, `trainLoss` the
   * per-sample mean training loss of the epoch, `learningRate` the rate in force.
   */
  metrics: Record<string, number>;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /** Resource figures, computed by `src/cost` only. */
  cost: CostReport;
}

/**
 * The summary of one phase in a {@link Report}: the metrics and cost of its last event.
 *
 * @example
 * ```ts
 * report.phases.map((p) => `${p.name}: ${p.metrics['accuracy']}`);
 * ```
 */
export interface PhaseReport {
  name: string;
  metrics: Record<string, number>;
  cost: CostReport;
  elapsedMs: number;
  /** How many times the phase ran (e.g. once per round). */
  runs: number;
}

/**
 * What every method's run returns (next to its method-specific results).
 *
 * @example
 * ```ts
 * const { report } = alq.run(opts);
 * report.metrics['accuracy']; report.cost.bytes;
 * ```
 */
export interface Report {
  method: string;
  /** Phases in the order they first ran. */
  phases: PhaseReport[];
  /** Final metrics of the run. */
  metrics: Record<string, number>;
  /** Final cost of the run. */
  cost: CostReport;
  elapsedMs: number;
}

/** Counters of an event; missing ones are 0. */
export interface Counters {
  round?: number | undefined;
  epoch?: number | undefined;
  step?: number | undefined;
}

/** Emits one event of the current phase. */
export type Emit = (kind: RunEventKind, counters: Counters, metrics: Record<string, number>, cost?: CostReport) => void;

/**
 * Builds a run's events and its report: drivers call `phase(name, body)` for each named phase
 * and `report(metrics, cost)` at the end.
 *
 * @example
 * ```ts
 * const rec = recorder('toy', opts.onEvent);
 * const out = rec.phase('train', (emit) => { emit('epoch', { epoch: 0 }, { accuracy: 0.9 }); return 1; });
 * const report = rec.report({ accuracy: 0.9 }, { bytes: 1024 });
 * ```
 */
export interface Recorder {
  /** Runs a named phase: emits `'start'` before `body` and `'end'` (with the last metrics) after it. */
  phase<T>(name: string, body: (emit: Emit) => T, counters?: Counters): T;
  /** Emits an event outside of any phase body (rare; phases are the norm). */
  emit(phase: string, kind: RunEventKind, counters: Counters, metrics: Record<string, number>, cost?: CostReport): void;
  /** The report of the run so far, with the given final figures. */
  report(metrics: Record<string, number>, cost: CostReport): Report;
}

/** A monotonic clock in milliseconds that exists in every engine (QuickJS has no `performance`). @internal */
export function now(): number {
  const p = (globalThis as { performance?: { now?: () => number } }).performance;
  return typeof p?.now === 'function' ? p.now() : Date.now();
}

/**
 * A {@link Recorder} for `method`, sending events to `onEvent`.
 *
 * @example
 * ```ts
 * const rec = recorder('alq', (e) => console.log(e.phase, e.kind, e.metrics));
 * rec.phase('init', (emit) => emit('epoch', {}, { averageBits: 2 }));
 * ```
 */
export function recorder(method: string, onEvent?: ((e: RunEvent) => void) | undefined): Recorder {
  if (onEvent !== undefined) fnArg('recorder', 'onEvent', onEvent);
  const bag = (name: string, v: unknown): void => {
    if (v === null || typeof v !== 'object') throw new NumError('INVALID_ARGUMENT', 'recorder', `${name} must be an object`, 'object', describe(v));
  };
  const t0 = now();
  const phases = new Map<string, PhaseReport>();
  const send = (phase: string, kind: RunEventKind, c: Counters, metrics: Record<string, number>, cost: CostReport): void => {
    const elapsedMs = now() - t0;
    const summary = phases.get(phase);
    if (summary !== undefined && kind !== 'start') {
      if (Object.keys(metrics).length > 0) summary.metrics = { ...summary.metrics, ...metrics };
      if (Object.keys(cost).length > 0) summary.cost = { ...summary.cost, ...cost };
      summary.elapsedMs = elapsedMs;
    }
    onEvent?.({ method, phase, kind, round: c.round ?? 0, epoch: c.epoch ?? 0, step: c.step ?? 0, metrics, elapsedMs, cost });
  };
  return {
    phase(name, body, counters = {}) {
      fnArg('recorder', 'body', body);
      bag('counters', counters);
      let summary = phases.get(name);
      if (summary === undefined) {
        summary = { name, metrics: {}, cost: {}, elapsedMs: 0, runs: 0 };
        phases.set(name, summary);
      }
      summary.runs++;
      let last: Counters = counters;
      let lastMetrics: Record<string, number> = {};
      let lastCost: CostReport = {};
      send(name, 'start', counters, {}, {});
      const result = body((kind, c, metrics, cost = {}) => {
        bag('counters', c);
        bag('metrics', metrics);
        bag('cost', cost);
        last = { ...counters, ...c };
        lastMetrics = metrics;
        lastCost = cost;
        send(name, kind, last, metrics, cost);
      });
      send(name, 'end', last, lastMetrics, lastCost);
      return result;
    },
    emit(phase, kind, counters, metrics, cost = {}) {
      bag('counters', counters);
      bag('metrics', metrics);
      bag('cost', cost);
      if (!phases.has(phase)) phases.set(phase, { name: phase, metrics: {}, cost: {}, elapsedMs: 0, runs: 1 });
      send(phase, kind, counters, metrics, cost);
    },
    report(metrics, cost) {
      return { method, phases: [...phases.values()].map((p) => ({ ...p })), metrics, cost, elapsedMs: now() - t0 };
    },
  };
}
