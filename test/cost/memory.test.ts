import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost } from '../../src/index.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

const MLP = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);

// 784-256-10, batch 32, by hand (bytes). Parameters: fc1 200,704 + 256, fc2 2,560 + 10 = 203,530.
// Saved for backward: fc1 its input (32·784), relu a 1-bit mask (32·256 / 8 = 1,024), fc2 its input (32·256).
// F = max_j(Σ_{i<j} S_i + in_j + out_j); G = max_j(Σ_{i≤j} S_i + dy_j + [j>0]·dx_j).
const TABLE = [
  {
    name: 'f32, SGD', opts: { batch: 32 },
    params: 814_120, gradients: 814_120, optimizer: 0,
    saved: [100_352, 1_024, 32_768], input: [100_352, 32_768, 32_768], output: [32_768, 32_768, 1_280],
    // F: 0+100,352+32,768 | 100,352+32,768+32,768 | 101,376+32,768+1,280
    forwardPeak: 165_888,
    // G: 100,352+32,768 | 101,376+32,768+32,768 | 134,144+1,280+32,768
    backwardPeak: 168_192,
    peak: 814_120 + 814_120 + 168_192,
  },
  {
    name: 'f32, Adam', opts: { batch: 32, optimizer: 'adam' },
    params: 814_120, gradients: 814_120, optimizer: 1_628_240,
    saved: [100_352, 1_024, 32_768], input: [100_352, 32_768, 32_768], output: [32_768, 32_768, 1_280],
    forwardPeak: 165_888, backwardPeak: 168_192,
    peak: 814_120 + 814_120 + 1_628_240 + 168_192,
  },
  {
    name: 'int8 everywhere, SGD', opts: { batch: 32, paramBits: 8, gradientBits: 8, activationBits: 8, errorBits: 8 },
    params: 203_530, gradients: 203_530, optimizer: 0,
    saved: [25_088, 1_024, 8_192], input: [25_088, 8_192, 8_192], output: [8_192, 8_192, 320],
    // F: 25,088+8,192 | 25,088+8,192+8,192 | 26,112+8,192+320
    forwardPeak: 41_472,
    // G: 25,088+8,192 | 26,112+8,192+8,192 | 34,304+320+8,192
    backwardPeak: 42_816,
    peak: 2 * 203_530 + 42_816,
  },
  {
    name: 'int8 weights, f32 rest, momentum', opts: { batch: 32, paramBits: 8, optimizer: 1 },
    params: 203_530, gradients: 814_120, optimizer: 814_120,
    saved: [100_352, 1_024, 32_768], input: [100_352, 32_768, 32_768], output: [32_768, 32_768, 1_280],
    forwardPeak: 165_888, backwardPeak: 168_192,
    peak: 203_530 + 814_120 + 814_120 + 168_192,
  },
] as const;

