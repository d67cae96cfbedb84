/**
 * Deep partial updating with iterative rewinding (spec §7, the reference's single-round
 * ImageNet script). One full-updating phase, then the selectable budget shrinks geometrically,
 * `ρ ← max(k, shrink·ρ)` from ρ = 1, and every step keeps the best `⌊ρ·I⌋` of the weights still
 * selected, rewinds the rest to the start point and retrains the survivors with the masked
 * optimizer. Rewinding 99 % of the weights at once (a plain {@link round} at k = 0.01) throws away
 * most of what full updating learnt; shrinking by a fifth at a time lets the survivors absorb it.
 * The price is ⌈log k / log shrink⌉ masked phases instead of one.
 */
import type { EmptyState } from '../../optim/base.js';
import { chain } from '../../optim/combine.js';
import { NumError, describe } from '../../errors.js';
import { checkLambda, combineContributions, globalContribution, trackLocalContribution } from './contribution.js';
import type { LocalContributionState } from './contribution.js';
import type { ModelWeights } from './model.js';
import { deploy, offer } from './plan.js';
import type { Checkpoint, RoundResult, RoundStats } from './plan.js';
import type { Method } from './round.js';
import type { Selection } from './selection.js';
import { budget, checkRatio, partialUpdate, restrictScores, rewind, selectAll, selectWeights, selectedCount } from './selection.js';
import { trainPhase, trainer, valAccuracy } from './training.js';
import type { PhaseState, RoundInput } from './training.js';

/**
 * Options of {@link iterativeRound}.
 *
 * @example
 * ```ts
 * const opts: dpu.IterativeRoundOptions = { ratio: 0.01, lambda: 0.5, shrink: 0.8 };
 * ```
 */
export interface IterativeRoundOptions {
  /** Updating ratio k: at most `⌊k·I⌋` selectable weights change. */
  ratio: number;
  /** λ of the combined metric; default 0.5. */
  lambda?: number | undefined;
  /** Fraction of the selected weights kept per step, in (0, 1); default 0.8 (the reference's fixing ratio 0.2). */
  shrink?: number | undefined;
}

/**
 * The outcome of {@link iterativeRound}: a {@link RoundResult} whose stats also list how many
 * selectable weights each masked phase kept (decreasing, ending at `⌊k·I⌋`).
 *
 * @example
 * ```ts
 * const r: dpu.IterativeRoundResult = dpu.iterativeRound(input, { ratio: 0.1 });
 * r.stats.kept; // e.g. [124, 99, 79, …, 15]
 * ```
 */
export interface IterativeRoundResult extends RoundResult {
  stats: RoundStats & { kept: number[] };
}

/**
 * The budgets `⌊ρ·I⌋` of the masked phases for `ρ ← max(k, shrink·ρ)` from ρ = 1 until ρ = k.
 *
 * @throws {NumError} `OUT_OF_RANGE` for k outside (0, 1] or shrink outside (0, 1).
 * @example
 * ```ts
 * dpu.rewindingSchedule(100, 0.1).length; // 11
 * ```
 */
export function rewindingSchedule(size: number, ratio: number, shrink = 0.8): number[] {
  const op = 'dpu.rewindingSchedule';
  if (!Number.isSafeInteger(size) || size < 0) throw new NumError('INVALID_ARGUMENT', op, 'size must be a non-negative integer', 'integer >= 0', describe(size));
  const k = checkRatio(op, ratio);
  if (!(k > 0)) throw new NumError('OUT_OF_RANGE', op, 'ratio must be positive', '0 < ratio <= 1', describe(ratio));
  if (typeof shrink !== 'number' || !(shrink > 0 && shrink < 1)) throw new NumError('OUT_OF_RANGE', op, 'shrink must be in (0, 1)', '0 < shrink < 1', describe(shrink));
  const out: number[] = [];
  let rho = 1;
  do {
    rho = Math.max(k, shrink * rho);
    out.push(Math.floor(rho * size));
  } while (rho > k);
  return out;
}

type Tracked = LocalContributionState<[PhaseState, EmptyState]>;

/**
 * One server round of deep partial updating with iterative rewinding (spec §7): train all
 * parameters E epochs from the start point while accumulating local contributions; then, for
 * each budget of {@link rewindingSchedule}, rank the still-selected weights by
 * `λ ĝ + (1 − λ) l̂` (global contribution against the start point, local contribution
 * accumulated over all phases so far and forgotten for dropped weights), keep the top budget,
 * rewind the others to their start values and train E epochs with the masked optimizer (local
 * contributions keep accumulating; optimizer state carries over, the learning-rate schedule
 * restarts). Only the last phase, where exactly `⌊k·I⌋` weights may differ, is deployable: its
 * rewound model (if at least as good as the start on validation) and every epoch that beats
 * the best so far. If nothing beat the start, nothing is sent. Masked phase p trains from the
 * root `purposeKey(input.key, 'method', 2 + p)`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.iterativeRound({ model, round: 1, deployed: dpu.edgeModel(wInit, 0), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 2 }, key: key(7) }, { ratio: 0.25 });
 * r.stats.kept.at(-1); // 3 (⌊0.25 · I⌋)
 * ```
 */
