// Reproduces the p-Meta comparison (spec docs/pmeta.md) on the two tasks of issue 17:
// sinusoid regression (MLP 1-40-40-1, K_s = 10) and MNIST few-shot (conv4, 3-way 1/5-shot,
// meta-train digits 0–5 of the 8,000 training images, meta-test digits 6–9 of the 2,000 test images).
// Every method sees the same meta-training tasks, the same meta-test tasks and the same θ init.
//
//   npm run repro:pmeta                              # sinusoid (MAML, p-Meta, ANIL) then MNIST
//   npx tsx examples/repro-pmeta.ts --sinusoid       # only the sinusoid part
//   npx tsx examples/repro-pmeta.ts --mnist          # only the MNIST part
//   options: --iterations N (sinusoid, default 1000), --mnist-iterations N (default 60),
//            --test-tasks N (sinusoid, default 600), --mnist-test-tasks N (default 100),
//            --methods maml,pmeta,anil,boil,fomaml,mamlpp, --channels C (MNIST conv4 width, default 16), --seed S
import { data, foldIn, fromTyped, key, pmeta, sampleTask } from '../src/index.js';
const { classIndex } = data;
import type { Dataset, Key } from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';

const args = process.argv.slice(2);
const flag = (n: string): boolean => args.includes(n);
const opt = (n: string, d: string): string => { const i = args.indexOf(n); return i >= 0 ? args[i + 1]! : d; };
const seed = Number(opt('--seed', '0'));
const methods = opt('--methods', 'maml,pmeta,anil').split(',') as pmeta.Method[];
const both = !flag('--sinusoid') && !flag('--mnist');
const root = key(seed);

function meanCi(xs: number[]): { mean: number; ci95: number } {
  const n = xs.length, mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(v)) / Math.sqrt(n) };
}

interface Row { method: string; loss: { mean: number; ci95: number }; acc: { mean: number; ci95: number }; peakKiB: number; fKiB: number; gKiB: number; mwKiB: number; frozen: string; seconds: number }

function runMethod(learner: pmeta.MetaLearner, train: (k: Key) => pmeta.MetaTask, test: (k: Key) => pmeta.MetaTask,
  iterations: number, metaBatch: number, testTasks: number, label: string): Row {
  const t0 = performance.now();
  let st = learner.init(foldIn(root, 1));
  let acc = 0, seen = 0;
  for (let it = 0; it < iterations; it++) {
    const tasks = Array.from({ length: metaBatch }, (_, i) => train(foldIn(foldIn(root, 2), it * metaBatch + i)));
    const r = pmeta.metaStep(learner, st, tasks);
    st = r.state;
    acc += r.queryLoss; seen++;
    if ((it + 1) % Math.max(1, Math.floor(iterations / 10)) === 0) {
      console.log(`  ${label} it ${it + 1}/${iterations}: query loss ${(acc / seen).toFixed(4)}, penalty ${r.penalty.toExponential(2)}, ${((performance.now() - t0) / 1000).toFixed(0)}s`);
      acc = 0; seen = 0;
    }
  }
  const meta = pmeta.finalize(learner, st.meta);
  const losses: number[] = [], accs: number[] = [];
  for (let t = 0; t < testTasks; t++) {
    const task = test(foldIn(foldIn(root, 3), t));
    const r = pmeta.adapt(learner, meta, task.support);
    const e = pmeta.evaluateQuery(learner, meta, r.theta, task.query);
    losses.push(e.loss); accs.push(e.accuracy);
  }
  const m = pmeta.adaptationMemory(learner, meta);
  const kib = (b: number): number => b / 1024;
  const alpha = Array.from(meta.a.toTyped() as ArrayLike<number>).map((v) => v.toFixed(4)).join(' ');
  console.log(`  ${label}: α table [${alpha}], frozen ${Array.from(meta.frozen.toTyped()).join('')}`);
  return {
    method: label, loss: meanCi(losses), acc: meanCi(accs), peakKiB: kib(m.peakBytes), fKiB: kib(m.forwardPeakBytes), gKiB: kib(m.backwardPeakBytes),
    mwKiB: kib(m.weightBytes), frozen: Array.from(meta.frozen.toTyped()).join(''), seconds: (performance.now() - t0) / 1000,
  };
}

