/**
 * Optimizers as composable gradient transformations (after optax). See `docs/optim.md`.
 * This module only re-exports.
 * @packageDocumentation
 */
export { applyUpdates } from './base.js';
export type { EmptyState, Extra, GradientTransformation, Mask, MaskLeaf, ScalarOrSchedule, Schedule, StateOf } from './base.js';
export {
  addDecayedWeights, clipByGlobalNorm, globalNorm, identity, scale, scaleByAdam, scaleByAmsgrad, scaleByLearningRate, trace,
} from './transforms.js';
export type {
  ScaleByAdamOptions, ScaleByAdamState, ScaleByAmsgradState, ScaleByLearningRateState, TraceOptions, TraceState,
} from './transforms.js';
export { chain, freeze, injectHyperparams, masked, partition } from './combine.js';
export type {
  ChainState, InjectHyperparamsOptions, InjectHyperparamsState, Injectable, InjectableArgs, Labels, MaskedState, PartitionState,
} from './combine.js';
export { adam, adamw, amsgrad, momentum, sgd } from './alias.js';
export type {
  AdamOptions, AdamState, AdamwOptions, AdamwState, AmsgradState, MomentumOptions, MomentumState, SgdOptions, SgdState,
} from './alias.js';
export * as schedules from './schedules.js';
export type { CosineOptions, ExponentialOptions, StepOptions, WarmupOptions } from './schedules.js';
export type { ParamView } from './view.js';
export { skipNotFinite } from './finite.js';
export type { SkipNotFiniteOptions, SkipNotFiniteState } from './finite.js';
