/**
 * `pmeta.run`: the p-Meta driver as named phases — `meta-train` (outer Adam steps on meta-batches
 * of tasks), `finalize` (clamp α, record the frozen set), `meta-test` (on-device adaptation on
 * held-out tasks, mean ± 95 % CI) and `memory` (the §5 figures) — emitting `RunEvent`s and
 * returning a `Report`. Task keys come from `purposeKey(key, 'method', i)`: i = 0 meta-training
 * tasks, i = 1 meta-test tasks, i = 2 validation tasks; the meta-state is initialised from
 * `purposeKey(key, 'init')`. The same key therefore gives every method the same tasks.
 */
import type { CostReport } from '../../cost/report.js';
import { macEnergy } from '../../cost/energy.js';
import { pJ } from '../../cost/report.js';
import { NumError, describe } from '../../errors.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { purposeKey } from '../../train/keys.js';
import { recorder } from '../../train/events.js';
import type { Emit, Report, RunEvent } from '../../train/events.js';
import { adapt } from './adapt.js';
import { learnerOf, numbersArg } from './check.js';
import { checkMeta } from './learner.js';
import { readKey } from '../../random/check.js';
import { isPlainObject } from '../../tree.js';
import { options } from '../../validate.js';
import type { MetaLearner, MetaTrainState } from './learner.js';
import { adaptationMemory } from './memory.js';
import type { PmetaMemory } from './memory.js';
import { evaluateQuery, finalize, metaStep } from './meta.js';
import type { MetaTask } from './meta.js';

/** A task sampler: one task per key (e.g. `k => data.sampleSinusoidTask(k, …)`). */
export type TaskSource = (k: Key) => MetaTask;

/**
 * Options of {@link run}.
 * @example
 * ```ts
 * const opts: RunOptions = { learner, train: src, test: src, key: key(0), iterations: 100, metaBatch: 25 };
 * ```
 */
export interface RunOptions {
  learner: MetaLearner;
  /** Meta-training tasks. */
  train: TaskSource;
  /** Meta-test tasks (held-out classes or curves). */
  test: TaskSource;
  /** Optional validation tasks, evaluated every `evalEvery` iterations. */
  validation?: TaskSource | undefined;
  key: Key;
  iterations: number;
  metaBatch: number;
  /** Meta-test tasks; default 600. */
  testTasks?: number | undefined;
  validationTasks?: number | undefined;
  evalEvery?: number | undefined;
  /** Emit a `step` event every this many iterations (default 10). */
  logEvery?: number | undefined;
  /** Emit a meta-test `step` event (running mean loss/accuracy) every this many tasks; default 0 (off). */
  testLogEvery?: number | undefined;
  /** Start from this state instead of a fresh one (resume). */
  state?: MetaTrainState | undefined;
  onEvent?: ((e: RunEvent) => void) | undefined;
}

/** Mean and 95 % confidence half-width (1.96·s/√n). */
export interface MeanCi {
  mean: number;
  ci95: number;
  n: number;
}

/** What {@link run} returns. */
export interface RunResult {
  report: Report;
  /** The finalized meta-state (with the frozen set) and the optimizer state. */
  state: MetaTrainState;
  testLoss: MeanCi;
  /** Classification only (NaN for regression). */
  testAccuracy: MeanCi;
  memory: PmetaMemory;
}

/**
 * Mean ± 95 % CI of a sample.
 * @example
 * ```ts
 * const { mean, ci95, n } = pmeta.meanCi([1, 2, 3, 4]);
 * [mean, n]; // [2.5, 4]
 * ci95 > 0; // true
 * ```
 */
export function meanCi(xs: readonly number[]): MeanCi {
  numbersArg('pmeta.meanCi', 'xs', xs);
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, ci95: n > 1 ? (1.96 * Math.sqrt(v)) / Math.sqrt(n) : 0, n };
}

function count(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new NumError('INVALID_ARGUMENT', 'pmeta.run', `${name} must be an integer >= ${min}`, `integer >= ${min}`, describe(v));
  return v;
}

function memoryCost(m: PmetaMemory): CostReport {
  return { peakMemoryBytes: m.peakBytes, macs: m.macs, energyJ: pJ(m.macs * macEnergy('f32', 'f32')) };
}

/**
 * Meta-trains, finalizes, meta-tests and reports one method.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad counts or samplers; whatever `metaStep`/`adapt` throw.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const src = (k: Key) => data.sampleSinusoidTask(k, { shots: 5, queries: 5 });
 * const { report, testLoss } = pmeta.run({ learner, train: src, test: src, key: key(0), iterations: 3, metaBatch: 2 });
 * testLoss.n > 0; // true
 * ```
 */
