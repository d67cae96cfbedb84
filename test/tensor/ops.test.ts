// Forward results of every op against plain reference loops, over fast-check shapes, dtypes,
// broadcasting and non-contiguous views.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as eg from '../../src/index.js';
import { Tensor, tensor } from '../../src/index.js';
import { arbShape, arbTensor } from '../../src/testing/index.js';
import { at, atBroadcast, bshape, indices } from '../helpers.js';

const RUNS = { numRuns: 60 };

/** A pair of shapes that broadcast together: b is a suffix of a with some dims set to 1. */
const arbBroadcastPair = arbShape({ maxDims: 4, maxSide: 4 }).chain((a) =>
  fc.tuple(fc.constant(a), fc.integer({ min: 0, max: a.length }), fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }))
    .map(([s, drop, ones]) => {
      const b = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return fc.boolean().map((swap) => (swap ? [b, s] : [s, b]) as [number[], number[]]);
    }).chain((x) => x));

const unaryRefs: [string, (x: Tensor) => Tensor, (v: number) => number, { min?: number; max?: number }][] = [
  ['neg', eg.neg, (v) => -v, {}],
  ['exp', eg.exp, Math.exp, {}],
  ['log', eg.log, Math.log, { min: 0.01 }],
  ['sqrt', eg.sqrt, Math.sqrt, { min: 0 }],
  ['abs', eg.abs, Math.abs, {}],
  ['sign', eg.sign, Math.sign, {}],
  ['relu', eg.relu, (v) => Math.max(v, 0), {}],
  ['sigmoid', eg.sigmoid, (v) => 1 / (1 + Math.exp(-v)), {}],
  ['tanh', eg.tanh, Math.tanh, {}],
  ['square', eg.square, (v) => v * v, {}],
  ['floor', eg.floor, Math.floor, {}],
];

const binaryRefs: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, boolean][] = [
  ['add', eg.add, (x, y) => x + y, false],
  ['sub', eg.sub, (x, y) => x - y, false],
  ['mul', eg.mul, (x, y) => x * y, false],
  ['div', eg.div, (x, y) => x / y, false],
  ['maximum', eg.maximum, Math.max, false],
  ['minimum', eg.minimum, Math.min, false],
  ['greater', eg.greater, (x, y) => Number(x > y), true],
  ['lessEqual', eg.lessEqual, (x, y) => Number(x <= y), true],
  ['equal', eg.equal, (x, y) => Number(x === y), true],
];

function close(a: number, b: number, dtype: string): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  const tol = dtype === 'float32' ? 1e-6 : 1e-12;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

