/**
 * WebAssembly SpMM against the JS sparse kernel and the dense WebAssembly GEMM, in one fresh node
 * process (this file bundled with esbuild and started with `--child`, so no ArrayBuffer has been
 * detached and the JS kernel runs at its best):
 *
 *   npx tsx bench/wasm-spmm.bench.ts
 *
 * Shapes are DRESS's: a pruned fc 1024 → 1024 at batch 128 (y = x·Wᵀ, `denseSpmmTInto`) and a
 * pruned conv as SpMM out = W·cols (`spmmInto`, W 64 × 576 = 64 filters of 64·3·3, 1024 output
 * positions). Row-balanced weights have a row stride larger than rowNnz (a DRESS subnet that is a
 * prefix of every row) and Uint16 column indices in rank (unsorted) order; CSR weights are global
 * magnitude-pruned. Contenders alternate in rounds; the table shows each one's fastest call and
 * the ratio JS / wasm and dense-wasm / wasm.
 */
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { backend } from '../src/backend/index.js';
import { denseSpmmTWasmInto, spmmWasmInto } from '../src/backend/spmm.js';
import { denseSpmmTJsInto, spmmJsInto, spmmRef, type KernelRows } from '../src/sparse/kernels.js';
import { fmt, interleaved, machine, runInFreshProcess } from './util.js';

interface Row { name: string; sparsity: number; layout: string; js: number; wasm: number; dense: number }

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** m×k weight, a fraction `sparsity` pruned: row-balanced (stride > rowNnz, Uint16, unsorted) or CSR. */
function weight(m: number, k: number, sparsity: number, balanced: boolean, seed: number): { rows: KernelRows; v: Float32Array; dense: Float32Array } {
  const rnd = lcg(seed);
  const dense = new Float32Array(m * k);
  if (balanced) {
    const keep = Math.max(1, Math.round((1 - sparsity) * k)), stride = Math.min(k, keep * 2);
    const idx = new Uint16Array(m * stride), v = new Float32Array(m * stride);
    for (let i = 0; i < m; i++) {
      const perm = Array.from({ length: k }, (_, c) => c);
      for (let c = k - 1; c > 0; c--) { const r = Math.floor(rnd() * (c + 1)); [perm[c], perm[r]] = [perm[r]!, perm[c]!]; }
      for (let r = 0; r < stride; r++) { idx[i * stride + r] = perm[r]!; v[i * stride + r] = rnd() - 0.5; }
      for (let r = 0; r < keep; r++) dense[i * k + perm[r]!] = v[i * stride + r]!;
    }
    return { rows: { m, k, indptr: null, rowNnz: keep, stride, indices: idx, nnz: m * keep }, v, dense };
  }
  const indptr = new Int32Array(m + 1), cols: number[] = [], vals: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) if (rnd() >= sparsity) { cols.push(c); const x = rnd() - 0.5; vals.push(x); dense[i * k + c] = x; }
    indptr[i + 1] = cols.length;
  }
  return { rows: { m, k, indptr, rowNnz: 0, indices: Int32Array.from(cols), nnz: cols.length }, v: Float32Array.from(vals), dense };
}

async function run(): Promise<Row[]> {
  backend.set('wasm');
  const rows: Row[] = [];
  const rnd = lcg(7);
  for (const product of ['linear', 'spmm'] as const) {
    const [m, k, n] = product === 'linear' ? [1024, 1024, 128] : [64, 576, 1024];
    const b = Float32Array.from({ length: product === 'linear' ? n * k : k * n }, () => rnd() - 0.5);
    for (const sparsity of [0.75, 0.9, 0.95]) {
      for (const balanced of [true, false]) {
        const w = weight(m, k, sparsity, balanced, 11);
        const outJs = new Float32Array(m * n), outW = new Float32Array(m * n), outD = new Float32Array(m * n), ref = new Float64Array(m * n);
        const js = product === 'linear' ? () => { denseSpmmTJsInto(outJs, w.rows, w.v, b, n); } : () => { spmmJsInto(outJs, w.rows, w.v, b, n); };
        const wasm = product === 'linear' ? () => { denseSpmmTWasmInto(outW, w.rows, w.v, b, n); } : () => { spmmWasmInto(outW, w.rows, w.v, b, n); };
        // Dense: y = x·Wᵀ (p×k · k×m) or W·B (m×k · k×n) on the wasm GEMM.
        const dense = product === 'linear'
          ? () => { gemmInto(n, m, k, b, 0, k, 1, w.dense, 0, 1, k, outD, 0, m, false); }
          : () => { gemmInto(m, n, k, w.dense, 0, k, 1, b, 0, n, 1, outD, 0, n, false); };
        js(); wasm(); dense();
        spmmRef(ref, w.rows, w.v, b, n, product === 'linear');
        for (const [nm, o] of [['js', outJs], ['wasm', outW], ['dense', outD]] as const) {
          let err = 0;
          o.forEach((x, q) => { err = Math.max(err, Math.abs(x - ref[q]!)); });
          if (err > 1e-3) throw new Error(`${product} ${nm}: max error ${err}`);
        }
        const t = await interleaved([
          { name: 'js', fn: js, iterations: 8 }, { name: 'wasm', fn: wasm, iterations: 8 }, { name: 'dense', fn: dense, iterations: 8 },
        ], 4);
        const row: Row = { name: product === 'linear' ? `fc ${k}→${m}, batch ${n} (x·Wᵀ)` : `conv W ${m}×${k} · cols ${k}×${n}`, sparsity, layout: balanced ? 'row-balanced (stride, Uint16)' : 'CSR', js: t.get('js')!.min, wasm: t.get('wasm')!.min, dense: t.get('dense')!.min };
        console.log(`${row.name} ${row.layout} ${sparsity}: js ${fmt(row.js, 3)} ms, wasm ${fmt(row.wasm, 3)} ms, dense wasm ${fmt(row.dense, 3)} ms`);
        rows.push(row);
      }
    }
  }
  return rows;
}

if (process.argv.includes('--child')) {
  const rows = await run();
  console.log(JSON.stringify(rows));
} else {
  const rows = (await runInFreshProcess<Row[]>(import.meta.url)) ?? await run();
  console.log(`\n${machine()}\n`);
  console.log('| product | sparsity | layout | JS kernel (ms) | wasm SpMM (ms) | dense wasm GEMM (ms) | JS / wasm | dense / wasm |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.sparsity * 100} % | ${r.layout} | ${fmt(r.js, 3)} | ${fmt(r.wasm, 3)} | ${fmt(r.dense, 3)} | ${fmt(r.js / r.wasm)}× | ${fmt(r.dense / r.wasm)}× |`);
  }
}
