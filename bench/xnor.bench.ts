/**
 * Binary GEMM benchmark: edgegrad's bit-packed `xnorGemmInto` against our float32 `gemmInto` on the
 * same M, N, K (the float GEMM multiplies the very same ±1 matrices, unpacked), plus the ceiling of
 * a bare SWAR XOR+popcount loop.
 *
 *   npx tsx bench/xnor.bench.ts           # print the table
 *   npx tsx bench/xnor.bench.ts --write   # also rewrite the XNOR section of docs/benchmarks.md
 *
 * Binary MAC/s = M·N·K / time per call (one binary MAC = one bit position of one output); float
 * MAC/s = M·N·K / time per call. Like the GEMM benchmark, the table uses each contender's fastest
 * call (the VM has bursts of host contention that only ever slow a call down) and also shows our
 * median call; xnor and f32 are timed in alternating rounds within each process.
 *
 * Two V8 states are measured, because they differ for typed-array code. Once any ArrayBuffer in
 * a process has been detached (a `postMessage`/`structuredClone` transfer; tsx's module loader
 * does it while loading TypeScript), V8 checks for detachment on every typed-array access, and the
 * XNOR kernel reads its panels from an Int32Array. So the suite runs twice: in a fresh `node`
 * process (this file bundled with esbuild and started with `--child`), and in this process after
 * an explicit detach. The float GEMM reads plain JS arrays and is not affected. About 1.5 minutes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { packBits, popcount32, xnorGemmInto } from '../src/bitpack/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { runInFreshProcess } from './util.js';

const SIZES = [256, 512, 1024];
const KS = [1024, 4096];
const BEGIN = '<!-- xnor-table:begin (written by `npx tsx bench/xnor.bench.ts --write`) -->';
const END = '<!-- xnor-table:end -->';
const DOC = new URL('../docs/benchmarks.md', import.meta.url);

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

function machine(): string {
  return `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${process.platform}/${process.arch}`;
}

/** Deterministic ±1 fill (Math.random is banned in this repo). */
function randomSigns(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s & 0x10000 ? -1 : 1;
  }
  return out;
}

/** The bare loop: Σ popcount(a[k] XOR b[k]) over two L1-resident word arrays, `reps` times. */
function swarLoop(a: Uint32Array, b: Uint32Array, reps: number): number {
  let s = 0;
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < a.length; k++) s = (s + popcount32(a[k]! ^ b[k]!)) | 0;
  }
  return s;
}

/** Call times in ms: `iterations` timed calls of `fn` after `warmup` untimed ones (tinybench). */
async function sampleCalls(fn: () => void, iterations: number, warmup: number): Promise<number[]> {
  const bench = new Bench({ time: 0, iterations, warmupTime: 0, warmupIterations: warmup, retainSamples: true, throws: true });
  bench.add('task', fn);
  await bench.run();
  const r = bench.getTask('task')?.result;
  if (r === undefined || r.state !== 'completed' || r.latency.samples === undefined) throw new Error('benchmark did not complete');
  return [...r.latency.samples];
}

/** Fastest and median call (ms) of each contender, timed in alternating rounds A, B, A, B, … */
async function interleaved(fns: Record<string, { fn: () => void; iterations: number }>, rounds: number): Promise<Record<string, { min: number; p50: number }>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, c] of Object.entries(fns)) (samples[name] ??= []).push(...await sampleCalls(c.fn, c.iterations, round === 0 ? 1 : 0));
  }
  const out: Record<string, { min: number; p50: number }> = {};
  for (const [name, s] of Object.entries(samples)) {
    s.sort((a, b) => a - b);
    out[name] = { min: s[0]!, p50: s[s.length >> 1]! };
  }
  return out;
}

interface Row { m: number; k: number; xnor: number; xnorMedian: number; f32: number }
interface Suite { ceiling: number; rows: Row[] }

/** The whole measurement in the current process: the SWAR ceiling, then every (M = N, K). */
async function measure(log: (s: string) => void): Promise<Suite> {
  const wa = new Uint32Array(2048), wb = new Uint32Array(2048);
  for (let i = 0; i < 2048; i++) {
    wa[i] = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    wb[i] = Math.imul(i + 7, 0x85ebca6b) >>> 0;
  }
  const reps = 500;
  let _sink = 0; // keeps the loop's result alive
  const swarMs = Math.min(...await sampleCalls(() => { _sink ^= swarLoop(wa, wb, reps); }, 60, 10));
  const ceiling = (2048 * reps) / (swarMs * 1e6); // G words/s
  log(`  bare SWAR XOR+popcount loop: ${fmt(ceiling, 3)} G words/s = ${fmt(ceiling * 32)} G binary MAC/s`);

  const rows: Row[] = [];
  for (const m of SIZES) {
    for (const k of KS) {
      const n = m;
      const af = randomSigns(m * k, 1 + m + k), bf = randomSigns(n * k, 2 + m + k); // A [M, K], Bᵀ [N, K]
      const a = packBits(af, m, k), bT = packBits(bf, n, k);
      const outX = new Float32Array(m * n), outF = new Float32Array(m * n);

      // Sanity check: both kernels compute the same integer matrix before anything is timed.
      xnorGemmInto(outX, a, bT);
      gemmInto(m, n, k, af, 0, k, 1, bf, 0, 1, k, outF, 0, n, false);
      for (let i = 0; i < outX.length; i++) {
        if (outX[i] !== outF[i]) throw new Error(`xnorGemm and gemmInto disagree at M=${m}, K=${k}, index ${i}: ${outX[i]} vs ${outF[i]}`);
      }

      const macs = m * n * k;
      // About 150 ms of xnor calls and 1–4 float calls per round; 3 rounds.
      const xnorIters = Math.max(5, Math.round(150e6 / (macs / 25)));
      const f32Iters = macs >= 512 * 512 * 4096 ? 1 : macs >= 256 * 256 * 4096 ? 2 : 4;
      const t = await interleaved({
        xnor: { fn: () => { xnorGemmInto(outX, a, bT); }, iterations: xnorIters },
        f32: { fn: () => { gemmInto(m, n, k, af, 0, k, 1, bf, 0, 1, k, outF, 0, n, false); }, iterations: f32Iters },
      }, 3);
      const x = t.xnor!, f = t.f32!;
      const row: Row = { m, k, xnor: macs / (x.min * 1e6), xnorMedian: macs / (x.p50 * 1e6), f32: macs / (f.min * 1e6) };
      rows.push(row);
      log(`  M=N=${m} K=${k}: xnor ${fmt(row.xnor)} G bMAC/s (median ${fmt(row.xnorMedian)}), f32 ${fmt(row.f32, 3)} G MAC/s, ratio ${fmt(row.xnor / row.f32, 1)}×`);
    }
  }
  return { ceiling, rows };
}