describe('trainingMemory of the 784-256-10 MLP (batch 32)', () => {
  for (const row of TABLE) {
    it(row.name, () => {
      const m = cost.trainingMemory(MLP, row.opts);
      expect(m.params).toBe(row.params);
      expect(m.gradients).toBe(row.gradients);
      expect(m.optimizer).toBe(row.optimizer);
      expect(m.layers.map((l) => l.saved)).toEqual(row.saved);
      expect(m.layers.map((l) => l.input)).toEqual(row.input);
      expect(m.layers.map((l) => l.output)).toEqual(row.output);
      expect(m.saved).toBe(row.saved.reduce((a, b) => a + b, 0));
      expect(m.forwardPeak).toBe(row.forwardPeak);
      expect(m.backwardPeak).toBe(row.backwardPeak);
      expect(m.activationPeak).toBe(Math.max(row.forwardPeak, row.backwardPeak));
      expect(m.peak).toBe(row.peak);
      expect(m.firstTrainable).toBe(0);
    });
  }

  it('names, counts and splits the parameters per layer', () => {
    const m = cost.trainingMemory(MLP, { batch: 32 });
    expect(m.layers.map((l) => [l.name, l.kind, l.paramCount, l.trainable, l.params])).toEqual([
      ['0', 'linear', 200_960, true, 803_840], ['1', 'relu', 0, false, 0], ['2', 'linear', 2_570, true, 10_280],
    ]);
    // Per-layer bit widths override the options (RCT: parameters at per-layer widths).
    const mixed = cost.trainingMemory([{ ...MLP[0]!, paramBits: 12 }, MLP[1]!, { ...MLP[2]!, paramBits: 16 }], { batch: 32 });
    expect(mixed.layers.map((l) => l.params)).toEqual([200_704 * 1.5 + 256 * 1.5, 0, 2_560 * 2 + 20]);
    const act4 = cost.trainingMemory([{ ...MLP[0]!, activationBits: 4 }, MLP[1]!, MLP[2]!], { batch: 32 });
    expect(act4.layers[0]).toMatchObject({ saved: 12_544, input: 12_544, output: 4_096 });
  });

  it('a frozen first layer keeps nothing before the first trainable layer', () => {
    const m = cost.trainingMemory([{ ...MLP[0]!, trainable: false }, MLP[1]!, MLP[2]!], { batch: 32, optimizer: 'adam' });
    expect(m.firstTrainable).toBe(2);
    expect(m.layers.map((l) => l.saved)).toEqual([0, 0, 32_768]);
    expect([m.gradients, m.optimizer]).toEqual([10_280, 20_560]);
    expect(m.forwardPeak).toBe(133_120);         // fc1's input + output
    expect(m.backwardPeak).toBe(32_768 + 1_280); // fc2's saved input + dL/dy, no dL/dx
    expect(m.peak).toBe(814_120 + 10_280 + 20_560 + 133_120);
  });

  it('with nothing trainable it is inference memory', () => {
    const m = cost.trainingMemory(MLP.map((s) => ({ ...s, trainable: false })), { batch: 32, optimizer: 'adam' });
    expect(m).toMatchObject({ gradients: 0, optimizer: 0, saved: 0, backwardPeak: 0, forwardPeak: 133_120, firstTrainable: -1 });
    expect(m.peak).toBe(814_120 + 133_120);
  });

  it('peak = params + gradients + optimizer + max(F, G), F and G bounded by their parts (random MLPs)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 2, maxLength: 5 }), fc.integer({ min: 1, max: 64 }),
      fc.constantFrom<'sgd' | 'momentum' | 'adam'>('sgd', 'momentum', 'adam'),
      (widths, batch, optimizer) => {
        const descs: cost.LayerDesc[] = [];
        widths.slice(1).forEach((w, i) => { descs.push({ kind: 'linear', out: w }); if (i < widths.length - 2) descs.push({ kind: 'relu' }); });
        const specs = cost.layerSpecs([widths[0]!], descs);
        const m = cost.trainingMemory(specs, { batch, optimizer });
        const n = widths.slice(1).reduce((t, w, i) => t + w * widths[i]! + w, 0);
        const maxBuf = Math.max(...m.layers.map((l) => l.input + l.output));
        return m.params === 4 * n && m.gradients === 4 * n && m.optimizer === 4 * n * cost.OPTIMIZER_SLOTS[optimizer]
          && m.peak === m.params + m.gradients + m.optimizer + Math.max(m.forwardPeak, m.backwardPeak)
          && m.forwardPeak >= maxBuf && m.forwardPeak <= m.saved + maxBuf && m.backwardPeak <= m.saved + 2 * maxBuf;
      },
    ), { seed: 14 });
  });
});

describe('p-Meta spec §5 worked example (4-conv-32, 84×84×3, N = 5, batch-stat BN)', () => {
  // M_w counts the conv/linear parameters of the updated layers; BN γ/β are not updated.
  function conv4(updated: (block: number) => boolean, head: boolean): cost.LayerSpec[] {
    const descs: cost.LayerDesc[] = [];
    for (let b = 0; b < 4; b++) {
      descs.push({ kind: 'conv2d', out: 32, kernel: 3, padding: 1, trainable: updated(b) }, { kind: 'batchNorm', trainable: false }, { kind: 'relu' }, { kind: 'maxPool2d', kernel: 2 });
    }
    descs.push({ kind: 'flatten' }, { kind: 'linear', out: 5, trainable: head });
    return cost.layerSpecs([3, 84, 84], descs);
  }
  const KiB = (x: number) => Math.round((10 * x) / 1024) / 10;
  const rows = [
    { name: 'MAML', batch: 5, updated: () => true, head: true, mw: 127.5, f: 13771.0, g: 13908.8 },
    { name: 'ANIL', batch: 5, updated: () => false, head: true, mw: 15.6, f: 8835.6, g: 31.4 },
    { name: 'MAML', batch: 25, updated: () => true, head: true, mw: 127.5, f: 68344.7, g: 69033.8 },
  ];
  for (const r of rows) {
    it(`${r.name}, B = ${r.batch}: M_w, F + M_w, G + M_w as in the spec's table`, () => {
      const m = cost.trainingMemory(conv4(r.updated, r.head), { batch: r.batch });
      const mw = m.layers.filter((l) => l.trainable).reduce((t, l) => t + l.params, 0);
      expect(KiB(mw)).toBe(r.mw);
      expect(KiB(m.forwardPeak + mw)).toBe(r.f);
      expect(KiB(m.backwardPeak + mw)).toBe(r.g);
    });
  }
  it('keeps a 2-bit argmax per max-pool output and input-sized x̂ for batch-stat BN', () => {
    const m = cost.trainingMemory(conv4(() => true, true), { batch: 5 });
    expect(m.layers[3]).toMatchObject({ kind: 'maxPool2d', saved: Math.ceil((2 * 5 * 32 * 42 * 42) / 8) });
    expect(m.layers[1]).toMatchObject({ kind: 'batchNorm', saved: 4 * 5 * 32 * 84 * 84, trainable: false, params: 256 });
    const frozenStats = cost.trainingMemory(conv4(() => true, true).map((s) => (s.kind === 'batchNorm' ? { ...s, batchStats: false } : s)), { batch: 5 });
    expect(frozenStats.layers[1]!.saved).toBe(0);
  });
});