function table(rows: Row[], accuracy: boolean): void {
  console.log(`| method | ${accuracy ? 'accuracy (%) ± 95 % CI' : 'MSE ± 95 % CI'} | peak KiB | F KiB | G KiB | M_w KiB | frozen | peak ÷ MAML | time s |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  const maml = rows.find((r) => r.method.startsWith('maml'));
  for (const r of rows) {
    const v = accuracy ? `${(100 * r.acc.mean).toFixed(2)} ± ${(100 * r.acc.ci95).toFixed(2)}` : `${r.loss.mean.toFixed(3)} ± ${r.loss.ci95.toFixed(3)}`;
    const ratio = maml === undefined ? '' : (maml.peakKiB / r.peakKiB).toFixed(2) + '×';
    console.log(`| ${r.method} | ${v} | ${r.peakKiB.toFixed(1)} | ${r.fKiB.toFixed(1)} | ${r.gKiB.toFixed(1)} | ${r.mwKiB.toFixed(1)} | ${r.frozen} | ${ratio} | ${r.seconds.toFixed(0)} |`);
  }
}

function learnerFor(method: pmeta.Method, base: Omit<pmeta.MetaLearnerOptions, 'method'>, rho: number): pmeta.MetaLearner {
  return pmeta.metaLearner({ ...base, method, ...(method === 'pmeta' ? { rho } : {}) });
}

if (both || flag('--sinusoid')) {
  const iterations = Number(opt('--iterations', '1000'));
  const testTasks = Number(opt('--test-tasks', '600'));
  const rho = Number(opt('--rho', '0.25'));
  const src = (k: Key): pmeta.MetaTask => data.sampleSinusoidTask(k, { shots: 10, queries: 10 });
  const net = pmeta.mlpNet(1, [40, 40, 1]);
  console.log(`Sinusoid: MLP 1-40-40-1, K_s = 10, K = 1, α_0 = 0.01, meta-batch 25, Adam 1e-3, ${iterations} meta-iterations, ${testTasks} test tasks, p-Meta ρ = ${rho}`);
  const rows = methods.map((m) => runMethod(learnerFor(m, { net, loss: 'mse', supportSize: 10, steps: 1, innerLr: 0.01 }, rho), src, src, iterations, 25, testTasks, m));
  table(rows, false);
}

if (both || flag('--mnist')) {
  const iterations = Number(opt('--mnist-iterations', '60'));
  const testTasks = Number(opt('--mnist-test-tasks', '100'));
  const channels = Number(opt('--channels', '16'));
  const { train, test } = loadMnist({ seed });
  const digits = (ds: Dataset, keep: (d: number) => boolean): Dataset => {
    const y = ds.y.toTyped();
    const idx = Array.from({ length: y.length }, (_, i) => i).filter((i) => keep(y[i]!));
    return { x: gatherRows(ds.x, idx), y: gatherRows(ds.y, idx) };
  };
  // The protocol's memory (deterministic, §5): conv4-32 and conv4-64 at 28×28, p-Meta with conv1 frozen and ρ = 0.5.
  for (const ch of [32, 64]) {
    for (const shots of [1, 5]) {
      for (const bn of ['frozen', 'batch'] as const) {
        const n = pmeta.conv4Net({ classes: 3, channels: ch, inputShape: [1, 28, 28] });
        const mk = (m: pmeta.Method, over: Partial<pmeta.MetaLearnerOptions> = {}) => pmeta.adaptationMemory(pmeta.metaLearner({ net: n, loss: 'crossEntropy', supportSize: 3 * shots, bn, method: m, ...over }));
        const maml = mk('maml'), anil = mk('anil'), pm = mk('pmeta', { updated: [false, true, true, true, true] });
        const k = (b: number): string => (b / 1024).toFixed(1);
        console.log(`memory conv4-${ch} ${shots}-shot bn ${bn}: MAML ${k(maml.peakBytes)} KiB, ANIL ${k(anil.peakBytes)} KiB (${(maml.peakBytes / anil.peakBytes).toFixed(2)}×), p-Meta ${k(pm.peakBytes)} KiB (${(maml.peakBytes / pm.peakBytes).toFixed(2)}×)`);
      }
    }
  }
  const trainIdx = classIndex(digits(train, (d) => d <= 5));
  const testIdx = classIndex(digits(test, (d) => d >= 6));
  for (const shots of [1, 5]) {
    for (const bn of ['frozen', 'batch'] as const) {
      const src = (ix: typeof trainIdx) => (k: Key): pmeta.MetaTask => sampleTask(k, ix, { ways: 3, shots, queries: 15 });
      const net = pmeta.conv4Net({ classes: 3, channels, inputShape: [1, 28, 28] });
      const base = { net, loss: 'crossEntropy' as const, supportSize: 3 * shots, steps: 1, innerLr: Number(opt('--alpha', '0.05')), bn, firstOrder: true };
      console.log(`MNIST 3-way ${shots}-shot, conv4-${channels}, bn ${bn}${bn === 'frozen' ? ' (micro-batched forward)' : ''}, K = 1, α_0 = ${base.innerLr}, first order, meta-batch 2, ${iterations} meta-iterations, ${testTasks} test tasks`);
      if (bn === 'batch') {
        // Memory only (deterministic §5 figures); accuracy is trained and reported for bn frozen.
        for (const m of ['maml', 'anil', 'pmeta'] as const) {
          const mem = pmeta.adaptationMemory(pmeta.metaLearner({ ...base, method: m, ...(m === 'pmeta' ? { updated: [false, true, true, true, true] } : {}) }));
          console.log(`  ${m}: peak ${(mem.peakBytes / 1024).toFixed(1)} KiB (F ${(mem.forwardPeakBytes / 1024).toFixed(1)}, G ${(mem.backwardPeakBytes / 1024).toFixed(1)}, M_w ${(mem.weightBytes / 1024).toFixed(1)})`);
        }
        continue;
      }
      const ms: [pmeta.Method, Partial<pmeta.MetaLearnerOptions>][] = [['maml', {}], ['pmeta', { updated: [false, true, true, true, true] }]];
      const rows = ms.map(([m, over]) => runMethod(pmeta.metaLearner({ ...base, method: m, ...over }), src(trainIdx), src(testIdx), iterations, 2, testTasks, m));
      table(rows, true);
    }
  }
}

function gatherRows(t: Dataset['x'], idx: number[]): Dataset['x'] {
  const per = t.size / t.shape[0]!;
  const src = t.toTyped();
  const out = src.slice(0, idx.length * per);
  idx.forEach((r, i) => out.set(src.subarray(r * per, (r + 1) * per), i * per));
  return fromTyped(out, [idx.length, ...t.shape.slice(1)]);
}
