import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend } from '../../src/backend/index';
import { gemmWasmInto } from '../../src/backend/gemm';
import { arenaBytes } from '../../src/backend/runtime';
import { gemmInto, gemmJsInto, gemmRef } from '../../src/tensor/kernels/gemm';
import { matmul, tensor, transpose } from '../../src/index';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

/** Runs the wasm GEMM; Node 20 has WebAssembly SIMD, so the module must load. */
function gemmWasm(...args: Parameters<typeof gemmWasmInto>): void {
  if (!gemmWasmInto(...args)) throw new Error('Node 20 has WebAssembly SIMD; the GEMM module did not load');
}

/** Deterministic values k/64, |k| ≤ 256 (Math.random is banned). */
function fill(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) % 513 - 256) / 64;
  }
  return out;
}

type Layout = 'row' | 'col' | 'gap' | 'bcast';
interface Op { data: Float32Array; off: number; rs: number; cs: number }

function operand(rows: number, cols: number, layout: Layout, off: number, seed: number): Op {
  const [rs, cs, len] = layout === 'row' ? [cols, 1, rows * cols]
    : layout === 'col' ? [1, rows, rows * cols]
    : layout === 'gap' ? [2 * cols + 1, 2, rows * (2 * cols + 1)]
    : [0, 1, cols]; // every row the same: a broadcast view
  return { data: fill(off + len + 1, seed), off, rs, cs };
}

interface Case { m: number; n: number; k: number; aL: Layout; bL: Layout; aOff: number; bOff: number; cOff: number; cPad: number; acc: boolean; seed: number }

/** Runs the wasm kernel and the float64 reference; asserts 1e-5 relative agreement and an untouched outside. */
function check(t: Case): Float32Array {
  const A = operand(t.m, t.k, t.aL, t.aOff, t.seed);
  const B = operand(t.k, t.n, t.bL, t.bOff, t.seed + 1);
  const cRs = t.n + t.cPad;
  const c0 = fill(t.cOff + t.m * cRs + 2, t.seed + 2);
  const got = c0.slice();
  const want = Float64Array.from(c0);
  const a64 = Float64Array.from(A.data), b64 = Float64Array.from(B.data);
  gemmWasm(t.m, t.n, t.k, A.data, A.off, A.rs, A.cs, B.data, B.off, B.rs, B.cs, got, t.cOff, cRs, t.acc);
  gemmRef(t.m, t.n, t.k, a64, A.off, A.rs, A.cs, b64, B.off, B.rs, B.cs, want, t.cOff, cRs, t.acc);
  const inside = new Uint8Array(c0.length);
  for (let i = 0; i < t.m; i++) {
    for (let j = 0; j < t.n; j++) {
      const q = t.cOff + i * cRs + j;
      inside[q] = 1;
      let scale = t.acc ? Math.abs(c0[q]!) : 0;
      for (let p = 0; p < t.k; p++) scale += Math.abs(a64[A.off + i * A.rs + p * A.cs]! * b64[B.off + p * B.rs + j * B.cs]!);
      const err = Math.abs(got[q]! - want[q]!);
      if (!(err <= 1e-5 * scale + 1e-30)) throw new Error(`C(${i},${j}) ${got[q]} vs ${want[q]} (scale ${scale}) in ${JSON.stringify(t)}`);
    }
  }
  for (let q = 0; q < c0.length; q++) if (!inside[q] && !Object.is(got[q], c0[q])) throw new Error(`c[${q}] outside the block changed`);
  return got;
}

const base: Case = { m: 1, n: 1, k: 1, aL: 'row', bL: 'row', aOff: 0, bOff: 0, cOff: 0, cPad: 0, acc: false, seed: 1 };

describe('wasm f32 GEMM', () => {
  it('is the default backend in Node and can be switched', () => {
    expect(backend.available()).toBe(true);
    backend.set('js');
    expect(backend.get()).toBe('js');
    backend.set('wasm');
    expect(backend.get()).toBe('wasm');
    expect(() => { backend.set('gpu' as 'js'); }).toThrow(/backend\.set: unknown backend/);
  });

  it('agrees with the float64 reference over several cache blocks (k > 256, m > 128, n > 1024)', () => {
    check({ ...base, m: 133, n: 37, k: 700, seed: 3 });
    check({ ...base, m: 70, n: 41, k: 513, aL: 'col', bL: 'col', acc: true, cPad: 5, seed: 4 });
    check({ ...base, m: 9, n: 1100, k: 260, aL: 'gap', bL: 'col', cOff: 3, cPad: 2, acc: true, seed: 5 });
    check({ ...base, m: 6, n: 13, k: 9, aL: 'bcast', bL: 'bcast', seed: 6 });
  });

  it('agrees with the float64 reference on random shapes, strides and modes (fast-check)', () => {
    const layout = fc.constantFrom<Layout>('row', 'col', 'gap', 'bcast');
    const dim = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 9 }));
    fc.assert(fc.property(fc.record({
      m: dim, n: dim, k: dim, aL: layout, bL: layout,
      aOff: fc.integer({ min: 0, max: 5 }), bOff: fc.integer({ min: 0, max: 5 }), cOff: fc.integer({ min: 0, max: 5 }),
      cPad: fc.integer({ min: 0, max: 4 }), acc: fc.boolean(), seed: fc.integer({ min: 0, max: 0x7fffffff }),
    }), (t) => { check(t); }), { numRuns: 200 });
  });

  it('agrees with its JS twin gemmJsInto within float32 summation error', () => {
    const m = 45, n = 67, k = 300;
    const a = fill(m * k, 7), b = fill(k * n, 8);
    const w = new Float32Array(m * n), j = new Float32Array(m * n);
    gemmWasm(m, n, k, a, 0, k, 1, b, 0, n, 1, w, 0, n, false);
    gemmJsInto(m, n, k, a, 0, k, 1, b, 0, n, 1, j, 0, n, false);
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - j[i]!)).toBeLessThanOrEqual(1e-5 * 16 * k);
  });

  it('is bit-identical from run to run', () => {
    const t: Case = { ...base, m: 77, n: 90, k: 600, aL: 'col', seed: 9 };
    const first = check(t);
    check({ ...t, m: 3, n: 5, k: 7 }); // something else in between
    expect(check(t)).toEqual(first);
  });

  it('does not grow the arena across 10,000 calls', () => {
    backend.set('wasm');
    const sizes = [[16, 16, 16], [1, 40, 3], [33, 7, 64], [8, 8, 300]] as const;
    const ops = sizes.map(([m, n, k], i) => ({ m, n, k, a: fill(m * k, i), b: fill(k * n, i + 9), c: new Float32Array(m * n) }));
    const run = (o: (typeof ops)[number]): void => { gemmInto(o.m, o.n, o.k, o.a, 0, o.k, 1, o.b, 0, o.n, 1, o.c, 0, o.n, false); };
    for (const o of ops) run(o);
    const before = arenaBytes();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) run(ops[i % ops.length]!);
    expect(arenaBytes()).toBe(before);
  });

  it('runs every matmul of the library, including the transposed forms of the backward pass', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]), b = tensor([[1, 0], [0, 1], [1, 1]]);
    backend.set('wasm');
    const w = matmul(transpose(a), matmul(a, b)).toArray();
    backend.set('js');
    const j = matmul(transpose(a), matmul(a, b)).toArray();
    expect(w).toEqual(j); // small integers: exact on both backends
    expect(w).toEqual([[44, 49], [58, 65], [72, 81]]);
  });
});
