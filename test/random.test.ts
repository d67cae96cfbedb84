import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumError } from '../src/errors.js';
import type { NumErrorCode } from '../src/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import {
  bernoulli, detLog, foldIn, key, normal, permutation, randint, split, threefry2x32, uniform,
} from '../src/random.js';
import type { Key } from '../src/random.js';

/** The two key words as uint32. */
function words(k: Key): [number, number] {
  const d = k.toTyped();
  return [d[0]! >>> 0, d[1]! >>> 0];
}

function flat(t: Tensor): number[] {
  return Array.from(t.toTyped());
}

function expectNumError(fn: () => unknown, code: NumErrorCode, op: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NumError);
  const err = caught as NumError;
  expect(err.code).toBe(code);
  expect(err.op).toBe(op);
  expect(err.message).toContain(`${op}:`);
}

function meanStd(xs: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

describe('threefry2x32', () => {
  it('matches the Random123 known-answer vectors (20 rounds)', () => {
    expect(threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('reproduces JAX’s original-scheme split of PRNGKey(0) from the raw block', () => {
    // Legacy JAX: counters iota(4) -> x0 = [0, 1], x1 = [2, 3]; keys = reshape(concat(out0, out1), (2, 2)).
    const a = threefry2x32(0, 0, 0, 2);
    const b = threefry2x32(0, 0, 1, 3);
    expect([a[0], b[0]]).toEqual([4146024105, 967050713]);
    expect([a[1], b[1]]).toEqual([2718843009, 1272950319]);
  });
});

describe('key / split / foldIn', () => {
  it('key(seed) uses both 32-bit halves of the seed', () => {
    const k = key(42);
    expect(k.dtype).toBe('int32');
    expect(k.shape).toEqual([2]);
    expect(words(k)).toEqual([0, 42]);
    expect(words(key(2 ** 32 + 5))).toEqual([1, 5]);
    expect(words(key(Number.MAX_SAFE_INTEGER))).toEqual([0x1fffff, 0xffffffff]);
    expect(words(key(0))).toEqual([0, 0]);
  });

  it('split matches JAX (partitionable threefry) for key(42)', () => {
    // jax.random.split(jax.random.key(42)) with the default jax_threefry_partitionable=True.
    const [a, b] = split(key(42));
    expect(words(a!)).toEqual([1832780943, 270669613]);
    expect(words(b!)).toEqual([64467757, 2916123636]);
  });

  it('split returns n distinct keys, different from the parent, deterministically', () => {
    const k = key(7);
    for (const n of [0, 1, 2, 5, 33]) {
      const ks = split(k, n);
      expect(Array.isArray(ks)).toBe(true);
      expect(ks).toHaveLength(n);
      const seen = new Set(ks.map((x) => words(x).join(',')));
      seen.add(words(k).join(','));
      expect(seen.size).toBe(n + 1);
      expect(ks.map(words)).toEqual(split(k, n).map(words));
      for (const x of ks) expect(x.dtype).toBe('int32');
    }
    expect(split(k)).toHaveLength(2);
    // Prefix-stable: the first keys do not depend on n.
    expect(split(k, 5).slice(0, 2).map(words)).toEqual(split(k, 2).map(words));
    // Grandchildren differ too.
    const [c0, c1] = split(k);
    expect(words(split(c0!)[0]!)).not.toEqual(words(split(c1!)[0]!));
  });

  it('pins split and foldIn outputs', () => {
    expect(split(key(0)).map(words)).toEqual([[1797259609, 2579123966], [928981903, 3453687069]]);
    expect(words(foldIn(key(42), 7))).toEqual([-1747954385 >>> 0, 1371500959]);
  });

  it('foldIn is deterministic, depends on the data, and equals split(k, n)[i] (JAX foldlike split)', () => {
    const k = key(3);
    const fs = [0, 1, 2, 100, 2 ** 32, 2 ** 40 + 1].map((d) => words(foldIn(k, d)).join(','));
    expect(new Set(fs).size).toBe(fs.length);
    expect(words(foldIn(k, 5))).toEqual(words(foldIn(k, 5)));
    const ks = split(k, 4);
    for (let i = 0; i < 4; i++) expect(words(foldIn(k, i))).toEqual(words(ks[i]!));
  });

  it('reads keys through strided views', () => {
    const view = new Tensor(new Int32Array([0, 9, 42]), [2], 'int32', [2], 0);
    expect(flat(uniform(view, [5]))).toEqual(flat(uniform(key(42), [5])));
  });
});

describe('golden values for key(42)', () => {
  const k = key(42);
  it('uniform', () => {
    expect(flat(uniform(k, [4]))).toEqual([0.48870956897735596, 0.6797971725463867, 0.6162714958190918, 0.5610160827636719]);
    expect(flat(uniform(k, [3], { dtype: 'float64' }))).toEqual([0.4267275666499091, 0.015010069515314584, 0.5741444178995352]);
  });
  it('normal', () => {
    expect(flat(normal(k, [5]))).toEqual([
      -0.04139409959316254, -0.27398738265037537, 0.5238779187202454, 1.6238181591033936, 1.3730388879776,
    ]);
    expect(flat(normal(k, [3], { dtype: 'float64' }))).toEqual([-0.04139409936748455, -0.27398737092286846, 0.5238779298429196]);
  });
  it('permutation, randint, bernoulli', () => {
    expect(flat(permutation(k, 10))).toEqual([3, 4, 6, 8, 1, 2, 0, 9, 5, 7]);
    expect(flat(randint(k, [6], -3, 4))).toEqual([-3, 1, -1, 0, 0, 2]);
    expect(flat(bernoulli(k, 0.5, [8]))).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
  });
  it('pins a hash of 20k float64 normals and 6k logs (checked identical under QuickJS)', () => {
    const dv = new DataView(new ArrayBuffer(8));
    let h = 0;
    const mix = (x: number): void => {
      dv.setFloat64(0, x);
      h = (Math.imul(h, 31) + dv.getUint32(0)) | 0;
      h = (Math.imul(h, 31) + dv.getUint32(4)) | 0;
    };
    const n = normal(key(123), [20000], { dtype: 'float64' }).toTyped();
    for (let i = 0; i < n.length; i++) mix(n[i]!);
    for (let i = 1; i < 2000; i++) {
      mix(detLog(i / 1999.5));
      mix(detLog(i * 1e-300));
      mix(detLog(i * 12345.678));
    }
    expect(h).toBe(-1288920185);
  });
});

describe('counter scheme', () => {
  it('elements depend only on key and flat index (not on size, shape or chunking)', () => {
    const k = key(11);
    const u10 = flat(uniform(k, [10]));
    expect(flat(uniform(k, [7]))).toEqual(u10.slice(0, 7));
    expect(flat(uniform(k, [2, 5]))).toEqual(u10);
    const n8 = flat(normal(k, [8], { dtype: 'float64' }));
    expect(flat(normal(k, [3], { dtype: 'float64' }))).toEqual(n8.slice(0, 3));
    expect(flat(normal(k, [2, 2, 2], { dtype: 'float64' }))).toEqual(n8);
    expect(flat(randint(k, [4], 0, 1000))).toEqual(flat(randint(k, [9], 0, 1000)).slice(0, 4));
    expect(flat(bernoulli(k, 0.3, [3]))).toEqual(flat(bernoulli(k, 0.3, [12])).slice(0, 3));
  });

  it('float32 normal is the float64 normal rounded once', () => {
    const k = key(5);
    const a = normal(k, [999], { dtype: 'float64' }).toTyped();
    const b = normal(k, [999]).toTyped();
    expect(Array.from(b)).toEqual(Array.from(a, (x) => Math.fround(x)));
  });

  it('handles empty and scalar shapes', () => {
    expect(uniform(key(1), [0]).size).toBe(0);
    expect(normal(key(1), [3, 0]).shape).toEqual([3, 0]);
    expect(uniform(key(1), []).shape).toEqual([]);
    expect(normal(key(1), []).size).toBe(1);
    expect(flat(permutation(key(1), 0))).toEqual([]);
    expect(flat(permutation(key(1), 1))).toEqual([0]);
  });

  it('uses no platform libm at run time', () => {
    const m = Math as unknown as Record<string, unknown>;
    const names = ['log', 'log1p', 'exp', 'expm1', 'sin', 'cos', 'pow', 'random'];
    const saved = names.map((n) => m[n]);
    const boom = (): number => { throw new Error('libm used'); };
    try {
      for (const n of names) m[n] = boom;
      normal(key(1), [1000], { dtype: 'float64' });
      uniform(key(1), [100], { min: -3, max: 5 });
      randint(key(1), [100], -7, 7);
      permutation(key(1), 50);
      bernoulli(key(1), 0.2, [10]);
      split(key(1), 3);
    } finally {
      names.forEach((n, i) => { m[n] = saved[i]; });
    }
  });

  it('source avoids libm, Math.random and BigInt', () => {
    const src = readFileSync(fileURLToPath(new URL('../src/random.ts', import.meta.url)), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    expect(src).not.toMatch(/Math\.(log|log1p|log2|exp|expm1|sin|cos|tan|atan|atan2|asin|acos|pow|cbrt|hypot|random)\b/);
    expect(src).not.toMatch(/BigInt|\d+n\b|\beval\b/);
  });
});

describe('uniform', () => {
  it('has mean ≈ 0.5 and stays in [0, 1)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const u = uniform(key(2024), [100_000], { dtype });
      expect(u.dtype).toBe(dtype);
      const xs = u.toTyped();
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < xs.length; i++) { lo = Math.min(lo, xs[i]!); hi = Math.max(hi, xs[i]!); }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThan(1);
      const { mean, std } = meanStd(xs);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
      expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.005);
    }
  });

  it('float32 values are multiples of 2^-23 (exact from 23 bits)', () => {
    const xs = uniform(key(9), [1000]).toTyped();
    expect(Array.from(xs).every((x) => Number.isInteger(x * 2 ** 23))).toBe(true);
  });

  it('respects [min, max) including one-ulp-wide ranges', () => {
    const xs = uniform(key(4), [20_000], { min: -2, max: 3 }).toTyped();
    const { mean } = meanStd(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    // Rounding would give max for about half the draws; the result must stay below max.
    expect(new Set(flat(uniform(key(4), [200], { min: 1, max: 1 + 2 ** -23 })))).toEqual(new Set([1]));
    expect(new Set(flat(uniform(key(4), [200], { min: 1, max: 1 + 2 ** -52, dtype: 'float64' })))).toEqual(new Set([1]));
  });

  it('stays in [min, max) for random ranges (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.constantFrom('float32' as const, 'float64' as const),
        (seed, min, width, dtype) => {
          const max = min + width;
          const lo = dtype === 'float32' ? Math.fround(min) : min;
          const hi = dtype === 'float32' ? Math.fround(max) : max;
          fc.pre(lo < hi);
          const xs = uniform(key(seed), [64], { min, max, dtype }).toTyped();
          for (let i = 0; i < xs.length; i++) if (!(xs[i]! >= lo && xs[i]! < hi)) return false;
          return true;
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('normal', () => {
  it('has mean ≈ 0 and std ≈ 1 over 100k samples', () => {
    const xs = normal(key(77), [100_000]).toTyped();
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    let within1 = 0, within2 = 0, third = 0, fourth = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      if (Math.abs(x) < 1) within1++;
      if (Math.abs(x) < 2) within2++;
      third += x ** 3;
      fourth += x ** 4;
    }
    expect(Math.abs(within1 / xs.length - 0.682689)).toBeLessThan(0.01);
    expect(Math.abs(within2 / xs.length - 0.954500)).toBeLessThan(0.005);
    expect(Math.abs(third / xs.length)).toBeLessThan(0.05); // skewness ≈ 0
    expect(Math.abs(fourth / xs.length - 3)).toBeLessThan(0.1); // kurtosis ≈ 3
  });

  it('applies mean and std', () => {
    const xs = normal(key(8), [50_000], { mean: 3, std: 2, dtype: 'float64' }).toTyped();
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(std - 2)).toBeLessThan(0.05);
    expect(new Set(flat(normal(key(8), [10], { mean: 1.5, std: 0 })))).toEqual(new Set([1.5]));
  });
});

describe('detLog', () => {
  const close = (x: number): boolean => {
    const a = detLog(x);
    const b = Math.log(x);
    return a === b || Math.abs(a - b) <= 1e-14 * Math.abs(b);
  };

  it('matches Math.log to 1e-14 relative on (0, 1]', () => {
    fc.assert(fc.property(fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }), close), { numRuns: 2000 });
    fc.assert(fc.property(fc.double({ min: 0.5, max: 1, noNaN: true }), close), { numRuns: 2000 });
  });

  it('matches Math.log to 1e-14 relative above 1', () => {
    fc.assert(fc.property(fc.double({ min: 1, max: Number.MAX_VALUE, noNaN: true, noDefaultInfinity: true }), close), { numRuns: 2000 });
    fc.assert(fc.property(fc.double({ min: 1, max: 2, noNaN: true }), close), { numRuns: 2000 });
  });

  it('is exact or near-exact at special points', () => {
    expect(detLog(1)).toBe(0);
    expect(detLog(0)).toBe(-Infinity);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(NaN)).toBeNaN();
    expect(detLog(Infinity)).toBe(Infinity);
    for (const x of [
      Number.MIN_VALUE, 2 ** -1022, 2 ** -1022 * 1.5, 1e-300, 1 - 2 ** -53, 1 + 2 ** -52, 0.5, 2, Math.SQRT2, Math.SQRT1_2,
      Math.E, 10, 2 ** 32, 2 ** -32, Number.MAX_VALUE,
    ]) {
      expect(close(x)).toBe(true);
    }
    for (let e = -1074; e <= 1023; e++) expect(close(2 ** e)).toBe(true);
  });
});

describe('bernoulli', () => {
  it('has frequency ≈ p and bool dtype', () => {
    for (const p of [0.1, 0.5, 0.9]) {
      const b = bernoulli(key(31), p, [50_000]);
      expect(b.dtype).toBe('bool');
      const xs = b.toTyped();
      let s = 0;
      for (let i = 0; i < xs.length; i++) s += xs[i]!;
      expect(Math.abs(s / xs.length - p)).toBeLessThan(0.01);
    }
    expect(flat(bernoulli(key(1), 0, [100])).every((x) => x === 0)).toBe(true);
    expect(flat(bernoulli(key(1), 1, [100])).every((x) => x === 1)).toBe(true);
    expect(bernoulli(key(1), 0.5, [2, 3]).shape).toEqual([2, 3]);
  });
});

describe('permutation and randint', () => {
  it('permutation is a permutation of 0..n-1 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n, seed) => {
        const p = permutation(key(seed), n);
        expect(p.dtype).toBe('int32');
        expect(p.shape).toEqual([n]);
        const sorted = flat(p).sort((a, b) => a - b);
        return sorted.every((v, i) => v === i);
      }),
      { numRuns: 200 },
    );
  });

  it('permutation is roughly uniform over the 6 orders of 3 elements', () => {
    const counts = new Map<string, number>();
    const base = key(99);
    for (let i = 0; i < 6000; i++) {
      const s = flat(permutation(foldIn(base, i), 3)).join('');
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('randint is in [lo, hi), int32, and hits every value about equally', () => {
    const r = randint(key(12), [30_000], -5, 5);
    expect(r.dtype).toBe('int32');
    const counts = new Array<number>(10).fill(0);
    const rs = flat(r);
    expect(Math.min(...rs)).toBe(-5);
    expect(Math.max(...rs)).toBe(4);
    for (const v of rs) counts[v + 5]!++;
    for (const c of counts) expect(Math.abs(c - 3000)).toBeLessThan(250);
    // A range that does not divide 2^32 (rejection path) and the full int32 range.
    const big = flat(randint(key(13), [10_000], -(2 ** 31), 2 ** 30));
    expect(Math.abs((meanStd(big).mean + 2 ** 31) / (3 * 2 ** 30) - 0.5)).toBeLessThan(0.02);
    const full = flat(randint(key(14), [1000], -(2 ** 31), 2 ** 31));
    expect(full.some((v) => v < 0) && full.some((v) => v > 0)).toBe(true);
    expect(flat(randint(key(15), [20], 7, 8)).every((v) => v === 7)).toBe(true);
  });
});

describe('argument validation', () => {
  it('rejects bad seeds and fold-in data', () => {
    expectNumError(() => key(1.5), 'INVALID_ARGUMENT', 'key');
    expectNumError(() => key(-1), 'INVALID_ARGUMENT', 'key');
    expectNumError(() => key(2 ** 53), 'INVALID_ARGUMENT', 'key');
    expectNumError(() => key(NaN), 'INVALID_ARGUMENT', 'key');
    expectNumError(() => key('1' as unknown as number), 'INVALID_ARGUMENT', 'key');
    expectNumError(() => foldIn(key(1), -2), 'INVALID_ARGUMENT', 'foldIn');
    expectNumError(() => foldIn(key(1), 0.5), 'INVALID_ARGUMENT', 'foldIn');
  });

  it('rejects keys of the wrong type, dtype or shape', () => {
    const f32 = new Tensor(new Float32Array([0, 1]), [2], 'float32');
    const long = new Tensor(new Int32Array([0, 1, 2]), [3], 'int32');
    const mat = new Tensor(new Int32Array([0, 1]), [1, 2], 'int32');
    for (const bad of [f32, long, mat, [0, 1], new Int32Array(2), undefined]) {
      const k = bad as unknown as Key;
      expectNumError(() => split(k), 'INVALID_ARGUMENT', 'split');
      expectNumError(() => foldIn(k, 1), 'INVALID_ARGUMENT', 'foldIn');
      expectNumError(() => uniform(k, [2]), 'INVALID_ARGUMENT', 'uniform');
      expectNumError(() => normal(k, [2]), 'INVALID_ARGUMENT', 'normal');
      expectNumError(() => bernoulli(k, 0.5, [2]), 'INVALID_ARGUMENT', 'bernoulli');
      expectNumError(() => permutation(k, 3), 'INVALID_ARGUMENT', 'permutation');
      expectNumError(() => randint(k, [2], 0, 3), 'INVALID_ARGUMENT', 'randint');
    }
  });

  it('rejects bad counts and shapes', () => {
    const k = key(1);
    expectNumError(() => split(k, -1), 'INVALID_ARGUMENT', 'split');
    expectNumError(() => split(k, 2.5), 'INVALID_ARGUMENT', 'split');
    expectNumError(() => split(k, 2 ** 40), 'OUT_OF_RANGE', 'split');
    expectNumError(() => uniform(k, [-1]), 'INVALID_ARGUMENT', 'uniform');
    expectNumError(() => normal(k, [1.5]), 'INVALID_ARGUMENT', 'normal');
    expectNumError(() => bernoulli(k, 0.5, 3 as unknown as number[]), 'INVALID_ARGUMENT', 'bernoulli');
    expectNumError(() => randint(k, [NaN], 0, 2), 'INVALID_ARGUMENT', 'randint');
    expectNumError(() => permutation(k, -3), 'INVALID_ARGUMENT', 'permutation');
    expectNumError(() => permutation(k, 2 ** 31 + 1), 'OUT_OF_RANGE', 'permutation');
  });

  it('rejects p outside [0, 1]', () => {
    for (const p of [-0.1, 1.5, NaN, Infinity]) expectNumError(() => bernoulli(key(1), p, [2]), 'OUT_OF_RANGE', 'bernoulli');
  });

  it('rejects bad sampler options', () => {
    const k = key(1);
    expectNumError(() => uniform(k, [2], { dtype: 'int32' as 'float32' }), 'DTYPE_MISMATCH', 'uniform');
    expectNumError(() => uniform(k, [2], { min: 1, max: 1 }), 'OUT_OF_RANGE', 'uniform');
    expectNumError(() => uniform(k, [2], { min: 2, max: 1 }), 'OUT_OF_RANGE', 'uniform');
    expectNumError(() => uniform(k, [2], { min: 1, max: 1 + 1e-12 }), 'OUT_OF_RANGE', 'uniform'); // empty in float32
    expectNumError(() => uniform(k, [2], { min: -1e308, max: 1e308, dtype: 'float64' }), 'OUT_OF_RANGE', 'uniform');
    expectNumError(() => uniform(k, [2], { max: Infinity }), 'INVALID_ARGUMENT', 'uniform');
    expectNumError(() => uniform(k, [2], 5 as never), 'INVALID_ARGUMENT', 'uniform');
    expectNumError(() => normal(k, [2], { std: -1 }), 'OUT_OF_RANGE', 'normal');
    expectNumError(() => normal(k, [2], { mean: NaN }), 'INVALID_ARGUMENT', 'normal');
    expectNumError(() => normal(k, [2], { dtype: 'bool' as 'float32' }), 'DTYPE_MISMATCH', 'normal');
    expectNumError(() => randint(k, [2], 0.5, 3), 'INVALID_ARGUMENT', 'randint');
    expectNumError(() => randint(k, [2], 3, 3), 'OUT_OF_RANGE', 'randint');
    expectNumError(() => randint(k, [2], 0, 2 ** 31 + 1), 'OUT_OF_RANGE', 'randint');
    expectNumError(() => randint(k, [2], -(2 ** 31) - 1, 0), 'OUT_OF_RANGE', 'randint');
  });
});
