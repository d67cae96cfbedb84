// Numerics at the extremes: logits of magnitude 1e4 (what a diverging layer produces before the
// loss explodes) must give finite losses, probabilities and gradients, in float32 and float64.
import { describe, expect, it } from 'vitest';
import {
  crossEntropy, grad, logSoftmax, logsumexp, mseLoss, sigmoid, softmax, tanh, tensor,
} from '../../src/index.js';
import type { DType, Tensor } from '../../src/index.js';

const BIG = 1e4;
const rows = [
  [BIG, -BIG, 0],
  [-BIG, -BIG, -BIG],
  [BIG, BIG, BIG],
  [BIG, BIG - 1, -BIG],
];
const labels = tensor([0, 1, 2, 1], { dtype: 'int32' });

function allFinite(t: Tensor): boolean {
  return [...t.toTyped()].every((v) => Number.isFinite(v));
}

describe.each<DType>(['float32', 'float64'])('finite at |logit| = 1e4 (%s)', (dtype) => {
  const x = tensor(rows, { dtype });

  it('softmax, logSoftmax and logsumexp stay finite, with the exact values', () => {
    const p = softmax(x, { axis: 1 });
    expect(allFinite(p)).toBe(true);
    const pv = p.toArray() as number[][];
    expect(pv[0]).toEqual([1, 0, 0]);
    pv.forEach((r) => expect(Math.abs(r.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(dtype === 'float64' ? 1e-15 : 3e-7));
    expect(pv[3]![0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    const lp = logSoftmax(x, { axis: 1 });
    expect(allFinite(lp)).toBe(true);
    expect((lp.toArray() as number[][])[0]![1]).toBeCloseTo(-2 * BIG, 0);
    const lse = logsumexp(x, { axis: 1 });
    expect(allFinite(lse)).toBe(true);
    const lv = lse.toArray() as number[];
    expect(lv[1]).toBeCloseTo(-BIG + Math.log(3), dtype === 'float64' ? 9 : 2);
    expect(lv[2]).toBeCloseTo(BIG + Math.log(3), dtype === 'float64' ? 9 : 2);
    expect(allFinite(logsumexp(x))).toBe(true);
  });

  it('crossEntropy and its gradient stay finite', () => {
    const loss = crossEntropy(x, labels);
    expect(allFinite(loss)).toBe(true);
    // Row 0 picks the winner (≈0), row 1 a tie (log 3), row 2 a tie (log 3), row 3 the runner-up (≈1 + log(1+e^-1)).
    const want = (0 + Math.log(3) + Math.log(3) + (1 + Math.log1p(Math.exp(-1)))) / 4;
    expect(loss.item()).toBeCloseTo(want, dtype === 'float64' ? 9 : 4);
    const g = grad((l: Tensor) => crossEntropy(l, labels))(x) as Tensor;
    expect(allFinite(g)).toBe(true);
  });

  it('gradients of softmax, logSoftmax and logsumexp stay finite', () => {
    for (const f of [
      (l: Tensor) => softmax(l, { axis: 1 }).mul(tensor([[1, 2, 3]], { dtype })).sum(),
      (l: Tensor) => logSoftmax(l, { axis: 1 }).sum(),
      (l: Tensor) => logsumexp(l, { axis: 1 }).sum(),
    ]) {
      expect(allFinite(grad(f)(x) as Tensor)).toBe(true);
    }
  });

  it('sigmoid, tanh and mseLoss stay finite', () => {
    const v = tensor([BIG, -BIG, 0], { dtype });
    expect(sigmoid(v).toArray()).toEqual([1, 0, 0.5]);
    expect(tanh(v).toArray()).toEqual([1, -1, 0]);
    expect(allFinite(grad((t: Tensor) => sigmoid(t).sum())(v) as Tensor)).toBe(true);
    const m = mseLoss(v, tensor([-BIG, BIG, 0], { dtype }));
    const want = (4 * BIG * BIG * 2) / 3;
    expect(Math.abs(m.item() - want) / want).toBeLessThan(dtype === 'float64' ? 1e-15 : 1e-7);
  });
});
