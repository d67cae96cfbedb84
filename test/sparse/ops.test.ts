// Sparse products against their dense counterparts, fast kernels against reference twins,
// gradients against finite differences and the dense op's gradients, and bad structure at every
// public entry point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conv2d, csrConv2d, csrFromDense, csrFromMask, csrMatmulDense, csrMatmulDenseInto, csrMatvec, csrMatvecInto,
  csrToDense, csrTranspose, csrValues, denseMatmulCsrT, denseMatmulCsrTInto, eliminateZeros, fromTyped, grad,
  gradcheck, matmul, mul, reshape, rowBalancedFromCsr, rowBalancedFromDense, sparseConv2d, sparseLinear, sparseMatmul, sum, tensor, toCsr,
  transpose, add, type Csr, type SparseMatrix, type Tensor,
} from '../../src/index.js';
import { arbCsr, arbTensor } from '../../src/testing/index.js';
import { sparseRows } from '../../src/sparse/csr.js';
import { denseSpmmTInto, spmmInto, spmmRef } from '../../src/sparse/kernels.js';
import { errorCode, t64, vals } from '../helpers.js';

const layouts = [false, true] as const;

/** A tensor's elements as a fresh row-major Float32Array. */
function flat(t: Tensor): Float32Array {
  return Float32Array.from((t.toArray() as number[][]).flat());
}
const tol = { rtol: 1e-5, atol: 1e-4 };

/** A sparse matrix plus a dense operand with `cols` drawn columns. */
function withDense(rb: boolean, side: 'right' | 'left'): fc.Arbitrary<[SparseMatrix, Tensor]> {
  return arbCsr({ rowBalanced: rb }).chain((a) => fc.integer({ min: 0, max: 19 }).chain((c) =>
    arbTensor({ shape: side === 'right' ? [a.shape[1], c] : [c, a.shape[1]], views: true }).map((b): [SparseMatrix, Tensor] => [a, b])));
}

