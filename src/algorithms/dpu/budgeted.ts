/**
 * Equal-compute baselines for {@link iterativeRound} (our design, not the paper's). DPU-iter
 * trains one full phase and then one masked phase per rewinding step, `1 + ⌈log k / log shrink⌉`
 * phases of E epochs in all, where GCPU and RPU train 2E. Comparing DPU-iter with them compares
 * budgets as much as selection metrics. Two baselines at DPU-iter's budget close that gap:
 *
 * - `GCPU-iter`: {@link iterativePartialUpdating} with λ = 1, the same schedule ranked by the
 *   global contribution alone;
 * - `RPU-iter` ({@link randomBudgetRound}): RPU's random per-layer selection, made once at the
 *   start point, then as many masked phases of E epochs as DPU-iter trains phases (full phase
 *   included), each phase restarting the learning-rate schedule with the optimizer state carried
 *   over, exactly as DPU-iter's phases do. So the two see the same number of epochs, steps and
 *   learning rates; only what is trained differs. Random weights cannot be chosen better by
 *   training everything first, so the full phase becomes one more masked phase rather than wasted
 *   compute. Every epoch of every phase changes the same `≈ k·I` weights, so every epoch is a
 *   deployable checkpoint (DPU-iter can deploy only from its last phase): this favours RPU-iter,
 *   which is the side a control should err on.
 */
import type { EmptyState } from '../../optim/base.js';
import { chain } from '../../optim/combine.js';
import { purposeKey } from '../../train/keys.js';
import { positiveInt } from '../../validate.js';
import { iterativePartialUpdating, rewindingSchedule } from './iterative.js';
import type { ModelWeights } from './model.js';
import { deploy, offer } from './plan.js';
import type { Checkpoint, RoundResult, RoundStats } from './plan.js';
import type { Method } from './round.js';
import { checkRatio, partialUpdate, selectRandom, selectedCount } from './selection.js';
import { trainPhase, trainer, valAccuracy } from './training.js';
import type { PhaseState, RoundInput } from './training.js';

/**
 * The number of training phases of E epochs that {@link iterativeRound} runs at ratio k and
 * factor `shrink`: the full phase plus one masked phase per rewinding step.
 *
 * @throws {NumError} `OUT_OF_RANGE` for k outside (0, 1] or shrink outside (0, 1).
 * @example
 * ```ts
 * // one full phase, then seven masked phases (budgets 50 %, 25 %, …, 1.5625 %, 1 %)
 * dpu.iterativePhases(0.01, 0.5); // 8
 * dpu.iterativePhases(0.1, 0.8); // 12
 * ```
 */
export function iterativePhases(ratio: number, shrink = 0.8): number {
  return 1 + rewindingSchedule(0, ratio, shrink).length;
}

/**
 * Options of {@link randomBudgetRound}.
 *
 * @example
 * ```ts
 * const opts: dpu.RandomBudgetOptions = { ratio: 0.01, phases: dpu.iterativePhases(0.01, 0.5) };
 * ```
 */
export interface RandomBudgetOptions {
  /** Updating ratio k: `round(k·I_l)` random weights per layer may change. */
  ratio: number;
  /** Masked phases of E epochs each (≥ 1). */
  phases: number;
}

/**
 * One round of random partial updating at a given budget: from the deployed model (or `w_init`
 * when `input.reinit`), pick `round(k·I_l)` random weights per layer from
 * `purposeKey(input.key, 'method', 0)` (the same selection as {@link randomRound}), then train
 * `phases` masked phases of E epochs; phase p restarts the learning-rate schedule, keeps the
 * optimizer state, and trains from `purposeKey(input.key, 'method', 2 + p)`. The best validation
 * checkpoint over all epochs is deployed if it beats the start; otherwise nothing is sent.
 * `stats.bestEpoch` counts epochs across phases (0-based).
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.randomBudgetRound({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 1 }, key: key(7) }, { ratio: 0.25, phases: 3 });
 * r.stats.epochs; // 3
 * ```
 */
