// Shared helpers of the bitpack tests: a seeded generator (Math.random is banned) and NumError codes.
import { isNumError } from '../../src/index.js';

/** Deterministic LCG; `next()` returns a uint32. */
export function lcg(seed: number): { next(): number; int(lo: number, hi: number): number; value(): number } {
  let s = (seed >>> 0) || 1;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  return {
    next: () => (next() ^ (next() << 16)) >>> 0,
    /** Integer in [lo, hi]. */
    int: (lo, hi) => lo + (next() % (hi - lo + 1)),
    /** A value whose sign is what matters: negatives, positives, +0 and −0 all occur. */
    value: () => {
      const r = next() % 7;
      return r === 0 ? 0 : r === 1 ? -0 : ((next() >>> 8) / 2 ** 23 - 1) * 3;
    },
  };
}

/** Array of `n` values from `value()`. */
export function values(n: number, seed: number): Float64Array {
  const g = lcg(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = g.value();
  return out;
}

/** sign with sign(0) = sign(−0) = +1. */
export const sgn = (v: number): number => (v < 0 ? -1 : 1);

/** The NumError code thrown by `f`, or 'no error'. */
export function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isNumError(e) ? e.code : `not a NumError: ${String(e)}`;
  }
  return 'no error';
}
