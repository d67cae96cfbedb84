/**
 * The p-Meta stage of `npm run demo`: meta-train the sinusoid MLP 1-40-40-1 (K_s = 10) with MAML
 * and with p-Meta on the same tasks, adapt both on the device to the same held-out curves, and
 * print the query MSE and the peak dynamic memory of adaptation (§5, measured by the on-device
 * engine's saved-tensor registry). `npm run repro:pmeta` runs the longer comparison.
 */
import { data, foldIn, key, pmeta } from '../index.js';
import type { Key } from '../index.js';

/** Options of {@link runPmetaStage}. */
export interface PmetaStageOptions {
  iterations: number;
  testTasks: number;
  /** p-Meta's kept-channel ratio. */
  rho: number;
  seed?: number | undefined;
  log: (line: string) => void;
}

/** What one method measured. */
export interface PmetaStageMethod {
  mse: number;
  mseCi95: number;
  /** Peak dynamic memory of adaptation, bytes (registry of the on-device engine). */
  peakBytes: number;
}

/** What {@link runPmetaStage} measured. */
export interface PmetaStageResult {
  maml: PmetaStageMethod;
  pmeta: PmetaStageMethod;
  /** MAML peak ÷ p-Meta peak. */
  peakRatio: number;
}

/**
 * Runs MAML and p-Meta on sinusoid tasks and prints MSE and peak KiB.
 * @example
 * ```ts
 * runPmetaStage({ iterations: 60, testTasks: 100, rho: 0.25, log: console.log });
 * ```
 */
export function runPmetaStage(opts: PmetaStageOptions): PmetaStageResult {
  const { log } = opts;
  const root = key(opts.seed ?? 2);
  const src = (k: Key): pmeta.MetaTask => data.sampleSinusoidTask(k, { shots: 10, queries: 10 });
  const net = pmeta.mlpNet(1, [40, 40, 1]);
  log(`p-Meta: sinusoid regression, MLP 1-40-40-1, K_s = 10, 1 inner step; ${opts.iterations} meta-iterations of 25 tasks each, ${opts.testTasks} held-out curves`);
  const one = (method: 'maml' | 'pmeta'): PmetaStageMethod => {
    const learner = pmeta.metaLearner({ net, loss: 'mse', supportSize: 10, steps: 1, innerLr: 0.01, method, rho: opts.rho });
    let st = learner.init(foldIn(root, 1));
    const t0 = performance.now();
    for (let it = 0; it < opts.iterations; it++) {
      st = pmeta.metaStep(learner, st, Array.from({ length: 25 }, (_, i) => src(foldIn(foldIn(root, 2), it * 25 + i)))).state;
    }
    const meta = pmeta.finalize(learner, st.meta);
    const mses: number[] = [];
    let peakBytes = 0;
    for (let t = 0; t < opts.testTasks; t++) {
      const task = src(foldIn(foldIn(root, 3), t));
      const r = pmeta.adapt(learner, meta, task.support);
      peakBytes = Math.max(peakBytes, r.memory!.peakBytes);
      mses.push(pmeta.evaluateQuery(learner, meta, r.theta, task.query).loss);
    }
    const mean = mses.reduce((a, b) => a + b, 0) / mses.length;
    const sd = Math.sqrt(mses.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, mses.length - 1));
    const res = { mse: mean, mseCi95: (1.96 * sd) / Math.sqrt(mses.length), peakBytes };
    log(`  ${method === 'maml' ? 'MAML  ' : 'p-Meta'}: query MSE ${res.mse.toFixed(3)} ± ${res.mseCi95.toFixed(3)}, peak adaptation memory ${(peakBytes / 1024).toFixed(1)} KiB  (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
    return res;
  };
  const maml = one('maml');
  const pm = one('pmeta');
  const peakRatio = maml.peakBytes / pm.peakBytes;
  log(`p-Meta adapts with ${peakRatio.toFixed(2)}× less peak dynamic memory than MAML (ρ = ${opts.rho}; longer runs and the MNIST comparison: npm run repro:pmeta)`);
  return { maml, pmeta: pm, peakRatio };
}
