/**
 * Dynamic memory and compute of on-device few-shot adaptation (the p-Meta §5 model, on top of
 * {@link trainingMemory}): what a
 * device must hold in RAM while it runs one inner gradient step on a support batch, when only
 * some layers (and, inside them, some channel blocks) are updated. Frozen weights are static
 * (flash) and not counted.
 *
 * Per op j (batch B, s_f bytes per float):
 * - saved for backward, only from the first updated op j_min on: an updated linear/conv its
 *   input's ⌈ρ_fw C⌉ kept channels, a frozen one nothing; batch-statistics BN its input;
 *   ReLU a 1-bit mask; 2×2 max-pool a 2-bit argmax per output; flatten nothing.
 * - F = max_j (Σ_{i<j} S_i + s_f|in_j| + s_f|out_j|)                       (forward phase)
 * - G = max_{j≥j_min} (Σ_{j_min≤i≤j} S_i + s_f|out_j| + [j>j_min] s_f|in_j|) (backward phase)
 * - M_w = Σ_updated s_f (⌈ρ_bw C_l⌉⌈ρ_fw C_{l−1}⌉k² + ⌈ρ_bw C_l⌉); peak = M_w + max(F, G).
 * With a micro-batched forward (possible with frozen-statistics BN) the forward runs one example
 * at a time: its buffers are per example and the saved tensors and outputs of the earlier
 * examples accumulate. The model assumes no aliasing between a saved tensor and a live buffer.
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { finite, nonNegativeInt } from '../validate.js';
import type { LayerSpec } from './layers.js';
import { trainingMemory } from './memory.js';

/**
 * One op of a network as {@link adaptationMemory} reads it: its kind, per-example input and
 * output shapes (`[C]` or `[C, H, W]`) and, for linear/conv layers, whether the layer is updated
 * and its kept-channel ratios.
 *
 * @example
 * ```ts
 * const op: AdaptationOp = { kind: 'linear', inShape: [40], outShape: [1], updated: true, rhoFw: 1, rhoBw: 1 };
 * ```
 */
export interface AdaptationOp {
  kind: 'linear' | 'conv' | 'bn' | 'relu' | 'maxpool' | 'flatten';
  inShape: readonly number[];
  outShape: readonly number[];
  /** Square kernel size of a conv (1 for linear). */
  kernel?: number | undefined;
  /** Linear/conv: the layer's weights change at this step. */
  updated?: boolean | undefined;
  /** Kept fraction of input (fw) and output (bw) channels of an updated layer; default 1. */
  rhoFw?: number | undefined;
  rhoBw?: number | undefined;
  /** BN: normalises with batch statistics (needs its input for backward). */
  batchStats?: boolean | undefined;
}

/**
 * Options of {@link adaptationMemory}.
 * @example
 * ```ts
 * const opts: AdaptationMemoryOptions = { batch: 25, microBatch: true };
 * ```
 */
export interface AdaptationMemoryOptions {
  /** Support batch size B. */
  batch: number;
  /** Bytes per float element; default 4. */
  bytesPerElement?: number | undefined;
  /** Forward one example at a time (only sound with frozen-statistics BN). Default false. */
  microBatch?: boolean | undefined;
}

/**
 * The §5 figures of one inner step, in bytes.
 * @example
 * ```ts
 * const m: AdaptationMemoryReport = adaptationMemory(ops, { batch: 5 });
 * m.peakBytes === m.weightBytes + Math.max(m.forwardPeakBytes, m.backwardPeakBytes); // true
 * ```
 */
export interface AdaptationMemoryReport {
  /** F: forward-phase peak of saved tensors plus live activation buffers. */
  forwardPeakBytes: number;
  /** G: backward-phase peak of saved tensors plus live gradient buffers (0 if nothing is updated). */
  backwardPeakBytes: number;
  /** M_w: writable copies of the selected weight blocks. */
  weightBytes: number;
  /** Writable full copies of every updated layer. */
  weightBytesFull: number;
  /** M_w + max(F, G). */
  peakBytes: number;
  /** Full-copy variant: weightBytesFull + max(F, G). */
  peakBytesFullCopy: number;
  /** S_j per op (bytes saved for the backward pass over the whole batch). */
  savedBytes: number[];
  /** j_min: index of the first updated op, or −1 when nothing is updated. */
  firstUpdatedOp: number;
}

