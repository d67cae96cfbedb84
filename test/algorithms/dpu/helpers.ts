// Shared helpers for the DPU tests: a tiny classification problem that trains in milliseconds,
// raw-bit views of models, and a round input builder.
import { dpu, key, matmul, nn, normal, tree, type Dataset, type Params, type Tensor } from '../../../src/index.js';

/** Raw float32 bits of a tensor. */
export const bitsOf = (t: Tensor): Uint32Array => new Uint32Array(Float32Array.from(t.toTyped() as Float32Array).buffer);

/** Raw bits of every leaf of a tree, in leaf order. */
export const treeBits = (p: Params): number[] => tree.leaves(p).flatMap((t) => Array.from(bitsOf(t)));

/** Selectable weights (ndim ≥ 2) flattened in leaf order, as raw bits. */
export function selectableBits(p: Params): Uint32Array {
  return Uint32Array.from(tree.leaves(p).filter((t) => t.ndim >= 2).flatMap((t) => Array.from(bitsOf(t))));
}

/** Flat selection mask over the selectable weights (1 = may change). */
export function selectionFlags(params: Params, sel: dpu.Selection): Uint8Array {
  const ps = tree.leaves(params);
  const ms = tree.leaves(sel as tree.Tree<unknown>);
  const out: number[] = [];
  ps.forEach((p, i) => {
    if (p.ndim < 2) return;
    const m = ms[i];
    if (typeof m === 'boolean') out.push(...new Array<number>(p.size).fill(m ? 1 : 0));
    else out.push(...Array.from((m as Tensor).toTyped(), (v) => (v !== 0 ? 1 : 0)));
  });
  return Uint8Array.from(out);
}

/** A labelled toy dataset: 10-D Gaussian inputs, 3 classes from a fixed random linear map. */
export function toyData(n: number, seed: number): Dataset {
  const x = normal(key(seed), [n, 10]);
  const w = normal(key(12345), [10, 3]);
  const y = matmul(x, w).argmax({ axis: 1 }).astype('int32');
  return { x, y };
}

export const toyModel = (): nn.Layer<Params> => nn.mlp([12, 3]) as nn.Layer<Params>;

/** A round input on the toy problem (I = 10·12 + 12·3 = 156 selectable weights, D = 15). */
export function toyInput(over: Partial<dpu.RoundInput> = {}): dpu.RoundInput {
  const model = toyModel();
  const init = dpu.initialWeights(model, [10], 1);
  return {
    model, round: 0, deployed: dpu.edgeModel(init), init, seed: 1, reinit: false,
    train: toyData(96, 2), validation: toyData(64, 3),
    training: { epochs: 3, batchSize: 32, learningRate: 0.05 },
    key: key(4),
    ...over,
  };
}
