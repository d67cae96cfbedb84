/**
 * The DPU stage of `npm run demo`: a device ships with a trained MLP (784-300-100-10), then the
 * server collects more MNIST digits each round and sends updates. Full updating (FU) sends the
 * whole model; deep partial updating (DPU) re-trains and sends only the k = 1 % most critical
 * weights (plus biases), through the encoded, checksummed payload that the simulated edge
 * decodes and applies. Prints accuracy and KB sent per round, side by side.
 */
import { data, dpu, key, nn, reshape } from '../index.js';
import type { Dataset, RunEvent } from '../index.js';

/** Options of {@link runDpuStage}. */
export interface DpuStageOptions {
  train: Dataset;
  test: Dataset;
  /** Images at deployment and added per round. */
  initialSize: number;
  increment: number;
  rounds: number;
  /** Epochs per training phase. */
  epochs: number;
  ratio: number;
  seed?: number | undefined;
  log: (line: string) => void;
}

/** What {@link runDpuStage} measured. */
export interface DpuStageResult {
  fu: dpu.SimulationResult;
  dpu: dpu.SimulationResult;
  /** Mean test accuracy over the update rounds (after deployment), and the bits ratio DPU / FU. */
  meanAccuracyFu: number;
  meanAccuracyDpu: number;
  bitsRatio: number;
}

/**
 * Runs FU and DPU over the same growing data and prints a per-round table.
 * @example
 * ```ts
 * runDpuStage({ train, test, initialSize: 2000, increment: 2000, rounds: 4, epochs: 3, ratio: 0.01, log: console.log });
 * ```
 */
export function runDpuStage(opts: DpuStageOptions): DpuStageResult {
  const { log } = opts;
  const seed = opts.seed ?? 1;
  const flat = (d: Dataset): Dataset => ({ x: reshape(d.x, [d.x.shape[0]!, 784]), y: d.y });
  const [validation, test] = data.splitDataset(flat(opts.test), Math.floor(opts.test.y.size / 2), key(seed + 1000));
  const common = {
    model: nn.mlp([300, 100, 10]), inputShape: [784], train: flat(opts.train), validation, test,
    initialSize: opts.initialSize, increment: opts.increment, rounds: opts.rounds, seed,
    training: { epochs: opts.epochs, batchSize: 128 }, initialFullDeployment: true,
  };
  log(`DPU: MLP 784-300-100-10 deployed after training on ${opts.initialSize} digits; then ${opts.rounds - 1} update rounds, `
    + `+${opts.increment} digits each; k = ${opts.ratio}; ${opts.epochs} epochs per phase`);
  const progress = (name: string) => {
    let last = 0;
    return (e: RunEvent): void => {
      if (e.kind !== 'round') return;
      const m = e.metrics;
      log(`  ${name.padEnd(3)} round ${e.round}: ${m['samples']} digits, test ${(100 * m['testAccuracy']!).toFixed(2)}%, sent ${(m['payloadBytes']! / 1000).toFixed(1)} KB  (${((e.elapsedMs - last) / 1000).toFixed(0)}s)`);
      last = e.elapsedMs;
    };
  };
  const fu = dpu.simulate({ ...common, method: dpu.fullUpdating(), onEvent: progress('FU') });
  const dp = dpu.simulate({ ...common, method: dpu.deepPartialUpdating({ ratio: opts.ratio, reinit: false }), onEvent: progress('DPU') });

  log('');
  log('round  digits   FU acc   FU KB sent   DPU acc   DPU KB sent');
  for (let r = 0; r < fu.rounds.length; r++) {
    const a = fu.rounds[r]!, b = dp.rounds[r]!;
    const kb = (x: dpu.RoundReport): string => (x.payloadBytes / 1000).toFixed(1);
    log(`${String(r).padStart(5)} ${String(a.samples).padStart(7)} ${(100 * a.testAccuracy).toFixed(2).padStart(7)}% ${kb(a).padStart(11)}  `
      + `${(100 * b.testAccuracy).toFixed(2).padStart(7)}% ${kb(b).padStart(12)}${r === 0 ? '   (deployment: full model)' : ''}`);
  }
  const updates = (s: dpu.SimulationResult): dpu.RoundReport[] => s.rounds.slice(1);
  const mean = (s: dpu.SimulationResult): number => updates(s).reduce((acc, r) => acc + r.testAccuracy, 0) / Math.max(1, updates(s).length);
  const bits = (s: dpu.SimulationResult): number => updates(s).reduce((acc, r) => acc + r.bitsSent, 0);
  const result = { fu, dpu: dp, meanAccuracyFu: mean(fu), meanAccuracyDpu: mean(dp), bitsRatio: bits(dp) / Math.max(1, bits(fu)) };
  log(`update rounds: FU ${(100 * result.meanAccuracyFu).toFixed(2)}% vs DPU ${(100 * result.meanAccuracyDpu).toFixed(2)}% mean test accuracy; `
    + `DPU sent ${(100 * result.bitsRatio).toFixed(2)}% of FU's bits (every payload decoded, checked and applied by the simulated edge)`);
  log('(DPU with iterative rewinding, dpu.iterativePartialUpdating, narrows the accuracy gap further at the same bits: npm run repro:dpu)');
  return result;
}
