/**
 * The multi-round setting (spec §1, §5): a growing dataset, one server round per collection
 * step, and an edge device that receives each encoded update and rebuilds the model. The driver
 * runs both sides, so every reported accuracy is that of the model the edge actually holds.
 */
import type { Params } from '../../tree.js';
import { fullUpdateBits, payloadBits } from '../../cost/communication.js';
import { NumError, describe } from '../../errors.js';
import type { Layer } from '../../nn/layers.js';
import { shuffle, take } from '../../data/dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { key } from '../../random.js';
import { EVAL_BATCH_SIZE, evaluate } from '../../train/evaluate.js';
import { recorder } from '../../train/events.js';
import type { Report, RunEvent } from '../../train/events.js';
import { purposeKey } from '../../train/keys.js';
import { encodeUpdate } from './codec.js';
import type { EdgeModel, ModelWeights } from './model.js';
import { edgeModel, fingerprint, initialWeights, layoutOf } from './model.js';
import type { RoundStats } from './plan.js';
import type { Method } from './round.js';
import { fullRound } from './round.js';
import type { TrainingOptions } from './training.js';
import { applyUpdate } from './update.js';
import { count } from '../../validate.js';

/**
 * The cumulative dataset sizes `|D^r|` of the data schedule: `N0` samples before round 0, then
 * `ΔN` more per round (the last round takes what is left), so `R = ⌈(N − N0)/ΔN⌉ + 1` rounds.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `1 ≤ initial ≤ total` and `increment ≥ 1` are integers.
 * @example
 * ```ts
 * dpu.dataSchedule(50_000, 1000, 1000).length; // 50
 * dpu.dataSchedule(8000, 1000, 1000);          // [1000, 2000, …, 8000]
 * ```
 */
export function dataSchedule(total: number, initial: number, increment: number): number[] {
  const op = 'dpu.dataSchedule';
  const n = count(op, 'total', total, 1);
  const n0 = count(op, 'initial', initial, 1);
  const dn = count(op, 'increment', increment, 1);
  if (n0 > n) throw new NumError('INVALID_ARGUMENT', op, 'initial must not exceed total', `initial <= ${n}`, String(n0));
  const rounds = Math.ceil((n - n0) / dn) + 1;
  return Array.from({ length: rounds }, (_, r) => Math.min(n, n0 + r * dn));
}

/**
 * The doubling rule of re-initialisation: restart from `w_init` when the data has more than
 * doubled since the last restart, `|D^r| > 2 · n_ref` (strictly).
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless both counts are integers ≥ 0.
 * @example
 * ```ts
 * dpu.shouldReinit(3000, 1000); // true
 * dpu.shouldReinit(2000, 1000); // false
 * ```
 */
export function shouldReinit(samples: number, samplesAtLastRestart: number): boolean {
  const op = 'dpu.shouldReinit';
  count(op, 'samples', samples, 0);
  count(op, 'samplesAtLastRestart', samplesAtLastRestart, 0);
  return samples > 2 * samplesAtLastRestart;
}

/**
 * The rounds in which the doubling rule restarts, assuming every restart round deploys (round 0
 * starts from `w_init` anyway and is not listed).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for sizes that are not an array of integers ≥ 0.
 * @example
 * ```ts
 * dpu.reinitRounds(dpu.dataSchedule(50_000, 1000, 1000)); // [2, 6, 14, 30]
 * ```
 */
export function reinitRounds(sizes: readonly number[]): number[] {
  if (!Array.isArray(sizes)) throw new NumError('INVALID_ARGUMENT', 'dpu.reinitRounds', 'sizes must be an array of dataset sizes', 'number[]', describe(sizes));
  const out: number[] = [];
  let ref = sizes[0] ?? 0;
  for (let r = 1; r < sizes.length; r++) {
    if (shouldReinit(sizes[r]!, ref)) { out.push(r); ref = sizes[r]!; }
  }
  return out;
}

/**
 * What the driver reports after each round.
 *
 * @example
 * ```ts
 * const onRound = (r: dpu.RoundReport) => log(`${r.method} round ${r.round}: ${r.testAccuracy}`);
 * ```
 */
