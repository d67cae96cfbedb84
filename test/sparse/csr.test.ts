// Sparse structures: construction, round trips, canonical form, transpose, structural errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkCsr, csrFromDense, csrFromMask, csrToDense, csrTranspose, eliminateZeros, rowBalancedFromCsr,
  rowBalancedFromDense, rowBalancedFromMask, sumDuplicates, tensor, toCsr, transpose, type Csr, type SparseMatrix,
} from '../../src/index.js';
import { arbCsr, arbTensor } from '../../src/testing/index.js';
import { errorCode } from '../helpers.js';

/** Dense reference of a sparse matrix, read straight from its definition (duplicates add up). */
function denseOf(s: SparseMatrix): number[][] {
  const [m, n] = s.shape;
  const out = Array.from({ length: m }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < m; i++) {
    const [a, b] = 'rowNnz' in s ? [i * s.rowNnz, (i + 1) * s.rowNnz] : [s.indptr[i]!, s.indptr[i + 1]!];
    for (let p = a; p < b; p++) out[i]![s.indices[p]!] = Math.fround(out[i]![s.indices[p]!]! + s.data[p]!);
  }
  return out;
}

/** 2-D float32 tensors with many exact zeros, including empty ones. */
const arbSparseDense = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }))
  .chain(([m, n]) => arbTensor({ shape: [m, n], views: true }).chain((t) =>
    fc.array(fc.boolean(), { minLength: m * n, maxLength: m * n }).map((z) => {
      const v = (t.toArray() as number[][]).map((r, i) => r.map((x, j) => (z[i * n + j] ? 0 : x)));
      return tensor(v.flat(), { shape: [m, n] });
    })));

const layouts = [false, true] as const;

