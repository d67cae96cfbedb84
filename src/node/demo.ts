/**
 * The end-to-end demo: LeNet5 on the MNIST split, trained with Adam, evaluated, checkpointed
 * (parameters, batch-norm state and optimizer state), reloaded and checked for identical
 * predictions, summarised with the cost model, then compressed with ALQ below one bit per
 * weight and run through packed multi-bit inference; finally a deployed MLP is kept up to date
 * over rounds of new data with deep partial updating (DPU) next to full updating; last, DRESS
 * trains four nested row-sparse subnets of the LeNet5 jointly and switches between them under a
 * changing latency budget; and an MLP is trained integer-only (RCT-style) next to FP32 and QAT-8;
 * and MAML and p-Meta adapt a sinusoid regressor on the device, side by side in error and peak memory.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The core is imported through the package root only, so the built CLI shares the one copy of
// the library (see tsup.config.ts).
import { adam, alq, cost, data, evaluate, fit, initTrain, key, nn, predict } from '../index.js';
import type { SavedLeaf, Tree } from '../index.js';
import { runAlqStage } from './alq-stage.js';
import type { AlqStageResult } from './alq-stage.js';
import { runDpuStage } from './dpu-stage.js';
import { runDressStage } from './dress-stage.js';
import type { DressStageResult } from './dress-stage.js';
import type { DpuStageResult } from './dpu-stage.js';
import { runRctStage } from './rct-stage.js';
import type { RctStageResult } from './rct-stage.js';
import { loadFile, saveFile } from './files.js';
import { datasetName, loadDataset } from './datasets.js';
import type { DatasetName } from './datasets.js';
import { runPmetaStage } from './pmeta-stage.js';
import type { PmetaStageResult } from './pmeta-stage.js';
import { epochProgress } from './progress.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  epochs?: number | undefined;
  batchSize?: number | undefined;
  lr?: number | undefined;
  seed?: number | undefined;
  /** Checkpoint path; default a file in the OS temp folder. */
  out?: string | undefined;
  log?: ((line: string) => void) | undefined;
  /** The ALQ stage (default {@link DEMO_ALQ}); `false` skips it. */
  alq?: DemoAlqOptions | false | undefined;
  /** The DPU stage (default {@link DEMO_DPU}); `false` skips it. */
  dpu?: DemoDpuOptions | false | undefined;
  /** The DRESS stage (default {@link DEMO_DRESS}); `false` skips it. */
  dress?: DemoDressOptions | false | undefined;
  /** `mnist` (default: the small 8,000 / 2,000 split) or `fashion` (60,000 / 10,000, much longer). */
  dataset?: DatasetName | undefined;
  /** The RCT stage (default {@link DEMO_RCT}); `false` skips it. */
  rct?: DemoRctOptions | false | undefined;
  /** The p-Meta stage (default {@link DEMO_PMETA}); `false` skips it. */
  pmeta?: DemoPmetaOptions | false | undefined;
}

/** Settings of the demo's DRESS stage. */
export interface DemoDressOptions {
  epochs: number;
  trainSize: number;
  /** Evaluate on the first `testSize` test images (default all). */
  testSize?: number | undefined;
}

/** The demo's DRESS stage: four nested subnets of the trained LeNet5, one joint epoch on 1,000 images. */
export const DEMO_DRESS: Readonly<DemoDressOptions> = { epochs: 1, trainSize: 1000 };
/** Settings of the demo's p-Meta stage. */
export interface DemoPmetaOptions {
  iterations: number;
  testTasks: number;
  rho: number;
}

/** The demo's p-Meta stage: MAML vs p-Meta on sinusoid tasks, 200 meta-iterations each (about 40 s). */
export const DEMO_PMETA: Readonly<DemoPmetaOptions> = { iterations: 200, testTasks: 100, rho: 0.25 };

/** Settings of the demo's RCT stage. */
export interface DemoRctOptions {
  trainSize: number;
  epochs: number;
}

/** The demo's RCT stage: an MLP on 4,000 digits for 2 epochs, FP32 / QAT-8 / RCT-style (under a minute). */
export const DEMO_RCT: Readonly<DemoRctOptions> = { trainSize: 4000, epochs: 2 };

/** Settings of the demo's DPU stage. */
export interface DemoDpuOptions {
  initialSize: number;
  increment: number;
  rounds: number;
  epochs: number;
  ratio: number;
}

/** The demo's DPU stage: deploy after 2,000 digits, then 3 rounds of +2,000 at k = 0.01 (about a minute). */
export const DEMO_DPU: Readonly<DemoDpuOptions> = { initialSize: 2000, increment: 2000, rounds: 4, epochs: 3, ratio: 0.01 };

/** Settings of the demo's ALQ stage. */
export interface DemoAlqOptions {
  targetBits: number;
  /** ALQ trains on the first `trainSize` training images. */
  trainSize: number;
  schedule: alq.AlqSchedule;
}

/**
 * The demo's ALQ stage: a short version of the reference LeNet5 schedule on 2,000 images (about
 * two minutes); `npm run repro:alq` runs the longer one on all 8,000.
 */
export const DEMO_ALQ: Readonly<DemoAlqOptions> = {
  targetBits: 0.5,
  trainSize: 2000,
  schedule: { ...alq.lenet5Schedule, rounds: 2, basisEpochs: 1, coordinateEpochs: 1, steEpochs: 0, postCoordinateEpochs: 1 },
};

