// Spec §9 invariants 10–13: integer GEMM exactness against the float64 GEMM of the dequantised
// operands, the high-precision limit on a convex toy problem, the §6 formula vectors and the
// energy accounting (FP32 mode equals the FP32 baseline; monotone in b; below FP32 for b ≤ 32).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost, key, rct, tensor, uniform } from '../../../src/index.js';
import { gemmRef } from '../../../src/tensor/kernels/gemm.js';
import { intGemmInto } from '../../../src/tensor/kernels/intgemm.js';
import { blobs, smallRun } from './helpers.js';

describe('§9 No. 10: integer GEMM exactness', () => {
  it('Q_a ⊛ Q_b scaled by 2^−(fa+fb) equals the float64 GEMM of the dequantised operands, bit for bit', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 1100 }),
      fc.integer({ min: 2, max: 16 }), fc.integer({ min: -6, max: 20 }), fc.integer({ min: -6, max: 20 }), fc.nat(),
      (m, n, k, bw, fa, fb, seed) => {
        const hi = 2 ** (bw - 1) - 1;
        let s = seed >>> 0;
        const next = (lim: number) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s % (2 * lim + 1)) - lim; };
        const a = Int16Array.from({ length: m * k }, () => next(hi));
        const b = Int8Array.from({ length: k * n }, () => next(127));
        const c = new Float64Array(m * n);
        intGemmInto(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, 2 ** -(fa + fb), false);
        const da = Float64Array.from(a, (v) => v * 2 ** -fa), db = Float64Array.from(b, (v) => v * 2 ** -fb);
        const r = new Float64Array(m * n);
        gemmRef(m, n, k, da, 0, k, 1, db, 0, n, 1, r, 0, n, false);
        expect(Array.from(c)).toEqual(Array.from(r));
      }), { numRuns: 60 });
  });
});

describe('§9 No. 11: high-precision limit', () => {
  it('at b = 24 with stochastic rounding RCT tracks FP32 SGD on linear regression: |w_RCT − w_FP32| ≤ T·Δ', () => {
    const n = 64, d = 4, T = 200, lr = 0.3; // λ_max(XᵀX/n) ≈ 0.4 here, so η < 2/λ_max
    const X = uniform(key(1), [n, d], { min: -1, max: 1 }).toTyped();
    const wTrue = [0.5, -0.3, 0.8, 0.1];
    const y = Float64Array.from({ length: n }, (_, i) => wTrue.reduce((s, w, j) => s + w * X[i * d + j]!, 0));
    const grad = (w: ArrayLike<number>): Float64Array => {
      const g = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        let r = -y[i]!;
        for (let j = 0; j < d; j++) r += w[j]! * X[i * d + j]!;
        for (let j = 0; j < d; j++) g[j] = g[j]! + (r * X[i * d + j]!) / n;
      }
      return g;
    };
    const w0 = [0.2, 0.2, -0.9, 0.4]; // max|w| sets the range: e = 0, so |w| < 1 fits (w_true has 0.8)
    const qp: rct.QuantizedParams = { w: rct.quantizeTensor(tensor([w0]), 24) };
    const delta = 2 ** -qp['w']!.f;
    const opt = rct.optimizer({ learningRate: lr, rounding: 'stochastic' });
    const os = opt.init(qp);
    let wf = Float64Array.from(rct.dequantize(qp['w']!)); // same start (the float init on the grid)
    for (let t = 0; t < T; t++) {
      const gq = grad(rct.dequantize(qp['w']!));
      opt.apply(qp, { w: gq }, os, { step: t, key: key(100 + t) });
      const gf = grad(wf);
      wf = wf.map((v, j) => v - lr * gf[j]!);
    }
    const wq = rct.dequantize(qp['w']!);
    for (let j = 0; j < d; j++) expect(Math.abs(wq[j]! - wf[j]!)).toBeLessThanOrEqual(T * delta);
    expect(Math.abs(wq[0]! - 0.5)).toBeLessThan(0.05); // and it actually learned
  });
});

