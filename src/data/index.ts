/**
 * Datasets, seeded batching and splitting, normalisation, MNIST from per-digit arrays and
 * few-shot task sampling. Runtime-neutral: no Node imports, no ambient randomness.
 * @packageDocumentation
 */
export { batches, normalize, shuffle, splitDataset, take } from './dataset.js';
export type { BatchOptions, Dataset } from './dataset.js';
export { MNIST_MEAN, MNIST_STD, mnistFromDigits } from './mnist.js';
export type { MnistOptions, MnistSplit } from './mnist.js';
export { FASHION_CLASSES, FASHION_MEAN, FASHION_STD, fashionFromBytes } from './fashion.js';
export type { FashionOptions, FashionSplit } from './fashion.js';
export { classIndex, sampleTask } from './fewshot.js';
export type { ClassIndex, Task, TaskOptions } from './fewshot.js';
export { sampleSinusoidTask } from './sinusoid.js';
export type { RegressionSet, SinusoidOptions, SinusoidTask } from './sinusoid.js';
