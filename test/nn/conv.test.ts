// conv2d and pooling: forward against naive loops over fast-check geometries; first-order
// gradients (float64 central differences) for stride, padding, dilation and groups; BN and
// cross-entropy gradients; im2col/col2im second order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  avgPool2d, batchNorm, conv2d, crossEntropy, grad, gradcheck, makeWindow, maxPool2d, mseLoss, mul, sum, tensor, accuracy,
  ones, zeros, dropout, key, type Tensor, isNumError,
} from '../../src/index.js';
import { conv2dRef } from '../../src/tensor/kernels/conv.js';
import { arbTensor } from '../../src/testing/index.js';
import { t64, thrown } from '../helpers.js';

/** Weighted sum so that every output element matters. */
const wsum = (y: Tensor, seed: number): Tensor => sum(mul(y, t64([...y.shape], seed)));

const geometry = fc.record({
  n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 2 }), og: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 3, max: 7 }), w: fc.integer({ min: 3, max: 7 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
}).filter((g) => g.h + 2 * g.ph >= g.dh * (g.kh - 1) + 1 && g.w + 2 * g.pw >= g.dw * (g.kw - 1) + 1);

describe('conv2d', () => {
  it('matches the naive direct convolution over random geometries and layouts', () => {
    fc.assert(fc.property(geometry.chain((g) => fc.tuple(fc.constant(g),
      arbTensor({ shape: [g.n, g.groups * g.cg, g.h, g.w], views: true, min: -2, max: 2 }),
      arbTensor({ shape: [g.groups * g.og, g.cg, g.kh, g.kw], min: -2, max: 2 }),
      arbTensor({ shape: [g.groups * g.og], min: -1, max: 1 }))),
    ([g, x, w, b]) => {
      const opts = { stride: [g.sh, g.sw] as const, padding: [g.ph, g.pw] as const, dilation: [g.dh, g.dw] as const, groups: g.groups };
      const y = conv2d(x, w, { ...opts, bias: b });
      const win = makeWindow('test', g.h, g.w, [g.kh, g.kw], opts);
      const o = g.groups * g.og;
      const ref = new Float64Array(g.n * o * win.ho * win.wo);
      conv2dRef(x.toTyped(), g.n, g.groups * g.cg, g.h, g.w, w.toTyped(), o, g.groups, win, ref);
      const bv = b.toTyped();
      for (let i = 0; i < ref.length; i++) ref[i]! += bv[Math.floor(i / (win.ho * win.wo)) % o]!;
      expect(y.shape).toEqual([g.n, o, win.ho, win.wo]);
      expect(y).toBeAllClose(ref, { rtol: 1e-5, atol: 1e-4 });
    }), { numRuns: 80 });
  });

  const cases: [string, object, number[], number[]][] = [
    ['plain 3×3', {}, [2, 2, 5, 5], [3, 2, 3, 3]],
    ['stride 2, padding 1', { stride: 2, padding: 1 }, [1, 2, 6, 5], [2, 2, 3, 3]],
    ['asymmetric padding, dilation 2', { padding: [[1, 0], [2, 1]], dilation: 2 }, [1, 1, 6, 6], [2, 1, 2, 3]],
    ['groups 2', { groups: 2, padding: 'same' }, [2, 4, 4, 4], [4, 2, 3, 3]],
    ['1×1 pointwise', {}, [2, 3, 3, 3], [4, 3, 1, 1]],
  ];
  for (const [name, opts, xs, ws] of cases) {
    it(`${name}: gradients for x, weight and bias match central differences`, () => {
      const f = (x: Tensor, w: Tensor, b: Tensor) => wsum(conv2d(x, w, { ...opts, bias: b }), 7);
      const r = gradcheck(f, [t64(xs, 1), t64(ws, 2), t64([ws[0]!], 3)]);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    });
  }

  it('second order through im2col/col2im (grad of a gradient norm)', () => {
    const w = t64([2, 1, 3, 3], 4);
    const f = (x: Tensor) => sum(mul(grad((v: Tensor) => wsum(conv2d(v, w, { padding: 1 }), 5))(x), mul(x, x)));
    const r = gradcheck((x: Tensor) => f(x), [t64([1, 1, 4, 4], 6)]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    const g = (ww: Tensor) => sum(mul(grad((x: Tensor) => wsum(conv2d(x, ww, { stride: 2 }), 8))(t64([1, 1, 5, 5], 9)), ww.sum()));
    expect(gradcheck(g, [w]).ok).toBe(true);
  });

  it('rejects bad shapes and options with NumError', () => {
    const e = thrown(() => conv2d(zeros([1, 3, 5, 5]), zeros([4, 2, 3, 3])));
    expect(isNumError(e) && e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/^conv2d: weight input channels do not match; expected weight.shape\[1\] == C\/groups \(3\)/);
    expect(() => conv2d(zeros([1, 1, 2, 2]), zeros([1, 1, 3, 3]))).toThrow(/^conv2d: the \(dilated\) kernel is larger than the padded input/);
    expect(() => conv2d(zeros([1, 2, 5, 5]), zeros([3, 1, 3, 3]), { groups: 2 })).toThrow(/^conv2d: groups must divide/);
    expect(() => conv2d(zeros([2, 5, 5]), zeros([1, 2, 3, 3]))).toThrow(/^conv2d: x must be 4-D \(NCHW\)/);
    expect(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), { stride: 0 })).toThrow(/^conv2d: stride must be an integer >= 1/);
  });
});