export interface RoundReport {
  method: string;
  round: number;
  /** |D^r| */
  samples: number;
  /** The deployed model restarted from w_init this round. */
  restarted: boolean;
  /** Round 0 of a run with `initialFullDeployment`: a full update (FU) whatever the method. */
  initialDeployment: boolean;
  /** Something was sent. */
  updated: boolean;
  /** Accuracy of the edge's model after the round. */
  valAccuracy: number;
  testAccuracy: number;
  /** Selectable weights the round was allowed to change. */
  selected: number;
  /** (index, value) pairs sent. */
  changed: number;
  /** Bytes of the encoded update (0 when nothing was sent). */
  payloadBytes: number;
  /** `cost.payloadBits` of the encoded update (8 · payloadBytes). */
  bitsSent: number;
  /** Of `bitsSent`, the dense part (biases, batch norm): `cost.fullUpdateBits(D)` when something was sent. */
  denseBits: number;
  /** `cost.fullUpdateBits(I + D)`: one dense float32 copy of the whole model, the unit for ratios. */
  fullModelBits: number;
  seconds: number;
  stats: RoundStats;
}

/**
 * Options of {@link simulate}.
 *
 * @example
 * ```ts
 * const opts: dpu.SimulateOptions = {
 *   model: nn.mlp([300, 100, 10]), inputShape: [784], train, validation, test,
 *   initialSize: 1000, increment: 1000, method: dpu.deepPartialUpdating({ ratio: 0.01 }),
 *   training: { epochs: 6 },
 * };
 * ```
 */
export interface SimulateOptions {
  model: Layer<Params>;
  /** Per-example input shape for `model.init`. */
  inputShape: readonly number[];
  /** The full training pool; rounds see a growing random subset. */
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** N0 */
  initialSize: number;
  /** ΔN */
  increment: number;
  method: Method;
  training: TrainingOptions;
  /** Seed of `w_init` (`initialWeights(model, inputShape, seed)`) and of the data order; default 1. */
  seed?: number | undefined;
  /** Run only the first `rounds` rounds of the schedule. */
  rounds?: number | undefined;
  /** Batch size for test evaluation; default `EVAL_BATCH_SIZE`. */
  evalBatchSize?: number | undefined;
  /**
   * Ship a fully trained model first: round 0 is a full update (`fullRound`) for every method,
   * and the method updates from round 1 on (the setting of the paper's single-round ImageNet
   * experiment, and of a device that leaves the factory with a trained model). Default false:
   * round 0 is the method's own round from `w_init`, as in the reference's multi-round scripts.
   */
  initialFullDeployment?: boolean | undefined;
  /**
   * Events: the rounds' `'epoch'` events (phases `'full'`, `'masked'`) and a `'round'` event of
   * phase `'round'` per round with metrics `testAccuracy`, `accuracy` (validation), `samples`,
   * `selected`, `changed`, `payloadBytes`, `updated` (0/1) and cost `bitsSent`.
   */
  onEvent?: ((e: RunEvent) => void) | undefined;
}

/**
 * What {@link simulate} returns.
 *
 * @example
 * ```ts
 * const res = dpu.simulate(opts);
 * res.meanTestAccuracy; res.totalBitsSent / res.totalFullModelBits;
 * ```
 */
export interface SimulationResult {
  method: string;
  rounds: RoundReport[];
  /** Mean over rounds of the edge model's test accuracy. */
  meanTestAccuracy: number;
  totalBitsSent: number;
  /** Σ over rounds of `fullModelBits`. */
  totalFullModelBits: number;
  /** I */
  selectableCount: number;
  /** D */
  denseCount: number;
  /** The edge's final state. */
  edge: EdgeModel;
  /** Metrics `meanTestAccuracy`, `bitsRatio` (sent / full model); cost `bitsSent`. */
  report: Report;
}

/**
 * Runs a method over the data schedule, server and edge side by side. Each round: the server
 * runs `method.round` on `D^r` (restarting from `w_init` by the doubling rule when the method
 * asks for it); the update is encoded, sent, decoded and applied by the edge with
 * {@link applyUpdate} (which checks that the rebuilt model is bit-identical to the server's);
 * the edge's model is evaluated on the test set. No output is printed; pass `onEvent` for
 * progress.
 *
 * Randomness: `w_init` from `key(seed)`; the order in which samples arrive from
 * `purposeKey(key(seed), 'shuffle', 0)`; round `r`'s root key `purposeKey(key(seed), 'method', r)`,
 * the same for every method, so methods are compared on identical data.
 *
 * @throws {NumError} for bad options (see the round functions), or `STATE_MISMATCH` if the edge
 *   could not rebuild the server's model (a bug, never expected).
 * @example
 * ```ts
 * // toy sizes (well under a second): 3 rounds of 16 new samples, 1 epoch per phase
 * const data = { x: normal(key(1), [64, 4]), y: randint(key(2), [64], 0, 3) };
 * const res = dpu.simulate({
 *   model: nn.mlp([3]), inputShape: [4], train: data, validation: data, test: data,
 *   initialSize: 16, increment: 16, rounds: 3, training: { epochs: 1 },
 *   method: dpu.deepPartialUpdating({ ratio: 0.25 }),
 *   onEvent: (e) => { if (e.kind === 'round') console.log(`round ${e.round}: ${e.metrics['testAccuracy']}`); },
 * });
 * res.rounds.length; // 3
 * ```
 */
