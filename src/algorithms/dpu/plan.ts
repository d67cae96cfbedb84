/**
 * One server round as a list of named steps (spec §2, §6). Every method is the same plan with
 * different verbs plugged in:
 *
 * 1. `start`: the deployed model, or `w_init`;
 * 2. `full`: optionally train all parameters, accumulating local contributions;
 * 3. `select`: the weights that may change;
 * 4. `rewind`: every other selectable weight back to its start value (or to 0 for pruning);
 * 5. `masked`: train again with a masked optimizer (only the selected weights and the always-updated
 *    leaves move), keeping the checkpoint with the best validation accuracy;
 * 6. `deploy`: that checkpoint, or nothing when no checkpoint beat the start (update-or-not rule).
 */
import type { Params } from '../../tree.js';
import type { EmptyState } from '../../optim/base.js';
import { chain } from '../../optim/combine.js';
import type { Update, UpdateBase } from './codec.js';
import { trackLocalContribution } from './contribution.js';
import type { EdgeModel, ModelWeights } from './model.js';
import { edgeModel } from './model.js';
import type { Scores, Selection } from './selection.js';
import { partialUpdate, selectedCount } from './selection.js';
import type { PhaseState, Trainer } from './training.js';
import { trainPhase, valAccuracy } from './training.js';
import { createUpdate } from './update.js';

/**
 * Statistics of one round.
 *
 * @example
 * ```ts
 * result.stats.valStart; result.stats.bestEpoch;
 * ```
 */
export interface RoundStats {
  /** Validation accuracy of the start point (`w^{r−1}` or `w_init`). */
  valStart: number;
  /** Validation accuracy right after the rewind (null when the method does not rewind). */
  valRewind: number | null;
  /** Validation accuracy of the model the edge holds after the round. */
  valDeployed: number;
  /** Which checkpoint was deployed: a masked-phase epoch, −1 for the rewound model, null for none. */
  bestEpoch: number | null;
  /** Selectable weights the selection let change. */
  selected: number;
  /** λ used by the contribution metric (null for methods without it). */
  lambda: number | null;
  /** True when Σ local ≤ 0 forced λ = 1. */
  fallback: boolean;
  /** Epochs trained in this round. */
  epochs: number;
}

/**
 * The outcome of one round.
 *
 * @example
 * ```ts
 * const { deployed, update } = dpu.round(input, { ratio: 0.01 });
 * if (update !== null) send(dpu.encodeUpdate(update));
 * ```
 */
export interface RoundResult {
  /** The model the edge holds after this round (the old one when nothing is sent). */
  deployed: EdgeModel;
  /** What is sent to the edge; null when the round decided not to update. */
  update: Update | null;
  /** The weights this round was allowed to change. */
  selection: Selection;
  /** True when the deployed model restarted from `w_init` (advances the doubling rule). */
  restarted: boolean;
  stats: RoundStats;
}

/** What a method plugs into the plan. @internal */
export interface Plan {
  /** Start from w_init (re-init, or methods that always do). */
  fromInit: boolean;
  /** Whether starting from w_init counts as a restart for the doubling rule. */
  restart: boolean;
  /** Epochs of full updating before the selection (0: select at the start point). */
  fullEpochs: number;
  /** Accumulate local contributions during full updating. */
  track: boolean;
  select(start: ModelWeights, trained: ModelWeights, local: Scores | null): { selection: Selection; lambda: number | null; fallback: boolean };
  /** New params after the selection: `rewind` (to the start point) or `pruneTo` (to zero). */
  rewind(start: Params, trained: Params, selection: Selection): Params;
  maskedEpochs: number;
  /** What the update is relative to. */
  base: UpdateBase;
  /** Send every selectable weight. */
  full: boolean;
}

/** The best checkpoint so far under the update-or-not rule. @internal */
export interface Checkpoint {
  candidate: ModelWeights | null;
  best: number;
  bestEpoch: number | null;
}

/** Offers `w` (validation accuracy `acc`, from `epoch`) to the checkpoint; strict improvement only. @internal */
export function offer(c: Checkpoint, w: ModelWeights, acc: number, epoch: number, orEqual = false): void {
  if (acc > c.best || (orEqual && acc >= c.best)) {
    c.candidate = w;
    c.best = acc;
    c.bestEpoch = epoch;
  }
}

/** Step 6: the update of the best checkpoint, or none. @internal */
export function deploy(tr: Trainer, c: Checkpoint, base: UpdateBase, full: boolean, restart: boolean, fromInit: boolean, stats: RoundStats, selection: Selection): RoundResult {
  const input = tr.input;
  if (c.candidate === null) {
    if (fromInit) stats.valDeployed = valAccuracy(tr, input.deployed);
    return { deployed: input.deployed, update: null, selection, restarted: false, stats };
  }
  const update = createUpdate({
    round: input.round, deployed: input.deployed, next: c.candidate, base, full,
    ...(base === 'init' ? { init: input.init, seed: input.seed } : {}),
  });
  return { deployed: edgeModel(c.candidate, input.round), update, selection, restarted: restart, stats };
}

/** Runs the plan's steps in order. @internal */
export function runPlan(tr: Trainer, plan: Plan): RoundResult {
  const input = tr.input;
  // 1. start
  const start: ModelWeights = plan.fromInit ? input.init : input.deployed;
  const valStart = valAccuracy(tr, start);
  // 2. full
  let trained = start;
  let inner: unknown;
  let local: Scores | null = null;
  if (plan.fullEpochs > 0) {
    const phase = tr.phase(plan.fullEpochs);
    if (plan.track) {
      const tracked = trackLocalContribution(phase.transform);
      const r = trainPhase(tr, 'full', 1, tracked, tracked.init(start.params), start, plan.fullEpochs, phase.rateOfEpoch);
      trained = r.weights;
      inner = r.state.inner.inner;
      local = r.state.local;
    } else {
      const r = trainPhase(tr, 'full', 1, phase.transform, phase.transform.init(start.params), start, plan.fullEpochs, phase.rateOfEpoch);
      trained = r.weights;
      inner = r.state.inner;
    }
  }
  // 3. select, 4. rewind
  const chosen = plan.select(start, trained, local);
  const rewound: ModelWeights = { params: plan.rewind(start.params, trained.params, chosen.selection), modelState: trained.modelState };
  const ckpt: Checkpoint = { candidate: null, best: valStart, bestEpoch: null };
  let valRewind: number | null = null;
  if (plan.fullEpochs > 0) {
    valRewind = valAccuracy(tr, rewound);
    offer(ckpt, rewound, valRewind, -1, true);
  }
  // 5. masked
  const phase = tr.phase(plan.maskedEpochs);
  const masked = chain(phase.transform, partialUpdate(chosen.selection));
  const maskedState: [PhaseState, EmptyState] = inner === undefined ? masked.init(rewound.params) : [phase.enter(inner), {}];
  trainPhase(tr, 'masked', 2, masked, maskedState, rewound, plan.maskedEpochs, phase.rateOfEpoch, (e, w) => {
    const accuracy = valAccuracy(tr, w);
    offer(ckpt, w, accuracy, e);
    return { accuracy };
  });
  // 6. deploy
  const stats: RoundStats = {
    valStart, valRewind, valDeployed: ckpt.best, bestEpoch: ckpt.bestEpoch,
    selected: selectedCount(start.params, chosen.selection), lambda: chosen.lambda, fallback: chosen.fallback, epochs: tr.trained,
  };
  return deploy(tr, ckpt, plan.base, plan.full, plan.restart, plan.fromInit, stats, chosen.selection);
}
