// The float32 elementwise fast paths against their reference twins: the WebAssembly add/sub/mul/div
// (src/backend/elementwise.ts), the monomorphic float32 row kernels (src/tensor/kernels/
// elementwise-f32.ts) against the general ones, the leading-axis column sum against reduceRows over
// the transposed block, and reluGrad against where(greater(x, 0), ct, 0). All bit for bit.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend } from '../../src/backend/index';
import { ELEMENTWISE_MIN, elementwiseRowsWasmInto, elementwiseWasmInto, reluGradWasmInto, reluWasmInto } from '../../src/backend/elementwise';
import { arenaBytes } from '../../src/backend/runtime';
import * as k from '../../src/tensor/kernels/elementwise';
import { binaryRowF32, compareRowF32, reluGradF32, unaryRowF32, whereRowF32 } from '../../src/tensor/kernels/elementwise-f32';
import { reduceRows, sumLeading, R_SUM } from '../../src/tensor/kernels/reduce';
import { add, div, fromTyped, greater, mul, relu, sub, sum, tensor, where } from '../../src/index';
import { reluGrad } from '../../src/tensor/ops/elementwise';
import { lcg } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

/** Values with ties, signed zeros, NaN and ±Infinity mixed in, rounded to float32. */
function values(n: number, seed: number, special: boolean): Float32Array {
  const rnd = lcg(seed);
  const out = new Float32Array(n);
  const odd = [0, -0, NaN, Infinity, -Infinity, 1e-40, 3.4e38];
  for (let i = 0; i < n; i++) out[i] = special && rnd() < 0.05 ? odd[Math.floor(rnd() * odd.length)]! : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 20 - 10);
  return out;
}