export function simulate(opts: SimulateOptions): SimulationResult {
  const op = 'dpu.simulate';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'SimulateOptions', describe(opts));
  const method = opts.method;
  if (method === null || typeof method !== 'object' || typeof method.round !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'method must be a dpu Method', 'Method', describe(method));
  }
  const seed = count(op, 'seed', opts.seed ?? 1, 0);
  const n = count(op, 'train size', opts.train?.y?.size, 1);
  let sizes = dataSchedule(n, opts.initialSize, opts.increment);
  if (opts.rounds !== undefined) sizes = sizes.slice(0, count(op, 'rounds', opts.rounds, 1));
  const evalBatch = count(op, 'evalBatchSize', opts.evalBatchSize ?? EVAL_BATCH_SIZE, 1);
  const rec = recorder('dpu', opts.onEvent);

  const regenerate = (s: number): ModelWeights => initialWeights(opts.model, opts.inputShape, s);
  const init = regenerate(seed);
  const layout = layoutOf(op, init, 'initial model');
  const order = shuffle(purposeKey(key(seed), 'shuffle', 0), n);
  const fullModelBits = fullUpdateBits(layout.size + layout.denseSize);

  let server: EdgeModel = edgeModel(init);
  let edge: EdgeModel = edgeModel(regenerate(seed));
  let nRef = sizes[0]!;
  const reports: RoundReport[] = [];
  for (let r = 0; r < sizes.length; r++) {
    const t0 = Date.now();
    const samples = sizes[r]!;
    const reinit = r > 0 && method.reinit && shouldReinit(samples, nRef);
    const initialDeployment = r === 0 && opts.initialFullDeployment === true;
    const report = rec.phase('round', (emit) => {
      const result = (initialDeployment ? fullRound : method.round)({
        model: opts.model, round: r, deployed: server, init, seed, reinit,
        train: take(opts.train, order.subarray(0, samples)), validation: opts.validation, training: opts.training,
        key: purposeKey(key(seed), 'method', r),
        onEvent: (e) => rec.emit(e.phase, e.kind, e, e.metrics, e.cost),
      });
      let bytes: Uint8Array | null = null;
      if (result.update !== null) {
        bytes = encodeUpdate(result.update);
        edge = applyUpdate(edge, bytes, { init: regenerate });
        if (result.restarted) nRef = samples;
      }
      server = result.deployed;
      if (fingerprint(edge, edge.round) !== fingerprint(server, server.round)) {
        throw new NumError('STATE_MISMATCH', op, 'edge model differs from the server model', fingerprint(server, server.round), fingerprint(edge, edge.round));
      }
      const rr: RoundReport = {
        method: method.name, round: r, samples, restarted: result.update !== null && result.restarted, initialDeployment, updated: result.update !== null,
        valAccuracy: result.stats.valDeployed,
        testAccuracy: evaluate(opts.model, edge.params, edge.modelState, opts.test, { batchSize: evalBatch }).accuracy,
        selected: result.stats.selected, changed: result.update?.indices.length ?? 0,
        payloadBytes: bytes?.length ?? 0, bitsSent: bytes === null ? 0 : payloadBits(bytes),
        denseBits: result.update === null ? 0 : fullUpdateBits(result.update.dense.length), fullModelBits,
        seconds: (Date.now() - t0) / 1000, stats: result.stats,
      };
      emit('round', { round: r }, {
        testAccuracy: rr.testAccuracy, accuracy: rr.valAccuracy, samples, selected: rr.selected, changed: rr.changed,
        payloadBytes: rr.payloadBytes, updated: rr.updated ? 1 : 0,
      }, { bitsSent: rr.bitsSent });
      return rr;
    }, { round: r });
    reports.push(report);
  }
  const sum = (f: (r: RoundReport) => number): number => reports.reduce((s, r) => s + f(r), 0);
  const meanTestAccuracy = sum((r) => r.testAccuracy) / reports.length;
  const totalBitsSent = sum((r) => r.bitsSent), totalFullModelBits = sum((r) => r.fullModelBits);
  return {
    method: method.name, rounds: reports, meanTestAccuracy, totalBitsSent, totalFullModelBits,
    selectableCount: layout.size, denseCount: layout.denseSize, edge,
    report: rec.report({ meanTestAccuracy, bitsRatio: totalBitsSent / totalFullModelBits }, { bitsSent: totalBitsSent }),
  };
}
