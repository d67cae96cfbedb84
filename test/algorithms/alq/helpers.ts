// Shared helpers of the ALQ tests: small parameter trees, synthetic gradients, pruned states, and
// plain re-implementations of the spec formulas the tests compare against.
import { alq, fromTyped, key, normal, tensor, tree, type Params, type Tensor } from '../../../src/index.js';
import type { AlqLayer, AlqState } from '../../../src/algorithms/alq/index.js';

/** A conv + linear parameter tree exercising every grouping. */
export function convParams(seed = 0): Params {
  const k = (i: number) => key(seed * 100 + i);
  return [
    { weight: normal(k(1), [4, 3, 3, 3]), bias: normal(k(2), [4]) },   // kernelwise, n = 9
    { weight: normal(k(3), [5, 4, 2, 2]), bias: normal(k(4), [5]) },   // pixelwise, n = 4
    { weight: normal(k(5), [6, 5, 1, 1]) },                             // channelwise, n = 5
    { weight: normal(k(6), [3, 12]), bias: normal(k(7), [3]) },         // subchannelwise(3), n = 4
  ];
}

/** The grouping of {@link convParams}. */
export const convGrouping = (): alq.GroupingSpec => ({
  '0.weight': alq.kernelwise(), '1.weight': alq.pixelwise(), '2.weight': alq.channelwise(), '3.weight': alq.subchannelwise(3),
});

/** Gradient-shaped random tensors for the quantized leaves only (the ALQ branch of a partition). */
export function quantGrads(state: AlqState, seed: number, scale = 1): Params {
  const out: Record<string, Tensor> = {};
  state.layers.forEach((l, i) => { out[l.path] = normal(key(10_000 + seed * 31 + i), l.shape, { std: scale }); });
  return out;
}

/** Nests `{path: tensor}` back into the tree layout of `params`, with null for other leaves. */
export function onPaths(params: Params, byPath: Record<string, Tensor>): Params {
  return tree.mapWithPath((path, _t: Tensor) => byPath[path] ?? null, params) as Params;
}

/** Just the quantized leaves of `params`, in the params' tree layout (null elsewhere). */
export function quantOnly(params: Params, state: AlqState): Params {
  const names = new Set(state.layers.map((l) => l.path));
  return tree.mapWithPath((path, t: Tensor) => (names.has(path) ? t : null), params) as Params;
}

/** Deterministic uint32 stream (tests avoid ambient randomness). */
export function lcg(seed: number): () => number {
  let s = (seed >>> 0) || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/**
 * Prunes slots of a state by hand (mask 0, α 0, basis row 0): each valid slot with probability
 * `rate`, plus every slot of the groups listed in `emptyGroups` (per layer index).
 */
export function pruneByHand(state: AlqState, rate: number, seed: number, emptyGroups: Record<number, number[]> = {}): AlqState {
  const next = lcg(seed);
  return {
    ...state,
    layers: state.layers.map((l, li): AlqLayer => {
      const { groups: G, maxBits: I, groupSize: n } = l;
      const B = (l.basis.toTyped() as Int8Array).slice();
      const a = (l.alpha.toTyped() as Float32Array).slice();
      const m = (l.mask.toTyped() as Uint8Array).slice();
      const empty = new Set(emptyGroups[li] ?? []);
      for (let g = 0; g < G; g++) {
        for (let i = 0; i < I; i++) {
          const s = g * I + i;
          if (empty.has(g) || (m[s] === 1 && next() / 2 ** 32 < rate)) {
            m[s] = 0; a[s] = 0; B.fill(0, s * n, (s + 1) * n);
          }
        }
      }
      return { ...l, basis: fromTyped(B, [G, I, n]), alpha: fromTyped(a, [G, I]), mask: fromTyped(m, [G, I]) };
    }),
  };
}

/** Network bits Σ_g n_g I_g and weights N straight from the masks. */
export function bitsFromMasks(state: AlqState): { bits: number; weights: number } {
  let bits = 0, weights = 0;
  for (const l of state.layers) {
    const m = l.mask.toTyped();
    for (let s = 0; s < m.length; s++) bits += m[s]! * l.groupSize;
    weights += l.groups * l.groupSize;
  }
  return { bits, weights };
}

/** Σ_i mask·α·B per group, mapped to the tensor layout by the group layout's perm. */
export function reconstructByHand(l: AlqLayer): Float64Array {
  const layout = alq.groupLayout(l.shape, l.grouping as alq.Grouping);
  const B = l.basis.toTyped(), a = l.alpha.toTyped(), m = l.mask.toTyped();
  const out = new Float64Array(l.groups * l.groupSize);
  for (let g = 0; g < l.groups; g++) {
    for (let j = 0; j < l.groupSize; j++) {
      let v = 0;
      for (let i = 0; i < l.maxBits; i++) {
        const s = g * l.maxBits + i;
        v += m[s]! * a[s]! * B[s * l.groupSize + j]!;
      }
      out[layout.perm[g * l.groupSize + j]!] = v;
    }
  }
  return out;
}

/** A float32 tensor from numbers. */
export const f32 = (values: ArrayLike<number>, shape: number[]): Tensor => tensor(Float32Array.from(values), { shape });
