// Every primitive's VJP rule against float64 central differences, first and second order.
import { describe, expect, it } from 'vitest';
import {
  abs, add, astype, broadcastTo, concat, customVjp, div, exp, gather, grad, gradcheck, log, matmul, max, maximum,
  minimum, mul, neg, pad, permute, pow, relu, reshape, scatterAdd, sigmoid, slice, sqrt, sub, sum, tanh, tensor,
  where, type Tensor, unslice, im2col, col2im, makeWindow, transpose,
} from '../../src/index.js';
import { vjpRules } from '../../src/autograd/rules.js';
import { reluGrad } from '../../src/tensor/ops/elementwise.js';
import { csrFromDense, rowBalancedFromDense } from '../../src/sparse/index.js';
import { sparseRows } from '../../src/sparse/csr.js';
import { sddmm, spmm } from '../../src/sparse/primitives.js';
import type { Prim } from '../../src/tensor/tape.js';
import { t64, vals } from '../helpers.js';


/** Distinct values (no ties for max/maximum), shuffled deterministically. */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37 + 0.05);
  const r = vals(n, seed);
  const order = v.map((_, i) => i).sort((a, b) => r[a]! - r[b]!);
  return tensor(order.map((i) => v[i]!), { dtype: 'float64', shape });
}

interface Case {
  prim: Prim;
  name: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  tol?: { eps?: number; atol?: number; rtol?: number };
}

const cube = customVjp(
  (x: Tensor) => [mul(mul(x, x), x), x] as const,
  (x: Tensor, ct: Tensor) => [mul(ct, mul(3, mul(x, x)))],
);