/** Bit-level equality that treats every NaN as one value (payloads may differ between engines). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

const ARITH = [k.B_ADD, k.B_SUB, k.B_MUL, k.B_DIV];

describe('WebAssembly float32 add/sub/mul/div', () => {
  it('equals the JS kernel bit for bit, vector or scalar b, any length and offset', () => {
    fc.assert(fc.property(fc.record({
      code: fc.constantFrom(...ARITH), n: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 4000, max: 9000 })),
      ai: fc.integer({ min: 0, max: 5 }), bi: fc.integer({ min: 0, max: 5 }), scalar: fc.boolean(), special: fc.boolean(),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    }), (t) => {
      const a = values(t.ai + t.n, t.seed, t.special), b = values(t.bi + (t.scalar ? 1 : t.n), t.seed + 1, t.special);
      const bs = t.scalar ? 0 : 1;
      const got = new Float32Array(t.n), want = new Float32Array(t.n);
      expect(elementwiseWasmInto(t.code, t.n, a, t.ai, b, t.bi, bs, got)).toBe(true);
      k.binaryRow(t.code, t.n, a, t.ai, 1, b, t.bi, bs, want, 0);
      return sameBits(got, want);
    }), { numRuns: 150 });
  });

  it('is what add/sub/mul/div run on large float32 tensors, with the same values as the JS backend', () => {
    const n = ELEMENTWISE_MIN * 2 + 3;
    const a = fromTyped(values(n, 1, true), [n]), b = fromTyped(values(n, 2, true), [n]);
    for (const op of [add, sub, mul, div]) {
      backend.set('js');
      const want = op(a, b).toTyped(), wantS = op(a, -0.37).toTyped();
      backend.set('wasm');
      expect(sameBits(op(a, b).toTyped(), want)).toBe(true);
      expect(sameBits(op(a, -0.37).toTyped(), wantS)).toBe(true);
    }
  });

  it('relu, its VJP and the row broadcast (a bias over a batch) equal the JS kernels bit for bit', () => {
    fc.assert(fc.property(fc.record({
      code: fc.constantFrom(...ARITH), rows: fc.integer({ min: 1, max: 9 }), n: fc.integer({ min: 1, max: 700 }),
      ai: fc.integer({ min: 0, max: 5 }), bi: fc.integer({ min: 0, max: 5 }), seed: fc.integer({ min: 0, max: 0x7fffffff }),
    }), (t) => {
      const total = t.rows * t.n;
      const a = values(t.ai + total, t.seed, true), b = values(t.bi + t.n, t.seed + 1, true);
      const got = new Float32Array(total), want = new Float32Array(total);
      expect(elementwiseRowsWasmInto(t.code, t.rows, t.n, a, t.ai, b, t.bi, got)).toBe(true);
      for (let r = 0; r < t.rows; r++) k.binaryRow(t.code, t.n, a, t.ai + r * t.n, 1, b, t.bi, 1, want, r * t.n);
      const rg = new Float32Array(total), rw = new Float32Array(total);
      expect(reluWasmInto(total, a, t.ai, rg)).toBe(true);
      k.unaryRow(k.U_RELU, total, a, t.ai, 1, rw, 0);
      const x = values(total, t.seed + 2, true), ct = values(total, t.seed + 3, true);
      const gg = new Float32Array(total), gw = new Float32Array(total);
      expect(reluGradWasmInto(total, x, ct, gg)).toBe(true);
      reluGradF32(total, x, ct, gw);
      return sameBits(got, want) && sameBits(rg, rw) && sameBits(gg, gw);
    }), { numRuns: 150 });
  });

  it('is what relu, its VJP and a bias add run on large float32 tensors, with the JS backend\'s values', () => {
    const x = fromTyped(values(64 * 130, 7, true), [64, 130]), bias = fromTyped(values(130, 8, true), [130]);
    backend.set('js');
    const ct = fromTyped(values(64 * 130, 9, true), [64, 130]);
    const want = [relu(x), add(x, bias), mul(x, bias.reshape([1, 130])), reluGrad(x, ct)].map((t) => t.toTyped());
    backend.set('wasm');
    const got = [relu(x), add(x, bias), mul(x, bias.reshape([1, 130])), reluGrad(x, ct)].map((t) => t.toTyped());
    got.forEach((g, i) => { expect(sameBits(g, want[i]!)).toBe(true); });
  });

  it('does not grow the arena across 10,000 calls', () => {
    backend.set('wasm');
    const n = 5000, a = values(n, 3, false), b = values(n, 4, false), o = new Float32Array(n);
    elementwiseWasmInto(k.B_ADD, n, a, 0, b, 0, 1, o);
    const before = arenaBytes();
    for (let i = 0; i < 10000; i++) elementwiseWasmInto((i & 3) === 3 ? k.B_DIV : i & 3, n, a, 0, b, 0, i & 1, o);
    expect(arenaBytes()).toBe(before);
  });
});

describe('float32 row kernels', () => {
  const strided = fc.record({
    n: fc.integer({ min: 0, max: 50 }), as: fc.integer({ min: 0, max: 3 }), bs: fc.integer({ min: 0, max: 3 }),
    ai: fc.integer({ min: 0, max: 4 }), bi: fc.integer({ min: 0, max: 4 }), oi: fc.integer({ min: 0, max: 4 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
  });
  const span = (off: number, n: number, s: number): number => off + Math.max(0, n - 1) * s + 1;

  it('binaryRowF32 and compareRowF32 equal binaryRow for every code they cover', () => {
    fc.assert(fc.property(strided, fc.integer({ min: k.B_ADD, max: k.B_OR }), (t, code) => {
      const a = values(span(t.ai, t.n, t.as), t.seed, true), b = values(span(t.bi, t.n, t.bs), t.seed + 7, true);
      const cmp = code >= k.B_GT && code <= k.B_NE;
      const got = cmp ? new Uint8Array(t.oi + t.n) : new Float32Array(t.oi + t.n), want = got.slice();
      const done = got instanceof Uint8Array
        ? compareRowF32(code, t.n, a, t.ai, t.as, b, t.bi, t.bs, got, t.oi)
        : binaryRowF32(code, t.n, a, t.ai, t.as, b, t.bi, t.bs, got, t.oi);
      if (!done) return [k.B_IMUL, k.B_POW, k.B_AND, k.B_OR].includes(code);
      k.binaryRow(code, t.n, a, t.ai, t.as, b, t.bi, t.bs, want, t.oi);
      return sameBits(got, want);
    }), { numRuns: 300 });
  });

  it('unaryRowF32 equals unaryRow for every code it covers', () => {
    fc.assert(fc.property(strided, fc.integer({ min: k.U_COPY, max: k.U_FLOOR }), (t, code) => {
      const a = values(span(t.ai, t.n, t.as), t.seed, true);
      const got = new Float32Array(t.oi + t.n), want = got.slice();
      if (!unaryRowF32(code, t.n, a, t.ai, t.as, got, t.oi)) return ![k.U_COPY, k.U_NEG, k.U_EXP, k.U_ABS, k.U_RELU].includes(code);
      k.unaryRow(code, t.n, a, t.ai, t.as, want, t.oi);
      return sameBits(got, want);
    }), { numRuns: 200 });
  });

  it('whereRowF32 equals whereRow; reluGradF32 equals where(x > 0, ct, 0)', () => {
    fc.assert(fc.property(strided, (t) => {
      const rnd = lcg(t.seed);
      const c = Uint8Array.from({ length: span(0, t.n, t.as) }, () => (rnd() < 0.5 ? 1 : 0));
      const a = values(span(t.ai, t.n, t.bs), t.seed + 1, true), b = values(span(t.bi, t.n, t.bs), t.seed + 2, true);
      const got = new Float32Array(t.oi + t.n), want = got.slice();
      whereRowF32(t.n, c, 0, t.as, a, t.ai, t.bs, b, t.bi, t.bs, got, t.oi);
      k.whereRow(t.n, c, 0, t.as, a, t.ai, t.bs, b, t.bi, t.bs, want, t.oi);
      const x = values(t.n, t.seed + 3, true), ct = values(t.n, t.seed + 4, true);
      const rg = new Float32Array(t.n);
      reluGradF32(t.n, x, ct, rg);
      const mask = Uint8Array.from(x, (v) => (v > 0 ? 1 : 0)), ref = new Float32Array(t.n);
      k.whereRow(t.n, mask, 0, 1, ct, 0, 1, new Float32Array([0]), 0, 0, ref, 0);
      return sameBits(got, want) && sameBits(rg, ref);
    }), { numRuns: 200 });
  });

  it('reluGrad the op equals where(greater(x, 0), ct, 0) in float32 and float64, views included', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor(Array.from(values(24, 5, true)), { dtype, shape: [4, 6] }), ct = tensor(Array.from(values(24, 6, true)), { dtype, shape: [6, 4] }).transpose();
      expect(sameBits(reluGrad(x, ct).toTyped(), where(greater(x, 0), ct, 0).toTyped())).toBe(true);
    }
  });
});

describe('sum over leading axes', () => {
  it('sumLeading equals reduceRows over the transposed block (float64 accumulation, same order)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 0x7fffffff }), (r, outer, off, seed) => {
        const a = values(off + r * outer, seed, true);
        const t = new Float32Array(r * outer);
        for (let i = 0; i < r; i++) for (let j = 0; j < outer; j++) t[j * r + i] = a[off + i * outer + j]!;
        const got = new Float32Array(outer), want = new Float32Array(outer);
        sumLeading(a, off, r, outer, got);
        reduceRows(R_SUM, t, 0, outer, r, want);
        return sameBits(got, want);
      }), { numRuns: 200 });
  });

  it('is what sum over axis 0 (a bias gradient) runs, with the values of the strided route', () => {
    const x = fromTyped(values(6 * 5 * 4, 9, false), [6, 5, 4]);
    const lead = sum(x, { axis: [0, 1] }).toTyped();
    const viaT = sum(x.transpose([2, 0, 1]), { axis: [1, 2] }).toTyped(); // the same sums, reduced as trailing axes
    expect(sameBits(lead, viaT)).toBe(true);
    expect(sum(tensor([[1, 2], [3, 4], [5, 6]]), { axis: 0 }).toArray()).toEqual([9, 12]);
    expect(sum(tensor([[true, false], [true, true]]), { axis: 0 }).toArray()).toEqual([2, 1]);
  });
});
