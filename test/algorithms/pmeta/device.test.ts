// §7 invariants 1–3, 5, 6, 8, 11, 12 on the on-device engine: frozen layers and BN parameters
// stay bit-identical, updates stay inside the selected blocks, the on-device form (block
// gradients, in place, pre-update weights for backward-data) equals the dense autograd form,
// ρ = 1 with γ ≡ 1 is MAML, the saved-tensor registry matches the §5 model (nothing below
// l_min, ⌈ρ_fw C⌉ kept channels, bytes at the backward peak = G), monotonicity and determinism.
import { describe, expect, it } from 'vitest';
import { Tensor, astype, fromTyped, key, normal, pmeta, randint, tree, zeros, type Params } from '../../../src/index.js';
import { maxRelDiff, snapshot } from './helpers.js';

const convNet = pmeta.conv4Net({ classes: 3, channels: 4, inputShape: [2, 16, 16] });
const mlp = pmeta.mlpNet(3, [8, 6, 2]);

function classTask(net: pmeta.Net, n: number, seed: number): pmeta.MetaTask['support'] {
  return { x: normal(key(seed), [n, ...net.inputShape]), y: astype(randint(key(seed + 1), [n], 0, net.outShapes[net.outShapes.length - 1]![0]!), 'int32') };
}

function setup(net: pmeta.Net, over: Partial<pmeta.MetaLearnerOptions> = {}, seed = 0) {
  const learner = pmeta.metaLearner({ net, loss: 'crossEntropy', supportSize: 6, steps: 2, innerLr: 0.1, ...over });
  const st = learner.init(key(seed));
  // Distinct attention logits so the kept sets are well separated.
  const meta = { ...st.meta, omega: st.meta.omega.map((w) => tree.map((t: Tensor) => (t.ndim === 2 ? normal(key(seed + t.size), t.shape, { std: 0.5 }) : t), w as never) as Params) };
  return { learner, meta };
}

const variants: [string, pmeta.Net, Partial<pmeta.MetaLearnerOptions>][] = [
  ['mlp p-Meta', mlp, {}],
  ['mlp p-Meta micro-batched', mlp, { microBatch: true }],
  ['conv p-Meta bn batch', convNet, {}],
  ['conv p-Meta bn frozen micro-batched', convNet, { bn: 'frozen' }],
  ['conv MAML bn batch', convNet, { method: 'maml' }],
  ['conv ANIL', convNet, { method: 'anil' }],
  ['conv BOIL', convNet, { method: 'boil' }],
];

describe('on-device form equals the meta-training form (invariants 3, 11)', () => {
  for (const [name, net, over] of variants) {
    it(name, () => {
      const { learner, meta } = setup(net, over);
      const s = classTask(net, 6, 40);
      const dense = pmeta.adapt(learner, meta, s, { form: 'dense' });
      const dev = pmeta.adapt(learner, meta, s, { form: 'device' });
      expect(maxRelDiff(dev.theta, dense.theta)).toBeLessThan(1e-5);
      expect(dev.selections).toEqual(dense.selections);
      dev.losses.forEach((l, i) => expect(l).toBeCloseTo(dense.losses[i]!, 5));
    });
  }
});

describe('frozen layers and block-sparse updates (invariants 1, 2)', () => {
  it('layers with α = 0 at every step and all BN parameters are bit-identical; changes lie in the union of blocks', () => {
    const { learner, meta } = setup(convNet, { steps: 3 });
    const a = Float32Array.from(meta.a.toTyped() as ArrayLike<number>);
    for (let k = 0; k < 3; k++) { a[k * 5 + 0] = 0; a[k * 5 + 1] = -0.2; } // conv1 exactly 0, conv2 below 0 (ReLU → 0)
    const m2 = pmeta.finalize(learner, { ...meta, a: fromTyped(a, [3, 5]) });
    expect(Array.from(m2.frozen.toTyped())).toEqual([1, 1, 0, 0, 0]);
    const before = snapshot(m2);
    const r = pmeta.adapt(learner, m2, classTask(convNet, 6, 7));
    expect(snapshot(m2)).toEqual(before);
    for (const j of [0, 4]) expect(r.theta[j]).toBe(m2.theta[j]);
    convNet.ops.forEach((o, j) => { if (o.kind === 'bn') expect(r.theta[j]).toBe(m2.theta[j]); });
    const l = 2, j = convNet.layers[l]!;
    const w0 = (m2.theta[j] as { weight: Tensor }).weight.toTyped(), w1 = (r.theta[j] as { weight: Tensor }).weight.toTyped();
    const allowed = new Set<string>();
    for (const s of r.selections) for (const o of s[l]!.bw) for (const i of s[l]!.fw) allowed.add(`${o},${i}`);
    let changed = 0;
    for (let o = 0; o < 4; o++) for (let i = 0; i < 4; i++) for (let t = 0; t < 9; t++) {
      if (w0[(o * 4 + i) * 9 + t] !== w1[(o * 4 + i) * 9 + t]) { changed++; expect(allowed.has(`${o},${i}`)).toBe(true); }
    }
    expect(changed).toBeGreaterThan(0);
    expect(allowed.size).toBeLessThan(16);
  });
});