describe('construction and round trips', () => {
  it('dense → CSR → dense is the identity, and the CSR stores exactly the non-zeros', () => {
    fc.assert(fc.property(arbSparseDense, (t) => {
      const a = csrFromDense(t);
      checkCsr(a, { full: true });
      expect(a.indices.length).toBe((t.toArray() as number[][]).flat().filter((x) => x !== 0).length);
      // -0 is a zero, so it is not stored and comes back as +0.
      expect(csrToDense(a).toArray()).toEqual((t.toArray() as number[][]).map((r) => r.map((x) => x + 0)));
    }), { numRuns: 200, seed: 61 });
  });

  it('works on strided and transposed views', () => {
    const t = transpose(tensor([[1, 0, 2], [0, 0, 3]]));
    expect(csrToDense(csrFromDense(t)).toArray()).toEqual([[1, 0], [0, 0], [2, 3]]);
  });

  it('threshold keeps |x| > threshold', () => {
    const a = csrFromDense(tensor([[0.125, -0.5, 0.25], [-0.25, 0.125, 1]]), { threshold: 0.25 });
    expect(Array.from(a.indptr)).toEqual([0, 1, 2]);
    expect(Array.from(a.indices)).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual([-0.5, 1]);
  });

  it('keeps NaN rather than dropping it silently', () => {
    const a = csrFromDense(tensor([[0, NaN]]));
    expect(Array.from(a.indices)).toEqual([1]);
  });

  it('csrFromMask takes the pattern from the mask, explicit zeros included', () => {
    const a = csrFromMask(tensor([[0, 2], [3, 0]]), tensor([[true, true], [false, false]]));
    expect(Array.from(a.indptr)).toEqual([0, 2, 2]);
    expect(Array.from(a.data)).toEqual([0, 2]);
    expect(Array.from(eliminateZeros(a).indices)).toEqual([1]);
  });

  it('handles empty matrices and all-zero inputs', () => {
    for (const shape of [[0, 0], [0, 4], [3, 0], [2, 3]]) {
      const a = csrFromDense(tensor(new Array(shape[0]! * shape[1]!).fill(0), { shape }));
      expect(a.indptr.length).toBe(shape[0]! + 1);
      expect(a.indices.length).toBe(0);
      expect(csrToDense(a).shape).toEqual(shape);
      expect(csrTranspose(a).shape).toEqual([shape[1], shape[0]]);
    }
  });

  it('rejects bad arguments with clear errors', () => {
    expect(errorCode(() => csrFromDense(tensor([1, 2])))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => csrFromDense(tensor([[1]]), { threshold: -1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => csrFromMask(tensor([[1, 2]]), tensor([[true]])))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => rowBalancedFromDense(tensor([[1, 2]]), { rowNnz: 3 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rowBalancedFromMask(tensor([[1, 2], [3, 4]]), tensor([[true, true], [false, true]])))).toBe('INVALID_ARGUMENT');
  });
});

describe('row-balanced layout', () => {
  it('keeps the rowNnz largest magnitudes per row, ties to the lower column', () => {
    const a = rowBalancedFromDense(tensor([[1, -3, 2, 0], [5, 5, -5, 1]]), { rowNnz: 2 });
    expect(a.rowNnz).toBe(2);
    expect(Array.from(a.indices)).toEqual([1, 2, 0, 1]);
    expect(Array.from(a.data)).toEqual([-3, 2, 5, 5]);
  });

  it('converts to and from CSR without changing the matrix', () => {
    fc.assert(fc.property(arbCsr({ rowBalanced: true }), (a) => {
      const c = toCsr(a);
      checkCsr(c, { full: true });
      expect(denseOf(c)).toEqual(denseOf(a));
      const back = rowBalancedFromCsr(c);
      expect(denseOf(back)).toEqual(denseOf(a));
      expect(back.rowNnz).toBe((a as { rowNnz: number }).rowNnz);
    }), { numRuns: 100, seed: 62 });
  });

  it('rowBalancedFromCsr rejects rows of unequal length', () => {
    expect(errorCode(() => rowBalancedFromCsr(csrFromDense(tensor([[1, 1], [0, 1]]))))).toBe('INVALID_ARGUMENT');
  });
});

describe('canonical form', () => {
  /** Hand-built CSR: unsorted rows with duplicate columns. */
  const arbMessy = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 })).chain(([m, n]) =>
    fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: -8, max: 8 })), { maxLength: 8 }), { minLength: m, maxLength: m })
      .map((rows): Csr => {
        const indptr = new Int32Array(m + 1);
        rows.forEach((r, i) => { indptr[i + 1] = indptr[i]! + r.length; });
        return {
          shape: [m, n], indptr,
          indices: Int32Array.from(rows.flat().map(([c]) => c)),
          data: Float32Array.from(rows.flat().map(([, v]) => v / 4)),
        };
      }));

  it('sumDuplicates gives a canonical matrix with the same dense value', () => {
    fc.assert(fc.property(arbMessy, (a) => {
      const c = sumDuplicates(a);
      checkCsr(c, { full: true });
      expect(denseOf(c)).toEqual(denseOf(a));
    }), { numRuns: 200, seed: 63 });
  });

  it('a hand-built unsorted matrix is rejected by kernels until canonicalised', () => {
    const a: Csr = { shape: [1, 3], indptr: Int32Array.of(0, 2), indices: Int32Array.of(2, 0), data: Float32Array.of(1, 2) };
    expect(errorCode(() => csrToDense(a))).toBe('FORMAT');
    expect(csrToDense(sumDuplicates(a)).toArray()).toEqual([[2, 0, 1]]);
  });

  it('eliminateZeros drops stored zeros only', () => {
    for (const rb of layouts) {
      fc.assert(fc.property(arbCsr({ rowBalanced: rb }), (a) => {
        const c = eliminateZeros(a);
        checkCsr(c, { full: true });
        expect(Array.from(c.data).every((v) => v !== 0)).toBe(true);
        expect(denseOf(c)).toEqual(denseOf(a));
      }), { numRuns: 100, seed: 64 });
    }
  });

  it('transposing twice is the identity; once matches the dense transpose', () => {
    for (const rb of layouts) {
      fc.assert(fc.property(arbCsr({ rowBalanced: rb }), (a) => {
        const t = csrTranspose(a);
        checkCsr(t, { full: true });
        expect(csrToDense(t).toArray()).toEqual(transpose(csrToDense(a)).toArray());
        const tt = csrTranspose(t), c = toCsr(a);
        expect([tt.shape, Array.from(tt.indptr), Array.from(tt.indices), Array.from(tt.data)])
          .toEqual([c.shape, Array.from(c.indptr), Array.from(c.indices), Array.from(c.data)]);
      }), { numRuns: 100, seed: 65 });
    }
  });
});

