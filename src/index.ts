/**
 * edgegrad: tensors, reverse-mode autograd and edge-AI compression in pure TypeScript.
 * This module only re-exports; importing it runs no code (`"sideEffects": false`).
 * @packageDocumentation
 */
export { NumError, isNumError } from './errors.js';
export type { NumErrorCode } from './errors.js';

export type { DType, TypedArray } from './tensor/dtype.js';
export { DTYPES, isFloat, promoteTypes } from './tensor/dtype.js';
export { Tensor } from './tensor/tensor.js';
export type { AxisOptions, NestedArray, TensorLike } from './tensor/tensor.js';
export { arange, eye, fromTyped, full, ones, tensor, zeros } from './tensor/create.js';
export type { CreateOptions, TensorInput } from './tensor/create.js';
export {
  abs, add, astype, clip, div, equal, exp, floor, greater, greaterEqual, isnan, less, lessEqual, log,
  logicalAnd, logicalNot, logicalOr, maximum, minimum, mul, neg, notEqual, pow, relu, sigmoid, sign,
  sqrt, square, sub, tanh, where,
} from './tensor/ops/elementwise.js';
export { argmax, argmin, logSoftmax, logsumexp, max, mean, min, softmax, sum, sumTo } from './tensor/ops/reduce.js';
export {
  broadcastTo, concat, contiguous, expandDims, gather, pad, permute, reshape, scatterAdd, slice, squeeze,
  stack, transpose, unslice,
} from './tensor/ops/movement.js';
export { matmul, matmulInto } from './tensor/ops/matmul.js';
export { avgPool2d, col2im, conv2d, im2col, makeWindow, maxPool2d } from './tensor/ops/conv.js';
export type { Conv2dOptions, Padding, Pair, PoolOptions } from './tensor/ops/conv.js';
export type { Window } from './tensor/kernels/conv.js';
export { accuracy, batchNorm, crossEntropy, dropout, mseLoss } from './nn/functional.js';
export type { BatchNormOptions } from './nn/functional.js';
export * as nn from './nn/index.js';

export { customVjp, grad, noGrad, stopGradient, valueAndGrad, vjp } from './autograd/grad.js';
export type { GradOptions, GradsOf } from './autograd/grad.js';
export type { Params } from './tree.js';
export { gradcheck } from './autograd/check.js';
export type { GradcheckOptions, GradcheckResult } from './autograd/check.js';
export type { Prim } from './tensor/tape.js';

export { bernoulli, foldIn, key, normal, permutation, randint, split, uniform } from './random.js';
export type { Key, NormalOptions, UniformOptions } from './random.js';

export * as tree from './tree.js';
export type { Tree, TreeDef } from './tree.js';

export * as data from './data/index.js';
export { batches, mnistFromDigits, sampleTask } from './data/index.js';
export type { Dataset, Task } from './data/index.js';
export * as cost from './cost/index.js';
export type { Precision, PrecisionSpec, Summary, SummaryRow } from './cost/index.js';
export type { CostReport } from './cost/index.js';
export { loadTree, saveTree } from './io/index.js';
export type { LoadedTree, SavedLeaf } from './io/index.js';
export * from './optim/index.js';
export {
  EVAL_BATCH_SIZE, KEY_TAGS, classifierObjective, evaluate, fit, initTrain, phaseOptimizer, predict, purposeKey, recorder, trainStep,
} from './train/index.js';
export type {
  EpochStats, EvalOptions, FitOptions, Objective, PhaseOptimizer, PhaseReport, Recorder, Report, RunEvent, RunEventKind, StepCtx, StepOptions, TrainState,
} from './train/index.js';
export * as train from './train/index.js';
export * as quant from './quant/index.js';
export * as bitpack from './bitpack/index.js';
export * as alq from './algorithms/alq/index.js';
export * as dpu from './algorithms/dpu/index.js';
export * as dress from './algorithms/dress/index.js';
export * as rct from './algorithms/rct/index.js';
export { packBits, popcount32, unpackBits, xnorGemm, xnorGemmInto, binaryConv2d, multiBitGemm } from './bitpack/index.js';
export type { BitMatrix, MultiBitMatrix, OutputTransform } from './bitpack/index.js';
export * as sparse from './sparse/index.js';
export {
  checkCsr, csrConv2d, csrFromDense, csrFromMask, csrMatmulDense, csrMatmulDenseInto, csrMatvec, csrMatvecInto,
  csrToDense, csrTranspose, csrValues, denseMatmulCsrT, denseMatmulCsrTInto, eliminateZeros, rowBalancedFromCsr,
  rowBalancedFromDense, rowBalancedFromMask, sparseConv2d, sparseLinear, sparseMatmul, sumDuplicates, toCsr,
} from './sparse/index.js';
export type { Csr, RowBalancedCsr, SparseMatrix, SparsePattern } from './sparse/index.js';
export { dorefa, exportPacked, fixedPoint, steSign, steTern, stochasticRound, uniformQuantize } from './quant/index.js';
export type { Quantizer } from './quant/index.js';
export { backend } from './backend/index.js';
export type { BackendName } from './backend/index.js';
export * as pmeta from './algorithms/pmeta/index.js';
