import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost } from '../../src/index.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

// 784-256-10 MLP, batch 32, by hand:
//   fc1: 32·784·256 = 6,422,528 MACs per pass; fc2: 32·256·10 = 81,920.
//   Training step: forward both, backward-data only fc2 (fc1's input gradient is not needed),
//   weight gradient both.
const MLP = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);
const HAND = {
  forward: 6_422_528 + 81_920,
  backwardData: 81_920,
  backwardWeight: 6_422_528 + 81_920,
  all: 2 * (6_422_528 + 81_920) + 81_920, // 13,090,816
};
// Energy of the step, pJ: every MAC at 4.6 (f32: 3.7 + 0.9) or 0.3 (int8 × int8 + int32 add: 0.2 + 0.1).
const ENERGY_TABLE = [
  { bits: { weight: 'f32', activation: 'f32', error: 'f32' }, perMac: 4.6, forward: 29_920_460.8, total: 60_217_753.6 },
  { bits: { weight: 8, activation: 8, error: 8 }, perMac: 0.3, forward: 1_951_334.4, total: 3_927_244.8 },
  { bits: { weight: 'int8', activation: 'int8', error: 'int8', accumulator: 'int32' }, perMac: 0.3, forward: 1_951_334.4, total: 3_927_244.8 },
] as const;

describe('the 45 nm table (Horowitz, ISSCC 2014)', () => {
  it('holds the published figures and the derived int16 multiply', () => {
    expect(cost.ENERGY_45NM.add).toEqual({ int8: 0.03, int16: 0.05, int32: 0.1, f16: 0.4, f32: 0.9 });
    expect(cost.ENERGY_45NM.mul).toEqual({ int8: 0.2, int16: 0.8, int32: 3.1, f16: 1.1, f32: 3.7 });
    expect(cost.ENERGY_45NM.access).toEqual({ sram8KB: 10, sram32KB: 20, sram1MB: 100, dram: 2000 });
    expect(cost.ENERGY_45NM.dram64Range).toEqual([1300, 2600]);
    expect(cost.ENERGY_45NM.source).toContain('Horowitz');
    expect(cost.opEnergy('mul', 'int16')).toBe(cost.intMulEnergy(16, 16));
    expect(cost.opEnergy('add', 'f32')).toBe(0.9);
  });

  it('scales integer multipliers with the product of widths and adders linearly', () => {
    expect(cost.intMulEnergy(8, 8)).toBeCloseTo(0.2, 12);
    expect(cost.intMulEnergy(12, 8)).toBeCloseTo(0.3, 12);
    expect(cost.intMulEnergy(32, 32)).toBeCloseTo(3.2, 12);
    expect([8, 16, 32].map(cost.intAddEnergy)).toEqual([0.03, 0.05, 0.1]);
    expect(cost.intAddEnergy(4)).toBeCloseTo(0.015, 12);
    expect(cost.intAddEnergy(12)).toBeCloseTo(0.04, 12);
    expect(cost.intAddEnergy(24)).toBeCloseTo(0.075, 12);
    expect(cost.intAddEnergy(64)).toBeCloseTo(0.2, 12);
  });

  it('prices MACs: RCT §6 test vectors and the float formats', () => {
    const vectors: [number, number, number, number][] = [[8, 8, 0.3, 93.48], [12, 8, 0.4, 91.30], [16, 8, 0.5, 89.13], [16, 16, 0.9, 80.43]];
    for (const [a, b, e, saving] of vectors) {
      expect(cost.macEnergy(a, b)).toBeCloseTo(e, 12);
      expect(100 * (1 - cost.macEnergy(a, b) / cost.macEnergy('f32', 'f32'))).toBeCloseTo(saving, 2);
    }
    expect(cost.macEnergy(32, 32)).toBeCloseTo(3.3, 12);
    expect(cost.macEnergy('f32', 'f32')).toBeCloseTo(4.6, 12);
    expect(cost.macEnergy('f16', 'f16')).toBeCloseTo(1.5, 12);
    expect(cost.macEnergy('f16', 'f16', 'f32')).toBeCloseTo(2.0, 12);
    expect(cost.macEnergy('f16', 'f32')).toBeCloseTo(4.6, 12);
    expect(cost.macEnergy('int8', 8, 16)).toBeCloseTo(0.25, 12);
  });

  it('prices data movement per 64-bit access', () => {
    expect(cost.movementEnergy(64, 'dram')).toBe(2000);
    expect(cost.movementEnergy(1, 'dram')).toBe(31.25);
    expect(cost.movementEnergy(1, 'sram32KB')).toBe(0.3125);
    expect(cost.movementEnergy(0, 'sram8KB')).toBe(0);
    // RCT §6: 4·b bits per parameter per iteration at b = 8 from DRAM.
    expect(cost.movementEnergy(32, 'dram')).toBe(1000);
    // Reading all 814,120 bytes of float32 MLP parameters once from DRAM / 1 MB SRAM.
    expect(cost.movementEnergy(8 * 814_120, 'dram')).toBe(203_530_000);
    expect(cost.movementEnergy(8 * 203_530, 'sram1MB')).toBe(2_544_125);
  });
});

