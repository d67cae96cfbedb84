/**
 * The resource model every method reports through (the only place that turns counts into bits,
 * bytes, MACs, joules, peak memory and bits sent): parameter counts, storage in bits and bytes
 * under per-leaf precisions, a larq-style summary table, the 45 nm energy table with MAC and GEMM
 * energies, training-step memory, and the `CostReport` record of run events. Runtime-neutral.
 * @packageDocumentation
 */
export { defaultPrecision, paramCount, storageBits, storageBytes } from './storage.js';
export type { Precision, PrecisionFn, PrecisionSpec, StorageReport } from './storage.js';
export { formatSummary, summary } from './summary.js';
export type { PrecisionGroup, Summary, SummaryRow, SummaryTotals } from './summary.js';
export { binaryEntropy, bitmaskPositionBits, entropyPositionBits, fullUpdateBits, golombBitsPerIndex, golombParameter, golombPositionBits, indexPositionBits, partialUpdateBits, payloadBits, type PartialUpdateBitsOptions } from './communication.js';
export { combineCosts, costReport, pJ } from './report.js';
export type { CostReport } from './report.js';
export { ENERGY_45NM, accessEnergy, intAddEnergy, intMulEnergy, macEnergy, movementEnergy, opEnergy, parameterMovement, parameterMovementBits } from './energy.js';
export type { MemoryLevel, NumberFormat, Operand } from './energy.js';
export { gemmEnergy, layerMacs, trainingMacs } from './macs.js';
export type { GemmBits, GemmEnergy, PassMacs, TrainingMacs } from './macs.js';
export { layerSpecs } from './layers.js';
export type { LayerDesc, LayerDescCommon, LayerKind, LayerSpec } from './layers.js';
export { adaptationMacs, adaptationMemory, keptChannels } from './adaptation.js';
export type { AdaptationMemoryOptions, AdaptationMemoryReport, AdaptationOp } from './adaptation.js';
export { OPTIMIZER_SLOTS, parameterMemory, trainingMemory } from './memory.js';
export type { BitSegment, LayerMemory, ParameterMemory, TrainingMemory, TrainingMemoryOptions } from './memory.js';
export { modelLayerSpecs } from './model.js';
export { rowSparseBytes, rowSparseMacs } from './sparse.js';
export { multiBitStorage } from './multibit.js';
export type { MultiBitLayerCounts, MultiBitStorage } from './multibit.js';
