/**
 * The shared harness of every method: one training loop with an objective hook, one key scheme,
 * one evaluation helper, one event stream. See docs/methods.md.
 */
export { KEY_TAGS, purposeKey } from './keys.js';
export type { KeyPurpose } from './keys.js';
export { classifierObjective, fit, initTrain, trainStep } from './loop.js';
export type { EpochStats, FitOptions, Objective, StepCtx, StepOptions, TrainState } from './loop.js';
export { EVAL_BATCH_SIZE, evaluate, predict } from './evaluate.js';
export type { EvalOptions } from './evaluate.js';
export { recorder } from './events.js';
export type { Counters, Emit, PhaseReport, Recorder, Report, RunEvent, RunEventKind } from './events.js';
export { phaseOptimizer } from './phase.js';
export type { PhaseOptimizer } from './phase.js';
