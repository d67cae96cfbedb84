/**
 * DPU — deep partial updating (Qu, Liu, Thiele, ECCV 2022), as the `dpu` namespace. A server
 * retrains on a growing dataset and sends the edge device only the `S = ⌊k·I⌋` weights that
 * matter most, chosen by a mix of each weight's local (path) and global (displacement)
 * contribution; every other weight stays bit-identical on the edge. Pieces: elementwise
 * selections and the masked-optimizer verb {@link partialUpdate}; contributions
 * ({@link trackLocalContribution}, {@link globalContribution}, {@link combineContributions});
 * global top-S {@link selectWeights}; one server {@link round}, its iterative-rewinding variant
 * {@link iterativeRound} and its baselines (also at its budget: {@link randomBudgetRound}); the update
 * wire format ({@link encodeUpdate}, {@link decodeUpdate}) and the edge's
 * {@link applyUpdate}; the multi-round driver {@link simulate}. See docs/dpu.md.
 * This module only re-exports.
 * @packageDocumentation
 */
export {
  budget, complement, isSelectable, partialUpdate, pruneTo, rewind, selectAll, selectRandom, selectWeights, selectableCount, selectedCount,
} from './selection.js';
export type { Scores, Selection } from './selection.js';
export { combineContributions, globalContribution, trackLocalContribution } from './contribution.js';
export type { CombinedMetric, CombineOptions, LocalContributionState } from './contribution.js';
export { edgeModel, fingerprint, initialWeights } from './model.js';
export type { EdgeModel, ModelWeights } from './model.js';
export { decodeUpdate, encodeUpdate } from './codec.js';
export type { Update, UpdateBase } from './codec.js';
export { applyUpdate, createUpdate } from './update.js';
export type { ApplyOptions, CreateUpdateOptions } from './update.js';
export {
  deepPartialUpdating, fullRound, fullUpdating, globalContributionUpdating, pruningRound, pruningUpdating, randomPartialUpdating,
  randomRound, round,
} from './round.js';
export type { DeepPartialOptions, DpuRoundOptions, Method, RatioOptions } from './round.js';
export { stepDecay } from './training.js';
export type { EpochSchedule, RoundInput, TrainingOptions } from './training.js';
export type { RoundResult, RoundStats } from './plan.js';
export { iterativePartialUpdating, iterativeRound, rewindingSchedule } from './iterative.js';
export type { IterativePartialOptions, IterativeRoundOptions, IterativeRoundResult } from './iterative.js';
export { iterativeGlobalUpdating, iterativePhases, randomBudgetRound, randomBudgetUpdating } from './budgeted.js';
export type { EqualBudgetOptions, RandomBudgetOptions } from './budgeted.js';
export { dataSchedule, reinitRounds, shouldReinit, simulate } from './simulate.js';
export type { RoundReport, SimulateOptions, SimulationResult } from './simulate.js';
