/**
 * DPU server and edge costs on the repro's MLP 784-300-100-10 (I = 266,200 selectable weights,
 * 410 biases) at k = 0.01 (S = 2,662), in one process:
 *
 * - global top-S selection: `dpu.selectWeights` (one ranking over all layers) against the plain
 *   reference (sort every index by score, take S) and TensorFlow.js 4.22's CPU `tf.topk` on the
 *   same scores flattened to one float32 vector (tfjs has no multi-leaf form; the flattening is
 *   not timed). All three must pick the same set before anything is timed.
 * - the update message: `dpu.encodeUpdate`, `dpu.decodeUpdate` and `dpu.applyUpdate` (decode,
 *   check, rebuild) for a DPU update of 2,662 weights against the same calls on full updating's
 *   message (every weight), the baseline a device would otherwise receive.
 *
 *   npx tsx bench/dpu.bench.ts            # print the tables
 *   npx tsx bench/dpu.bench.ts --write    # also rewrite the DPU section of docs/benchmarks.md
 *
 * Contenders alternate in rounds (bench/util.ts); tables use each one's fastest call and show the
 * median. About 30 seconds.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dpu, fromTyped, nn, tree } from '../src/index.js';
import type { Params, Tensor } from '../src/index.js';
import { fmt, interleaved, machine, writeSection } from './util.js';

const BEGIN = '<!-- dpu-table:begin (written by `npx tsx bench/dpu.bench.ts --write`) -->';
const END = '<!-- dpu-table:end -->';
const RATIO = 0.01;
const ROUNDS = 8;

/** Deterministic values in [0, 1) (Math.random is banned in this repo). */
function uniform(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

/** The reference twin: every index sorted by (score descending, index ascending), first `count`. */
function referenceTop(values: Float64Array, count: number): Int32Array {
  const idx = Array.from(values, (_, i) => i);
  idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return Int32Array.from(idx.slice(0, count)).sort();
}

/** Flat positions of the `true` entries of a selection's mask leaves, in leaf order. */
function pickedOf(sel: dpu.Selection): Int32Array {
  const out: number[] = [];
  let off = 0;
  for (const m of tree.leaves(sel as tree.Tree<Tensor | boolean>)) {
    if (typeof m === 'boolean') continue;
    const d = m.toTyped();
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) out.push(off + i);
    off += d.length;
  }
  return Int32Array.from(out);
}

function sameSet(what: string, a: Int32Array, b: Int32Array): void {
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`${what}: the selections differ`);
}

