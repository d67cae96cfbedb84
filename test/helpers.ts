// Shared helpers for the test suite: a plain reference evaluator over nested indices.
import { isNumError, tensor, type Tensor } from '../src/index.js';

/** All multi-indices of a shape, row-major. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < n; f++) {
    const idx = new Array<number>(shape.length);
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    out.push(idx);
  }
  return out;
}

/** Reads element `idx` of a tensor through its strides (the definition of a strided view). */
export function at(t: Tensor, idx: readonly number[]): number {
  let o = t.offset;
  idx.forEach((i, d) => { o += i * t.strides[d]!; });
  return t.data[o]!;
}

/** Reads `idx` of a tensor broadcast to a larger shape (numpy rules). */
export function atBroadcast(t: Tensor, idx: readonly number[]): number {
  const lead = idx.length - t.ndim;
  return at(t, t.shape.map((d, i) => (d === 1 ? 0 : idx[lead + i]!)));
}

/** numpy broadcast of two shapes (reference, no validation). */
export function bshape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/** Captures the error thrown by fn (fails if nothing is thrown). */
export function thrown(fn: () => unknown): Error & { code?: string; op?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

/** The NumError code fn throws ('not a NumError' for other throws, undefined if none). */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isNumError(e) ? e.code : 'not a NumError';
  }
  return undefined;
}

/** A deterministic stream in [0, 1) from a small LCG (Math.random is banned in this repo). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** `len` float32 values k / `scale` with integer |k| ≤ 1000, from the same LCG: exact in float32, seeded. */
export function lcgFloats(len: number, seed: number, scale = 256): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) % 2001 - 1000) / scale;
  }
  return out;
}

/** Deterministic values in [lo, hi) from a small LCG (tests avoid ambient randomness too). */
export function vals(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

/** A float64 tensor of deterministic values in [lo, hi). */
export function t64(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  return tensor(vals(shape.reduce((a, b) => a * b, 1), seed, lo, hi), { dtype: 'float64', shape });
}

/** The NumError `fn` throws; fails the test when it returns or throws anything else. */
export function numError(fn: () => unknown): { code: string; op: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (!isNumError(e)) throw new Error(`expected a NumError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a throw');
}
