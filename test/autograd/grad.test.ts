// The autograd API: grad/valueAndGrad/vjp over trees, argnums, hasAux, nesting, customVjp,
// stopGradient, noGrad, and the analytic second derivative of tanh.
import { describe, expect, it } from 'vitest';
import {
  abs, add, customVjp, exp, grad, greaterEqual, isNumError, lessEqual, matmul, mul, noGrad, ones, square, stopGradient,
  sub, sum, tanh, tensor, valueAndGrad, vjp, where, zeros, type Tensor,
} from '../../src/index.js';
import { thrown } from '../helpers.js';

describe('grad', () => {
  it('grad of sum(tanh(x)) twice equals the analytic second derivative', () => {
    const xs = [-2, -0.5, 0, 0.3, 1.7];
    const x = tensor(xs, { dtype: 'float64' });
    const f = (v: Tensor) => sum(tanh(v));
    const d1 = grad(f)(x);
    const d2 = grad((v: Tensor) => sum(grad(f)(v)))(x);
    expect(d1).toBeAllClose(xs.map((v) => 1 - Math.tanh(v) ** 2), { rtol: 1e-12 });
    // d/dx (1 - tanh²) = -2 tanh (1 - tanh²)
    expect(d2).toBeAllClose(xs.map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), { rtol: 1e-12, atol: 1e-15 });
    // and a third derivative: d/dx(-2t(1-t²)) = -2(1-t²)(1-3t²)
    const d3 = grad((v: Tensor) => sum(grad((u: Tensor) => sum(grad(f)(u)))(v)))(x);
    expect(d3).toBeAllClose(xs.map((v) => { const t = Math.tanh(v); return -2 * (1 - t * t) * (1 - 3 * t * t); }), { rtol: 1e-10, atol: 1e-14 });
  });

  it('argnums picks one or several arguments; trees come back with their structure', () => {
    const f = (p: { w: Tensor; b: Tensor[] }, x: Tensor) => sum(add(mul(p.w, x), p.b[0]!));
    const p = { w: tensor([2, 3]), b: [tensor([1, 1])] };
    const x = tensor([5, 7]);
    const gp = grad(f)(p, x);
    expect(gp.w.toArray()).toEqual([5, 7]);
    expect(gp.b[0]!.toArray()).toEqual([1, 1]);
    const gx = grad(f, { argnums: 1 })(p, x);
    expect(gx.toArray()).toEqual([2, 3]);
    const [g0, g1] = grad(f, { argnums: [0, 1] })(p, x);
    expect(g0.w.toArray()).toEqual([5, 7]);
    expect(g1.toArray()).toEqual([2, 3]);
  });

  it('valueAndGrad and hasAux follow the documented shapes', () => {
    const f = (x: Tensor) => sum(square(x));
    const [v, g] = valueAndGrad(f)(tensor([1, 2]));
    expect(v.item()).toBe(5);
    expect(g.toArray()).toEqual([2, 4]);
    const fa = (x: Tensor) => [sum(square(x)), { n: 2 }] as const;
    const [[v2, aux], g2] = valueAndGrad(fa, { hasAux: true })(tensor([1, 2]));
    expect(v2.item()).toBe(5);
    expect(aux.n).toBe(2);
    expect(g2.toArray()).toEqual([2, 4]);
    const [g3, aux3] = grad(fa, { hasAux: true })(tensor([3]));
    expect(g3.toArray()).toEqual([6]);
    expect(aux3).toEqual({ n: 2 });
  });

  it('accumulates gradients of values used more than once', () => {
    const f = (x: Tensor) => sum(add(mul(x, x), mul(x, 3)));
    expect(grad(f)(tensor([1, 2])).toArray()).toEqual([5, 7]);
  });

  it('a variable that does not affect the output gets a zero gradient', () => {
    const [ga, gb] = grad((a: Tensor, _b: Tensor) => sum(a), { argnums: [0, 1] })(tensor([1]), tensor([[1, 2]]));
    expect(ga.toArray()).toEqual([1]);
    expect(gb.toArray()).toEqual([[0, 0]]);
  });

  it('avoids perturbation confusion in nested derivatives', () => {
    // d/dx [ x · d/dy (x·y) |_{y=1} ] = d/dx [x·x] = 2x
    const outer = grad((x: Tensor) => sum(mul(x, grad((y: Tensor) => sum(mul(x, y)))(ones([1])))));
    expect(outer(tensor([3])).toArray()).toEqual([6]);
  });

  it('MAML-style second-order meta-gradient through an inner SGD step', () => {
    // inner: w' = w - a·dL/dw with L(w) = (w·x - y)²; outer loss L(w'); compare with central differences.
    const x = 1.5, y = 0.7, a = 0.1;
    const lossAt = (w: Tensor) => sum(square(sub(mul(w, x), y)));
    const meta = (w: Tensor) => lossAt(sub(w, mul(grad(lossAt)(w), a)));
    const w0 = 0.4;
    const g = grad(meta)(tensor([w0], { dtype: 'float64' })).item();
    const m = (w: number) => { const w1 = w - a * 2 * (w * x - y) * x; return (w1 * x - y) ** 2; };
    const h = 1e-6;
    expect(Math.abs(g - (m(w0 + h) - m(w0 - h)) / (2 * h))).toBeLessThan(1e-8);
  });

  it('rejects non-scalar outputs, integer inputs and non-functions with NumError', () => {
    const e1 = thrown(() => grad((x: Tensor) => mul(x, 2))(tensor([1, 2])));
    expect(isNumError(e1) && e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/^grad: f must return a scalar float tensor; expected .*, got float32 \[2\]/);
    const e2 = thrown(() => grad((x: Tensor) => sum(x))(tensor([1], { dtype: 'int32' })));
    expect(isNumError(e2) && e2.code).toBe('NOT_DIFFERENTIABLE');
    const e3 = thrown(() => grad((x: Tensor) => sum(x), { argnums: 3 })(tensor([1])));
    expect(isNumError(e3) && e3.code).toBe('OUT_OF_RANGE');
  });
});