const cases: Case[] = [
  { prim: 'identity', name: 'identity', f: (x) => x, inputs: () => [t64([3], 1)] },
  { prim: 'neg', name: 'neg', f: (x) => neg(x), inputs: () => [t64([2, 3], 2)] },
  { prim: 'exp', name: 'exp', f: (x) => exp(x), inputs: () => [t64([2, 3], 3)] },
  { prim: 'log', name: 'log', f: (x) => log(x), inputs: () => [t64([2, 3], 4, 0.5, 2)] },
  { prim: 'sqrt', name: 'sqrt', f: (x) => sqrt(x), inputs: () => [t64([2, 3], 5, 0.5, 2)] },
  { prim: 'abs', name: 'abs', f: (x) => abs(x), inputs: () => [distinct([2, 3], 6)] },
  { prim: 'relu', name: 'relu', f: (x) => relu(x), inputs: () => [distinct([2, 3], 7)] },
  { prim: 'reluGrad', name: 'reluGrad (relu\'s VJP as one primitive)', f: (x, g) => reluGrad(x!, g!), inputs: () => [distinct([2, 3], 73), t64([2, 3], 74)] },
  { prim: 'sigmoid', name: 'sigmoid', f: (x) => sigmoid(x), inputs: () => [t64([2, 3], 8, -3, 3)] },
  { prim: 'tanh', name: 'tanh', f: (x) => tanh(x), inputs: () => [t64([2, 3], 9, -2, 2)] },
  { prim: 'add', name: 'add (broadcast)', f: (a, b) => add(a!, b!), inputs: () => [t64([2, 3], 10), t64([3], 11)] },
  { prim: 'sub', name: 'sub (broadcast)', f: (a, b) => sub(a!, b!), inputs: () => [t64([2, 1], 12), t64([2, 3], 13)] },
  { prim: 'mul', name: 'mul (broadcast)', f: (a, b) => mul(a!, b!), inputs: () => [t64([2, 3], 14), t64([1, 3], 15)] },
  { prim: 'mul', name: 'mul (same tensor twice)', f: (a) => mul(a!, a!), inputs: () => [t64([4], 16)] },
  { prim: 'div', name: 'div (broadcast)', f: (a, b) => div(a!, b!), inputs: () => [t64([2, 3], 17), t64([3], 18, 0.5, 2)] },
  { prim: 'pow', name: 'pow', f: (a, b) => pow(a!, b!), inputs: () => [t64([2, 3], 19, 0.5, 2), t64([3], 20, -2, 2)] },
  { prim: 'maximum', name: 'maximum', f: (a, b) => maximum(a!, b!), inputs: () => [distinct([2, 3], 21), add(distinct([3], 22), 0.011)] },
  { prim: 'minimum', name: 'minimum', f: (a, b) => minimum(a!, b!), inputs: () => [distinct([2, 3], 23), add(distinct([2, 1], 24), 0.013)] },
  {
    prim: 'where', name: 'where',
    f: (a, b) => where(tensor([[true, false, true], [false, false, true]]), a!, b!),
    inputs: () => [t64([2, 3], 25), t64([3], 26)],
  },
  { prim: 'sum', name: 'sum axis 0', f: (x) => sum(x, { axis: 0 }), inputs: () => [t64([3, 4], 27)] },
  { prim: 'sum', name: 'sum keepdims', f: (x) => mul(sum(x, { axis: [0, 2], keepdims: true }), x), inputs: () => [t64([2, 3, 2], 28)] },
  { prim: 'max', name: 'max axis 1', f: (x) => max(x, { axis: 1 }), inputs: () => [distinct([3, 4], 29)] },
  { prim: 'max', name: 'max all', f: (x) => max(x), inputs: () => [distinct([3, 4], 30)] },
  { prim: 'reshape', name: 'reshape', f: (x) => mul(reshape(x, [3, 2]), t64([3, 2], 31)), inputs: () => [t64([2, 3], 32)] },
  { prim: 'permute', name: 'permute', f: (x) => mul(permute(x, [2, 0, 1]), t64([4, 2, 3], 33)), inputs: () => [t64([2, 3, 4], 34)] },
  { prim: 'broadcast', name: 'broadcastTo', f: (x) => mul(broadcastTo(x, [4, 3]), t64([4, 3], 35)), inputs: () => [t64([1, 3], 36)] },
  { prim: 'slice', name: 'slice with steps', f: (x) => slice(x, [1, 0], [4, 5], [2, 2]), inputs: () => [t64([4, 5], 37)] },
  { prim: 'unslice', name: 'pad', f: (x) => mul(pad(x, [[1, 2], [0, 1]], 0.5), t64([5, 4], 38)), inputs: () => [t64([2, 3], 39)] },
  { prim: 'unslice', name: 'unslice strided', f: (x) => unslice(x, [5, 4], [0, 1], [2, 1]), inputs: () => [t64([3, 3], 40)] },
  {
    prim: 'concat', name: 'concat 3 inputs', f: (a, b, c) => mul(concat([a!, b!, c!], 1), t64([2, 6], 41)),
    inputs: () => [t64([2, 1], 42), t64([2, 3], 43), t64([2, 2], 44)],
  },
  { prim: 'gather', name: 'gather repeated', f: (x) => gather(x, [2, 0, 2], { axis: 1 }), inputs: () => [t64([2, 3], 45)] },
  { prim: 'scatterAdd', name: 'scatterAdd', f: (x) => scatterAdd(x, [1, 1, 0], { axis: 0, size: 3 }), inputs: () => [t64([3, 2], 46)] },
  { prim: 'matmul', name: 'matmul 2-D', f: (a, b) => matmul(a!, b!), inputs: () => [t64([3, 4], 47), t64([4, 2], 48)] },
  // A linear layer's x·Wᵀ: the cotangent of the transposed view is computed in its own layout.
  { prim: 'matmul', name: 'matmul x·Wᵀ (column-major b)', f: (a, w) => matmul(a!, transpose(w!)), inputs: () => [t64([3, 4], 75), t64([2, 4], 76)] },
  {
    prim: 'matmul', name: 'matmul batched broadcast', f: (a, b) => matmul(a!, b!),
    inputs: () => [t64([2, 3, 4], 49), t64([4, 5], 50)],
  },
  { prim: 'matmul', name: 'matmul vector', f: (a, b) => matmul(a!, b!), inputs: () => [t64([4], 51), t64([2, 4, 3], 52)] },
  {
    prim: 'cast', name: 'cast f64→f32→f64', f: (x) => astype(mul(astype(x, 'float32'), astype(x, 'float32')), 'float64'),
    inputs: () => [t64([4], 53)], tol: { eps: 1e-3, atol: 1e-3, rtol: 1e-3 },
  },
  { prim: 'custom', name: 'customVjp cube', f: (x) => cube(x), inputs: () => [t64([2, 3], 54)] },
  {
    prim: 'im2col', name: 'im2col (stride 2, padding, dilation)',
    f: (x) => mul(im2col(x, makeWindow('t', 5, 5, 3, { stride: 2, padding: 1, dilation: [1, 2] }), 0), x.sum()),
    inputs: () => [t64([2, 1, 5, 5], 55)],
  },
  {
    prim: 'col2im', name: 'col2im',
    f: (c) => mul(col2im(c, [1, 2, 4, 4], makeWindow('t', 4, 4, 2, { stride: 1 })), c.sum()),
    inputs: () => [t64([8, 9], 56)],
  },
];

