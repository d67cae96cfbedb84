import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batches, normalize, shuffle, splitDataset, take } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/index.js';
import { fromTyped, tensor } from '../../src/tensor/create.js';
import { foldIn, key } from '../../src/random.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

/** N examples of shape [rowSize] whose every element is the example index; label = index mod 7. */
function indexed(n: number, rowSize: number): Dataset {
  const x = new Float32Array(n * rowSize);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.fill(i, i * rowSize, (i + 1) * rowSize);
    y[i] = i % 7;
  }
  return { x: fromTyped(x, [n, rowSize]), y: fromTyped(y, [n]) };
}

/** The example indices in a batch, checking that x rows and labels agree. */
function ids(b: Dataset): number[] {
  const row = b.x.size / b.x.shape[0]!;
  const out: number[] = [];
  const xd = b.x.toTyped();
  for (let i = 0; i < b.x.shape[0]!; i++) {
    const id = xd[i * row]!;
    for (let c = 0; c < row; c++) expect(xd[i * row + c]).toBe(id);
    expect(b.y.toTyped()[i]).toBe(id % 7);
    out.push(id);
  }
  return out;
}

describe('shuffle', () => {
  it('is a seeded permutation', () => {
    const p = shuffle(key(3), 50);
    expect(p).toBeInstanceOf(Int32Array);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffle(key(3), 50)).toEqual(p);
    expect(shuffle(key(4), 50)).not.toEqual(p);
  });
});

describe('take', () => {
  it('copies the rows at the indices, in order, for small and large rows', () => {
    for (const row of [1, 3, 40]) {
      const ds = indexed(10, row);
      const t = take(ds, [9, 0, 1, 2, 5, 5]);
      expect(t.x.shape).toEqual([6, row]);
      expect(ids(t)).toEqual([9, 0, 1, 2, 5, 5]);
      expect(ids(take(ds, tensor([3, 4], { dtype: 'int32' })))).toEqual([3, 4]);
    }
  });

  it('reads strided views and keeps trailing dims and dtype', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'int8' }).transpose(); // [2, 3], strided
    const t = take({ x, y: tensor([0, 1], { dtype: 'int32' }) }, [1]);
    expect(t.x.dtype).toBe('int8');
    expect(t.x.toArray()).toEqual([[2, 4, 6]]);
  });

  it('validates', () => {
    const ds = indexed(4, 2);
    expect(code(() => take(ds, [4]))).toBe('OUT_OF_RANGE');
    expect(code(() => take(ds, [0.5]))).toBe('INVALID_ARGUMENT');
    expect(code(() => take({ x: ds.x, y: tensor([0, 1, 2, 3]) }, [0]))).toBe('DTYPE_MISMATCH');
    expect(code(() => take({ x: ds.x, y: tensor([0, 1, 2], { dtype: 'int32' }) }, [0]))).toBe('SHAPE_MISMATCH');
  });
});

describe('batches', () => {
  it('covers every example exactly once per epoch (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.boolean(),
      fc.option(fc.nat({ max: 1000 }), { nil: undefined }), fc.constantFrom(1, 20),
      (n, size, dropLast, seed, row) => {
        const ds = indexed(n, row);
        const opts = seed === undefined ? { dropLast } : { dropLast, key: key(seed) };
        const bs = [...batches(ds, size, opts)];
        const all = bs.flatMap(ids);
        const expected = dropLast ? n - (n % size) : n;
        expect(all.length).toBe(expected);
        expect(new Set(all).size).toBe(expected);
        for (const [i, b] of bs.entries()) {
          const last = i === bs.length - 1;
          expect(b.x.shape[0]).toBe(last && !dropLast && n % size !== 0 ? n % size : size);
        }
        if (seed === undefined) expect(all).toEqual(Array.from({ length: expected }, (_, i) => i));
        if (!dropLast) expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      },
    ));
  });

  it('seeded order is deterministic, re-iterable, and differs between keys', () => {
    const ds = indexed(100, 5);
    const order = (k: number): number[] => [...batches(ds, 16, { key: foldIn(key(0), k) })].flatMap(ids);
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
    const it1 = batches(ds, 16, { key: key(5) });
    expect([...it1].flatMap(ids)).toEqual([...it1].flatMap(ids));
    expect(order(1)).toEqual([...shuffle(foldIn(key(0), 1), 100)]);
  });

  it('validates eagerly', () => {
    const ds = indexed(4, 2);
    expect(code(() => batches(ds, 0))).toBe('OUT_OF_RANGE');
    expect(code(() => batches(ds, 1.5))).toBe('INVALID_ARGUMENT');
  });
});

describe('splitDataset', () => {
  it('is a seeded split into disjoint parts covering everything', () => {
    const ds = indexed(30, 3);
    const [a, b] = splitDataset(ds, 20, key(1));
    expect(a.x.shape).toEqual([20, 3]);
    expect(b.y.shape).toEqual([10]);
    const ia = ids(a), ib = ids(b);
    expect([...ia, ...ib].sort((p, q) => p - q)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const [a2] = splitDataset(ds, 20, key(1));
    expect(ids(a2)).toEqual(ia);
    const [a3] = splitDataset(ds, 20, key(2));
    expect(ids(a3)).not.toEqual(ia);
    expect(code(() => splitDataset(ds, 31, key(1)))).toBe('OUT_OF_RANGE');
    expect(splitDataset(ds, 0, key(1))[0].x.shape).toEqual([0, 3]);
  });
});

describe('normalize', () => {
  it('computes (x - mean) / std with scalars or per channel', () => {
    expect(normalize(tensor([0, 1, 2]), 1, 2).toArray()).toEqual([-0.5, 0, 0.5]);
    const u8 = tensor([0, 255], { dtype: 'uint8' });
    const n = normalize(u8, 0, 255);
    expect(n.dtype).toBe('float32');
    expect(n.toArray()).toEqual([0, 1]);
    const x = tensor([[[[1, 1]], [[2, 2]]]]); // [1, 2, 1, 2]
    expect(normalize(x, [1, 0], [1, 4]).toArray()).toEqual([[[[0, 0]], [[0.5, 0.5]]]]);
    expect(normalize(tensor([1], { dtype: 'float64' }), 0, 1).dtype).toBe('float64');
  });

  it('validates', () => {
    expect(code(() => normalize(tensor([1]), 0, 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => normalize(tensor([1]), Number.NaN, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => normalize(tensor([[1, 2]]), [0, 0, 0], 1))).toBe('SHAPE_MISMATCH');
  });
});