describe('products equal their dense counterparts', () => {
  for (const rb of layouts) {
    const name = rb ? 'row-balanced' : 'CSR';
    it(`${name}: csrMatmulDense(A, B) = A·B`, () => {
      fc.assert(fc.property(withDense(rb, 'right'), ([a, b]) => {
        expect(csrMatmulDense(a, b)).toBeAllClose(matmul(csrToDense(a), b), tol);
      }), { numRuns: 150, seed: 71 });
    });

    it(`${name}: denseMatmulCsrT(X, A) = X·Aᵀ`, () => {
      fc.assert(fc.property(withDense(rb, 'left'), ([a, x]) => {
        expect(denseMatmulCsrT(x, a)).toBeAllClose(matmul(x, transpose(csrToDense(a))), tol);
      }), { numRuns: 150, seed: 72 });
    });

    it(`${name}: csrMatvec (Float32Array, Tensor and Into) = A·x`, () => {
      fc.assert(fc.property(arbCsr({ rowBalanced: rb }).chain((a) =>
        arbTensor({ shape: [a.shape[1]] }).map((x): [SparseMatrix, Tensor] => [a, x])), ([a, x]) => {
        const want = matmul(csrToDense(a), reshape(x, [a.shape[1], 1])).reshape([a.shape[0]]);
        const xf = x.data as Float32Array;
        expect(fromTyped(csrMatvec(a, xf))).toBeAllClose(want, tol);
        expect(csrMatvec(a, x)).toBeAllClose(want, tol);
        const out = new Float32Array(a.shape[0]).fill(NaN);
        expect(csrMatvecInto(out, a, xf)).toBe(out);
        expect(fromTyped(out)).toBeAllClose(want, tol);
      }), { numRuns: 150, seed: 73 });
    });

    it(`${name}: Into forms overwrite the caller's buffer`, () => {
      fc.assert(fc.property(withDense(rb, 'right'), ([a, b]) => {
        const n = b.shape[1]!;
        const bf = flat(b);
        const out = new Float32Array(a.shape[0] * n).fill(NaN);
        csrMatmulDenseInto(out, a, bf, n);
        expect(fromTyped(out, [a.shape[0], n])).toBeAllClose(matmul(csrToDense(a), b), tol);
        const y = new Float32Array(n * a.shape[0]).fill(NaN);
        const xt = transpose(b).contiguous();
        denseMatmulCsrTInto(y, flat(xt), a, n);
        expect(fromTyped(y, [n, a.shape[0]])).toBeAllClose(matmul(xt, transpose(csrToDense(a))), tol);
      }), { numRuns: 100, seed: 74 });
    });
  }

  it('fast kernels agree with the reference twin (all column tails, both layouts)', () => {
    fc.assert(fc.property(fc.boolean().chain((rb) => arbCsr({ rowBalanced: rb, maxSide: 12 })), fc.integer({ min: 0, max: 27 }), fc.integer({ min: 1, max: 1000 }), (a, n, seed) => {
      const rows = sparseRows('t', a);
      const [m, k] = a.shape;
      const b = Float32Array.from(vals(k * n, seed));
      const fast = new Float32Array(m * n), ref = new Float32Array(m * n);
      spmmInto(fast, rows, a.data, b, n);
      spmmRef(ref, rows, a.data, b, n, false);
      expect(fromTyped(fast)).toBeAllClose(fromTyped(ref), { rtol: 1e-6, atol: 1e-6 });
      const bt = Float32Array.from(vals(n * k, seed + 1));
      const fastT = new Float32Array(n * m), refT = new Float32Array(n * m);
      denseSpmmTInto(fastT, rows, a.data, bt, n);
      spmmRef(refT, rows, a.data, bt, n, true);
      expect(fromTyped(fastT)).toBeAllClose(fromTyped(refT), { rtol: 1e-6, atol: 1e-6 });
    }), { numRuns: 200, seed: 75 });
  });

  it('float64 operands compute in float64', () => {
    const a = csrFromDense(tensor([[1, 0], [0, 3]]));
    const y = csrMatmulDense(a, t64([2, 3], 1));
    expect(y.dtype).toBe('float64');
    expect(y).toBeAllClose(matmul(csrToDense(a), t64([2, 3], 1)), { rtol: 1e-12 });
  });

  it('sparse conv2d equals dense conv2d with the densified weight', () => {
    const cases = [
      { x: [2, 3, 7, 6], w: [4, 3, 3, 3], opts: { padding: 1 } },
      { x: [1, 2, 9, 9], w: [5, 2, 3, 2], opts: { stride: 2, padding: [1, 0] as const, dilation: [2, 1] as const } },
      { x: [3, 1, 5, 5], w: [2, 1, 5, 5], opts: {} },
      { x: [2, 4, 4, 4], w: [3, 4, 1, 1], opts: {} },
    ];
    cases.forEach(({ x, w, opts }, i) => {
      const wt = tensor(vals(w.reduce((p, q) => p * q, 1), 80 + i).map((v) => (Math.abs(v) < 0.6 ? 0 : v)), { shape: w });
      const xt = tensor(vals(x.reduce((p, q) => p * q, 1), 90 + i), { shape: x });
      const s = csrFromDense(reshape(wt, [w[0]!, -1]));
      const bias = tensor(vals(w[0]!, 95 + i));
      const want = conv2d(xt, wt, { ...opts, bias });
      expect(csrConv2d(xt, s, { ...opts, kernelSize: [w[2]!, w[3]!], bias })).toBeAllClose(want, tol);
      const rb = rowBalancedFromDense(reshape(wt, [w[0]!, -1]), { rowNnz: Math.ceil(s.data.length / w[0]! / 2) });
      const wantRb = conv2d(xt, reshape(csrToDense(rb), w), { ...opts, bias });
      expect(csrConv2d(xt, rb, { ...opts, kernelSize: [w[2]!, w[3]!], bias })).toBeAllClose(wantRb, tol);
    });
  });
});