describe('structural checks', () => {
  const good = (): Csr => ({ shape: [2, 3], indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), data: Float32Array.of(1, 2, 3) });
  const bad: [string, () => unknown][] = [
    ['non-monotone indptr', () => ({ ...good(), indptr: Int32Array.of(0, 3, 3), indices: Int32Array.of(2, 0, 1) })],
    ['indptr decreasing', () => ({ shape: [3, 3], indptr: Int32Array.of(0, 2, 1, 3), indices: Int32Array.of(0, 1, 2), data: Float32Array.of(1, 2, 3) })],
    ['index out of range', () => ({ ...good(), indices: Int32Array.of(3, 0, 1) })],
    ['negative index', () => ({ ...good(), indices: Int32Array.of(-1, 0, 1) })],
    ['unsorted row', () => ({ ...good(), indices: Int32Array.of(2, 1, 0) })],
    ['duplicate column', () => ({ ...good(), indices: Int32Array.of(2, 1, 1) })],
  ];
  const badO1: [string, () => unknown][] = [
    ['indptr too short', () => ({ ...good(), indptr: Int32Array.of(0, 3) })],
    ['indptr[0] != 0', () => ({ ...good(), indptr: Int32Array.of(1, 1, 3) })],
    ['indptr[m] != nnz', () => ({ ...good(), indptr: Int32Array.of(0, 1, 2) })],
    ['data length differs', () => ({ ...good(), data: Float32Array.of(1, 2) })],
    ['indices length differs', () => ({ ...good(), indices: Int32Array.of(2, 0) })],
    ['indices not Int32Array', () => ({ ...good(), indices: [2, 0, 1] })],
    ['data not Float32Array', () => ({ ...good(), data: Float64Array.of(1, 2, 3) })],
    ['bad shape', () => ({ ...good(), shape: [2, -1] })],
    ['not an object', () => 42],
    ['row-balanced length', () => ({ shape: [2, 3], rowNnz: 2, indices: Int32Array.of(0, 1, 2), data: Float32Array.of(1, 2, 3) })],
    ['row-balanced rowNnz > n', () => ({ shape: [1, 2], rowNnz: 3, indices: Int32Array.of(0, 1, 2), data: Float32Array.of(1, 2, 3) })],
  ];

  it('O(1) checks catch length disagreements', () => {
    for (const [name, make] of badO1) expect(errorCode(() => checkCsr(make() as Csr)), name).toBe('FORMAT');
  });

  it('the full scan catches bad contents that the O(1) checks let through', () => {
    for (const [name, make] of bad) {
      expect(errorCode(() => checkCsr(make() as Csr)), name).toBeUndefined();
      expect(errorCode(() => checkCsr(make() as Csr, { full: true })), name).toBe('FORMAT');
    }
    expect(errorCode(() => checkCsr({ shape: [2, 3], rowNnz: 1, indices: Int32Array.of(0, 3), data: Float32Array.of(1, 2) }, { full: true }))).toBe('FORMAT');
  });

  it('messages name the op, the problem and what arrived', () => {
    try {
      checkCsr({ ...good(), indices: Int32Array.of(7, 0, 1) }, { full: true });
    } catch (e) {
      expect(String(e)).toMatch(/checkCsr: column index out of range in row 0; expected 0 <= index < 3, got 7/);
    }
  });

  it('a structure edited in place after use is caught by a full check', () => {
    const a = good();
    expect(csrToDense(a).toArray()).toEqual([[0, 0, 1], [2, 3, 0]]);
    a.indices[0] = 9;
    expect(errorCode(() => checkCsr(a, { full: true }))).toBe('FORMAT');
    expect(errorCode(() => csrToDense(a))).toBe('FORMAT');
  });
});
