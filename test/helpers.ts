// Shared helpers for the test suite: a plain reference evaluator over nested indices.
import type { Tensor } from '../src/index.js';

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