describe('pooling', () => {
  it('maxPool2d and avgPool2d match window references', () => {
    fc.assert(fc.property(fc.record({ k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 7 }), w: fc.integer({ min: 3, max: 7 }) })
      .chain((g) => fc.tuple(fc.constant(g), arbTensor({ shape: [2, 2, g.h, g.w], views: true }))), ([g, x]) => {
      const mp = maxPool2d(x, g.k, { stride: g.s });
      const ap = avgPool2d(x, g.k, { stride: g.s });
      const ho = Math.floor((g.h - g.k) / g.s) + 1, wo = Math.floor((g.w - g.k) / g.s) + 1;
      expect(mp.shape).toEqual([2, 2, ho, wo]);
      const xa = x.toArray() as number[][][][];
      const m = mp.toArray() as number[][][][], a = ap.toArray() as number[][][][];
      for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
        const win: number[] = [];
        for (let u = 0; u < g.k; u++) for (let v = 0; v < g.k; v++) win.push(xa[n]![c]![i * g.s + u]![j * g.s + v]!);
        if (m[n]![c]![i]![j] !== Math.max(...win)) return false;
        if (Math.abs(a[n]![c]![i]![j]! - win.reduce((p, q) => p + q, 0) / win.length) > 1e-5) return false;
      }
      return true;
    }), { numRuns: 60 });
  });

  it('gradients match central differences (distinct values, padding)', () => {
    const xs = Array.from({ length: 2 * 2 * 5 * 5 }, (_, i) => ((i * 37) % 100) / 10 - 5 + i * 1e-3);
    const x = tensor(xs, { dtype: 'float64', shape: [2, 2, 5, 5] });
    expect(gradcheck((v: Tensor) => wsum(maxPool2d(v, 2, { stride: 1, padding: 1 }), 1), [x]).ok).toBe(true);
    expect(gradcheck((v: Tensor) => wsum(maxPool2d(v, 3, { stride: 2 }), 2), [x]).ok).toBe(true);
    expect(gradcheck((v: Tensor) => wsum(avgPool2d(v, 2, { padding: 1 }), 3), [x]).ok).toBe(true);
  });
});

describe('batchNorm, losses, dropout', () => {
  const stats = { runningMean: zeros([3], { dtype: 'float64' }), runningVar: ones([3], { dtype: 'float64' }) };

  it('batchNorm gradients (training mode) match central differences', () => {
    const f = (x: Tensor, g: Tensor, b: Tensor) => wsum(batchNorm(x, { ...stats, weight: g, bias: b, training: true }).y, 11);
    expect(gradcheck(f, [t64([4, 3, 2, 2], 12), t64([3], 13, 0.5, 1.5), t64([3], 14)]).ok).toBe(true);
    const f2 = (x: Tensor) => wsum(batchNorm(x, { ...stats, training: true }).y, 15);
    expect(gradcheck(f2, [t64([5, 3], 16)]).ok).toBe(true);
  });

  it('batchNorm normalises per channel and updates running statistics like PyTorch', () => {
    const x = t64([8, 3, 2, 2], 17, -3, 5);
    const r = batchNorm(x, { ...stats, training: true, momentum: 0.1 });
    const xa = x.toArray() as number[][][][];
    for (let c = 0; c < 3; c++) {
      const v = xa.flatMap((n) => n[c]!.flat());
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const unbiased = v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1);
      expect(r.runningMean.toArray()).toEqual(expect.any(Array));
      expect((r.runningMean.toArray() as number[])[c]).toBeCloseTo(0.1 * mu, 12);
      expect((r.runningVar.toArray() as number[])[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 12);
    }
    const y = r.y.toArray() as number[][][][];
    const ch0 = y.flatMap((n) => n[0]!.flat());
    expect(Math.abs(ch0.reduce((a, b) => a + b, 0) / ch0.length)).toBeLessThan(1e-12);
    const ev = batchNorm(x, { ...stats, training: false });
    expect(ev.y).toBeAllClose(mul(x, 1 / Math.sqrt(1 + 1e-5)), { rtol: 1e-12 });
  });

  it('crossEntropy: value, gradient, stability and label checks', () => {
    const logits = tensor([[2, 0, -1], [0, 2, 1]], { dtype: 'float64' });
    const y = tensor([0, 2], { dtype: 'int32' });
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    expect(crossEntropy(logits, y).item()).toBeCloseTo(((lse([2, 0, -1]) - 2) + (lse([0, 2, 1]) - 1)) / 2, 12);
    expect(gradcheck((l: Tensor) => crossEntropy(l, y), [logits]).ok).toBe(true);
    expect(Number.isFinite(crossEntropy(tensor([[1e4, -1e4]]), tensor([1], { dtype: 'int32' })).item())).toBe(true);
    expect(() => crossEntropy(logits, tensor([0, 3], { dtype: 'int32' }))).toThrow(/^crossEntropy: label 1 out of range; expected 0 <= label < 3, got 3$/);
    expect(() => crossEntropy(logits, tensor([0, 1]))).toThrow(/^crossEntropy: labels must be integer class indices/);
    expect(accuracy(logits, tensor([0, 1], { dtype: 'int32' }))).toBe(1);
    expect(mseLoss(tensor([1, 2]), tensor([1, 4])).item()).toBe(2);
  });

  it('dropout keeps the expectation and zeroes about p of the entries', () => {
    const x = ones([20000]);
    const y = dropout(key(3), x, 0.3);
    const v = y.toTyped();
    let zerosN = 0;
    for (const e of v) if (e === 0) zerosN++;
    expect(Math.abs(zerosN / v.length - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(sum(y).item() / v.length - 1)).toBeLessThan(0.03);
    expect(dropout(key(3), x, 0)).toBe(x);
  });
});