describe('vjp', () => {
  it('pulls back arbitrary cotangents through tree outputs', () => {
    const A = tensor([[1, 2], [3, 4]]);
    const [out, pull] = vjp((x: Tensor) => ({ y: matmul(A, x), z: [mul(x, x)] }), tensor([1, 1]));
    expect(out.y.toArray()).toEqual([3, 7]);
    const [gx] = pull({ y: tensor([1, 0]), z: [tensor([0, 1])] });
    // Aᵀ[1,0] + 2x·[0,1] = [1, 2] + [0, 2]
    expect(gx.toArray()).toEqual([1, 4]);
    expect(() => pull({ y: tensor([1, 0]), z: [tensor([0, 1, 2])] } as never)).toThrow(/vjp: cotangent leaf 1 does not match/);
  });

  it('outputs are detached outside any trace', () => {
    const [out] = vjp((x: Tensor) => exp(x), tensor([0]));
    expect(out._node).toBeUndefined();
  });
});

describe('customVjp, stopGradient, noGrad', () => {
  const steSign = customVjp(
    (x: Tensor) => [where(greaterEqual(x, 0), 1, -1).astype(x.dtype), x] as const,
    (x: Tensor, ct: Tensor) => [where(lessEqual(abs(x), 1), ct, 0)],
  );

  it('uses the custom backward pass (straight-through sign)', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2]);
    expect(steSign(x).toArray()).toEqual([-1, -1, 1, 1, 1]);
    expect(grad((v: Tensor) => sum(steSign(v)))(x).toArray()).toEqual([0, 1, 1, 1, 0]);
  });

  it('checks what bwd returns', () => {
    const bad = customVjp((x: Tensor) => [x, null] as const, () => []);
    expect(() => grad((v: Tensor) => sum(bad(v)))(tensor([1]))).toThrow(/customVjp: bwd must return one cotangent per argument/);
  });

  it('stopGradient makes a constant; noGrad records nothing', () => {
    expect(grad((x: Tensor) => sum(mul(x, stopGradient(x))))(tensor([3])).toArray()).toEqual([3]);
    const g = grad((x: Tensor) => {
      const c = noGrad(() => mul(x, x));
      expect(c._node).toBeUndefined();
      return sum(mul(c, x));
    })(tensor([2]));
    expect(g.toArray()).toEqual([4]);
  });

  it('a zero-size tensor has a zero-size gradient', () => {
    expect(grad((x: Tensor) => sum(x))(zeros([0, 3])).shape).toEqual([0, 3]);
  });
});
