import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend } from '../../src/backend/index';
import { denseSpmmTWasmInto, spmmWasmInto } from '../../src/backend/spmm';
import { arenaBytes } from '../../src/backend/runtime';
import { denseSpmmTInto, denseSpmmTJsInto, spmmInto, spmmJsInto, spmmRef, type KernelRows } from '../../src/sparse/kernels';
import { lcg } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });


type Index = 'i32' | 'u16' | 'u32';
interface Pattern { rows: KernelRows; v: Float32Array }

/**
 * A random m×k pattern: CSR (random row lengths, duplicates allowed) or row-balanced with a row
 * stride ≥ rowNnz (DRESS's prefix rows), columns in random (unsorted) order, indices of any kind.
 */
function pattern(m: number, k: number, csr: boolean, index: Index, extra: number, seed: number): Pattern {
  const rnd = lcg(seed);
  const rowNnz = Math.floor(rnd() * (k + 1)), stride = rowNnz + extra;
  const lens = Array.from({ length: m }, () => (csr ? Math.floor(rnd() * (k + 1)) : stride));
  const total = lens.reduce((a, b) => a + b, 0);
  const idx = index === 'u16' ? new Uint16Array(total) : index === 'u32' ? new Uint32Array(total) : new Int32Array(total);
  const v = new Float32Array(total);
  for (let q = 0; q < total; q++) { idx[q] = Math.floor(rnd() * k); v[q] = Math.round((rnd() - 0.5) * 512) / 64; }
  let indptr: Int32Array | null = null;
  if (csr) {
    indptr = new Int32Array(m + 1);
    for (let i = 0; i < m; i++) indptr[i + 1] = indptr[i]! + lens[i]!;
  }
  return { rows: { m, k, indptr, rowNnz: csr ? 0 : rowNnz, stride: csr ? undefined : stride, indices: idx, nnz: csr ? total : m * rowNnz }, v };
}

const dense = (len: number, seed: number): Float32Array => {
  const rnd = lcg(seed);
  return Float32Array.from({ length: len }, () => Math.round((rnd() - 0.5) * 512) / 64);
};

/** |got − float64 reference| ≤ 1e-5 · Σ|v·b| for every output (float32 summation error). */
function expectClose(got: Float32Array, p: Pattern, b: Float32Array, n: number, transB: boolean): void {
  const want = new Float64Array(got.length), scale = new Float64Array(got.length);
  spmmRef(want, p.rows, Float64Array.from(p.v), Float64Array.from(b), n, transB);
  spmmRef(scale, p.rows, Float64Array.from(p.v, Math.abs), Float64Array.from(b, Math.abs), n, transB);
  got.forEach((g, q) => {
    if (!(Math.abs(g - want[q]!) <= 1e-5 * scale[q]! + 1e-30)) throw new Error(`out[${q}] ${g} vs ${want[q]} (scale ${scale[q]})`);
  });
}

const arbCase = fc.record({
  m: fc.integer({ min: 0, max: 40 }), k: fc.integer({ min: 1, max: 70 }), n: fc.integer({ min: 1, max: 40 }),
  csr: fc.boolean(), index: fc.constantFrom<Index>('i32', 'u16', 'u32'), extra: fc.integer({ min: 0, max: 3 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

describe('wasm SpMM', () => {
  it('A·B agrees with the float64 reference and with its JS twin (CSR and strided row-balanced, any index type, unsorted)', () => {
    fc.assert(fc.property(arbCase, (t) => {
      const p = pattern(t.m, t.k, t.csr, t.index, t.extra, t.seed);
      const b = dense(t.k * t.n, t.seed + 1);
      const got = new Float32Array(t.m * t.n).fill(NaN), js = new Float32Array(t.m * t.n);
      expect(spmmWasmInto(got, p.rows, p.v, b, t.n)).toBe(true);
      expectClose(got, p, b, t.n, false);
      spmmJsInto(js, p.rows, p.v, b, t.n);
      expectClose(js, p, b, t.n, false);
    }), { numRuns: 300 });
  });

  it('B·Aᵀ agrees with the float64 reference and with its JS twin', () => {
    fc.assert(fc.property(arbCase, (t) => {
      const p = pattern(t.m, t.k, t.csr, t.index, t.extra, t.seed);
      const b = dense(t.n * t.k, t.seed + 2);
      const got = new Float32Array(t.n * t.m).fill(NaN), js = new Float32Array(t.n * t.m);
      expect(denseSpmmTWasmInto(got, p.rows, p.v, b, t.n)).toBe(true);
      expectClose(got, p, b, t.n, true);
      denseSpmmTJsInto(js, p.rows, p.v, b, t.n);
      expectClose(js, p, b, t.n, true);
    }), { numRuns: 300 });
  });

  it('spmmInto / denseSpmmTInto dispatch to it on the wasm backend (float32, ≥ 8 columns) and are repeatable', () => {
    const p = pattern(37, 300, false, 'u16', 5, 11);
    const b = dense(300 * 24, 12), bt = dense(24 * 300, 13);
    const direct = new Float32Array(37 * 24), viaWasm = new Float32Array(37 * 24), viaJs = new Float32Array(37 * 24);
    spmmWasmInto(direct, p.rows, p.v, b, 24);
    backend.set('wasm');
    spmmInto(viaWasm, p.rows, p.v, b, 24);
    expect(viaWasm).toEqual(direct);
    backend.set('js');
    spmmInto(viaJs, p.rows, p.v, b, 24);
    const ref = new Float32Array(37 * 24);
    spmmJsInto(ref, p.rows, p.v, b, 24);
    expect(viaJs).toEqual(ref);
    const t1 = new Float32Array(24 * 37), t2 = new Float32Array(24 * 37);
    backend.set('wasm');
    denseSpmmTInto(t1, p.rows, p.v, bt, 24);
    denseSpmmTInto(t2, p.rows, p.v, bt, 24);
    expect(t2).toEqual(t1);
    expectClose(t1, p, bt, 24, true);
  });

  it('does not grow the arena across 10,000 calls', () => {
    const p = pattern(20, 50, true, 'i32', 0, 21);
    const b = dense(50 * 16, 22), out = new Float32Array(20 * 16);
    spmmWasmInto(out, p.rows, p.v, b, 16);
    const before = arenaBytes();
    for (let i = 0; i < 10_000; i++) spmmWasmInto(out, p.rows, p.v, b, 16);
    expect(arenaBytes()).toBe(before);
  });
});
