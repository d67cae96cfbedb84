// The training run shared by the checkpoint tests and their child process: a small MLP trained
// with fit in chunks of `every` steps, a checkpoint of the whole TrainState after each chunk.
import { Tensor, adam, fit, initTrain, key, nn, normal, randint, tree } from '../../src/index.js';
import type { Params, TrainState } from '../../src/index.js';

export const model = nn.mlp([16, 3]);
export const data = { x: normal(key(1), [60, 8]), y: randint(key(2), [60], 0, 3) };
export const fitOpts = { optimizer: adam(1e-2), model, train: data, batchSize: 16, epochs: 3, key: key(9) };
/** 4 batches per epoch, 12 steps in all. */
export const TOTAL_STEPS = 12;

export function initial(): TrainState<unknown> {
  const init = model.init(key(0), [8]);
  return initTrain(init.params, init.state, fitOpts.optimizer) as TrainState<unknown>;
}

export function advance(st: TrainState<unknown>, steps: number): TrainState<unknown> {
  return fit(st, { ...fitOpts, maxSteps: steps }).state;
}

/** Every leaf exactly: tensors by their bytes, other leaves by value. */
export const bits = (p: Params): unknown[] => tree.leaves(p).map((t: unknown) => (t instanceof Tensor ? Array.from(new Uint8Array(t.toTyped().buffer)) : t));
