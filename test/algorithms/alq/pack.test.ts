// Deployment (spec §5, invariants 15–16): popcount formulas, bit-plane export, packed inference
// through bitpack.multiBitGemm vs the float reconstruction, storage accounting and file round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alq, bitpack, cost, fromTyped, isNumError, key, loadTree, nn, normal, predict, quant, saveTree, tensor, tree,
  type Params, type Tensor,
} from '../../../src/index.js';
import { lcg, pruneByHand } from './helpers.js';

const code = (f: () => unknown): string => {
  try { f(); } catch (e) { return isNumError(e) ? e.code : `not a NumError: ${String(e)}`; }
  return 'no error';
};

/** conv(kernelwise) → conv(pixelwise, padded) → 1×1 conv(channelwise, no bias) → pool → fc(subchannel 3). */
const model = nn.sequential(
  nn.conv2d(4, 3) as nn.Layer<Params>, nn.relu(),
  nn.conv2d(5, 2, { padding: 1 }) as nn.Layer<Params>, nn.relu(),
  nn.conv2d(6, 1, { bias: false }) as nn.Layer<Params>, nn.maxPool2d(2), nn.flatten(),
  nn.linear(3) as nn.Layer<Params>,
);
const { params, state: modelState } = model.init(key(1), [3, 5, 5]);
const grouping: alq.GroupingSpec = {
  '0.weight': alq.kernelwise(), '2.weight': alq.pixelwise(), '4.weight': alq.channelwise(), '7.weight': alq.subchannelwise(3),
};
const opts = { maxBits: 3, grouping };
const x = normal(key(2), [7, 3, 5, 5]);
const arr = (t: Tensor): number[] => Array.from(t.toTyped());
const weightsOf = (s: alq.AlqState): Params[] => alq.view(opts).apply(params, s) as Params[];
/** A state with pruned slots, some empty groups, and (optionally) a whole layer pruned. */
const prunedState = (wholeLayer = false): alq.AlqState => {
  const s = pruneByHand(alq.quantize(params, opts), 0.35, 3, { 0: [0, 5], 1: [2, 7, 8], 3: [1] });
  return wholeLayer ? pruneByHand(s, 0, 4, { 2: Array.from({ length: 6 }, (_, g) => g) }) : s;
};

describe('popcount formulas (§5)', () => {
  it('±1·{0,1} and ±1·±1 dot products are exact for any n', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 130 }), fc.integer({ min: 1, max: 1e9 }), (n, seed) => {
      const next = lcg(seed);
      const beta = Array.from({ length: n }, () => (next() & 1 ? 1 : -1));
      const u = Array.from({ length: n }, () => (next() & 2 ? 1 : 0));
      const a = u.map((v) => 2 * v - 1);
      // bitpack sets a bit for −1; the spec's enc(+1) = 1 is its complement on the valid bits
      const negB = bitpack.packBits(beta, 1, n).words, negA = bitpack.packBits(a, 1, n).words;
      const W = negB.length;
      const valid = (w: number): number => (w === W - 1 && n % 32 !== 0 ? (1 << (n % 32)) - 1 : -1);
      let andCount = 0, uCount = 0, xorCount = 0;
      for (let w = 0; w < W; w++) {
        const encB = ~negB[w]! & valid(w), encU = ~negA[w]! & valid(w), encA = encU;
        andCount += bitpack.popcount32(encB & encU);
        uCount += bitpack.popcount32(encU);
        xorCount += bitpack.popcount32(encB ^ encA);
      }
      const dotU = beta.reduce((s, b, j) => s + b * u[j]!, 0);
      const dotA = beta.reduce((s, b, j) => s + b * a[j]!, 0);
      expect(2 * andCount - uCount).toBe(dotU);
      expect(n - 2 * xorCount).toBe(dotA);
    }), { seed: 15, numRuns: 300 });
  });
});