export function randomBudgetRound(input: RoundInput, opts: RandomBudgetOptions): RoundResult {
  const op = 'dpu.randomBudgetRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  const phases = positiveInt(op, 'phases', opts.phases);
  const start: ModelWeights = input.reinit ? input.init : input.deployed;
  const valStart = valAccuracy(tr, start);
  const selection = selectRandom(purposeKey(input.key, 'method', 0), start.params, ratio);
  const ckpt: Checkpoint = { candidate: null, best: valStart, bestEpoch: null };
  let w = start;
  let inner: unknown;
  for (let p = 0; p < phases; p++) {
    const phase = tr.phase(tr.epochs);
    const masked = chain(phase.transform, partialUpdate(selection));
    const state: [PhaseState, EmptyState] = p === 0 ? masked.init(w.params) : [phase.enter(inner), {}];
    const before = p * tr.epochs;
    const r = trainPhase(tr, 'masked', 2 + p, masked, state, w, tr.epochs, phase.rateOfEpoch, (e, weights) => {
      const accuracy = valAccuracy(tr, weights);
      offer(ckpt, weights, accuracy, before + e);
      return { accuracy };
    });
    w = r.weights;
    inner = r.state[0].inner;
  }
  const stats: RoundStats = {
    valStart, valRewind: null, valDeployed: ckpt.best, bestEpoch: ckpt.bestEpoch,
    selected: selectedCount(start.params, selection), lambda: null, fallback: false, epochs: tr.trained,
  };
  return deploy(tr, ckpt, input.reinit ? 'init' : 'deployed', false, input.reinit, input.reinit, stats, selection);
}

/**
 * Options of {@link randomBudgetUpdating} and {@link iterativeGlobalUpdating}.
 *
 * @example
 * ```ts
 * const opts: dpu.EqualBudgetOptions = { ratio: 0.01, shrink: 0.5 };
 * ```
 */
export interface EqualBudgetOptions {
  /** Updating ratio k. */
  ratio: number;
  /** DPU-iter's fraction kept per rewinding step, which fixes the budget; default 0.8. */
  shrink?: number | undefined;
  /** Follow the doubling re-initialisation rule; default false. */
  reinit?: boolean | undefined;
}

/**
 * RPU at DPU-iter's budget as a {@link Method} named `'RPU-iter'`: {@link randomBudgetRound}
 * with `iterativePhases(ratio, shrink)` phases every round.
 *
 * @throws {NumError} `OUT_OF_RANGE` for k outside (0, 1] or shrink outside (0, 1).
 * @example
 * ```ts
 * const rpuIter = dpu.randomBudgetUpdating({ ratio: 0.01, shrink: 0.5 }); // 8 masked phases per round
 * ```
 */
export function randomBudgetUpdating(opts: EqualBudgetOptions): Method {
  checkRatio('dpu.randomBudgetUpdating', opts?.ratio);
  const o: RandomBudgetOptions = { ratio: opts.ratio, phases: iterativePhases(opts.ratio, opts.shrink ?? 0.8) };
  return { name: 'RPU-iter', reinit: opts.reinit ?? false, round: (input) => randomBudgetRound(input, o) };
}

/**
 * GCPU at DPU-iter's budget as a {@link Method} named `'GCPU-iter'`: {@link iterativeRound}
 * with λ = 1, so every rewinding step ranks the still-selected weights by the global
 * contribution `(w − w^s)²` alone; schedule, phases and checkpoints are DPU-iter's.
 *
 * @throws {NumError} `OUT_OF_RANGE` for k outside (0, 1] or shrink outside (0, 1).
 * @example
 * ```ts
 * const gcpuIter = dpu.iterativeGlobalUpdating({ ratio: 0.01, shrink: 0.5 });
 * ```
 */
export function iterativeGlobalUpdating(opts: EqualBudgetOptions): Method {
  checkRatio('dpu.iterativeGlobalUpdating', opts?.ratio);
  return iterativePartialUpdating({ ratio: opts.ratio, lambda: 1, shrink: opts.shrink, reinit: opts.reinit ?? false, name: 'GCPU-iter' });
}
