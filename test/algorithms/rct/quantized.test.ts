// rct.quantizedParams (§2): integer containers by bitwidth, f = b − 1 − ⌈log2 max|w|⌉, round half
// to even with saturation by at most one LSB, float dropped; widening/narrowing helpers; bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { key, nn, rct, tensor } from '../../../src/index.js';
import { ceilLog2, roundHalfEven } from '../../../src/algorithms/rct/fixed.js';
import { narrow, widen } from '../../../src/algorithms/rct/quantized.js';
import { errorCode } from '../../helpers.js';

describe('rct.quantizedParams', () => {
  it('stores LeNet5 as Int8 weights (b = 8) and Int16 biases (b = 16) on the spec grid', () => {
    const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
    const qp = rct.quantizedParams(params);
    expect(Object.keys(qp)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
    const w = (params as { weight?: import('../../../src/index.js').Tensor }[])[7]!.weight!.toTyped();
    const t = qp['7.weight']!;
    expect(t.q).toBeInstanceOf(Int8Array);
    expect(qp['7.bias']!.q).toBeInstanceOf(Int16Array);
    let m = 0;
    for (const v of w) m = Math.max(m, Math.abs(v));
    expect(t.f).toBe(8 - 1 - Math.ceil(Math.log2(m)));
    let worst = 0;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(t.q[i]! - w[i]! * 2 ** t.f));
    expect(worst).toBeLessThanOrEqual(0.5);
  });

  it('rounds half to even and saturates the largest weight by at most one LSB', () => {
    // max 1 → e = 0, f = 3 at b = 4: steps of 1/8; 0.1875 = 1.5 LSB → 2, 0.3125 = 2.5 LSB → 2, 1 → 8 → 7.
    const t = rct.quantizeTensor(tensor([1, 0.1875, 0.3125, -0.0625, -1]), 4);
    expect(t.f).toBe(3);
    expect(Array.from(t.q)).toEqual([7, 2, 2, 0, -7]);
  });

  it('picks the container from b: Int8 ≤ 8 < Int16 ≤ 16 < Int32', () => {
    const w = tensor([0.3, -0.2]);
    expect(rct.quantizeTensor(w, 8).q).toBeInstanceOf(Int8Array);
    expect(rct.quantizeTensor(w, 9).q).toBeInstanceOf(Int16Array);
    expect(rct.quantizeTensor(w, 17).q).toBeInstanceOf(Int32Array);
  });

  it('round half to even, ⌈log2⌉ and the init error bound hold for random values', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
    fc.assert(fc.property(fc.double({ min: 1e-30, max: 1e30, noNaN: true }), (m) => {
      const e = ceilLog2(m);
      expect(2 ** e).toBeGreaterThanOrEqual(m);
      expect(2 ** (e - 1)).toBeLessThan(m);
    }));
    fc.assert(fc.property(fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 24 }), (xs, b) => {
      const t = rct.quantizeTensor(tensor(xs), b);
      const hi = 2 ** (b - 1) - 1;
      xs.forEach((x, i) => {
        expect(Math.abs(t.q[i]!)).toBeLessThanOrEqual(hi);
        expect(Math.abs(t.q[i]! * 2 ** -t.f - Math.fround(x))).toBeLessThanOrEqual(2 ** -t.f); // ≤ 1 LSB (½ + saturation)
      });
    }));
  });

  it('widening is exact, narrowing errs by at most Δ_old and saturates instead of wrapping', () => {
    const t = rct.quantizeTensor(tensor([0.9, -0.33, 0.01, 0.5]), 8);
    const w = widen(t);
    expect(w.b).toBe(9);
    expect(w.q).toBeInstanceOf(Int16Array);
    expect(Array.from(rct.dequantize(w))).toEqual(Array.from(rct.dequantize(t)));
    const full = { q: new Int8Array([127, -127, 3, -3]), shape: [4], b: 8, f: 7 };
    const { qt, saturated } = narrow(full);
    expect(Array.from(qt.q)).toEqual([63, -63, 2, -2]); // 63.5 → 64 saturates to 63; 1.5 → 2
    expect(saturated).toBe(2);
    const before = rct.dequantize(full), after = rct.dequantize(qt);
    [2, 3].forEach((i) => expect(Math.abs(after[i]! - before[i]!)).toBeLessThanOrEqual(2 ** -7));
  });

  it('rejects bad input with the issue\'s codes, before any q is written', () => {
    const p = [{ weight: tensor([[0.1, 0.2]]), bias: tensor([0.3]) }];
    expect(errorCode(() => rct.quantizedParams(p, { weight: { bMin: 10, bMax: 6 } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.quantizedParams(p, { weight: { bMax: 33 } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.quantizedParams(p, { bias: { bMin: 1 } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.quantizeTensor(tensor([1]), 40))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.quantizedParams([{ weight: tensor([[0.1, Number.NaN]]) }]))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => rct.checkQuantized({ w: { q: new Int8Array(2), shape: [2], b: 12, f: 0 } }))).toBe('STATE_MISMATCH');
    expect(errorCode(() => rct.checkQuantized({ w: { q: new Int8Array([8, 0]), shape: [2], b: 4, f: 0 } }))).toBe('STATE_MISMATCH');
    expect(errorCode(() => rct.checkQuantized({ w: { q: new Float32Array(2), shape: [2], b: 4, f: 0 } }))).toBe('STATE_MISMATCH');
  });
});
