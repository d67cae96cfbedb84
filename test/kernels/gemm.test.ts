import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemmInto, gemmRef, type FloatArray } from '../../src/tensor/kernels/gemm';

type DType = 'f32' | 'f64';
/** How a logical rows×cols matrix sits in its buffer. */
type Layout = 'row' | 'col' | 'gap';

interface Operand {
  data: FloatArray;
  off: number;
  rs: number;
  cs: number;
}

/** Small deterministic PRNG (Math.random is banned in this repo). Values are k/100, |k| ≤ 1000. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s >>> 8) % 2001 - 1000) / 100;
  };
}

function alloc(dtype: DType, len: number): FloatArray {
  return dtype === 'f32' ? new Float32Array(len) : new Float64Array(len);
}

/** Builds a rows×cols operand with the given layout and leading offset, filled with random values. */
function operand(rows: number, cols: number, layout: Layout, off: number, dtype: DType, rnd: () => number): Operand {
  let rs: number, cs: number, len: number;
  if (layout === 'row') {
    rs = cols; cs = 1; len = rows * cols;
  } else if (layout === 'col') {
    rs = 1; cs = rows; len = rows * cols; // a transposed view: no copy, just swapped strides
  } else {
    rs = 2 * cols + 1; cs = 2; len = rows * rs; // non-unit strides in both directions
  }
  const data = alloc(dtype, off + len);
  for (let i = 0; i < data.length; i++) data[i] = rnd();
  return { data, off, rs, cs };
}

/** Σ_p |A(i,p)·B(p,j)|: the scale that floating-point summation error is proportional to. */
function absDot(A: Operand, B: Operand, k: number, i: number, j: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += Math.abs(A.data[A.off + i * A.rs + p * A.cs]! * B.data[B.off + p * B.rs + j * B.cs]!);
  return s;
}

interface Case {
  m: number; n: number; k: number;
  aType: DType; bType: DType; cType: DType;
  aLayout: Layout; bLayout: Layout;
  aOff: number; bOff: number; cOff: number; cPad: number;
  accumulate: boolean;
  seed: number;
}

/**
 * Runs gemmInto and gemmRef on identical copies of C and checks (1) the m×n block agrees within a
 * tolerance scaled by Σ|a·b| + |C₀| (float32 C is rounded once per K block in gemmInto, once in
 * the reference), and (2) every entry outside the block is bit-for-bit unchanged.
 */
function check(t: Case): void {
  const { m, n, k } = t;
  const rnd = lcg(t.seed);
  const A = operand(m, k, t.aLayout, t.aOff, t.aType, rnd);
  const B = operand(k, n, t.bLayout, t.bOff, t.bType, rnd);
  const cRs = n + t.cPad;
  const c0 = alloc(t.cType, t.cOff + m * cRs + 3);
  for (let i = 0; i < c0.length; i++) c0[i] = rnd();
  if (!t.accumulate) {
    // Overwrite mode must ignore whatever C held, NaN included.
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c0[t.cOff + i * cRs + j] = NaN;
  }
  const got = c0.slice();
  const want = c0.slice();
  gemmInto(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, t.cOff, cRs, t.accumulate);
  gemmRef(m, n, k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, want, t.cOff, cRs, t.accumulate);

  const inBlock = new Uint8Array(c0.length);
  // float32 C: a few roundings (one per K block of 256) at 2^-24 each; float64: summation order only.
  const eps = t.cType === 'f32' ? 1e-6 : 1e-12;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const q = t.cOff + i * cRs + j;
      inBlock[q] = 1;
      const g = got[q]!, w = want[q]!;
      const scale = absDot(A, B, k, i, j) + (t.accumulate ? Math.abs(c0[q]!) : 0);
      const tol = eps * (scale + Math.abs(w) + 1);
      if (!(Math.abs(g - w) <= tol)) {
        throw new Error(`C(${i},${j}) = ${g}, reference ${w}, tol ${tol} in ${JSON.stringify(t)}`);
      }
    }
  }
  for (let q = 0; q < c0.length; q++) {
    if (!inBlock[q] && !Object.is(got[q], c0[q])) throw new Error(`c[${q}] outside the block changed in ${JSON.stringify(t)}`);
  }
}

