/**
 * The DRESS stage shared by `npm run demo` and `npm run repro:dress`: from a trained LeNet5,
 * `dress.run` trains four nested row-sparse subnets jointly, packs them into one rank-ordered
 * model, profiles every subnet on the sparse kernels and prints level / sparsity / nnz / KB /
 * accuracy / ms per batch, then a budget trace: a deadline that tightens and relaxes, and the
 * subnet `dress.select` switches to at each step (an integer and a BN set, nothing else).
 */
import { data, dress } from '../index.js';
import type { Dataset, Key, Params, nn } from '../index.js';

/** Options of {@link runDressStage}. */
export interface DressStageOptions {
  model: nn.Layer<Params>;
  params: Params;
  modelState: Params;
  train: Dataset;
  test: Dataset;
  key: Key;
  /** Joint epochs on the first `trainSize` images. */
  epochs: number;
  trainSize?: number | undefined;
  levels?: readonly number[] | undefined;
  log: (line: string) => void;
}

/** What {@link runDressStage} measured. */
export interface DressStageResult {
  run: dress.RunResult;
  /** Budget (ms per batch) → selected level, fits. */
  trace: { budgetMs: number; level: number; fits: boolean }[];
  seconds: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * Runs the stage (see the module comment).
 * @example
 * ```ts
 * runDressStage({ model, params, modelState, train, test, key: key(0), epochs: 1, trainSize: 2000, log: console.log });
 * ```
 */
export function runDressStage(opts: DressStageOptions): DressStageResult {
  const { log } = opts;
  const t0 = performance.now();
  const n = Math.min(opts.trainSize ?? opts.train.y.shape[0]!, opts.train.y.shape[0]!);
  const train = data.take(opts.train, Array.from({ length: n }, (_, i) => i));
  const levels = opts.levels ?? dress.DEFAULT_LEVELS;
  log(`DRESS: ${levels.length} nested row-sparse subnets of the trained LeNet5 (sparsity ${levels.map((s) => `${100 * s}%`).join(', ')}), `
    + `joint training ${opts.epochs} epoch(s) on ${n} images, masks ranked by |W| every step, Σ α_j L_j with α_j = 1/${levels.length}`);
  let last = performance.now();
  const r = dress.run({
    model: opts.model, params: opts.params, modelState: opts.modelState, train, test: opts.test, key: opts.key, epochs: opts.epochs, levels,
    onEvent: (e) => {
      if (e.kind !== 'epoch') return;
      const now = performance.now();
      const accs = Object.keys(e.metrics).filter((k) => k.startsWith('accuracy')).map((k) => pct(e.metrics[k]!));
      log(`  ${e.phase} epoch ${e.epoch + 1}: train loss ${e.metrics['trainLoss']!.toFixed(4)}, test acc per subnet ${accs.join(' / ')}  (${((now - last) / 1000).toFixed(1)}s)`);
      last = now;
    },
  });
  log('');
  log('level  sparsity      nnz   packed KB   test acc   ms/batch (64, sparse kernels)');
  for (const p of r.profiles) {
    log(`${String(p.level).padStart(5)} ${`${(100 * p.sparsity).toFixed(2)}%`.padStart(9)} ${String(p.nnz).padStart(8)} ${(p.bytes / 1000).toFixed(1).padStart(11)} `
      + `${pct(r.accuracy[p.level]!).padStart(10)} ${p.latencyMs.toFixed(2).padStart(10)}`);
  }
  const separate = r.profiles.reduce((a, p) => a + p.bytes, 0);
  log(`one packed model: ${(r.profiles[0]!.bytes / 1000).toFixed(1)} KB of weights + indices for all ${r.profiles.length} subnets `
    + `(${(separate / 1000).toFixed(1)} KB as ${r.profiles.length} separate models); encoded file ${(dress.encodePacked(r.packed).length / 1000).toFixed(1)} KB`);
  const lat = r.profiles.map((p) => p.latencyMs);
  const hi = Math.max(...lat), lo = Math.min(...lat);
  const budgets = [1.2 * hi, 0.5 * (hi + lo), 1.05 * lo, 0.5 * lo, 0.5 * (hi + lo), 1.2 * hi];
  const trace = budgets.map((b) => {
    const s = dress.select(r.profiles, b);
    return { budgetMs: b, level: s.level, fits: s.fits };
  });
  log(`budget trace (deadline ms/batch → subnet): ${trace.map((t) => `${t.budgetMs.toFixed(2)} → ${t.level}${t.fits ? '' : ' (none fits: sparsest)'}`).join(', ')}`);
  const seconds = (performance.now() - t0) / 1000;
  log(`DRESS took ${seconds.toFixed(0)}s`);
  return { run: r, trace, seconds };
}
