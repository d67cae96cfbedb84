/**
 * `adaptationMemory`: the §5 figures of a learner's on-device adaptation, computed by the cost
 * model (`cost.adaptationMemory`, `cost.adaptationMacs`) from the layers each step updates.
 */
import { adaptationMacs, adaptationMemory as costMemory } from '../../cost/adaptation.js';
import type { AdaptationMemoryReport } from '../../cost/adaptation.js';
import { learnerOf, stepOptions } from './check.js';
import { costOps } from './arch.js';
import { alphaValue } from './inner.js';
import { checkMeta, layerRho } from './learner.js';
import type { MetaLearner, MetaState } from './learner.js';

/** What {@link adaptationMemory} returns (bytes; MACs for the whole adaptation). */
export interface PmetaMemory {
  forwardPeakBytes: number;
  backwardPeakBytes: number;
  /** M_w over every layer updated at some step: selected blocks, and full copies. */
  weightBytes: number;
  weightBytesFull: number;
  peakBytes: number;
  peakBytesFullCopy: number;
  /** Multiply-accumulates of all K inner steps (forward + backward-data + block weight gradients). */
  macs: number;
  /** The cost model's report per inner step. */
  steps: AdaptationMemoryReport[];
}

/**
 * Peak dynamic memory and compute of adapting with this learner (§5). Which layers a step updates
 * comes from the meta-state's rates (α_l^(k) ≠ 0), or from the configuration without one.
 *
 * @throws {NumError} `STATE_MISMATCH` for a meta-state of another network; `INVALID_ARGUMENT` for a bad batch.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [40, 40, 1]), loss: 'mse', supportSize: 10, steps: 1 });
 * const m = pmeta.adaptationMemory(learner, learner.init(key(0)).meta);
 * console.log((m.peakBytes / 1024).toFixed(1), 'KiB');
 * m.peakBytes <= m.peakBytesFullCopy; // true
 * ```
 */
export function adaptationMemory(learner: MetaLearner, meta?: MetaState, opts?: { batch?: number | undefined; steps?: number | undefined }): PmetaMemory {
  const op = 'pmeta.adaptationMemory';
  const cfg = learnerOf(op, learner);
  if (meta !== undefined) checkMeta(op, cfg, meta);
  const { batch, steps: K } = stepOptions(op, opts, { steps: cfg.steps, batch: cfg.supportSize });
  const { net } = cfg;
  const rho = net.layers.map((_, l) => layerRho(cfg, l));
  const ever = net.layers.map(() => false);
  const steps: AdaptationMemoryReport[] = [];
  let macs = 0, forward = 0, backward = 0;
  for (let k = 0; k < K; k++) {
    const upd = net.layers.map((_, l) => (meta === undefined ? cfg.updated[l]! : alphaValue(cfg, meta.a, k, l) !== 0));
    upd.forEach((u, l) => { if (u) ever[l] = true; });
    const ops = costOps(net, upd, rho, cfg.bn === 'batch');
    const r = costMemory(ops, { batch, microBatch: cfg.microBatch });
    steps.push(r);
    forward = Math.max(forward, r.forwardPeakBytes);
    backward = Math.max(backward, r.backwardPeakBytes);
    if (upd.some((u) => u)) macs += adaptationMacs(ops, { batch }).total;
  }
  const all = costMemory(costOps(net, ever, rho, cfg.bn === 'batch'), { batch, microBatch: cfg.microBatch });
  const dyn = Math.max(forward, backward);
  return {
    forwardPeakBytes: forward, backwardPeakBytes: backward, weightBytes: all.weightBytes, weightBytesFull: all.weightBytesFull,
    peakBytes: all.weightBytes + dyn, peakBytesFullCopy: all.weightBytesFull + dyn, macs, steps,
  };
}