const base: Case = {
  m: 1, n: 1, k: 1, aType: 'f32', bType: 'f32', cType: 'f32', aLayout: 'row', bLayout: 'row',
  aOff: 0, bOff: 0, cOff: 0, cPad: 0, accumulate: false, seed: 1,
};

describe('gemmRef', () => {
  it('matches a hand-computed product', () => {
    // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
    const a = new Float64Array([1, 2, 3, 4, 5, 6]);
    const b = new Float64Array([7, 8, 9, 10, 11, 12]);
    const c = new Float64Array(4);
    gemmRef(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    gemmRef(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, true);
    expect(Array.from(c)).toEqual([116, 128, 278, 308]);
    // Strided views: the first operand reads A = [[1,2,3],[4,5,6]] as Aᵀ (3×2) by swapping strides.
    const d = new Float64Array(9);
    gemmRef(3, 3, 2, a, 0, 1, 3, a, 0, 3, 1, d, 0, 3, false); // Aᵀ·A
    expect(Array.from(d)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
  });
});

describe('gemmInto', () => {
  it('matches the doc examples', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([1, 0, 1, 0, 1, 0]);
    const c = new Float32Array(4);
    gemmInto(2, 2, 3, a, 0, 3, 1, b, 0, 1, 3, c, 0, 2, false);
    expect(Array.from(c)).toEqual([4, 2, 10, 5]);
    const d = new Float64Array(4);
    gemmInto(2, 2, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 1, new Float64Array([5, 6, 7, 8]), 0, 2, 1, d, 0, 2, false);
    expect(Array.from(d)).toEqual([19, 22, 43, 50]);
  });

  it('handles empty dimensions', () => {
    const c = new Float32Array([NaN, 7, NaN, 9, 5, 5]);
    // k = 0 overwrite: the 2×2 block (row stride 3) becomes zero, the rest is untouched.
    gemmInto(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, c, 0, 3, false);
    expect(Array.from(c)).toEqual([0, 0, NaN, 0, 0, 5]);
    // k = 0 accumulate: nothing to add.
    gemmInto(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, c, 0, 3, true);
    expect(Array.from(c)).toEqual([0, 0, NaN, 0, 0, 5]);
    // m = 0 or n = 0: no-op even in overwrite mode.
    const e = new Float64Array([1, 2, 3]);
    gemmInto(0, 3, 4, new Float64Array(0), 0, 4, 1, new Float64Array(12), 0, 3, 1, e, 0, 3, false);
    gemmInto(3, 0, 4, new Float64Array(12), 0, 4, 1, new Float64Array(0), 0, 0, 1, e, 0, 0, false);
    expect(Array.from(e)).toEqual([1, 2, 3]);
  });

  it('agrees with gemmRef across several cache blocks (k > KC, m > MC, n > NC)', () => {
    check({ ...base, m: 300, n: 37, k: 700, seed: 11 });
    check({ ...base, m: 300, n: 37, k: 700, aLayout: 'col', bLayout: 'col', accumulate: true, cPad: 5, seed: 12 });
    check({ ...base, m: 131, n: 41, k: 513, aType: 'f64', bType: 'f64', cType: 'f64', aLayout: 'gap', seed: 13 });
    check({ ...base, m: 9, n: 1600, k: 260, bLayout: 'col', cOff: 3, cPad: 2, accumulate: true, seed: 14 });
  });

  it('agrees with gemmRef on random shapes, dtypes, strides and modes', () => {
    const dtype = fc.constantFrom<DType>('f32', 'f64');
    const layout = fc.constantFrom<Layout>('row', 'col', 'gap');
    const dim = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 9 }));
    const arb = fc.record({
      m: dim, n: dim, k: dim,
      aType: dtype, bType: dtype, cType: dtype,
      aLayout: layout, bLayout: layout,
      aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }),
      cOff: fc.integer({ min: 0, max: 5 }), cPad: fc.integer({ min: 0, max: 4 }),
      accumulate: fc.boolean(),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    });
    fc.assert(fc.property(arb, (t) => { check(t); }), { numRuns: 150 });
  });
});
