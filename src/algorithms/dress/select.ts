/**
 * Run-time subnet selection (spec §7): profile every subnet once (median latency of warm runs at
 * the deployment batch, bytes of its packed prefix, MACs), then answer budgets with the densest
 * subnet whose profile fits; when none fits, the sparsest, flagged `fits: false`, so a real-time
 * caller always gets a runnable subnet.
 *
 * @module
 */
import { rowSparseBytes, rowSparseMacs } from '../../cost/sparse.js';
import { NumError, describe } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import type { PackedRunner } from './infer.js';
import { count, options } from '../../validate.js';
import { runnerArg } from './check.js';

/**
 * What one subnet costs on this device.
 * @example
 * ```ts
 * const p: SubnetProfile = profiles[3]!; // p.latencyMs, p.bytes, p.macs
 * ```
 */
export interface SubnetProfile {
  level: number;
  sparsity: number;
  /** Median of the timed warm runs, milliseconds per batch. */
  latencyMs: number;
  /** Packed weights + indices of the subnet's prefix (cost.rowSparseBytes). */
  bytes: number;
  /** Forward MACs of the packed layers for the profiled batch (cost.rowSparseMacs). */
  macs: number;
  /** Non-zeros of the packed layers. */
  nnz: number;
}

/**
 * Options of {@link profile}.
 * @example
 * ```ts
 * const o: ProfileOptions = { warmup: 2, runs: 7 };
 * ```
 */
export interface ProfileOptions {
  /** Untimed runs first. Default 2. */
  warmup?: number | undefined;
  /** Timed runs; the median is reported. Default 5. */
  runs?: number | undefined;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: (() => number) | undefined;
}

/** `performance.now` where the engine has it (browsers, Node, Deno, Bun), else `Date.now`. */
function defaultClock(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf !== undefined ? () => perf.now() : () => Date.now();
}

/**
 * Profiles every subnet of a runner on the batch `x`.
 * @throws {NumError} `INVALID_ARGUMENT` for bad run counts.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params } = model.init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const runner = dress.packedRunner(model, dress.toSparse(dress.trainable(params, masks), masks));
 * const profiles = dress.profile(runner, normal(key(1), [4, 6]), { runs: 3 });
 * profiles.map((p) => p.level); // [0, 1]
 * ```
 */
export function profile(runner: PackedRunner, x: Tensor, opts: ProfileOptions = {}): SubnetProfile[] {
  const op = 'dress.profile';
  runnerArg(op, runner);
  if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'x must be a tensor', 'Tensor', describe(x));
  opts = options(op, 'opts', opts);
  if (opts.now !== undefined && typeof opts.now !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'opts.now must be a clock function', '() => number', describe(opts.now));
  const warm = count(op, 'warmup', opts.warmup ?? 2, 0);
  const runs = count(op, 'runs', opts.runs ?? 5, 1);
  const now = opts.now ?? defaultClock();
  const p = runner.packed;
  return p.levels.map((s, j) => {
    for (let i = 0; i < warm; i++) runner.apply(x, j);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = now();
      runner.apply(x, j);
      times.push(now() - t0);
    }
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    const latencyMs = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
    const pos = new Map(runner.positions().map((q) => [q.path, q.positions]));
    let bytes = 0, macs = 0, nnz = 0;
    for (const l of p.layers) {
      bytes += rowSparseBytes(l.rows, l.counts[j]!, l.cols);
      macs += rowSparseMacs(pos.get(l.path) ?? 0, l.rows, l.counts[j]!);
      nnz += l.rows * l.counts[j]!;
    }
    return { level: j, sparsity: s, latencyMs, bytes, macs, nnz };
  });
}

/**
 * A run-time budget: a latency deadline (ms per batch) and/or a memory cap (bytes of packed
 * weights). A bare number is a latency budget.
 * @example
 * ```ts
 * const b: Budget = { latencyMs: 4, bytes: 64_000 };
 * ```
 */
export type Budget = number | { latencyMs?: number | undefined; bytes?: number | undefined };

/**
 * The selected subnet.
 * @example
 * ```ts
 * const { level, fits } = dress.select(profiles, 3.5);
 * ```
 */
export interface Selection {
  level: number;
  /** False when no subnet fits and the sparsest was returned. */
  fits: boolean;
  profile: SubnetProfile;
}

function limit(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a number >= 0`, '>= 0', describe(v));
  return v;
}

/**
 * The densest subnet whose profiled latency and bytes fit the budget; if none fits, the
 * sparsest with `fits: false`. Pure: nothing but the returned integer changes.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a NaN or negative budget, a budget with neither
 *   field, or no profiles.
 * @example
 * ```ts
 * const model = nn.mlp([8, 3]), { params } = model.init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const runner = dress.packedRunner(model, dress.toSparse(dress.trainable(params, masks), masks));
 * const x = normal(key(1), [4, 6]), profiles = dress.profile(runner, x, { runs: 3 });
 * const sel = dress.select(profiles, { bytes: profiles[1]!.bytes }); // the densest subnet that fits
 * sel.level; // 1
 * runner.apply(x, sel.level).shape; // [4, 3]
 * ```
 */
export function select(profiles: readonly SubnetProfile[], budget: Budget): Selection {
  const op = 'dress.select';
  if (!Array.isArray(profiles) || profiles.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'profiles must be a non-empty array (from dress.profile)', 'SubnetProfile[]', describe(profiles));
  const b = typeof budget === 'number' ? { latencyMs: budget } : budget;
  if (b === null || typeof b !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'budget must be a number or {latencyMs?, bytes?}', 'Budget', describe(budget));
  if (b.latencyMs === undefined && b.bytes === undefined) throw new NumError('INVALID_ARGUMENT', op, 'budget must limit latencyMs or bytes', '{latencyMs?, bytes?}', describe(budget));
  const lat = b.latencyMs === undefined ? Infinity : limit(op, 'latencyMs', b.latencyMs);
  const bytes = b.bytes === undefined ? Infinity : limit(op, 'bytes', b.bytes);
  const sorted = [...profiles].sort((x, y) => x.level - y.level);
  const hit = sorted.find((p) => p.latencyMs <= lat && p.bytes <= bytes);
  if (hit !== undefined) return { level: hit.level, fits: true, profile: hit };
  const last = sorted[sorted.length - 1]!;
  return { level: last.level, fits: false, profile: last };
}
