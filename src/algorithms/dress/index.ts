/**
 * DRESS — dynamic real-time sparse subnets (Qu, Sarwar, Dong, Li, Sumbul, De Salvo, CVPR 2022
 * ECV workshop), as the `dress` namespace. One backbone holds K nested row-sparse subnets: one
 * per-row ranking gives every level's mask ({@link nestedMasks}, {@link view}), all subnets train
 * jointly on `Σ_j α_j L_j` ({@link trainStep}, {@link objective}), the packed model stores only
 * the densest subnet, rank-ordered, so subnet j is a prefix of every row ({@link toSparse}), and
 * {@link select} picks the densest subnet that fits a run-time budget. See docs/dress.md.
 * This module only re-exports.
 * @packageDocumentation
 */
export { DEFAULT_LEVELS, defaultLayers, maskOf, nestedMasks } from './masks.js';
export type { Criterion, DressLayer, DressState, LayerSelection, NestedMaskOptions } from './masks.js';
export { rankRowsInto, rankRowsRef } from './rank.js';
export { labels, refresh, trainable, view } from './view.js';
export type { DressParams, TrainableOptions } from './view.js';
export { initTrainState, objective, optimizer, trainStep } from './train.js';
export type { DressTrainState, JointOptions, LossFn, OptimizerOptions, TrainStepOptions } from './train.js';
export { relayout, subnetBytes, toSparse, unpackLayer } from './pack.js';
export type { ColumnArray, PackedDress, PackedLayer, ToSparseOptions } from './pack.js';
export { decodePacked, encodePacked } from './codec.js';
export { packedRunner } from './infer.js';
export type { PackedRunner, PackedRunnerOptions } from './infer.js';
export { kernelPath } from './paths.js';
export type { KernelPath } from './paths.js';
export { profile, select } from './select.js';
export type { Budget, ProfileOptions, Selection, SubnetProfile } from './select.js';
export { packedAccuracy, run } from './run.js';
export type { RunOptions, RunResult } from './run.js';
export { independentModels, prefixModels } from './baselines.js';
export type { BaselineOptions, PrunedModel } from './baselines.js';