/** A random sparse weight [m, k] (about half the entries kept), float64 values, and its pattern. */
function sparseWeight(m: number, k: number, seed: number): { pattern: Csr; values: Tensor; dense: (v: Tensor) => Tensor; mask: Tensor } {
  const raw = vals(m * k, seed);
  const maskArr = raw.map((v) => (Math.abs(v) > 0.5 ? 1 : 0));
  const pattern = csrFromMask(tensor(raw, { shape: [m, k] }), tensor(maskArr, { shape: [m, k], dtype: 'bool' }));
  const values = tensor(Array.from(pattern.data), { dtype: 'float64' });
  // Dense twin: scatter the values into an [m, k] matrix (differentiable through the gather of positions).
  const positions: number[] = [];
  for (let i = 0; i < m; i++) for (let p = pattern.indptr[i]!; p < pattern.indptr[i + 1]!; p++) positions.push(i * k + pattern.indices[p]!);
  const dense = (v: Tensor): Tensor => {
    const onehot = tensor(positions.flatMap((pos) => Array.from({ length: m * k }, (_, j) => (j === pos ? 1 : 0))), { dtype: 'float64', shape: [positions.length, m * k] });
    return reshape(matmul(reshape(v, [1, positions.length]), onehot), [m, k]);
  };
  return { pattern, values, dense, mask: tensor(maskArr, { shape: [m, k], dtype: 'float64' }) };
}

describe('gradients', () => {
  it('sparseLinear: gradients match finite differences (first and second order)', () => {
    const { pattern, values } = sparseWeight(5, 7, 101);
    const x = t64([4, 7], 102), bias = t64([5], 103), wout = t64([4, 5], 104);
    const f = (xx: Tensor, v: Tensor, b: Tensor): Tensor => sum(mul(mul(sparseLinear(xx, pattern, v, b), wout), sum(xx)));
    expect(gradcheck(f, [x, values, bias]).ok).toBe(true);
    const df = grad(f, { argnums: [0, 1, 2] });
    const g = (xx: Tensor, v: Tensor, b: Tensor): Tensor => {
      const [gx, gv, gb] = df(xx, v, b) as Tensor[];
      return add(add(sum(mul(gx!, t64([4, 7], 105))), sum(mul(gv!, t64([values.size], 106)))), sum(mul(gb!, t64([5], 107))));
    };
    expect(gradcheck(g, [x, values, bias]).ok).toBe(true);
  });

  it('sparseLinear: gradients equal the dense op\'s gradients restricted to the pattern', () => {
    const { pattern, values, dense, mask } = sparseWeight(6, 9, 111);
    const x = t64([3, 9], 112), wout = t64([3, 6], 113);
    const loss = (xx: Tensor, w: Tensor): Tensor => sum(mul(matmul(xx, transpose(w)), wout));
    const [gxDense, gwDense] = grad(loss, { argnums: [0, 1] })(x, dense(values)) as Tensor[];
    const [gx, gv] = grad((xx: Tensor, v: Tensor) => sum(mul(sparseLinear(xx, pattern, v), wout)), { argnums: [0, 1] })(x, values) as Tensor[];
    expect(gx).toBeAllClose(gxDense!, { rtol: 1e-12, atol: 1e-12 });
    // Scatter the sparse gradient back to dense: it equals the dense gradient times the mask.
    expect(dense(gv!)).toBeAllClose(mul(gwDense!, mask), { rtol: 1e-12, atol: 1e-12 });
  });

  it('sparseMatmul: gradients equal the dense restriction, for both layouts', () => {
    for (const rb of layouts) {
      const base = csrFromDense(tensor(vals(4 * 6, 121).map((v) => (Math.abs(v) > 0.4 || rb ? v : 0)), { shape: [4, 6] }));
      const pattern: SparseMatrix = rb ? rowBalancedFromCsr(base) : base;
      const values = tensor(Array.from(pattern.data), { dtype: 'float64' });
      const b = t64([6, 3], 122), wout = t64([4, 3], 123);
      const [gv, gb] = grad((v: Tensor, bb: Tensor) => sum(mul(sparseMatmul(pattern, v, bb), wout)), { argnums: [0, 1] })(values, b) as Tensor[];
      const denseW = csrToDense(pattern).astype('float64');
      const [gwDense, gbDense] = grad((w: Tensor, bb: Tensor) => sum(mul(matmul(w, bb), wout)), { argnums: [0, 1] })(denseW, b) as Tensor[];
      expect(gb).toBeAllClose(gbDense!, { rtol: 1e-12, atol: 1e-12 });
      const rows = sparseRows('t', pattern);
      const gwArr = gwDense!.toArray() as number[][];
      const want: number[] = [];
      for (let i = 0; i < rows.m; i++) {
        const s = rb ? i * rows.rowNnz : rows.indptr![i]!, e = rb ? s + rows.rowNnz : rows.indptr![i + 1]!;
        for (let p = s; p < e; p++) want.push(gwArr[i]![rows.indices[p]!]!);
      }
      expect(gv).toBeAllClose(tensor(want, { dtype: 'float64' }), { rtol: 1e-12, atol: 1e-12 });
    }
  });

  it('sparseConv2d: gradients match finite differences and the dense restriction', () => {
    const { pattern, values, dense, mask } = sparseWeight(3, 2 * 3 * 3, 131);
    const x = t64([2, 2, 5, 5], 132), wout = t64([2, 3, 3, 3], 133);
    const opts = { kernelSize: 3, stride: 2, padding: 1 } as const;
    const f = (xx: Tensor, v: Tensor): Tensor => sum(mul(sparseConv2d(xx, pattern, v, opts), wout));
    expect(gradcheck(f, [x, values]).ok).toBe(true);
    const [gx, gv] = grad(f, { argnums: [0, 1] })(x, values) as Tensor[];
    const [gxD, gwD] = grad((xx: Tensor, w: Tensor) => sum(mul(conv2d(xx, reshape(w, [3, 2, 3, 3]), { stride: 2, padding: 1 }), wout)), { argnums: [0, 1] })(x, dense(values)) as Tensor[];
    expect(gx).toBeAllClose(gxD!, { rtol: 1e-10, atol: 1e-12 });
    expect(dense(gv!)).toBeAllClose(mul(gwD!, mask), { rtol: 1e-10, atol: 1e-12 });
  });

  it('training a pruned layer never moves the pattern: grads are per stored value', () => {
    const w = csrFromDense(tensor([[0, 1, 0], [2, 0, 3]]));
    const v = csrValues(w);
    expect(v.shape).toEqual([3]);
    const g = grad((vv: Tensor) => sum(sparseLinear(tensor([[1, 2, 3]]), w, vv)))(v);
    expect(g.toArray()).toEqual([2, 1, 3]);
  });
});

