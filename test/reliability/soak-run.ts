// Soak run (`npm run soak`; a slice runs in soak.test.ts): in one process, `--steps` training steps
// of a small MLP and `--ops` small tensor ops, with memory sampled (after a forced GC) through
// process.memoryUsage and the WebAssembly arena size. Checks, after a warm-up of 10 %:
//   heapUsed and arrayBuffers grow by at most BOUND_MB; the arena does not grow at all;
//   a fixed probe computation run at the end matches the same probe in a fresh process.
// Prints one JSON line of figures; exits 1 when a check fails. Needs `node --expose-gc`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Tensor, adam, add, backend, fit, grad, initTrain, key, logsumexp, matmul, mul, nn, normal, randint, softmax, sum, tanh, tree,
} from '../../src/index.js';
import type { Params, TrainState } from '../../src/index.js';
import { arenaBytes } from '../../src/backend/runtime.js';

/** Largest growth of heapUsed / arrayBuffers after the warm-up, in MB. */
export const BOUND_MB = 24;

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith('--')) args.set(a.slice(2), process.argv[i + 1]?.startsWith('--') === false ? process.argv[++i]! : 'true');
}
const STEPS = Number(args.get('steps') ?? 10_000);
const OPS = Number(args.get('ops') ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;

/** FNV-1a over tensor bytes and numbers: equal digests mean bit-identical results. */
function digest(values: unknown[]): string {
  let h = 0x811c9dc5;
  const mixBytes = (u: Uint8Array): void => { for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, 0x01000193); };
  for (const v of values) {
    if (v instanceof Tensor) { const d = v.toTyped(); mixBytes(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)); } else mixBytes(new TextEncoder().encode(String(v)));
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

const model = nn.mlp([32, 10]);
const data = { x: normal(key(11), [256, 16]), y: randint(key(12), [256], 0, 10) };

function train(steps: number, chunk: number, each?: (done: number) => void): TrainState<unknown> {
  const opt = adam(1e-3);
  const init = model.init(key(1), [16]);
  let st = initTrain(init.params, init.state, opt) as TrainState<unknown>;
  const opts = { optimizer: opt, model, train: data, batchSize: 32, epochs: Math.ceil(steps / 8) + 1, key: key(2) };
  for (let done = 0; done < steps; done += chunk) {
    st = fit(st, { ...opts, maxSteps: Math.min(chunk, steps - done) }).state;
    each?.(done + chunk);
  }
  return st;
}

/** One round of small ops (a few of each kind); returns a value folded into the digest. */
function smallOps(i: number, a: Tensor, b: Tensor): number {
  const c = matmul(a, b);
  const s = softmax(add(c, i % 7), { axis: 1 });
  const l = logsumexp(mul(s, 3), { axis: 1 });
  const g = grad((x: Tensor) => sum(tanh(matmul(x, b))))(a) as Tensor;
  return sum(l).item() + g.toTyped()[0]!;
}
const OPS_PER_ROUND = 10; // matmul, add, softmax, mul, logsumexp, grad (matmul, tanh, sum, backward), sum, item

/** The fixed computation compared with a fresh process. */
function probe(): string {
  const st = train(40, 40);
  const a = normal(key(5), [4, 6]), b = normal(key(6), [6, 4]);
  let acc = 0;
  for (let i = 0; i < 50; i++) acc += smallOps(i, a, b);
  return digest([...tree.leaves(st.params as Params), acc]);
}

interface Sample { at: string; heapMB: number; arrayBuffersMB: number; rssMB: number; arenaBytes: number }
function sample(at: string): Sample {
  gc?.();
  const m = process.memoryUsage();
  return { at, heapMB: m.heapUsed / 2 ** 20, arrayBuffersMB: m.arrayBuffers / 2 ** 20, rssMB: m.rss / 2 ** 20, arenaBytes: arenaBytes() };
}

function main(): void {
  if (args.has('probe-only')) { process.stdout.write(`${JSON.stringify({ probe: probe() })}\n`); return; }
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const t0 = performance.now();
  const samples: Sample[] = [sample('start')];
  const every = Math.max(1, Math.floor(STEPS / 20));
  const st = train(STEPS, every, (done) => samples.push(sample(`step ${done}`)));
  const a = normal(key(5), [4, 6]), b = normal(key(6), [6, 4]);
  const rounds = Math.ceil(OPS / OPS_PER_ROUND);
  let acc = 0;
  for (let i = 0; i < rounds; i++) {
    acc += smallOps(i, a, b);
    if ((i + 1) % Math.max(1, Math.floor(rounds / 20)) === 0) samples.push(sample(`ops ${(i + 1) * OPS_PER_ROUND}`));
  }
  const here = probe();
  const fresh = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--probe-only'], { encoding: 'utf8' });
  const freshProbe = (JSON.parse(fresh.stdout.trim().split('\n').pop() ?? '{}') as { probe?: string }).probe;
  // Warm-up: the first 10 % of the training samples (JIT, first arena growth, caches).
  const warm = samples[Math.max(1, Math.floor(samples.length / 20))]!;
  const after = samples.slice(samples.indexOf(warm));
  const growth = (f: (s: Sample) => number): number => Math.max(...after.map(f)) - f(warm);
  const result = {
    backend: backend.get(), steps: STEPS, ops: rounds * OPS_PER_ROUND, seconds: +((performance.now() - t0) / 1000).toFixed(1),
    runDigest: digest([...tree.leaves(st.params as Params), acc]),
    probe: here, freshProbe, boundMB: BOUND_MB,
    heapGrowthMB: +growth((s) => s.heapMB).toFixed(2), arrayBuffersGrowthMB: +growth((s) => s.arrayBuffersMB).toFixed(2),
    arenaGrowthBytes: growth((s) => s.arenaBytes), arenaBytes: samples[samples.length - 1]!.arenaBytes,
    heapMB: [+warm.heapMB.toFixed(1), +samples[samples.length - 1]!.heapMB.toFixed(1)], rssMB: [+warm.rssMB.toFixed(1), +samples[samples.length - 1]!.rssMB.toFixed(1)],
  };
  const ok = result.heapGrowthMB <= BOUND_MB && result.arrayBuffersGrowthMB <= BOUND_MB && result.arenaGrowthBytes === 0 && here === freshProbe;
  process.stdout.write(`${JSON.stringify({ ok, ...result })}\n`);
  if (!ok) process.exitCode = 1;
}

main();