export function iterativeRound(input: RoundInput, opts: IterativeRoundOptions): IterativeRoundResult {
  const op = 'dpu.iterativeRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  const lambda = checkLambda(op, opts.lambda);
  const start: ModelWeights = input.reinit ? input.init : input.deployed;
  const schedule = rewindingSchedule(budget(start.params, 1), ratio, opts.shrink ?? 0.8);
  const valStart = valAccuracy(tr, start);

  const fullPhase = tr.phase(tr.epochs);
  const full = trackLocalContribution(fullPhase.transform);
  const first = trainPhase(tr, 'full', 1, full, full.init(start.params), start, tr.epochs, fullPhase.rateOfEpoch);
  let w = first.weights;
  let inner: unknown = first.state.inner.inner;
  let local = first.state.local;
  let selection: Selection = selectAll(start.params);
  const ckpt: Checkpoint = { candidate: null, best: valStart, bestEpoch: null };
  let valRewind: number | null = null;
  let usedLambda = lambda;
  let fallback = false;

  schedule.forEach((count, p) => {
    const last = p === schedule.length - 1;
    const m = combineContributions(local, globalContribution(start.params, w.params), { lambda });
    usedLambda = m.lambda;
    fallback ||= m.fallback;
    selection = selectWeights(restrictScores(m.metric, selection, -Infinity), count);
    w = { params: rewind(start.params, w.params, selection), modelState: w.modelState };
    if (last) {
      valRewind = valAccuracy(tr, w);
      offer(ckpt, w, valRewind, -1, true);
    }
    const phase = tr.phase(tr.epochs);
    const masked = trackLocalContribution(chain(phase.transform, partialUpdate(selection)));
    const state: Tracked = { inner: [phase.enter(inner), {}], local: restrictScores(local, selection, 0) };
    const r = trainPhase(tr, 'masked', 2 + p, masked, state, w, tr.epochs, phase.rateOfEpoch, (e, weights) => {
      if (!last) return;
      const accuracy = valAccuracy(tr, weights);
      offer(ckpt, weights, accuracy, e);
      return { accuracy };
    });
    w = r.weights;
    inner = r.state.inner[0].inner;
    local = r.state.local;
  });

  const stats: RoundStats & { kept: number[] } = {
    valStart, valRewind, valDeployed: ckpt.best, bestEpoch: ckpt.bestEpoch,
    selected: selectedCount(start.params, selection), lambda: usedLambda, fallback, epochs: tr.trained,
    kept: schedule,
  };
  const result = deploy(tr, ckpt, input.reinit ? 'init' : 'deployed', false, input.reinit, input.reinit, stats, selection);
  return { ...result, stats };
}

/**
 * Options of {@link iterativePartialUpdating}.
 *
 * @example
 * ```ts
 * const opts: dpu.IterativePartialOptions = { ratio: 0.01, reinit: false };
 * ```
 */
export interface IterativePartialOptions extends IterativeRoundOptions {
  /** Follow the doubling re-initialisation rule; default false (the reference runs this variant once, from a trained model). */
  reinit?: boolean | undefined;
  /** Name in reports; default `'DPU-iter'`. */
  name?: string | undefined;
}

/**
 * Deep partial updating with iterative rewinding as a {@link Method} ({@link iterativeRound}
 * every round).
 *
 * @example
 * ```ts
 * const data = { x: normal(key(1), [48, 4]), y: randint(key(2), [48], 0, 3) };
 * const res = dpu.simulate({ model: nn.mlp([3]), inputShape: [4], train: data, validation: data, test: data,
 *   initialSize: 16, increment: 16, rounds: 2, training: { epochs: 1 }, method: dpu.iterativePartialUpdating({ ratio: 0.25 }) });
 * res.rounds.length; // 2
 * ```
 */
export function iterativePartialUpdating(opts: IterativePartialOptions): Method {
  const op = 'dpu.iterativePartialUpdating';
  checkRatio(op, opts?.ratio);
  rewindingSchedule(0, opts.ratio, opts.shrink ?? 0.8);
  const o: IterativeRoundOptions = { ratio: opts.ratio, lambda: opts.lambda, shrink: opts.shrink };
  return { name: opts.name ?? 'DPU-iter', reinit: opts.reinit ?? false, round: (input) => iterativeRound(input, o) };
}
