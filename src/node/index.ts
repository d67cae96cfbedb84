/** `edgegrad/node`: Node-only helpers (files, progress bars, MNIST loading). */
export { loadFile, saveFile } from './files.js';
export { loadMnist } from './mnist.js';
export { loadFashionMnist } from './fashion.js';
export type { FashionLoadOptions, FashionLoadResult } from './fashion.js';
export { epochProgress, progressBar } from './progress.js';
export type { ProgressBar, ProgressOptions } from './progress.js';
export { runDemo } from './demo.js';
export type { DemoOptions, DemoResult } from './demo.js';
export { CHECKSUM_KEY, loadCheckpoint, saveCheckpoint, verifyCheckpoint } from './checkpoint.js';
export type { SaveCheckpointOptions } from './checkpoint.js';