/** `w` with `count` weights (spread evenly over the selectable entries) moved by +0.01. */
function perturbed(w: dpu.ModelWeights, count: number): dpu.ModelWeights {
  const stride = Math.floor(dpu.budget(w.params, 1) / count);
  let off = 0;
  const params = tree.map((t: Tensor) => {
    if (t.ndim < 2) return t;
    const d = Float32Array.from(t.toTyped() as Float32Array);
    for (let i = 0; i < d.length; i++) if ((off + i) % stride === 0 && (off + i) / stride < count) d[i] = d[i]! + 0.01;
    off += d.length;
    return fromTyped(d, t.shape);
  }, w.params) as Params;
  return { params, modelState: w.modelState };
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`DPU selection and update message, MLP 784-300-100-10, k = ${RATIO}. Node ${m}`);
  const model = nn.mlp([300, 100, 10]);
  const init = dpu.initialWeights(model, [784], 1);
  const I = dpu.budget(init.params, 1);
  const S = dpu.budget(init.params, RATIO);

  // Selection: one random score per selectable weight, biases always updated (null).
  let seed = 7;
  const scores = tree.map((t: Tensor) => (t.ndim < 2 ? null : fromTyped(uniform(t.size, seed++), t.shape, { dtype: 'float64' })), init.params) as dpu.Scores;
  const flat = new Float64Array(I);
  let off = 0;
  for (const t of tree.leaves(scores as tree.Tree<Tensor | null>)) {
    if (t === null) continue;
    flat.set(t.toTyped(), off);
    off += t.size;
  }
  const flat32 = tf.tensor1d(Float32Array.from(flat));
  const want = referenceTop(flat, S);
  sameSet('selectWeights', pickedOf(dpu.selectWeights(scores, S)), want);
  sameSet('tf.topk', Int32Array.from(tf.topk(flat32, S).indices.dataSync()).sort(), want);
  const sel = await interleaved([
    { name: 'ours', fn: () => { dpu.selectWeights(scores, S); }, iterations: 10 },
    { name: 'reference', fn: () => { referenceTop(flat, S); }, iterations: 2 },
    { name: 'tfjs', fn: () => { const r = tf.topk(flat32, S); r.indices.dataSync(); r.values.dispose(); r.indices.dispose(); }, iterations: 10 },
  ], ROUNDS);
  const t = (name: string, res: typeof sel): { min: number; p50: number } => res.get(name)!;

  // The message: DPU's S changed weights against full updating's every weight.
  const edge = dpu.edgeModel(init, 0);
  const next = perturbed(init, S);
  const messages = [
    { method: 'DPU', update: dpu.createUpdate({ round: 1, deployed: edge, next }) },
    { method: 'FU', update: dpu.createUpdate({ round: 1, deployed: edge, next, full: true }) },
  ].map((x) => ({ ...x, bytes: dpu.encodeUpdate(x.update) }));
  for (const x of messages) {
    const got = dpu.applyUpdate(edge, x.bytes);
    if (dpu.fingerprint(got, 1) !== dpu.fingerprint(next, 1)) throw new Error(`${x.method}: the edge did not rebuild the model bit for bit`);
  }
  const codec = await interleaved(messages.flatMap((x) => [
    { name: `${x.method} encode`, fn: () => { dpu.encodeUpdate(x.update); }, iterations: 10 },
    { name: `${x.method} decode`, fn: () => { dpu.decodeUpdate(x.bytes); }, iterations: 10 },
    { name: `${x.method} apply`, fn: () => { dpu.applyUpdate(edge, x.bytes); }, iterations: 10 },
  ]), ROUNDS);

  const lines: string[] = [];
  lines.push(`Node ${m}; MLP 784-300-100-10, I = ${I}, S = ${S}; fastest call (median) in ms.`);
  lines.push('');
  lines.push('| global top-S selection | ms | ours × faster |');
  lines.push('|---|---:|---:|');
  lines.push(`| \`dpu.selectWeights\` (ours) | ${fmt(t('ours', sel).min)} (${fmt(t('ours', sel).p50)}) | 1.00 |`);
  lines.push(`| reference: sort all indices | ${fmt(t('reference', sel).min)} (${fmt(t('reference', sel).p50)}) | ${fmt(t('reference', sel).min / t('ours', sel).min)} |`);
  lines.push(`| tfjs \`tf.topk\` (CPU, float32) | ${fmt(t('tfjs', sel).min)} (${fmt(t('tfjs', sel).p50)}) | ${fmt(t('tfjs', sel).min / t('ours', sel).min)} |`);
  lines.push('');
  lines.push('| update message | bytes | encode ms | decode ms | apply ms | apply: FU / DPU |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  const fuApply = codec.get('FU apply')!.min;
  for (const x of messages) {
    const c = (step: string): string => { const r = codec.get(`${x.method} ${step}`)!; return `${fmt(r.min)} (${fmt(r.p50)})`; };
    lines.push(`| ${x.method} | ${x.bytes.length} | ${c('encode')} | ${c('decode')} | ${c('apply')} | ${fmt(fuApply / codec.get(`${x.method} apply`)!.min)} |`);
  }
  const body = lines.join('\n');
  console.log(`\n${body}\n`);
  if (process.argv.includes('--write')) {
    writeSection(BEGIN, END, [
      '## DPU selection and update message',
      '',
      '`npx tsx bench/dpu.bench.ts [--write]` times the server\'s global top-S selection and the',
      'edge\'s decode-check-rebuild of an update on the repro\'s MLP at k = 0.01 (see the file header).',
    ].join('\n'), body);
  }
}

void main();
