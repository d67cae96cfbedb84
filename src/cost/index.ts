/**
 * The resource model every method reports through: parameter counts, storage in bits and bytes
 * under per-leaf precisions, and a larq-style summary table. Runtime-neutral.
 * @packageDocumentation
 */
export { defaultPrecision, paramCount, storageBits, storageBytes } from './storage.js';
export type { Precision, PrecisionFn, PrecisionSpec, StorageReport } from './storage.js';
export { formatSummary, summary } from './summary.js';
export type { PrecisionGroup, Summary, SummaryRow, SummaryTotals } from './summary.js';
export { binaryEntropy, bitmaskPositionBits, entropyPositionBits, fullUpdateBits, golombBitsPerIndex, golombParameter, golombPositionBits, indexPositionBits, partialUpdateBits, payloadBits, type PartialUpdateBitsOptions } from './communication.js';
export { adaptationMacs, adaptationMemory, keptChannels } from './adaptation.js';
export type { AdaptationMemoryOptions, AdaptationMemoryReport, AdaptationOp } from './adaptation.js';