/**
 * Kept channels ⌈ρC⌉ (at least 1; a ρ·C within 1e-9 of an integer counts as that integer, so
 * float rounding in ρ·C never adds a channel).
 * @example
 * ```ts
 * keptChannels(0.5, 32); // 16
 * ```
 */
export function keptChannels(rho: number, c: number): number {
  finite('cost.keptChannels', 'rho', rho);
  nonNegativeInt('cost.keptChannels', 'c', c);
  return Math.min(c, Math.max(1, Math.ceil(rho * c - 1e-9)));
}

const spatial = (s: readonly number[]): number => (s.length === 3 ? s[1]! * s[2]! : 1);

function checkOps(op: string, ops: readonly AdaptationOp[]): void {
  if (!Array.isArray(ops) || ops.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'ops must be a non-empty array', 'AdaptationOp[]', describe(ops));
  ops.forEach((o, j) => {
    const ok = (s: unknown): boolean => Array.isArray(s) && s.length >= 1 && s.every((d) => Number.isInteger(d) && d > 0);
    if (!ok(o?.inShape) || !ok(o.outShape)) throw new NumError('SHAPE_MISMATCH', op, `op ${j} needs positive per-example shapes`, '[C] or [C, H, W]', `${describe(o?.inShape)} → ${describe(o?.outShape)}`);
    if (o.kind === 'conv' && (o.inShape.length !== 3 || o.outShape.length !== 3)) {
      throw new NumError('SHAPE_MISMATCH', op, `conv op ${j} needs [C, H, W] shapes`, '[C, H, W]', `${fmtShape(o.inShape)} → ${fmtShape(o.outShape)}`);
    }
    for (const r of [o.rhoFw, o.rhoBw]) {
      if (r !== undefined && !(r > 0 && r <= 1)) throw new NumError('INVALID_ARGUMENT', op, `op ${j}: ρ must be in (0, 1]`, '0 < ρ <= 1', describe(r));
    }
  });
}

function checkBatch(op: string, b: unknown): number {
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) throw new NumError('INVALID_ARGUMENT', op, 'batch must be a positive integer', 'integer >= 1', describe(b));
  return b;
}

const isLayer = (o: AdaptationOp): boolean => o.kind === 'linear' || o.kind === 'conv';

/**
 * The ops as `trainingMemory` layer specs: an updated layer is trainable and keeps only its
 * ⌈ρ_fw C⌉ input channels (as a per-element bit rate of its input); BN is never adapted.
 */
function specsOf(ops: readonly AdaptationOp[], bits: number): LayerSpec[] {
  return ops.map((o): LayerSpec => {
    const base = { inShape: o.inShape, outShape: o.outShape };
    switch (o.kind) {
      case 'linear': case 'conv': {
        const cin = o.inShape[0]!, cout = o.outShape[0]!, k = o.kernel ?? 1;
        const kept = keptChannels(o.rhoFw ?? 1, cin);
        return {
          ...base, kind: o.kind === 'linear' ? 'linear' : 'conv2d', weightShape: o.kind === 'linear' ? [cout, cin] : [cout, cin, k, k], bias: true,
          trainable: o.updated === true, ...(o.updated === true && kept < cin ? { savedBitsPerElement: (bits * kept) / cin } : {}),
        };
      }
      case 'bn': return { ...base, kind: 'batchNorm', weightShape: [o.inShape[0]!], trainable: false, batchStats: o.batchStats === true };
      case 'maxpool': return { ...base, kind: 'maxPool2d', kernel: [2, 2] };
      default: return { ...base, kind: o.kind };
    }
  });
}

