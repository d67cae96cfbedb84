/**
 * Integer and binary GEMM cases of bench/wasm.bench.ts, on both backends: the XNOR-popcount GEMM
 * at K = 1024 and 4096 (G binary MAC/s; 1 binary MAC = one bit position of one output), and the
 * int16 GEMM behind rct's `intGemmInto` against our own float32 GEMM on the same shape (G MAC/s;
 * int16 × int8 operands within the exactness bound). No baseline library has these kernels.
 * Timed in process CPU time (bench/wasm-cputime.ts), contenders alternating in rounds.
 */
import { backend, packBits, xnorGemmInto } from '../src/index.js';
import type { BackendName } from '../src/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { intGemmInto } from '../src/tensor/kernels/intgemm.js';
import { cpuTimed } from './wasm-cputime.js';
import type { Row } from './wasm.bench.js';

const on = (name: BackendName, fn: () => void) => (): void => { backend.set(name); fn(); };

function signs(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s & 0x10000 ? 1 : -1;
  }
  return out;
}

function toRow(name: string, unit: Row['unit'], work: number, t: Map<string, { min: number; p50: number }>, rename: Record<string, string>): Row {
  const values = new Map<string, { min: number; p50: number }>();
  for (const [k, v] of t) values.set(rename[k] ?? k, { min: work / (v.min * 1e6), p50: work / (v.p50 * 1e6) });
  console.log(`${name}: ${[...values].map(([k, v]) => `${k} ${v.min.toFixed(1)}`).join(', ')} ${unit}`);
  return { name, unit, values };
}

export async function intCases(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const k of [1024, 4096]) {
    const m = 256, n = 256;
    const a = packBits(signs(m * k, 1), m, k), b = packBits(signs(n * k, 2), n, k);
    const out = new Float32Array(m * n);
    const run = (): void => { xnorGemmInto(out, a, b); };
    const t = await cpuTimed([
      { name: 'wasm', fn: on('wasm', run), iterations: 10 },
      { name: 'js', fn: on('js', run), iterations: 3 },
    ], 5);
    rows.push(toRow(`XNOR GEMM 256×256, K = ${k}`, 'GMAC/s', m * n * k, t, {}));
  }
  const n = 512;
  const a = new Int16Array(n * n), b = new Int8Array(n * n);
  let s = 7;
  for (let i = 0; i < n * n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s >>> 16) % 65535 - 32767;
    b[i] = (s >>> 8) % 255 - 127;
  }
  const c = new Float64Array(n * n);
  const fa = Float32Array.from(a), fb = Float32Array.from(b), fc = new Float32Array(n * n);
  const t = await cpuTimed([
    { name: 'int16', fn: on('wasm', () => { intGemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, 1, false); }), iterations: 10 },
    { name: 'f32', fn: on('wasm', () => { gemmInto(n, n, n, fa, 0, n, 1, fb, 0, n, 1, fc, 0, n, false); }), iterations: 10 },
    { name: 'int16-js', fn: on('js', () => { intGemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, 1, false); }), iterations: 3 },
  ], 5);
  rows.push(toRow('int16×int8 GEMM n = 512 (`intGemmInto`)', 'GMAC/s', n ** 3, t, { int16: 'wasm', 'int16-js': 'js', f32: 'f32-wasm' }));
  return rows;
}
