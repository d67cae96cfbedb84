// Spec §9 invariants 4–9: lossless widening, bounded narrowing, underflow with nearest rounding,
// unbiased stochastic rounding, hysteresis under a stationary gradient stream and the response
// to a 10× learning-rate decay.
import { describe, expect, it } from 'vitest';
import { key, rct, tensor } from '../../../src/index.js';

const W = (values: number[], b = 8): rct.QuantizedParams => ({ w: rct.quantizeTensor(tensor([values]), b) });

/** Feeds `steps` steps of a stationary stream: |G| = g with alternating signs, so q stays put on average. */
function stream(qp: rct.QuantizedParams, opt: rct.RctOptimizer, os: rct.RctOptState, ctl: rct.BitwidthController, cs: rct.ControllerState, g: number, steps: number, from = 0): number[] {
  const bits: number[] = [];
  for (let s = 0; s < steps; s++) {
    const n = qp['w']!.q.length;
    const grad = new Float64Array(n).fill((s + from) % 2 === 0 ? g : -g);
    opt.apply(qp, { w: grad }, os, { step: s + from });
    if (ctl.afterStep(qp, os, cs) !== undefined) bits.push(qp['w']!.b);
  }
  return bits;
}

describe('§9 No. 4–6: widening, narrowing, underflow', () => {
  it('a bit increase keeps every dequantised weight bit-identical', () => {
    const qp = W([0.7, -0.31, 0.002, 0.5, -0.9]);
    const before = rct.dequantize(qp['w']!);
    const ctl = rct.bitwidthController({ interval: 1 });
    const opt = rct.optimizer({ learningRate: 0 });
    const os = opt.init(qp);
    os.counters['w']!.intervalCount = 5; os.counters['w']!.intervalSum = 0.5; // Gavg = 0.1 < T_min
    const [c] = ctl.boundary(qp, os, ctl.init());
    expect(c!.action).toBe('widen');
    expect(qp['w']!.b).toBe(9);
    expect(Array.from(rct.dequantize(qp['w']!))).toEqual(Array.from(before));
  });

  it('a bit decrease moves every non-saturated weight by at most Δ_old', () => {
    const qp = W([0.7, -0.31, 0.002, 0.5, -0.9, 0.99, 0.123], 10);
    const before = rct.dequantize(qp['w']!);
    const dOld = 2 ** -qp['w']!.f;
    const ctl = rct.bitwidthController({ interval: 1 });
    const opt = rct.optimizer({ learningRate: 0 });
    const os = opt.init(qp);
    os.counters['w']!.intervalCount = 7; os.counters['w']!.intervalSum = 70; // Gavg = 10 > T_max
    const [c] = ctl.boundary(qp, os, ctl.init());
    expect(c!.action).toBe('narrow');
    const after = rct.dequantize(qp['w']!);
    const hi = 2 ** (qp['w']!.b - 1) - 1;
    after.forEach((v, i) => { if (Math.abs(qp['w']!.q[i]!) < hi) expect(Math.abs(v - before[i]!)).toBeLessThanOrEqual(dOld); });
  });

  it('with nearest rounding, updates below Δ/2 leave q unchanged and Gavg < 0.5 widens at the next boundary', () => {
    const qp = W([0.5, -0.25, 0.125, 0.9]);
    const q0 = Array.from(qp['w']!.q);
    const delta = 2 ** -qp['w']!.f;
    const lr = 0.01;
    const opt = rct.optimizer({ learningRate: lr });
    const os = opt.init(qp);
    const ctl = rct.bitwidthController({ interval: 3 });
    const cs = ctl.init();
    for (let s = 0; s < 3; s++) {
      const g = new Float64Array([0.49, -0.3, 0.1, -0.49]).map((v) => (v * delta) / lr); // |η·G| < Δ/2
      opt.apply(qp, { w: g }, os, { step: s });
      if (s < 2) expect(Array.from(qp['w']!.q)).toEqual(q0);
      const ch = ctl.afterStep(qp, os, cs);
      if (s === 2) expect(ch![0]!.action).toBe('widen');
    }
    expect(os.counters['w']!.underflow).toBe(12);
    expect(qp['w']!.b).toBe(9);
  });
});

describe('§9 No. 7: stochastic rounding is unbiased', () => {
  it('over 1e5 draws with u = 0.3 the mean of R(u) is 0.3 ± 0.01, and E[Δw] = −η·G', () => {
    const n = 100_000;
    const qp: rct.QuantizedParams = { w: { q: new Int32Array(n), shape: [1, n], b: 24, f: 10 } };
    const delta = 2 ** -10, lr = 0.5;
    const opt = rct.optimizer({ learningRate: lr, rounding: 'stochastic' });
    const os = opt.init(qp);
    const g = new Float64Array(n).fill((0.3 * delta) / lr); // u = η·G/Δ = 0.3 for every element
    opt.apply(qp, { w: g }, os, { step: 0, key: key(3) });
    let sum = 0;
    for (const v of qp['w']!.q) sum += v;
    const meanR = -sum / n; // q = 0 − R(u)
    expect(Math.abs(meanR - 0.3)).toBeLessThan(0.01);
    expect(Math.abs((sum / n) * delta - -lr * g[0]!)).toBeLessThan(0.01 * delta); // E[Δw] = −η·G
  });
});

describe('§9 No. 8–9: hysteresis and learning-rate decay', () => {
  it('a stationary stream reaches a fixed bitwidth and never oscillates', () => {
    for (const g of [0.02, 0.3, 5]) {
      const qp = W(Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.8));
      const opt = rct.optimizer({ learningRate: 0.01 });
      const ctl = rct.bitwidthController({ interval: 10 });
      const bits = stream(qp, opt, opt.init(qp), ctl, ctl.init(), g, 400);
      const diffs = bits.slice(1).map((b, i) => b - bits[i]!);
      const dir = Math.sign(diffs.find((d) => d !== 0) ?? 0);
      for (const d of diffs) expect(d === 0 || Math.sign(d) === dir).toBe(true); // monotone: no flip back
      expect(bits.slice(-10).every((b) => b === bits[bits.length - 1])).toBe(true); // fixed point
    }
  });

  it('dividing η by 10 raises b by 3–4 over the next boundaries', () => {
    const qp = W(Array.from({ length: 64 }, (_, i) => Math.cos(i) * 0.8), 8);
    const opt = rct.optimizer({ learningRate: (s: number) => (s < 300 ? 0.01 : 0.001) });
    const os = opt.init(qp);
    const ctl = rct.bitwidthController({ interval: 10, bits: { weight: { bMax: 24 } } });
    const cs = ctl.init();
    const before = stream(qp, opt, os, ctl, cs, 0.3, 300);
    const b0 = before[before.length - 1]!;
    expect(before.slice(-5).every((b) => b === b0)).toBe(true);
    const after = stream(qp, opt, os, ctl, cs, 0.3, 300, 300);
    const rise = after[after.length - 1]! - b0;
    expect(rise).toBeGreaterThanOrEqual(3);
    expect(rise).toBeLessThanOrEqual(4);
  });
});