describe('layerSpecs and argument validation', () => {
  it('propagates shapes like nn.sequential', () => {
    const s = cost.layerSpecs([1, 28, 28], [
      { kind: 'conv2d', out: 20, kernel: 5 }, { kind: 'maxPool2d', kernel: 2 }, { kind: 'relu' },
      { kind: 'conv2d', out: 50, kernel: 5, bias: false }, { kind: 'avgPool2d', kernel: 2 }, { kind: 'flatten' },
      { kind: 'dropout' }, { kind: 'linear', out: 10, name: 'head' },
    ]);
    expect(s.map((l) => l.outShape)).toEqual([[20, 24, 24], [20, 12, 12], [20, 12, 12], [50, 8, 8], [50, 4, 4], [800], [800], [10]]);
    expect(s[3]).toMatchObject({ weightShape: [50, 20, 5, 5], bias: false, name: '3' });
    expect(s[7]).toMatchObject({ weightShape: [10, 800], bias: true, name: 'head' });
  });

  it('rejects bad input with NumError', () => {
    expect(code(() => cost.trainingMemory(MLP, { batch: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: -3 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: NaN }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: 4, paramBits: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: 4, activationBits: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: 4, errorBits: NaN }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: 4, optimizer: 'lion' as 'adam' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, { batch: 4, optimizer: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory(MLP, null as unknown as { batch: number }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory([{ ...MLP[0]!, kind: 'lstm' as 'linear' }], { batch: 4 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory([{ ...MLP[0]!, paramBits: NaN }], { batch: 4 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.trainingMemory([{ ...MLP[0]!, weightShape: [256, 783] }], { batch: 4 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => cost.trainingMemory([{ ...MLP[0]!, inShape: [0] }], { batch: 4 }))).toBe('SHAPE_MISMATCH');
    expect(code(() => cost.layerSpecs([784], [{ kind: 'gru' } as unknown as cost.LayerDesc]))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.layerSpecs([784], [{ kind: 'linear', out: 0 }]))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.layerSpecs([784], [{ kind: 'conv2d', out: 4, kernel: 3 }]))).toBe('SHAPE_MISMATCH');
    expect(code(() => cost.layerSpecs([3, 4, 4], [{ kind: 'conv2d', out: 4, kernel: 5 }]))).toBe('SHAPE_MISMATCH');
    expect(code(() => cost.layerSpecs([3, 4, 4], [{ kind: 'conv2d', out: 4, kernel: 1, groups: 2 }]))).toBe('SHAPE_MISMATCH');
    expect(code(() => cost.layerSpecs([-1], []))).toBe('SHAPE_MISMATCH');
  });
});

describe('cost reports', () => {
  it('checks and combines records: sums, with the peak as a maximum', () => {
    expect(cost.combineCosts([{ macs: 10, peakMemoryBytes: 100, energyJ: 0.5 }, { macs: 5, peakMemoryBytes: 80, bitsSent: 64, energyJ: 0.25 }]))
      .toEqual({ macs: 15, peakMemoryBytes: 100, bitsSent: 64, energyJ: 0.75 });
    expect(cost.combineCosts([])).toEqual({});
    expect(cost.costReport({ bits: 8, bytes: undefined } as unknown as cost.CostReport)).toEqual({ bits: 8 });
    expect(code(() => cost.costReport({ macs: -1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.costReport({ macs: NaN }))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.costReport({ flops: 1 } as cost.CostReport))).toBe('INVALID_ARGUMENT');
    expect(code(() => cost.combineCosts([{ bitsSent: Infinity }]))).toBe('INVALID_ARGUMENT');
  });
});