describe('elementwise ops', () => {
  for (const [name, op, ref, range] of unaryRefs) {
    it(`${name} matches Math on every layout`, () => {
      fc.assert(fc.property(fc.constantFrom('float32', 'float64') as fc.Arbitrary<'float32' | 'float64'>, arbShape().chain((s) =>
        fc.tuple(fc.constant(s), arbTensor({ shape: s, views: true, min: range.min ?? -5, max: range.max ?? 5 }))),
      (dtype, [s, x0]) => {
        const x = eg.astype(x0, dtype);
        const y = op(x);
        expect(y.shape).toEqual(s);
        for (const idx of indices(s)) {
          const want = dtype === 'float32' && name !== 'sign' && name !== 'floor' ? Math.fround(ref(at(x, idx))) : ref(at(x, idx));
          if (!close(at(y, idx), want, dtype)) return false;
        }
        return true;
      }), RUNS);
    });
  }

  for (const [name, op, ref, isCompare] of binaryRefs) {
    it(`${name} broadcasts like numpy (views included)`, () => {
      fc.assert(fc.property(arbBroadcastPair.chain(([sa, sb]) =>
        fc.tuple(arbTensor({ shape: sa, views: true, min: -4, max: 4 }), arbTensor({ shape: sb, views: true, min: -4, max: 4 }))),
      ([a, b]) => {
        const y = op(a, b);
        const s = bshape(a.shape, b.shape);
        expect(y.shape).toEqual(s);
        expect(y.dtype).toBe(isCompare ? 'bool' : 'float32');
        for (const idx of indices(s)) {
          const want = ref(atBroadcast(a, idx), atBroadcast(b, idx));
          if (!close(at(y, idx), isCompare ? want : Math.fround(want), 'float32')) return false;
        }
        return true;
      }), RUNS);
    });
  }

  it('pow, where and clip match references', () => {
    const a = tensor([[0.5, 2, 3], [1, 4, 0.25]]);
    expect(eg.pow(a, tensor([2, 0.5, -1]))).toBeAllClose([[0.25, Math.SQRT2, 1 / 3], [1, 2, 4]]);
    expect(eg.where(tensor([true, false, true]), a, -1)).toBeAllClose([[0.5, -1, 3], [1, -1, 0.25]]);
    expect(eg.clip(a, 0.6, 2.5)).toBeAllClose([[0.6, 2, 2.5], [1, 2.5, 0.6]]);
  });

  it('promotes dtypes by the documented table', () => {
    const f32 = tensor([1]), f64 = tensor([1], { dtype: 'float64' }), i32 = tensor([1], { dtype: 'int32' });
    const i8 = tensor([1], { dtype: 'int8' }), u8 = tensor([1], { dtype: 'uint8' }), b = tensor([true]);
    expect(eg.add(f32, f64).dtype).toBe('float64');
    expect(eg.add(i32, f32).dtype).toBe('float32');
    expect(eg.add(u8, i8).dtype).toBe('int32');
    expect(eg.add(b, b).dtype).toBe('int32');
    expect(eg.add(b, u8).dtype).toBe('uint8');
    expect(eg.div(i32, i32).dtype).toBe('float32');
    expect(eg.exp(i8).dtype).toBe('float32');
    expect(eg.add(i32, 2.7).dtype).toBe('int32'); // a plain number takes the tensor's dtype
    expect(eg.mul(tensor([2 ** 30], { dtype: 'int32' }), 4).item()).toBe(0); // int32 wraps like C
    for (const x of eg.DTYPES) for (const y of eg.DTYPES) expect(eg.promoteTypes(x, y)).toBe(eg.promoteTypes(y, x));
  });

  it('astype truncates, wraps and maps to bool', () => {
    expect(eg.astype(tensor([1.7, -1.7, 300]), 'int8').toArray()).toEqual([1, -1, 44]);
    expect(eg.astype(tensor([0, 2, -0.5]), 'bool').toArray()).toEqual([false, true, true]);
    expect(eg.astype(tensor([true, false]), 'float32').toArray()).toEqual([1, 0]);
  });
});

describe('reductions', () => {
  const refReduce = (x: Tensor, axes: number[], keep: boolean, init: number, f: (acc: number, v: number) => number) => {
    const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const acc = new Map<string, number>();
    for (const idx of indices(x.shape)) {
      const key = idx.map((v, i) => (axes.includes(i) ? 0 : v)).join(',');
      acc.set(key, f(acc.get(key) ?? init, at(x, idx)));
    }
    const vals = indices(outShape).map((idx) => acc.get(idx.join(','))!);
    return { vals, shape: keep ? outShape : x.shape.filter((_, i) => !axes.includes(i)) };
  };
  const arbCase = arbShape({ minDims: 1, maxDims: 4, maxSide: 4 }).chain((s) => fc.tuple(
    arbTensor({ shape: s, views: true }),
    fc.subarray(s.map((_, i) => i), { minLength: 1 }),
    fc.boolean(),
  ));
  const ops: [string, typeof eg.sum, number, (a: number, v: number) => number][] = [
    ['sum', eg.sum, 0, (a, v) => a + v],
    ['max', eg.max, -Infinity, Math.max],
    ['min', eg.min, Infinity, Math.min],
  ];
  for (const [name, op, init, f] of ops) {
    it(`${name} over any axes, keepdims or not`, () => {
      fc.assert(fc.property(arbCase, ([x, axes, keep]) => {
        const y = op(x, { axis: axes, keepdims: keep });
        const want = refReduce(x, axes, keep, init, f);
        expect(y.shape).toEqual(want.shape);
        expect(y).toBeAllClose(want.vals, { rtol: 1e-5, atol: 1e-5 });
      }), RUNS);
    });
  }

  it('mean, argmax, argmin and negative axes', () => {
    const x = tensor([[1, 5, 2], [7, 0, 7]]);
    expect(eg.mean(x, { axis: -1 })).toBeAllClose([8 / 3, 14 / 3]);
    expect(eg.argmax(x, { axis: 1 }).toArray()).toEqual([1, 0]);
    expect(eg.argmin(x).item()).toBe(4);
    expect(eg.argmax(x, { axis: 0, keepdims: true }).shape).toEqual([1, 3]);
    expect(eg.sum(tensor([true, true, false])).item()).toBe(2);
    expect(eg.sum(eg.zeros([0, 3]), { axis: 0 }).toArray()).toEqual([0, 0, 0]);
  });
});