function table(fresh: Suite | undefined, detached: Suite): string {
  const lines = [
    '| M = N | K | f32 `gemmInto` (G MAC/s) | `xnorGemmInto`, fresh process (G binary MAC/s) | xnor / f32 | `xnorGemmInto` after a detach | xnor / f32 | xnor median call (fresh / detached) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  detached.rows.forEach((d, i) => {
    const f = fresh?.rows[i];
    // The float GEMM does not read typed arrays in its loop, so the detach does not affect it: both
    // ratios use the faster of its two measurements (the conservative choice).
    const f32 = Math.max(d.f32, f?.f32 ?? 0);
    lines.push(`| ${d.m} | ${d.k} | ${fmt(f32, 3)} | ${fmt(f?.xnor ?? NaN)} | ${fmt((f?.xnor ?? NaN) / f32, 1)}× | ${fmt(d.xnor)} | ${fmt(d.xnor / f32, 1)}× | ${fmt(f?.xnorMedian ?? NaN)} / ${fmt(d.xnorMedian)} |`);
  });
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const suite = await measure((s) => console.log(s));
    console.log(JSON.stringify(suite));
    return;
  }
  console.log(`Binary GEMM vs float32 GEMM, Node ${machine()}`);
  console.log('Fresh node process:');
  const fresh = await runInFreshProcess<Suite>(import.meta.url);
  // Put this process in a known state: at least one ArrayBuffer detached (tsx may already have).
  const ab = new ArrayBuffer(8);
  structuredClone(ab, { transfer: [ab] });
  console.log('This process, after an ArrayBuffer detach:');
  const detached = await measure((s) => console.log(s));

  const md = table(fresh, detached);
  const ceilingLine = `Bare loop ceiling (XOR + one SWAR popcount per word, 1×1, no carry-save): `
    + `${fmt(fresh?.ceiling ?? NaN, 3)} G words/s = ${fmt((fresh?.ceiling ?? NaN) * 32)} G binary MAC/s in the fresh process, `
    + `${fmt(detached.ceiling, 3)} G words/s = ${fmt(detached.ceiling * 32)} G binary MAC/s after a detach.`;
  console.log(`\n${md}\n\n${ceilingLine}\n`);

  if (process.argv.includes('--write')) {
    const intro = `## XNOR-popcount GEMM (binary, bit-packed)

\`npx tsx bench/xnor.bench.ts [--write]\` multiplies random ±1 matrices, out = A·Bᵀ with A M×K and
Bᵀ N×K, both as packed \`BitMatrix\` (\`src/bitpack/xnor.ts\`: 2×2 register tile, Harley–Seal
carry-save popcount over 4 words, interleaved panels; design notes in the module comment), and
the same ±1 matrices as float32 with our \`gemmInto\`, after checking that both give the same
integers. One binary MAC is one bit position of one output (M·N·K per call); the float GEMM does
M·N·K multiply-adds. Fastest call of each contender; xnor and f32 alternate in rounds.

The suite runs in two V8 states. Once any \`ArrayBuffer\` in a process has been detached (a
\`postMessage\` or \`structuredClone\` transfer; tsx's loader does it while loading TypeScript,
and so do some libraries), V8 checks for detachment on every typed-array access. The XNOR kernel
reads its packed panels from an Int32Array, so it is measured both in a fresh \`node\` process and
after a detach; the float GEMM reads a plain JS array and is unaffected (the table shows the faster
of its two measurements, and both ratios are taken against that faster float time). A plain JS array
of doubles as the XNOR scratch avoids the check but was slower than the Int32Array in both states
(24 G binary MAC/s).`;
    writeSection(intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${machine()}.\n\n${md}\n\n${ceilingLine}`);
  }
}

/** Rewrites the marked section of docs/benchmarks.md, or appends `intro` + section when absent. */
function writeSection(intro: string, body: string): void {
  const section = `${BEGIN}\n\n${body.trim()}\n\n${END}`;
  const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const i = old.indexOf(BEGIN), j = old.indexOf(END);
  const next = i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${intro.trim()}\n\n${section}\n`;
  writeFileSync(DOC, next);
  console.log(`Wrote ${DOC.pathname}`);
}

await main();
