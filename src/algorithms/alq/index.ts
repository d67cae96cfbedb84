/**
 * ALQ — adaptive loss-aware quantization for multi-bit networks (Qu, Zhou, Cheng, Thiele,
 * CVPR 2020), as the `alq` namespace. Weights become per-group sums of binary bases
 * `ŵ_g = Σ_i mask·α·β`; the optimizer steps the bases ({@link basisStep}, {@link steStep}) and the
 * coordinates ({@link coordinateStep}) on a diagonal quadratic model of the loss, and
 * {@link prune} removes the least important coordinates to reach a (fractional) average bitwidth.
 * {@link pack} exports bit-planes for `bitpack.multiBitGemm`. See docs/alq.md.
 * This module only re-exports.
 * @packageDocumentation
 */
export { channelwise, fromGroups, groupLayout, kernelwise, pixelwise, subchannelwise, toGroups } from './grouping.js';
export type { GroupLayout, Grouping } from './grouping.js';
export { sketch } from './sketch.js';
export type { SketchResult } from './sketch.js';
export { defaultGrouping, labels, quantize, reconstruct, view } from './state.js';
export type { AlqLayer, AlqMoments, AlqState, GroupingSpec, QuantizeOptions } from './state.js';
export { basisStep, coordinateStep, steStep } from './steps.js';
export type { CoordinateOptions, StepOptions } from './steps.js';
export { averageBits, prune, storage } from './prune.js';
export type { PruneOptions } from './prune.js';
export { isPackedLeaf, pack, packedBytes, packedPrecision } from './pack.js';
export { packedApply, packedPredict, toMultiBit } from './packed-apply.js';
export type { PackedAlqLeaf, PackedAlqModel } from './pack.js';
export type { PackedApplyOptions } from './packed-apply.js';
export { lenet5Grouping, lenet5Schedule } from './schedule.js';
export type { AlqSchedule } from './schedule.js';
export { run } from './pipeline.js';
export type { RunOptions, RunResult } from './pipeline.js';
