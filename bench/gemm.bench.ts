/**
 * Square float32 GEMM benchmark: edgegrad's `gemmInto` vs a naive i-k-j loop vs the TensorFlow.js
 * pure-JS CPU backend, all in one process.
 *
 *   npm run bench:gemm            # print the table
 *   npm run bench:gemm -- --write # also rewrite the GEMM section of docs/benchmarks.md
 *
 * GFLOP/s = 2·n³ / time per call. The table uses each contender's fastest call (the VM this was
 * tuned on has bursts of host contention that only ever slow a call down) and also shows our
 * median. Takes about a minute.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench, type Task } from 'tinybench';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { gemmInto } from '../src/tensor/kernels/gemm';

const SIZES = [64, 128, 256, 512, 1024];
const DOC = new URL('../docs/benchmarks.md', import.meta.url);
const BEGIN = '<!-- gemm-table:begin (written by `npm run bench:gemm -- --write`) -->';
const END = '<!-- gemm-table:end -->';

/** Deterministic fill in [-1, 1) (Math.random is banned in this repo). */
function randomF32(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The textbook cache-friendly loop order: C[i,:] += A[i,p] · B[p,:]. */
function naiveIkj(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let p = 0; p < n; p++) {
      const aip = a[ci + p]!;
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] = c[ci + j]! + aip * b[bp + j]!;
    }
  }
}

/** GFLOP/s of a finished task, from its fastest call (`best`) and its median call. */
function gflops(task: Task | undefined, n: number): { best: number; median: number } {
  const r = task?.result;
  if (r === undefined || r.state !== 'completed') return { best: NaN, median: NaN };
  const flop = 2 * n ** 3;
  return { best: flop / (r.latency.min * 1e6), median: flop / (r.latency.p50 * 1e6) };
}

interface Row { n: number; ours: number; oursMedian: number; naive: number; tfjs: number }

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

function table(rows: Row[]): string {
  const lines = [
    '| n | edgegrad `gemmInto` | naive i-k-j | tfjs-cpu `matMul` | ours / naive | ours / tfjs | ours, median call |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.n} | ${fmt(r.ours)} | ${fmt(r.naive)} | ${fmt(r.tfjs)} | ${fmt(r.ours / r.naive, 1)}× | ${fmt(r.ours / r.tfjs, 1)}× | ${fmt(r.oursMedian)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const machine = `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${process.platform}/${process.arch}`;
  console.log(`GEMM float32, square n×n·n×n. Node ${machine}`);

  const rows: Row[] = [];
  for (const n of SIZES) {
    const a = randomF32(n * n, 1 + n);
    const b = randomF32(n * n, 2 + n);
    const c = new Float32Array(n * n);
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);

    // Sanity check: our kernel agrees with tfjs before anything is timed.
    gemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
    const prod = tf.matMul(ta, tb);
    const ref = prod.dataSync();
    prod.dispose();
    let maxErr = 0;
    for (let i = 0; i < c.length; i++) maxErr = Math.max(maxErr, Math.abs(c[i]! - ref[i]!));
    if (maxErr > 1e-3 * Math.sqrt(n)) throw new Error(`gemmInto disagrees with tfjs at n=${n}: max |diff| ${maxErr}`);

    // At n = 1024 the slow contenders take seconds per call: few iterations, one warmup call.
    const big = n >= 512;
    const bench = new Bench({
      time: 300,
      iterations: n >= 1024 ? 3 : big ? 5 : 10,
      warmupTime: big ? 0 : 100,
      warmupIterations: big ? 1 : 5,
    });
    bench
      .add('ours', () => { gemmInto(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false); })
      .add('naive', () => { naiveIkj(n, a, b, c); })
      .add('tfjs', () => {
        const r = tf.matMul(ta, tb);
        r.dataSync();
        r.dispose();
      });
    await bench.run();
    const ours = gflops(bench.getTask('ours'), n);
    const row: Row = {
      n,
      ours: ours.best,
      oursMedian: ours.median,
      naive: gflops(bench.getTask('naive'), n).best,
      tfjs: gflops(bench.getTask('tfjs'), n).best,
    };
    rows.push(row);
    console.log(`n=${n}: ours ${fmt(row.ours)} (median ${fmt(row.oursMedian)})  naive ${fmt(row.naive)}  tfjs ${fmt(row.tfjs)} GFLOP/s`);
    ta.dispose();
    tb.dispose();
  }

  const md = table(rows);
  console.log(`\nGFLOP/s = 2·n³ / fastest call (last column: our median call), Node ${process.version}\n\n${md}\n`);

  if (process.argv.includes('--write')) {
    const section = `${BEGIN}\n\nMeasured on ${new Date().toISOString().slice(0, 10)} with Node ${machine}.\n\n${md}\n\n${END}`;
    const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
    const i = old.indexOf(BEGIN);
    const j = old.indexOf(END);
    const next = i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${section}\n`;
    writeFileSync(DOC, next);
    console.log(`Wrote the GEMM table to ${DOC.pathname}`);
  }
}

await main();
