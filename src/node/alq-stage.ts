/**
 * The ALQ stage shared by `npm run demo` and `npm run repro:alq`: compress a trained LeNet5 with
 * `alq.run` toward a target average bitwidth, print one progress line per epoch and a table of
 * bits / KB / accuracy per stage, then export the bit-planes with `alq.pack` and check that
 * packed inference predicts exactly what the float reconstruction predicts.
 */
import { alq, batches, cost, data, EVAL_BATCH_SIZE, evaluate, key, predict } from '../index.js';
import type { Dataset, Params, RunEvent } from '../index.js';

/** Options of {@link runAlqStage}. */
export interface AlqStageOptions {
  model: Parameters<typeof alq.run>[0]['model'];
  /** Trained float parameters and model state. */
  params: Params;
  modelState: Params;
  train: Dataset;
  test: Dataset;
  schedule: alq.AlqSchedule;
  targetBits: number;
  seed?: number | undefined;
  /** Train ALQ on the first `trainSize` training images only (the demo uses fewer to stay short). */
  trainSize?: number | undefined;
  log: (line: string) => void;
}

/** One row of the stage table. */
export interface AlqStageRow {
  stage: string;
  averageBits: number;
  /** Weight storage, decimal KB: float32 for FP, the spec's convention (bases + 32-bit α) for ALQ. */
  kilobytes: number;
  testAccuracy: number;
}

/** What {@link runAlqStage} measured. */
export interface AlqStageResult {
  rows: AlqStageRow[];
  finalBits: number;
  testAccuracy: number;
  /** Bytes of the packed export (bases, α, per-group counts and float biases) = cost.summary. */
  packedBytes: number;
  summaryBytes: number;
  packedIdentical: boolean;
  seconds: number;
  result: alq.RunResult;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * Runs ALQ on a trained model and reports each stage (see the module comment).
 * @example
 * ```ts
 * const r = runAlqStage({ model, params, modelState, train, test, schedule, targetBits: 0.4, log: console.log });
 * ```
 */
export function runAlqStage(opts: AlqStageOptions): AlqStageResult {
  const { model, test, log } = opts;
  const train = opts.trainSize === undefined ? opts.train : data.take(opts.train, Array.from({ length: Math.min(opts.trainSize, opts.train.y.shape[0]!) }, (_, i) => i));
  const t0 = performance.now();
  const evalTest = (p: Params, s: Params): number => evaluate(model, p, s, test).accuracy;
  const rows: AlqStageRow[] = [{ stage: 'FP32', averageBits: 32, kilobytes: (4 * fpWeightsCount(opts.params)) / 1000, testAccuracy: evalTest(opts.params, opts.modelState) }];
  const s = opts.schedule;
  log(`ALQ: target ${opts.targetBits} bits/weight, Imax ${s.maxBits}, ${s.rounds} rounds of ${s.basisEpochs} basis + ${s.coordinateEpochs} coordinate + 1 pruning epoch, `
    + `then ${s.steEpochs} STE + ${s.postCoordinateEpochs} coordinate epochs; ${train.y.shape[0]} training images, batch ${s.batchSize}`);
  let last = performance.now();
  const result = alq.run({
    model, params: opts.params, modelState: opts.modelState, train, validation: test, key: key(opts.seed ?? 0),
    schedule: s, grouping: alq.lenet5Grouping(), targetBits: opts.targetBits,
    onEvent: (e: RunEvent) => {
      if (e.kind !== 'epoch' && e.kind !== 'step') return;
      const now = performance.now();
      const bits = e.metrics['averageBits']!, kb = (e.cost.bytes ?? 0) / 1000, acc = e.metrics['accuracy']!;
      const inRound = e.phase === 'basis' || e.phase === 'coordinate' || e.phase === 'prune';
      const where = e.phase === 'init' ? 'init' : `${e.phase}${inRound ? ` r${e.round + 1}` : ''} e${e.epoch + 1}`;
      log(`  ${where.padEnd(18)} ${bits.toFixed(3)} bits  ${kb.toFixed(1).padStart(6)} KB  acc ${pct(acc)}  (${((now - last) / 1000).toFixed(1)}s)`);
      last = now;
      if (e.phase === 'init') rows.push({ stage: `init (sketch, ${s.maxBits} bits)`, averageBits: bits, kilobytes: kb, testAccuracy: acc });
      if (e.phase === 'prune') rows.push({ stage: `round ${e.round + 1} (after pruning)`, averageBits: bits, kilobytes: kb, testAccuracy: acc });
    },
  });
  const finalBits = alq.averageBits(result.state).total;
  const testAccuracy = evalTest(result.params, result.modelState);
  rows.push({ stage: 'post-trained', averageBits: finalBits, kilobytes: alq.storage(result.state).kilobytes, testAccuracy });

  const packed = alq.pack(result.params, result.state);
  const packedBytes = alq.packedBytes(packed);
  const summaryBytes = cost.summary(result.params, alq.packedPrecision(packed)).totals.bytes;
  const float = predict(model, result.params, result.modelState, test);
  const bits = alq.packedPredict(model, packed, result.modelState, batches(test, EVAL_BATCH_SIZE));
  const packedIdentical = float.length === bits.length && float.every((v, i) => v === bits[i]);
  const seconds = (performance.now() - t0) / 1000;

  log('');
  log('stage                         avg bits   weight KB   test acc');
  for (const r of rows) log(`${r.stage.padEnd(28)} ${r.averageBits.toFixed(3).padStart(9)} ${r.kilobytes.toFixed(1).padStart(11)} ${pct(r.testAccuracy).padStart(10)}`);
  log(`packed export: ${packedBytes.toLocaleString('en-US')} bytes (bases, α, per-group bit counts, float biases; cost.summary says ${summaryBytes.toLocaleString('en-US')}); `
    + `packed multi-bit inference gives ${packedIdentical ? 'identical' : 'DIFFERENT'} predictions on all ${float.length} test images; ALQ took ${seconds.toFixed(0)}s`);
  return { rows, finalBits, testAccuracy, packedBytes, summaryBytes, packedIdentical, seconds, result };
}

function fpWeightsCount(params: Params): number {
  return cost.summary(params).rows.filter((r) => r.shape.length >= 2).reduce((a, r) => a + r.count, 0);
}