/** What the demo measured. */
export interface DemoResult {
  testAccuracy: number;
  trainSeconds: number;
  checkpointBytes: number;
  reloadIdentical: boolean;
  summary: cost.Summary;
  /** The ALQ stage's measurements, unless it was skipped. */
  alq?: AlqStageResult | undefined;
  /** The DPU stage's measurements, unless it was skipped. */
  dpu?: DpuStageResult | undefined;
  /** The DRESS stage's measurements, unless it was skipped. */
  dress?: DressStageResult | undefined;
  /** The RCT stage's measurements, unless it was skipped. */
  rct?: RctStageResult | undefined;
  /** The p-Meta stage's measurements, unless it was skipped. */
  pmeta?: PmetaStageResult | undefined;
}

/**
 * Runs the demo (see the module comment) and returns its measurements.
 * @example
 * ```ts
 * const r = runDemo({ epochs: 1, alq: false, dpu: false, dress: false, rct: false, pmeta: false }); // LeNet5 only
 * console.log(r.testAccuracy, r.checkpointBytes, r.reloadIdentical);
 * ```
 */
export function runDemo(opts: DemoOptions = {}): DemoResult {
  const log = opts.log ?? ((l: string) => console.log(l));
  const epochs = opts.epochs ?? 4;
  const batchSize = opts.batchSize ?? 64;
  const lr = opts.lr ?? 1e-3;
  const seed = opts.seed ?? 0;
  const out = opts.out ?? join(tmpdir(), 'edgegrad-demo-lenet5.safetensors');

  const t0 = performance.now();
  const split = loadDataset(datasetName(opts.dataset), { seed, log });
  const { train, test } = split;
  log(`${split.description}, loaded in ${((performance.now() - t0) / 1000).toFixed(1)}s`);

  const model = nn.lenet5();
  const init = model.init(key(seed), [1, 28, 28]);
  const opt = adam(lr);
  log(`LeNet5: ${cost.paramCount(init.params).toLocaleString('en-US')} parameters; Adam lr ${lr}, batch ${batchSize}, ${epochs} epochs`);

  const tTrain = performance.now();
  const { state: st, epochs: history } = fit(initTrain(init.params, init.state, opt), {
    optimizer: opt, model, train, batchSize, epochs, key: key(seed + 1), onEvent: epochProgress('', epochs),
    afterEpoch: (s) => ({ accuracy: evaluate(model, s.params, s.modelState, test).accuracy }),
  });
  const testAccuracy = history.at(-1)?.metrics['accuracy'] ?? 0;
  const trainSeconds = (performance.now() - tTrain) / 1000;
  log(`trained in ${trainSeconds.toFixed(1)}s; test accuracy ${(100 * testAccuracy).toFixed(2)}%`);

  const checkpointBytes = saveFile(out, st as unknown as Tree<SavedLeaf>, { model: 'lenet5', dataset: `${split.name}-${train.y.shape[0]}/${test.y.shape[0]}`, epochs: String(epochs) });
  const loaded = loadFile(out).tree as unknown as typeof st;
  const before = predict(model, st.params, st.modelState, test);
  const after = predict(model, loaded.params, loaded.modelState, test);
  const reloadIdentical = before.length === after.length && before.every((v, i) => v === after[i]);
  log(`checkpoint (params + optimizer state): ${out}, ${(checkpointBytes / 1024).toFixed(1)} KiB; reloaded model gives ${reloadIdentical ? 'identical' : 'DIFFERENT'} predictions on all ${before.length} test images`);

  const summary = cost.summary(st.params);
  log('');
  log(cost.formatSummary(summary));
  const result: DemoResult = { testAccuracy, trainSeconds, checkpointBytes, reloadIdentical, summary };
  const alqOpts = opts.alq ?? DEMO_ALQ;
  if (alqOpts !== false) {
    log('');
    result.alq = runAlqStage({
      model, params: st.params, modelState: st.modelState, train, test, schedule: alqOpts.schedule,
      targetBits: alqOpts.targetBits, trainSize: alqOpts.trainSize, seed, log,
    });
  }
  const dpuOpts = opts.dpu ?? DEMO_DPU;
  if (dpuOpts !== false) {
    log('');
    result.dpu = runDpuStage({ train, test, ...dpuOpts, seed: seed + 1, log });
  }
  const dressOpts = opts.dress ?? DEMO_DRESS;
  if (dressOpts !== false) {
    log('');
    const { testSize, ...rest } = dressOpts;
    const dressTest = testSize === undefined ? test : data.take(test, Array.from({ length: Math.min(testSize, test.y.shape[0]!) }, (_, i) => i));
    result.dress = runDressStage({ model, params: st.params, modelState: st.modelState, train, test: dressTest, key: key(seed + 2), ...rest, log });
  }
  const rctOpts = opts.rct ?? DEMO_RCT;
  if (rctOpts !== false) {
    log('');
    result.rct = runRctStage({ train, test, ...rctOpts, seed, log });
  }
  const pmetaOpts = opts.pmeta ?? DEMO_PMETA;
  if (pmetaOpts !== false) {
    log('');
    result.pmeta = runPmetaStage({ ...pmetaOpts, seed: seed + 3, log });
  }
  return result;
}