describe('MACs and GEMM energy of the 784-256-10 MLP (batch 32)', () => {
  it('counts MACs per layer and pass', () => {
    expect(cost.layerMacs(MLP[0]!, 32)).toEqual({ forward: 6_422_528, backwardData: 6_422_528, backwardWeight: 6_422_528 });
    expect(cost.layerMacs(MLP[1]!, 32)).toEqual({ forward: 0, backwardData: 0, backwardWeight: 0 });
    const t = cost.trainingMacs(MLP, 32);
    expect(t.total).toEqual(HAND);
    expect(t.firstTrainable).toBe(0);
    expect(t.layers[0]).toEqual({ forward: 6_422_528, backwardData: 0, backwardWeight: 6_422_528 });
    expect(t.layers[2]).toEqual({ forward: 81_920, backwardData: 81_920, backwardWeight: 81_920 });
  });

  it('frozen layers: no weight gradient, and no backward-data before the first trainable layer', () => {
    const frozen = MLP.map((s, i) => (i === 0 ? { ...s, trainable: false } : s));
    expect(cost.trainingMacs(frozen, 32).total).toEqual({ forward: HAND.forward, backwardData: 0, backwardWeight: 81_920, all: HAND.forward + 81_920 });
    const none = MLP.map((s) => ({ ...s, trainable: false }));
    expect(cost.trainingMacs(none, 32)).toMatchObject({ total: { forward: HAND.forward, backwardData: 0, backwardWeight: 0, all: HAND.forward }, firstTrainable: -1 });
  });

  it('counts conv2d MACs as B·out·Ho·Wo·(in/g)·kh·kw', () => {
    const [c] = cost.layerSpecs([3, 32, 32], [{ kind: 'conv2d', out: 16, kernel: 3, padding: 1 }]);
    expect(cost.layerMacs(c!, 2).forward).toBe(2 * 16 * 32 * 32 * 3 * 9);
    const [g] = cost.layerSpecs([8, 10, 10], [{ kind: 'conv2d', out: 4, kernel: [3, 1], stride: 2, groups: 2 }]);
    expect(g!.outShape).toEqual([4, 4, 5]);
    expect(cost.layerMacs(g!, 1).forward).toBe(4 * 4 * 5 * 4 * 3);
  });

  for (const row of ENERGY_TABLE) {
    it(`GEMM energy at ${JSON.stringify(row.bits)}`, () => {
      const e = cost.gemmEnergy(cost.trainingMacs(MLP, 32).layers, row.bits);
      expect(e.forward).toBeCloseTo(row.forward, 3);
      expect(e.total).toBeCloseTo(row.total, 3);
      expect(e.total).toBeCloseTo(row.perMac * HAND.all, 3);
      expect(e.backwardData).toBeCloseTo(row.perMac * 81_920, 6);
      expect(e.layers.reduce((a, b) => a + b, 0)).toBeCloseTo(e.total, 3);
      expect(e.layers[1]).toBe(0);
      expect(cost.pJ(e.total)).toBeCloseTo(row.total * 1e-12, 18);
    });
  }

  it('takes per-layer widths: W·x forward, W·e backward-data, e·x weight gradient', () => {
    const t = cost.trainingMacs(MLP, 32);
    // One entry per spec: fc1, relu (no MACs, widths unused), fc2.
    const bits = [{ weight: 12, activation: 8, error: 16 }, { weight: 4, activation: 4, error: 4 }, { weight: 'f32', activation: 'f32', error: 'f32' }] as const;
    const e = cost.gemmEnergy(t.layers, bits);
    const fc1 = 6_422_528 * (cost.macEnergy(12, 8) + cost.macEnergy(16, 8));
    expect(e.layers[0]).toBeCloseTo(fc1, 6);
    expect(e.layers[2]).toBeCloseTo(81_920 * 3 * 4.6, 6);
    expect(e.forward).toBeCloseTo(6_422_528 * 0.4 + 81_920 * 4.6, 6);
  });

  it('GEMM energy is monotone in every width and below FP32 for integer widths ≤ 32', () => {
    const t = cost.trainingMacs(MLP, 32);
    const fp32 = cost.gemmEnergy(t.layers, { weight: 'f32', activation: 'f32', error: 'f32' }).total;
    fc.assert(fc.property(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 32 }), (w, a, e) => {
      const base = cost.gemmEnergy(t.layers, { weight: w, activation: a, error: e }).total;
      const wider = cost.gemmEnergy(t.layers, { weight: w + 1, activation: a, error: e }).total;
      return base < wider && wider < fp32;
    }), { seed: 14 });
  });
});

describe('argument validation', () => {
  it('rejects negative / NaN counts and unknown formats, widths and levels', () => {
    expect(code(() => cost.movementEnergy(-1, 'dram'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.movementEnergy(NaN, 'dram'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.movementEnergy(Infinity, 'dram'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.movementEnergy(8, 'l2' as 'dram'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.opEnergy('mul', 'int4' as 'int8'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.opEnergy('div' as 'mul', 'int8'))).toBe('INVALID_ARGUMENT');
    for (const bad of [0, 65, 2.5, NaN, -8]) {
      expect(code(() => cost.intMulEnergy(bad, 8))).toBe('INVALID_ARGUMENT');
      expect(code(() => cost.intAddEnergy(bad))).toBe('INVALID_ARGUMENT');
      expect(code(() => cost.macEnergy(8, bad))).toBe('INVALID_ARGUMENT');
    }
    expect(code(() => cost.macEnergy('bf16' as 'f16', 'f16'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.macEnergy(8, 'f32'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.macEnergy(8, 8, 'f64' as 'f32'))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.layerMacs(MLP[0]!, 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMacs(MLP, 1.5))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMacs(MLP, NaN))).toBe('INVALID_ARGUMENT');
    const t = cost.trainingMacs(MLP, 32).layers;
    const f32 = { weight: 'f32', activation: 'f32', error: 'f32' } as const;
    expect(code(() => cost.gemmEnergy([{ forward: -1, backwardData: 0, backwardWeight: 0 }], f32))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.gemmEnergy([{ forward: NaN, backwardData: 0, backwardWeight: 0 }], f32))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.gemmEnergy(t, [f32]))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.gemmEnergy(t, { weight: 33.5, activation: 8, error: 8 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.pJ(-1))).toBe('INVALID_ARGUMENT');
  });
});
