/**
 * Sparse matrices (`sparse`): compressed sparse rows and the row-balanced layout, structural
 * checks, canonicalisation, SpMV / SpMM / dense × sparseᵀ kernels, and differentiable sparse
 * linear and conv ops that train on a fixed pattern. This module only re-exports.
 * Layout and usage: docs/sparse.md.
 */
export {
  checkCsr, csrTranspose, eliminateZeros, nnz, rowBalancedFromCsr, sumDuplicates, toCsr,
} from './csr.js';
export type { CheckCsrOptions, Csr, RowBalancedCsr, SparseMatrix, SparsePattern } from './csr.js';
export { csrFromDense, csrFromMask, csrToDense, csrValues, rowBalancedFromDense, rowBalancedFromMask } from './build.js';
export type { CsrFromDenseOptions, RowBalancedOptions } from './build.js';
export type { SpmmMode } from './kernels.js';
export {
  csrConv2d, csrMatmulDense, csrMatmulDenseInto, csrMatvec, csrMatvecInto, denseMatmulCsrT, denseMatmulCsrTInto,
  sparseConv2d, sparseLinear, sparseMatmul,
} from './ops.js';
export type { SparseConv2dOptions } from './ops.js';
