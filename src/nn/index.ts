/** Layers and reference models, exported as the `nn` namespace. */
export { avgPool2d, batchNorm1d, batchNorm2d, conv2d, dropout, flatten, linear, maxPool2d, quantizeActivations, relu, sequential } from './layers.js';
export type { BatchNormParams, Ctx, DenseParams, Init, Layer, WeightKernels } from './layers.js';
export { conv4, lenet5, mlp, vggSmall } from './models.js';
export { loadStateDict, stateDict } from './state-dict.js';
export type { LoadStateDictOptions, LoadStateDictResult, StateDictOptions, StateDictRename } from './state-dict.js';