describe('softmax family', () => {
  it('matches the definition on moderate logits', () => {
    fc.assert(fc.property(arbTensor({ shape: [3, 5], views: true, min: -5, max: 5, dtype: 'float64' }), (x) => {
      const rows = x.toArray() as number[][];
      const lse = rows.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)));
      expect(eg.logsumexp(x)).toBeAllClose(lse, { rtol: 1e-12 });
      expect(eg.softmax(x)).toBeAllClose(rows.map((r, i) => r.map((v) => Math.exp(v - lse[i]!))), { rtol: 1e-12 });
      expect(eg.logSoftmax(x, { axis: 1 })).toBeAllClose(rows.map((r, i) => r.map((v) => v - lse[i]!)), { rtol: 1e-12, atol: 1e-12 });
    }), RUNS);
  });

  it('stays finite for logits of ±1e4', () => {
    const x = tensor([[1e4, -1e4, 0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4]]);
    const lse = eg.logsumexp(x);
    expect(lse).toBeAllClose([1e4, -1e4 + Math.log(3), 1e4 + Math.log(3)], { rtol: 1e-7 });
    const ls = eg.logSoftmax(x);
    expect(Array.from(ls.toTyped()).every(Number.isFinite)).toBe(true);
    // float32 cannot hold 1e4 + log(3) closer than ~5e-4, which bounds the softmax error here.
    expect(eg.softmax(x)).toBeAllClose([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]], { atol: 3e-4 });
    const x64 = eg.astype(x, 'float64');
    expect(eg.softmax(x64)).toBeAllClose([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [1 / 3, 1 / 3, 1 / 3]], { atol: 1e-12 });
    const g = eg.grad((v: Tensor) => eg.logsumexp(v).sum())(x);
    expect(Array.from(g.toTyped()).every(Number.isFinite)).toBe(true);
    expect(eg.logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });
});

