/**
 * Bit-packed binary and multi-bit kernels (`bitpack`): the BitMatrix layout, packing, SWAR
 * popcount, the XNOR-popcount GEMM with fused output transform, multi-bit GEMM over bit-planes
 * (ALQ) and binary conv2d. Kernels take typed arrays and numbers (only `packBits` also accepts a
 * 2-D Tensor). This module only re-exports. Layout and usage: docs/bitpack.md.
 */
export { bitMatrix, packBits, popcount32, unpackBits } from './bitmatrix.js';
export type { BitMatrix } from './bitmatrix.js';
export type { OutputTransform } from './transform.js';
export { xnorGemm, xnorGemmInto, xnorGemmRef } from './xnor.js';
export { multiBitMatrix, multiBitPlane, multiBitToFloat, packMultiBit, packUnsignedActivations } from './multibit.js';
export type { MultiBitMatrix, UnsignedActivationOptions } from './multibit.js';
export { multiBitGemm, multiBitGemmInto, multiBitGemmRef } from './multibit-gemm.js';
export type { MultiBitActivations } from './multibit-gemm.js';
export { binaryConv2d, binaryConv2dShape } from './conv.js';
export type { BinaryConv2dOptions, BinaryPair } from './conv.js';