describe('reduction to MAML (invariant 5)', () => {
  it('ρ = 1 with γ ≡ 1 (zero attention logits) and every α = α_0 gives MAML’s θ^(K) bit for bit', () => {
    const base = setup(convNet, { method: 'maml' });
    const p = setup(convNet, { method: 'pmeta', rho: 1 });
    const omega = p.meta.omega.map((w) => tree.map((t: Tensor) => zeros(t.shape), w as never) as Params);
    const meta = { ...p.meta, theta: base.meta.theta, omega, a: base.meta.a };
    const s = classTask(convNet, 6, 3);
    for (const form of ['dense', 'device'] as const) {
      const ra = pmeta.adapt(base.learner, base.meta, s, { form });
      const rb = pmeta.adapt(p.learner, meta, s, { form });
      expect(snapshot(rb.theta)).toEqual(snapshot(ra.theta));
    }
  });
});

describe('saved-tensor registry against the §5 model (invariants 6, 7)', () => {
  for (const [name, net, over] of variants) {
    it(`${name}: F, G, M_w and the peak equal cost.adaptationMemory; nothing below l_min; ⌈ρ_fw C⌉ channels`, () => {
      const { learner, meta } = setup(net, { ...over, steps: 1 });
      const r = pmeta.adapt(learner, meta, classTask(net, 6, 9));
      const m = pmeta.adaptationMemory(learner, meta, { batch: 6 });
      const reg = r.memory!;
      expect(reg.forwardPeakBytes).toBe(m.forwardPeakBytes);
      expect(reg.backwardPeakBytes).toBe(m.backwardPeakBytes);
      expect(reg.weightBytes).toBe(m.weightBytes);
      expect(reg.peakBytes).toBe(m.peakBytes);
      const jMin = m.steps[0]!.firstUpdatedOp;
      expect(reg.saved.every((e) => e.op >= jMin)).toBe(true);
      const cfg = learner.config;
      net.layers.forEach((j, l) => {
        if (!cfg.updated[l]) return;
        const kept = pmeta.keptOf(cfg, l)[0];
        for (const e of reg.saved.filter((x) => x.op === j)) expect(e.channels).toBe(kept);
      });
      // The backward peak is made of the saved tensors still live plus two gradient buffers.
      expect(reg.savedAtBackwardPeak).toBeLessThanOrEqual(reg.backwardPeakBytes);
    });
  }
});

describe('monotonicity (invariant 8)', () => {
  it('p-Meta peak <= MAML peak; G non-increasing as ρ falls and as the frozen set grows from the bottom', () => {
    for (const bn of ['batch', 'frozen'] as const) {
      const maml = pmeta.adaptationMemory(pmeta.metaLearner({ net: convNet, loss: 'crossEntropy', supportSize: 6, method: 'maml', bn }));
      let prevG = Infinity;
      for (const rho of [1, 0.75, 0.5, 0.25]) {
        const m = pmeta.adaptationMemory(pmeta.metaLearner({ net: convNet, loss: 'crossEntropy', supportSize: 6, rho, bn }));
        expect(m.peakBytes).toBeLessThanOrEqual(maml.peakBytes);
        expect(m.backwardPeakBytes).toBeLessThanOrEqual(prevG);
        prevG = m.backwardPeakBytes;
      }
      prevG = Infinity;
      for (let f = 0; f < 5; f++) {
        const updated = [0, 1, 2, 3, 4].map((l) => l >= f);
        const m = pmeta.adaptationMemory(pmeta.metaLearner({ net: convNet, loss: 'crossEntropy', supportSize: 6, updated, bn }));
        expect(m.backwardPeakBytes).toBeLessThanOrEqual(prevG);
        prevG = m.backwardPeakBytes;
      }
    }
  });
});

describe('determinism (invariant 12)', () => {
  it('the same seed gives the same selected channels and adapted weights', () => {
    const run = () => { const { learner, meta } = setup(convNet, {}, 5); return pmeta.adapt(learner, meta, classTask(convNet, 6, 5)); };
    const a = run(), b = run();
    expect(a.selections).toEqual(b.selections);
    expect(snapshot(a.theta)).toEqual(snapshot(b.theta));
  });
});