// A 4×5 pattern with an empty row and a full row, and a row-balanced 3×5 pattern (2 per row).
const csrPattern = sparseRows('t', csrFromDense(tensor([[0, 1, 0, 2, 0], [0, 0, 0, 0, 0], [3, 4, 5, 6, 7], [0, 0, 8, 0, 9]])));
const rbPattern = sparseRows('t', rowBalancedFromDense(t64([3, 5], 60), { rowNnz: 2 }));
cases.push(
  { prim: 'spmm', name: 'spmm A·B', f: (v, b) => spmm('AB', csrPattern, v!, b!), inputs: () => [t64([9], 61), t64([5, 3], 62)] },
  { prim: 'spmm', name: 'spmm Aᵀ·B', f: (v, b) => spmm('AtB', csrPattern, v!, b!), inputs: () => [t64([9], 63), t64([4, 2], 64)] },
  { prim: 'spmm', name: 'spmm B·Aᵀ', f: (v, b) => spmm('BAt', csrPattern, v!, b!), inputs: () => [t64([9], 65), t64([3, 5], 66)] },
  { prim: 'spmm', name: 'spmm B·A', f: (v, b) => spmm('BA', csrPattern, v!, b!), inputs: () => [t64([9], 67), t64([2, 4], 68)] },
  {
    prim: 'spmm', name: 'spmm row-balanced B·Aᵀ, nonlinear in b',
    f: (v, b) => mul(spmm('BAt', rbPattern, v!, b!), b!.sum()), inputs: () => [t64([6], 69), t64([9, 5], 70)],
  },
  { prim: 'sddmm', name: 'sddmm', f: (x, z) => sddmm(csrPattern, x!, z!), inputs: () => [t64([4, 3], 71), t64([5, 3], 72)] },
);

/** Scalarises f with fixed weights so every output element matters. */
function scalarise(c: Case): (...xs: Tensor[]) => Tensor {
  let w: Tensor | undefined;
  return (...xs) => {
    const y = c.f(...xs);
    w ??= t64([...y.shape], 99);
    return sum(mul(y, w));
  };
}

describe('VJP rules', () => {
  it('has a test case for every primitive', () => {
    const covered = new Set(cases.map((c) => c.prim));
    const missing = (Object.keys(vjpRules) as Prim[]).filter((p) => !covered.has(p));
    expect(missing).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.name}: first order matches central differences`, () => {
      const r = gradcheck(scalarise(c), c.inputs(), c.tol);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    });

    it(`${c.name}: second order matches central differences`, () => {
      const f = scalarise(c);
      const n = c.inputs().length;
      const argnums = Array.from({ length: n }, (_, i) => i);
      const dfs = grad(f, { argnums });
      const vs = c.inputs().map((x, i) => t64([...x.shape], 200 + i));
      // g(x) = <∇f(x), v> : its gradient is the Hessian-vector product H·v.
      const g = (...xs: Tensor[]): Tensor => {
        const gs = dfs(...xs) as Tensor[];
        return gs.reduce((acc: Tensor, gi, i) => add(acc, sum(mul(gi, vs[i]!))), tensor(0, { dtype: 'float64' }));
      };
      const r = gradcheck(g, c.inputs(), c.tol);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    });
  }
});
