/**
 * RCT-style resource-constrained training (after Huang et al., arXiv 2103.14493; design in
 * docs/rct.md), as the `rct` namespace: integer-only parameters ({@link quantizedParams}),
 * integer GEMMs in forward and backward (exec.ts), SGD rounded onto the grid
 * ({@link optimizer}) and a per-tensor bitwidth controller ({@link bitwidthController}).
 * This module only re-exports.
 * @packageDocumentation
 */
export {
  DEFAULT_BITS, checkQuantized, dequantize, quantizeTensor, quantizedParams, resolveBits,
} from './quantized.js';
export type { BitLimits, BitsOptions, QTensor, QuantizedParams, RctBits } from './quantized.js';
export { optimizer } from './optimizer.js';
export type { RctOptimizer, RctOptimizerOptions, RctOptState, Rounding, TensorCounters } from './optimizer.js';
export { bitwidthController } from './controller.js';
export type { BitChange, BitwidthController, ControllerOptions, ControllerState } from './controller.js';
export { lenet5, mlp, network } from './net.js';
export type { GemmLayer, RctLayer, RctNet } from './net.js';
export { GRAD_TILE } from './exec.js';
export type { ComputeOptions } from './exec.js';
export { config, evaluate, init, trainStep } from './train.js';
export type { ConfigOptions, RctConfig, RctState, TraceSegment } from './train.js';
export { loadState, saveState, stateTree } from './checkpoint.js';
export { energy, memory } from './cost.js';
export type { EnergyOptions, RctEnergy, RunTrace } from './cost.js';
export { floatBuffers } from './inspect.js';
export type { FoundBuffer } from './inspect.js';
export { fakeQuantize, qatView } from './baselines.js';
export { run, trainInteger } from './run.js';
export type { IntegerResult, RunMethod, RunOptions, RunResult } from './run.js';