/** Weight-copy bytes of an updated layer: selected block and full copy. */
function weightCopy(o: AdaptationOp, sf: number): [number, number] {
  const k2 = (o.kernel ?? 1) ** 2;
  const cout = o.outShape[0]!, cin = o.inShape[0]!;
  const ob = keptChannels(o.rhoBw ?? 1, cout), ib = keptChannels(o.rhoFw ?? 1, cin);
  return [sf * (ob * ib * k2 + ob), sf * (cout * cin * k2 + cout)];
}

/**
 * Peak dynamic memory of one inner adaptation step (see the module comment for the model). F, G
 * and the saved tensors come from {@link trainingMemory} (the one memory model); this function
 * adds the kept-channel rule and the writable weight copies M_w.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an empty op list, a bad batch or ρ ∉ (0, 1];
 *   `SHAPE_MISMATCH` for malformed shapes.
 * @example
 * ```ts
 * const ops: AdaptationOp[] = [
 *   { kind: 'linear', inShape: [1], outShape: [40], updated: false },
 *   { kind: 'relu', inShape: [40], outShape: [40] },
 *   { kind: 'linear', inShape: [40], outShape: [1], updated: true },
 * ];
 * adaptationMemory(ops, { batch: 10 }).peakBytes;
 * ```
 */
export function adaptationMemory(ops: readonly AdaptationOp[], opts: AdaptationMemoryOptions): AdaptationMemoryReport {
  const op = 'cost.adaptationMemory';
  checkOps(op, ops);
  const batch = checkBatch(op, opts?.batch);
  const sf = opts.bytesPerElement ?? 4;
  if (!(sf > 0)) throw new NumError('INVALID_ARGUMENT', op, 'bytesPerElement must be positive', '> 0', describe(sf));
  const m = trainingMemory(specsOf(ops, 8 * sf), { batch, activationBits: 8 * sf, errorBits: 8 * sf, microBatch: opts.microBatch === true });
  let weightBytes = 0, weightBytesFull = 0;
  ops.forEach((o) => {
    if (!isLayer(o) || o.updated !== true) return;
    const [b, f] = weightCopy(o, sf);
    weightBytes += b;
    weightBytesFull += f;
  });
  return {
    forwardPeakBytes: m.forwardPeak, backwardPeakBytes: m.backwardPeak, weightBytes, weightBytesFull,
    peakBytes: weightBytes + m.activationPeak, peakBytesFullCopy: weightBytesFull + m.activationPeak,
    savedBytes: m.layers.map((l) => l.saved), firstUpdatedOp: m.firstTrainable,
  };
}

/**
 * Multiply-accumulates of one inner step (§5 compute): the forward pass of every layer, plus
 * backward-data of the layers above j_min, plus the weight gradient of the selected block of
 * every updated layer (`MAC_fwd · ⌈ρ_bw C_l⌉⌈ρ_fw C_{l−1}⌉ / (C_l C_{l−1})`).
 *
 * @example
 * ```ts
 * const ops = [{ kind: 'linear', inShape: [784], outShape: [10], updated: true }] as const;
 * adaptationMacs(ops, { batch: 10 }).forward; // 78400
 * ```
 */
export function adaptationMacs(ops: readonly AdaptationOp[], opts: { batch: number }): { forward: number; backwardData: number; weightGradient: number; total: number } {
  const op = 'cost.adaptationMacs';
  checkOps(op, ops);
  const batch = checkBatch(op, opts?.batch);
  const jMin = ops.findIndex((o) => isLayer(o) && o.updated === true);
  let forward = 0, backwardData = 0, weightGradient = 0;
  ops.forEach((o, j) => {
    if (!isLayer(o)) return;
    const cout = o.outShape[0]!, cin = o.inShape[0]!;
    const macs = batch * cout * cin * (o.kernel ?? 1) ** 2 * spatial(o.outShape);
    forward += macs;
    if (jMin >= 0 && j > jMin) backwardData += macs;
    if (o.updated === true) weightGradient += (macs * keptChannels(o.rhoBw ?? 1, cout) * keptChannels(o.rhoFw ?? 1, cin)) / (cout * cin);
  });
  return { forward, backwardData, weightGradient, total: forward + backwardData + weightGradient };
}