describe('movement ops', () => {
  it('reshape, transpose, slice and broadcastTo are views sharing storage', () => {
    const x = eg.arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 4]);
    for (const v of [x.reshape([6, 4]), x.transpose(), x.permute([1, 0, 2]), x.slice([0, 1], [2, 3], [1, 2]), x.slice([1]).broadcastTo([3, 1, 3, 4])]) {
      expect(v.data).toBe(x.data);
    }
    const t = x.transpose();
    expect(t.shape).toEqual([4, 3, 2]);
    expect(at(t, [3, 2, 1])).toBe(at(x, [1, 2, 3]));
    expect(x.slice([0, 1], [2, 3], [1, 2]).toArray()).toEqual([[[4, 5, 6, 7]], [[16, 17, 18, 19]]]);
    expect(x.slice([0, -1, -2]).toArray()).toEqual([[[10, 11]], [[22, 23]]]);
    // Writing through the storage is visible in every view (the aliasing fromTyped documents).
    x.data[23] = -1;
    expect(t.toArray()).toEqual(x.transpose().toArray());
    expect(at(t, [3, 2, 1])).toBe(-1);
  });

  it('reshape of a non-contiguous view copies in row-major order', () => {
    fc.assert(fc.property(arbTensor({ shape: [3, 4], views: true }), (x) => {
      const r = x.reshape([2, 6]);
      expect(Array.from(r.toTyped())).toEqual(Array.from(x.toTyped()));
    }), RUNS);
  });

  it('concat, stack, pad, gather, scatterAdd, expandDims, squeeze', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6]]);
    expect(eg.concat([a, b], 0).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(eg.concat([a, a.transpose()], 1).toArray()).toEqual([[1, 2, 1, 3], [3, 4, 2, 4]]);
    expect(eg.stack([a, a], 2).shape).toEqual([2, 2, 2]);
    expect(eg.pad(a, [[1, 0], [0, 1]], 9).toArray()).toEqual([[9, 9, 9], [1, 2, 9], [3, 4, 9]]);
    expect(eg.gather(a, tensor([[1, 0], [1, 1]], { dtype: 'int32' }), { axis: 1 }).toArray()).toEqual([[[2, 1], [2, 2]], [[4, 3], [4, 4]]]);
    expect(eg.scatterAdd(tensor([1, 2, 3]), [0, 2, 0], { size: 3 }).toArray()).toEqual([4, 0, 2]);
    expect(a.expandDims(1).shape).toEqual([2, 1, 2]);
    expect(eg.zeros([1, 3, 1]).squeeze().shape).toEqual([3]);
  });

  it('concat of random views equals the reference', () => {
    fc.assert(fc.property(arbShape({ minDims: 1, maxDims: 3, maxSide: 3 }).chain((s) => fc.tuple(
      fc.integer({ min: 0, max: s.length - 1 }), arbTensor({ shape: s, views: true }), arbTensor({ shape: s, views: true }))),
    ([axis, x, y]) => {
      const c = eg.concat([x, y], axis);
      for (const idx of indices(c.shape)) {
        const i = idx[axis]!;
        const n = x.shape[axis]!;
        const want = i < n ? at(x, idx) : at(y, idx.map((v, d) => (d === axis ? v - n : v)));
        if (at(c, idx) !== want) return false;
      }
      return true;
    }), RUNS);
  });
});

describe('matmul', () => {
  it('matches a reference over batched, broadcasting and transposed operands', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 0, max: 9 }), n: fc.integer({ min: 1, max: 9 }),
      ba: fc.constantFrom([], [2], [1], [3, 1]), bb: fc.constantFrom([], [2], [1, 1]),
    }).chain((p) => fc.tuple(fc.constant(p),
      arbTensor({ shape: [...p.ba, p.m, p.k], views: true }), arbTensor({ shape: [...p.bb, p.k, p.n], views: true })));
    fc.assert(fc.property(arb, ([p, a, b]) => {
      const y = eg.matmul(a, b);
      const batch = bshape(p.ba, p.bb);
      expect(y.shape).toEqual([...batch, p.m, p.n]);
      for (const idx of indices(y.shape)) {
        const bi = idx.slice(0, -2);
        const [i, j] = idx.slice(-2) as [number, number];
        let s = 0;
        for (let q = 0; q < p.k; q++) s += atBroadcast(a, [...bi, i, q]) * atBroadcast(b, [...bi, q, j]);
        if (Math.abs(at(y, idx) - s) > 1e-4 * Math.max(1, Math.abs(s))) return false;
      }
      return true;
    }), RUNS);
  });

  it('handles vectors like numpy and matmulInto writes in place', () => {
    const A = tensor([[1, 2], [3, 4]]);
    expect(eg.matmul(tensor([1, 1]), A).toArray()).toEqual([4, 6]);
    expect(eg.matmul(A, tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(eg.matmul(tensor([1, 2]), tensor([3, 4])).item()).toBe(11);
    const out = eg.zeros([2, 2]);
    const before = out.data;
    eg.matmulInto(out, A, A.transpose());
    expect(out.data).toBe(before);
    expect(out.toArray()).toEqual([[5, 11], [11, 25]]);
  });
});