describe('§9 No. 12: the §6 formula vectors', () => {
  it('energy per MAC and saving vs FP32', () => {
    const fp32 = cost.macEnergy('f32', 'f32');
    expect(fp32).toBeCloseTo(4.6, 12);
    for (const [a, b, e, saving] of [[8, 8, 0.3, 93.48], [12, 8, 0.4, 91.3], [16, 8, 0.5, 89.13], [16, 16, 0.9, 80.43]] as const) {
      expect(cost.macEnergy(a, b)).toBeCloseTo(e, 12);
      expect(Math.round(10000 * (1 - cost.macEnergy(a, b) / fp32)) / 100).toBe(saving);
    }
  });

  it('parameter memory: 1,000 params at b = 12 is 12,000 bits = 1,500 bytes (+1 byte for f); savings at b̄ = 11 and 16', () => {
    const m = cost.parameterMemory([1000], [{ steps: 3, bits: [12] }]);
    expect(m.peakBits).toBe(12000 + 8);
    expect(m.peakBytes).toBe(1501);
    expect(m.meanBits.peak).toBe(12);
    const pct = (x: number) => Math.round(1000 * x) / 10;
    const m11 = cost.parameterMemory([1e6], [{ steps: 1, bits: [11] }]);
    expect([pct(m11.savingVsFp32.peak), pct(m11.savingVsQat.peak)]).toEqual([65.6, 72.5]);
    const m16 = cost.parameterMemory([1e6], [{ steps: 1, bits: [16] }]);
    expect([pct(m16.savingVsFp32.peak), pct(m16.savingVsQat.peak)]).toEqual([50.0, 60.0]);
    // Peak vs time average: 10 steps at 8 bits then 30 at 16.
    const tm = cost.parameterMemory([1e6], [{ steps: 10, bits: [8] }, { steps: 30, bits: [16] }]);
    expect(tm.meanBits.peak).toBe(16);
    expect(tm.meanBits.average).toBe(14);
  });

  it('parameter movement: QAT-8 moves 88 bits, RCT 32 / 44 / 64 at b = 8 / 11 / 16', () => {
    expect(cost.parameterMovementBits('qat', 8)).toBe(88);
    const r = [8, 11, 16].map((b) => cost.parameterMovementBits('integer', b));
    expect(r).toEqual([32, 44, 64]);
    expect(r.map((x) => Math.round(1000 * x / 88) / 1000)).toEqual([0.364, 0.5, 0.727]);
    const e = cost.parameterMovement([431080], [{ steps: 10, bits: [11] }]);
    expect(e.integer.pJ / e.qat.pJ).toBeCloseTo(0.5, 12); // both stores exceed 256 KiB: DRAM for both
    const small = cost.parameterMovement([1000], [{ steps: 1, bits: [8] }]);
    expect(small.integer.pJ).toBeCloseTo(32 * 1000 * 0.3125, 9); // on chip
  });
});

describe('§9 No. 13: energy accounting', () => {
  it('FP32 mode equals the FP32 baseline exactly; integer mode is monotone in every b_l and below FP32 up to 32 bits', () => {
    const { cfg, st } = smallRun();
    const data = blobs(32, key(2));
    rct.trainStep(cfg, st, data, key(3));
    const asFp32 = rct.energy(cfg.net, st, { fp32: true });
    expect(asFp32.gemm.rct).toBe(asFp32.gemm.fp32);
    const at = (bits: number[]) => rct.energy(cfg.net, { params: st.params, trace: [{ steps: 1, examples: 32, bits }] }).gemm;
    const keys = Object.keys(st.params);
    const base = keys.map(() => 8);
    keys.forEach((k, p) => {
      if (!k.endsWith('weight')) return;
      let prev = -Infinity;
      for (let b = 2; b <= 32; b++) {
        const bits = base.slice(); bits[p] = b;
        const e = at(bits);
        expect(e.rct).toBeGreaterThanOrEqual(prev);
        expect(e.rct).toBeLessThan(e.fp32);
        prev = e.rct;
      }
    });
    const all32 = at(keys.map(() => 32));
    expect(all32.rct).toBeLessThan(all32.fp32);
    expect(cost.macEnergy(32, 32)).toBeCloseTo(3.3, 12);
  });
});