describe('bad structure is rejected at every public entry point', () => {
  const corrupt: [string, () => Csr][] = [
    ['non-monotone indptr', () => ({ shape: [3, 3], indptr: Int32Array.of(0, 2, 1, 3), indices: Int32Array.of(0, 1, 2), data: Float32Array.of(1, 2, 3) })],
    ['index out of range', () => ({ shape: [2, 3], indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(5, 0, 1), data: Float32Array.of(1, 2, 3) })],
    ['unsorted', () => ({ shape: [2, 3], indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 1, 0), data: Float32Array.of(1, 2, 3) })],
    ['length disagreement', () => ({ shape: [2, 3], indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), data: Float32Array.of(1, 2) })],
    ['indptr end', () => ({ shape: [2, 3], indptr: Int32Array.of(0, 1, 4), indices: Int32Array.of(2, 0, 1), data: Float32Array.of(1, 2, 3) })],
  ];
  const entryPoints: [string, (a: Csr) => unknown][] = [
    ['csrToDense', (a) => csrToDense(a)],
    ['csrTranspose', (a) => csrTranspose(a)],
    ['eliminateZeros', (a) => eliminateZeros(a)],
    ['toCsr', (a) => toCsr(a)],
    ['rowBalancedFromCsr', (a) => rowBalancedFromCsr(a)],
    ['csrValues', (a) => csrValues(a)],
    ['csrMatvec', (a) => csrMatvec(a, new Float32Array(3))],
    ['csrMatvec (Tensor)', (a) => csrMatvec(a, tensor([1, 2, 3]))],
    ['csrMatvecInto', (a) => csrMatvecInto(new Float32Array(a.shape[0]), a, new Float32Array(3))],
    ['csrMatmulDense', (a) => csrMatmulDense(a, tensor(vals(6, 1), { shape: [3, 2] }))],
    ['csrMatmulDenseInto', (a) => csrMatmulDenseInto(new Float32Array(a.shape[0] * 2), a, new Float32Array(6), 2)],
    ['denseMatmulCsrT', (a) => denseMatmulCsrT(tensor(vals(6, 2), { shape: [2, 3] }), a)],
    ['denseMatmulCsrTInto', (a) => denseMatmulCsrTInto(new Float32Array(2 * a.shape[0]), new Float32Array(6), a, 2)],
    ['sparseMatmul', (a) => sparseMatmul(a, tensor([1, 2, 3]), tensor(vals(6, 3), { shape: [3, 2] }))],
    ['sparseLinear', (a) => sparseLinear(tensor(vals(6, 4), { shape: [2, 3] }), a, tensor([1, 2, 3]))],
    ['csrConv2d', (a) => csrConv2d(tensor(vals(27, 5), { shape: [1, 3, 3, 3] }), a, { kernelSize: 1 })],
  ];

  it('throws FORMAT, never reads out of bounds', () => {
    for (const [what, make] of corrupt) {
      for (const [name, call] of entryPoints) expect(errorCode(() => call(make())), `${name} / ${what}`).toBe('FORMAT');
    }
  });

  it('mutated structures are rejected or behave exactly like their dense twin', () => {
    const base = csrFromDense(tensor(vals(5 * 6, 141).map((v) => (Math.abs(v) > 0.5 ? v : 0)), { shape: [5, 6] }));
    fc.assert(fc.property(fc.boolean(), fc.nat(), fc.integer({ min: -3, max: 9 }), (inPtr, pos, value) => {
      const a: Csr = { shape: [5, 6], indptr: base.indptr.slice(), indices: base.indices.slice(), data: base.data.slice() };
      const arr = inPtr ? a.indptr : a.indices;
      if (arr.length === 0) return;
      arr[pos % arr.length] = value;
      const x = new Float32Array(vals(6, 142));
      let y: Float32Array;
      try {
        y = csrMatvec(a, x);
      } catch (e) {
        expect(errorCode(() => { throw e; })).toBe('FORMAT');
        return;
      }
      expect(fromTyped(y)).toBeAllClose(matmul(csrToDense(a), fromTyped(x, [6, 1])).reshape([5]), tol);
      expect(Array.from(y).every(Number.isFinite)).toBe(true);
    }), { numRuns: 300, seed: 143 });
  });

  it('csrMatvec on a Tensor (its own SpMV primitive) equals csrMatmulDense on the column bit for bit, with gradients', () => {
    fc.assert(fc.property(arbCsr({}).chain((a) => fc.tuple(fc.constant(a), arbTensor({ shape: [a.shape[1]] }), fc.boolean())), ([a, x0, f64]) => {
      const x = f64 ? x0.astype('float64') : x0;
      const k = a.shape[1], m = a.shape[0];
      const y = csrMatvec(a, x);
      const want = csrMatmulDense(a, reshape(x, [k, 1])).reshape([m]);
      expect(y.dtype).toBe(want.dtype);
      expect(Array.from(y.toTyped())).toEqual(Array.from(want.toTyped()));
      const w = tensor(vals(m, 7), { dtype: x.dtype });
      const g = grad((v: Tensor) => sum(mul(csrMatvec(a, v), w)))(x);
      const gWant = grad((v: Tensor) => sum(mul(csrMatmulDense(a, reshape(v, [k, 1])).reshape([m]), w)))(x);
      expect(Array.from(g.toTyped())).toEqual(Array.from(gWant.toTyped()));
    }), { numRuns: 60, seed: 74 });
    expect(errorCode(() => csrMatvec(csrFromDense(tensor([[1, 0, 2]])), [1, 2, 3] as unknown as Float32Array))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => csrMatvec(csrFromDense(tensor([[1, 0, 2]])), tensor([[1, 2, 3]])))).toBe('SHAPE_MISMATCH');
  });

  it('operand shape errors name the op', () => {
    const a = csrFromDense(tensor([[1, 0, 2]]));
    expect(errorCode(() => csrMatvec(a, new Float32Array(2)))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => csrMatmulDense(a, tensor([[1, 2]])))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => denseMatmulCsrT(tensor([[1, 2]]), a))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => sparseLinear(tensor([[1, 2, 3]]), a, tensor([1])))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => sparseLinear(tensor([[1, 2, 3]]), a, tensor([1, 2], { dtype: 'int32' })))).toBe('DTYPE_MISMATCH');
    expect(errorCode(() => csrMatmulDenseInto(new Float32Array(1), a, new Float32Array(3), -1))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => csrConv2d(tensor(vals(8, 1), { shape: [1, 2, 2, 2] }), a, { kernelSize: 1 }))).toBe('SHAPE_MISMATCH');
  });
});
