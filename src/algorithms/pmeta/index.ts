/**
 * p-Meta (Qu, Zhou, Tong, Thiele, KDD 2022) as the `pmeta` namespace: meta-learning that adapts
 * only meta-selected layers (sparse, ReLU'd per-layer per-step learning rates) and channels
 * (meta attention) on the device, with MAML, FOMAML, ANIL, BOIL and MAML++-style rates as
 * baselines on the same machinery. Networks ({@link mlpNet}, {@link conv4Net}); the learner
 * ({@link metaLearner}); the outer step ({@link metaStep}), {@link finalize}; adaptation in the
 * on-device or meta-training form ({@link adapt}); the §5 memory ({@link adaptationMemory}).
 * See docs/pmeta.md. This module only re-exports.
 * @packageDocumentation
 */
export { conv4Net, costOps, layerChannels, mlpNet } from './arch.js';
export type { Net, OpSpec } from './arch.js';
export { attend, attentionLogits, attentionWidth, gammaOf, initAttention, topIndices } from './attention.js';
export type { AttentionParams, Pooling } from './attention.js';
export { checkMeta, keptOf, layerRho, learnables, metaLearner } from './learner.js';
export type { LearnerConfig, MetaLearner, MetaLearnerOptions, MetaState, MetaTrainState, Method, RateMode } from './learner.js';
export { alphaAt, forwardDense, innerLoopDense, taskLoss } from './inner.js';
export type { InnerParams, InnerResult, Selection } from './inner.js';
export { batchStatistics, evaluateQuery, finalize, metaObjective, metaStep, ratePenalty } from './meta.js';
export type { MetaStepResult, MetaTask } from './meta.js';
export { adapt } from './adapt.js';
export type { AdaptOptions, Adaptation } from './adapt.js';
export type { RegistryReport, SavedEntry } from './registry.js';
export { adaptationMemory } from './memory.js';
export type { PmetaMemory } from './memory.js';
export { meanCi, run } from './run.js';
export type { MeanCi, RunOptions, RunResult, TaskSource } from './run.js';
