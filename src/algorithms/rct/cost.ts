/**
 * `rct.energy` and `rct.memory` (spec §6): thin calls of the shared cost model (src/cost) over
 * the bitwidths in force during a run (the state's trace). No energy or memory formula lives here.
 */
import { gemmEnergy, trainingMacs } from '../../cost/macs.js';
import { layerSpecs } from '../../cost/layers.js';
import type { LayerDesc } from '../../cost/layers.js';
import { parameterMovement } from '../../cost/energy.js';
import { parameterMemory } from '../../cost/memory.js';
import type { ParameterMemory } from '../../cost/memory.js';
import type { GemmBits } from '../../cost/macs.js';
import { NumError, describe } from '../../errors.js';
import type { RctNet } from './net.js';
import type { QuantizedParams } from './quantized.js';
import type { TraceSegment } from './train.js';

/** What {@link energy} and {@link memory} read from a run. */
export interface RunTrace {
  params: QuantizedParams;
  trace: readonly TraceSegment[];
  /** Optimizer velocities (momentum option), counted as 16-bit parameter memory. */
  opt?: { velocity: Record<string, Int16Array> } | undefined;
}

/** The network as cost-model layer descriptions. @internal */
export function costLayers(net: RctNet): LayerDesc[] {
  return net.layers.map((l): LayerDesc => {
    switch (l.kind) {
      case 'conv2d': return { kind: 'conv2d', out: l.out, kernel: l.kernel, stride: l.stride ?? 1, padding: l.padding ?? 0, bias: true };
      case 'linear': return { kind: 'linear', out: l.out, bias: true };
      case 'maxPool2d': return { kind: 'maxPool2d', kernel: l.kernel };
      default: return { kind: l.kind };
    }
  });
}

function checkTrace(op: string, run: RunTrace): void {
  if (run === null || typeof run !== 'object' || !Array.isArray(run.trace) || run.trace.length === 0) {
    throw new NumError('INVALID_ARGUMENT', op, 'needs a state with a non-empty trace (train at least one step)', 'RctState', describe(run));
  }
}

/** Options of {@link energy}. */
export interface EnergyOptions {
  actBits?: number | undefined;
  errBits?: number | undefined;
  /** QAT's quantised copy, for the movement comparison (default 8). */
  qatBits?: number | undefined;
  /** On-chip parameter memory (default 256 KiB). */
  onChipBytes?: number | undefined;
  /** Cost every MAC as FP32 (4.6 pJ) instead of at the integer widths (a check: equals `gemm.fp32`). */
  fp32?: boolean | undefined;
}

/** GEMM and parameter-movement energy of a run, pJ. */
export interface RctEnergy {
  gemm: { rct: number; fp32: number; saving: number };
  movement: { rct: number; qat: number; fp32: number; ratioVsQat: number };
  /** MACs of the three GEMMs over the run. */
  macs: number;
}

/**
 * `rct.energy` (API): E_GEMM summed over training at the bitwidths in force (forward at
 * (b_l, b_a), backward-data at (b_l, b_e) except for the first layer, weight gradient at
 * (b_e, b_a), int32 accumulate) against FP32 at 4.6 pJ per MAC; and parameter-movement energy
 * against QAT and FP32.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * rct.trainStep(cfg, st, { x: normal(key(1), [8, 4]), y: randint(key(2), [8], 0, 3) }, key(3));
 * const e = rct.energy(cfg.net, st);
 * e.gemm.saving; // the GEMM energy saved against FP32 (≈ 0.9 at 8–16-bit weights with 8-bit X/E)
 * e.movement.ratioVsQat;
 * ```
 */
export function energy(net: RctNet, run: RunTrace, opts: EnergyOptions = {}): RctEnergy {
  const op = 'rct.energy';
  checkTrace(op, run);
  const specs = layerSpecs(net.inputShape, costLayers(net));
  const keys = Object.keys(run.params);
  const weightAt = net.layers.map((_, i) => keys.indexOf(`${i}.weight`));
  const fp32Bits: GemmBits = { weight: 'f32', activation: 'f32', error: 'f32' };
  let rct = 0, fp32 = 0, macs = 0;
  for (const seg of run.trace) {
    const t = trainingMacs(specs, Math.max(1, seg.examples));
    const bits = weightAt.map((k): GemmBits => (opts.fp32 || k < 0 ? fp32Bits : { weight: seg.bits[k]!, activation: opts.actBits ?? 8, error: opts.errBits ?? 8, accumulator: 32 }));
    rct += gemmEnergy(t.layers, bits).total;
    fp32 += gemmEnergy(t.layers, fp32Bits).total;
    macs += t.total.all;
  }
  const mv = parameterMovement(keys.map((k) => run.params[k]!.q.length), run.trace, { qatBits: opts.qatBits, onChipBytes: opts.onChipBytes });
  return {
    gemm: { rct, fp32, saving: 1 - rct / fp32 },
    movement: { rct: mv.integer.pJ, qat: mv.qat.pJ, fp32: mv.fp32.pJ, ratioVsQat: mv.integer.pJ / mv.qat.pJ },
    macs,
  };
}

/**
 * `rct.memory` (API): parameter memory over the run (peak and time average, packed at b bits,
 * plus one byte per tensor for f; momentum velocities at 16 bits) against FP32 and QAT-b_q.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * rct.trainStep(cfg, st, { x: normal(key(1), [8, 4]), y: randint(key(2), [8], 0, 3) }, key(3));
 * const m = rct.memory(st);
 * m.savingVsQat.peak; // the paper claims ≥ 0.46 on its networks
 * m.meanBits.average; // time-averaged bits per parameter
 * ```
 */
export function memory(run: RunTrace, opts?: { qatBits?: number | undefined }): ParameterMemory {
  checkTrace('rct.memory', run);
  const keys = Object.keys(run.params);
  const counts = keys.map((k) => run.params[k]!.q.length);
  const vel = Object.values(run.opt?.velocity ?? {});
  vel.forEach((v) => counts.push(v.length));
  const segments = run.trace.map((s) => ({ steps: s.steps, bits: [...s.bits, ...vel.map(() => 16)] }));
  return parameterMemory(counts, segments, { qatBits: opts?.qatBits });
}
