/** Quantizers with straight-through gradients and quantized parameter views (`quant` namespace). */
export { dorefa, fixedPoint, sign, steSign, steTern, stochasticRound, uniformQuantize } from './quantizers.js';
export type { Quantizer } from './quantizers.js';
export { quantizedView, viewPrecision } from './view.js';
export type { QuantizerSelect } from './view.js';
export { exportPacked, foldBatchNorm, isPackedBinary, packedBytes, toBitMatrix } from './export.js';
export type { PackedBinary, PackedModel } from './export.js';