export function run(opts: RunOptions): RunResult {
  const op = 'pmeta.run';
  if (opts === null || typeof opts !== 'object' || opts.learner?.config === undefined) throw new NumError('INVALID_ARGUMENT', op, 'options need a learner', 'RunOptions', describe(opts));
  options(op, 'options', opts);
  for (const name of ['train', 'test'] as const) {
    if (typeof opts[name] !== 'function') throw new NumError('INVALID_ARGUMENT', op, `${name} must be a task sampler (key → task)`, 'function', describe(opts[name]));
  }
  for (const name of ['validation', 'onEvent'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'function') throw new NumError('INVALID_ARGUMENT', op, `${name} must be a function when given`, 'function', describe(opts[name]));
  }
  readKey(op, opts.key);
  const { learner } = opts;
  const cfg = learnerOf(op, learner);
  if (opts.state !== undefined) {
    if (!isPlainObject(opts.state) || typeof opts.state.step !== 'number' || !Number.isSafeInteger(opts.state.step) || opts.state.step < 0) {
      throw new NumError('STATE_MISMATCH', op, 'state must come from learner.init or a previous run', '{meta, opt, step}', describe(opts.state));
    }
    checkMeta(op, cfg, opts.state.meta);
  }
  if (opts.validationTasks !== undefined) count('validationTasks', opts.validationTasks, 1);
  const iterations = count('iterations', opts.iterations, 0);
  const metaBatch = count('metaBatch', opts.metaBatch, 1);
  const testTasks = count('testTasks', opts.testTasks ?? 600, 1);
  const logEvery = count('logEvery', opts.logEvery ?? 10, 1);
  const evalEvery = count('evalEvery', opts.evalEvery ?? Math.max(1, iterations), 1);
  const method = `pmeta:${cfg.method}`;
  const rec = recorder(method, opts.onEvent);
  const trainKey = purposeKey(opts.key, 'method', 0), testKey = purposeKey(opts.key, 'method', 1), valKey = purposeKey(opts.key, 'method', 2);
  const testLogEvery = opts.testLogEvery === undefined ? 0 : count('testLogEvery', opts.testLogEvery, 0);
  const evalTasks = (src: TaskSource, k: Key, n: number, st: MetaTrainState, emit?: Emit): { loss: number[]; acc: number[] } => {
    const loss: number[] = [], acc: number[] = [];
    for (let t = 0; t < n; t++) {
      const task = src(foldIn(k, t));
      const r = adapt(learner, st.meta, task.support);
      const e = evaluateQuery(learner, st.meta, r.theta, task.query);
      loss.push(e.loss);
      acc.push(e.accuracy);
      if (emit !== undefined && testLogEvery > 0 && (t + 1) % testLogEvery === 0 && t + 1 < n) {
        emit('step', { step: t }, cfg.loss === 'crossEntropy' ? { loss: meanCi(loss).mean, accuracy: meanCi(acc).mean } : { loss: meanCi(loss).mean });
      }
    }
    return { loss, acc };
  };
  let st = opts.state ?? learner.init(purposeKey(opts.key, 'init'));
  st = rec.phase('meta-train', (emit) => {
    let s = st;
    let sum = 0, seen = 0;
    while (s.step < iterations) {
      const it = s.step;
      const tasks = Array.from({ length: metaBatch }, (_, i) => opts.train(foldIn(trainKey, it * metaBatch + i)));
      const r = metaStep(learner, s, tasks);
      s = r.state;
      sum += r.queryLoss;
      seen++;
      const metrics: Record<string, number> = { trainLoss: sum / seen, penalty: r.penalty };
      if (opts.validation !== undefined && (it + 1) % evalEvery === 0) {
        const v = evalTasks(opts.validation, valKey, opts.validationTasks ?? 100, s);
        metrics['loss'] = meanCi(v.loss).mean;
        if (cfg.loss === 'crossEntropy') metrics['accuracy'] = meanCi(v.acc).mean;
      }
      if ((it + 1) % logEvery === 0 || it + 1 === iterations) {
        emit('step', { step: it }, metrics);
        sum = 0;
        seen = 0;
      }
    }
    return s;
  });
  st = rec.phase('finalize', (emit) => {
    const meta = finalize(learner, st.meta);
    const frozen = Array.from(meta.frozen.toTyped() as ArrayLike<number>);
    emit('end', {}, { frozenLayers: frozen.reduce((a, b) => a + b, 0) });
    return { ...st, meta };
  });
  const { testLoss, testAccuracy } = rec.phase('meta-test', (emit) => {
    const r = evalTasks(opts.test, testKey, testTasks, st, emit);
    const out = { testLoss: meanCi(r.loss), testAccuracy: meanCi(r.acc) };
    emit('end', {}, cfg.loss === 'crossEntropy'
      ? { loss: out.testLoss.mean, lossCi95: out.testLoss.ci95, accuracy: out.testAccuracy.mean, accuracyCi95: out.testAccuracy.ci95 }
      : { loss: out.testLoss.mean, lossCi95: out.testLoss.ci95 });
    return out;
  });
  const memory = rec.phase('memory', (emit) => {
    const m = adaptationMemory(learner, st.meta);
    emit('end', {}, { forwardPeakBytes: m.forwardPeakBytes, backwardPeakBytes: m.backwardPeakBytes, weightBytes: m.weightBytes, peakBytes: m.peakBytes }, memoryCost(m));
    return m;
  });
  const metrics: Record<string, number> = {
    loss: testLoss.mean, lossCi95: testLoss.ci95,
    ...(cfg.loss === 'crossEntropy' ? { accuracy: testAccuracy.mean, accuracyCi95: testAccuracy.ci95 } : {}),
    peakKiB: memory.peakBytes / 1024, forwardPeakBytes: memory.forwardPeakBytes, backwardPeakBytes: memory.backwardPeakBytes, weightBytes: memory.weightBytes,
  };
  return { report: rec.report(metrics, memoryCost(memory)), state: st, testLoss, testAccuracy, memory };
}