describe('pack', () => {
  it('bit-planes reconstruct ŵ exactly (every grouping, pruned slots, empty groups, empty layer)', () => {
    const s = prunedState(true);
    const packed = alq.pack(weightsOf(s), s) as { weight: alq.PackedAlqLeaf }[];
    s.layers.forEach((l) => {
      const idx = Number(l.path.split('.')[0]);
      const leaf = packed[idx]!.weight;
      expect(alq.isPackedLeaf(leaf)).toBe(true);
      const m = alq.toMultiBit(leaf);
      const dense = bitpack.multiBitToFloat(m); // [rows, cols] in packed column order
      const w = alq.reconstruct(l).toTyped();
      const taps = l.shape.length === 4 ? l.shape[2]! * l.shape[3]! : 1, ci = l.shape[1]!;
      for (let r = 0; r < m.rows; r++) for (let k = 0; k < m.cols; k++) {
        const orig = leaf.columns === 'channel-last' ? (k % ci) * taps + Math.floor(k / ci) : k;
        expect(dense[r * m.cols + k]!).toBeCloseTo(w[r * m.cols + orig]!, 6);
      }
      // planes = the layer's largest I_g
      const mask = arr(l.mask);
      let most = 0;
      for (let g = 0; g < l.groups; g++) most = Math.max(most, mask.slice(g * 3, g * 3 + 3).reduce((a, b) => a + b, 0));
      expect(leaf.planes).toBe(most);
    });
    expect(packed[4]!.weight.planes).toBe(0); // the fully pruned layer
    expect(packed[0]!.weight.columns).toBe('natural');
    expect(packed[2]!.weight.columns).toBe('channel-last');
  });

  it('payload bytes equal cost.summary with packedPrecision, and survive saveTree/loadTree', () => {
    const s = prunedState(true);
    const w = weightsOf(s);
    const packed = alq.pack(w, s);
    const summary = cost.summary(w, alq.packedPrecision(packed));
    expect(summary.totals.bytes).toBe(alq.packedBytes(packed));
    // bytes by hand: per packed layer G + 4·⌈Σ n·I_g / 32⌉ + 4·Σ I_g, float leaves 4·size
    let expected = 0;
    for (const [, leaf] of tree.entries(params)) expected += leaf.ndim < 2 ? 4 * leaf.size : 0;
    for (const l of s.layers) {
      const slots = arr(l.mask).reduce((a, b) => a + b, 0);
      expected += l.groups + 4 * Math.ceil((slots * l.groupSize) / 32) + 4 * slots;
    }
    expect(alq.packedBytes(packed)).toBe(expected);
    // the compact format is the spec's storage plus one byte per group (and word padding)
    const st = alq.storage(s);
    const floatBytes = 4 * tree.leaves(params).filter((t) => t.ndim < 2).reduce((a, t) => a + t.size, 0);
    expect(alq.packedBytes(packed) - floatBytes - st.bytes).toBeLessThanOrEqual(s.layers.reduce((a, l) => a + l.groups + 4, 0));
    const loaded = loadTree(saveTree(packed)).tree as alq.PackedAlqModel;
    expect(alq.packedBytes(loaded)).toBe(alq.packedBytes(packed));
    expect(arr(alq.packedApply(model, loaded, x, modelState))).toEqual(arr(alq.packedApply(model, packed, x, modelState)));
  });

  it('rejects a state that does not match the params', () => {
    const s = alq.quantize(params, opts);
    expect(code(() => alq.pack([{ weight: normal(key(0), [2, 2]) }], s))).toBe('STATE_MISMATCH');
    expect(code(() => alq.toMultiBit({} as alq.PackedAlqLeaf))).toBe('INVALID_ARGUMENT');
    const leaf = (alq.pack(weightsOf(s), s) as { weight: alq.PackedAlqLeaf }[])[0]!.weight;
    expect(code(() => alq.toMultiBit({ ...leaf, alphas: leaf.alphas.reshape([-1]).astype('float32'), planes: leaf.planes + 1 }))).toBe('FORMAT');
  });
});

describe('packed inference', () => {
  it('equals the float reconstruction (weight-only), with pruned slots, empty groups and an empty layer', () => {
    for (const whole of [false, true]) {
      const s = prunedState(whole);
      const w = weightsOf(s);
      const ref = model.apply(w, x, { training: false, state: modelState });
      const got = alq.packedApply(model, alq.pack(w, s), x, modelState);
      expect(got.shape).toEqual(ref.shape);
      expect(got).toBeAllClose(ref, { rtol: 1e-5, atol: 1e-5 });
      const batchesOf = [{ x, y: tensor(new Int32Array(7), { dtype: 'int32' }) }];
      expect(Array.from(alq.packedPredict(model, alq.pack(w, s), modelState, batchesOf))).toEqual(Array.from(predict(model, w, modelState, batchesOf)));
    }
  });

  it('m-bit activations: bit-plane products equal the float model on quantized inputs (dyadic α: exactly)', () => {
    const mlp = nn.sequential(
      nn.quantizeActivations(quant.uniformQuantize({ bits: 2, range: [0, 1.5] })), nn.linear(8) as nn.Layer<Params>, nn.relu(),
      nn.quantizeActivations(quant.uniformQuantize({ bits: 2, range: [0, 1.5] })), nn.linear(3) as nn.Layer<Params>,
    );
    const init = mlp.init(key(4), [12]);
    const g: alq.GroupingSpec = { '1.weight': alq.subchannelwise(3), '4.weight': alq.subchannelwise(2) };
    let s = pruneByHand(alq.quantize(init.params, { maxBits: 3, grouping: g }), 0.3, 9, { 0: [4] });
    // dyadic coordinates (multiples of 1/16) make both paths exact
    s = { ...s, layers: s.layers.map((l) => ({ ...l, alpha: fromTyped(Float32Array.from(l.alpha.toTyped(), (a) => (a === 0 ? 0 : Math.max(1, Math.round(a * 16)) / 16)), l.alpha.shape) })) };
    const w = alq.view({ grouping: g }).apply(init.params, s) as Params[];
    const xs = normal(key(5), [9, 12]);
    const ref = mlp.apply(w, xs, { training: false, state: init.state });
    const got = alq.packedApply(mlp, alq.pack(w, s), xs, init.state, { activationBits: 2, activationScale: 0.5 });
    expect(arr(got)).toEqual(arr(ref));
    expect(code(() => alq.packedApply(mlp, alq.pack(w, s), xs, init.state, { activationBits: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.packedApply(mlp, alq.pack(w, s), xs, init.state, { activationScale: -1 }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses packed weights the model never multiplies', () => {
    const s = alq.quantize(params, opts);
    const other: nn.Layer<Params> = { init: (k, shape) => model.init(k, shape), apply: (_p, xx) => xx };
    expect(code(() => alq.packedApply(other, alq.pack(weightsOf(s), s), x, modelState))).toBe('INVALID_ARGUMENT');
  });
});
