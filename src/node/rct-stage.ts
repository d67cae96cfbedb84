/**
 * The RCT stage of `npm run demo`: an MLP (784-256-10) trained from the same float init three
 * ways on the same digits and batches: FP32, QAT (8-bit copy + float master) and RCT-style
 * integer-only training with per-layer adaptive bitwidth. Prints accuracy, parameter memory,
 * GEMM energy and parameter-movement energy from the shared cost model. LeNet5 and the longer
 * protocol are in `npm run repro:rct`.
 */
import { data, key, rct, reshape } from '../index.js';
import type { Dataset } from '../index.js';

/** Options of {@link runRctStage}. */
export interface RctStageOptions {
  train: Dataset;
  test: Dataset;
  /** Training digits used (the first ones of the split). */
  trainSize: number;
  epochs: number;
  seed?: number | undefined;
  log: (line: string) => void;
}

/** What {@link runRctStage} measured. */
export interface RctStageResult {
  accuracy: { fp32: number; qat: number; rct: number };
  /** Peak parameter memory, KB (1,000 bytes). */
  parameterKB: { fp32: number; qat: number; rct: number };
  gemmJ: { fp32: number; rct: number };
  movementJ: { fp32: number; qat: number; rct: number };
  meanBits: number;
}

/**
 * Runs the stage (see the module comment).
 * @example
 * ```ts
 * runRctStage({ train, test, trainSize: 4000, epochs: 2, log: console.log });
 * ```
 */
export function runRctStage(opts: RctStageOptions): RctStageResult {
  const { log } = opts;
  const flat = (d: Dataset): Dataset => ({ x: reshape(d.x, [d.x.shape[0]!, 784]), y: d.y });
  const train = data.take(flat(opts.train), Array.from({ length: opts.trainSize }, (_, i) => i));
  log(`RCT: MLP 784-256-10 on ${opts.trainSize} digits, ${opts.epochs} epochs of SGD (η = 0.05, batch 64), same float init for FP32, QAT-8 and integer-only RCT`);
  const r = rct.run({
    net: rct.mlp(784, [256, 10]), train, test: flat(opts.test), key: key(opts.seed ?? 0), epochs: opts.epochs, learningRate: 0.05,
    controller: { interval: 25 }, methods: ['fp32', 'qat', 'rct'],
    onEvent: (e) => {
      if (e.kind === 'epoch') log(`  ${e.phase.padEnd(4)} epoch ${e.epoch}: test ${(100 * e.metrics['accuracy']!).toFixed(2)} %${e.metrics['meanBits'] === undefined ? '' : `, mean weight bits ${e.metrics['meanBits'].toFixed(2)}, underflow ${e.metrics['underflowPercent']!.toFixed(0)} %`}`);
    },
  });
  const i = r.integer.rct!;
  const kb = (bits: number): number => bits / 8 / 1000;
  const res: RctStageResult = {
    accuracy: { fp32: r.accuracy.fp32!, qat: r.accuracy.qat!, rct: r.accuracy.rct! },
    parameterKB: { fp32: kb(i.memory.fp32Bits), qat: kb(i.memory.qatBits), rct: i.memory.peakBytes / 1000 },
    gemmJ: { fp32: i.energy.gemm.fp32 / 1e12, rct: i.energy.gemm.rct / 1e12 },
    movementJ: { fp32: i.energy.movement.fp32 / 1e12, qat: i.energy.movement.qat / 1e12, rct: i.energy.movement.rct / 1e12 },
    meanBits: i.memory.meanBits.average,
  };
  const mJ = (j: number): string => `${(1000 * j).toFixed(2)} mJ`;
  log('');
  log('method   test acc   parameter KB (peak)   GEMM energy   parameter movement');
  log(`FP32     ${(100 * res.accuracy.fp32).toFixed(2).padStart(6)} %   ${res.parameterKB.fp32.toFixed(1).padStart(10)}          ${mJ(res.gemmJ.fp32).padStart(10)}   ${mJ(res.movementJ.fp32).padStart(10)}`);
  log(`QAT-8    ${(100 * res.accuracy.qat).toFixed(2).padStart(6)} %   ${res.parameterKB.qat.toFixed(1).padStart(10)}          ${mJ(res.gemmJ.fp32).padStart(10)}   ${mJ(res.movementJ.qat).padStart(10)}   (fake-quantised float GEMMs)`);
  log(`RCT      ${(100 * res.accuracy.rct).toFixed(2).padStart(6)} %   ${res.parameterKB.rct.toFixed(1).padStart(10)}          ${mJ(res.gemmJ.rct).padStart(10)}   ${mJ(res.movementJ.rct).padStart(10)}   (integer GEMMs, ${res.meanBits.toFixed(2)} bits per weight on average)`);
  log(`RCT-style: GEMM energy ${(100 * i.energy.gemm.saving).toFixed(1)} % below FP32; peak parameter memory ${(100 * i.memory.savingVsQat.peak).toFixed(1)} % below QAT-8; the parameters never have a float copy`);
  return res;
}
