/**
 * Memory of one training (or adaptation) step of a batch, per layer and at the peak, from the
 * layers' shapes and bit widths. Every tensor is byte aligned on its own (`⌈elements · bits / 8⌉`).
 *
 * For layer `j` with a batch of `B` examples:
 * - parameters `P_j`: weight and bias (batch norm: γ and β) at `paramBits`;
 * - gradients `Gr_j` and optimizer state `O_j` (`slots` tensors per parameter, Adam 2): only
 *   for trainable layers;
 * - forward buffers `in_j`, `out_j`: the layer's input and output, `B·|x|` at `activationBits`;
 * - saved for backward `S_j`, for `j ≥ j_min` (the first trainable layer; 0 before it and 0
 *   everywhere when nothing is trained):
 *   trainable linear/conv2d: its input; frozen linear/conv2d: 0 (backward-data needs only the
 *   weights); batch norm with batch statistics (or trainable γ, β): `x̂`, input sized; ReLU and
 *   dropout: a 1-bit mask per element; max-pool: a `⌈log₂(kh·kw)⌉`-bit argmax per output;
 *   average-pool, flatten, identity: 0. `savedBitsPerElement` overrides the rule (bits per input
 *   element).
 * - gradient buffers during backward: `dL/dy` (`B·|out_j|`) and `dL/dx` (`B·|in_j|`) at `errorBits`.
 *
 * Phases (no aliasing assumed between a saved tensor and a live buffer, so the model is an upper
 * bound for an allocator that reuses memory):
 * - forward peak   F = max_j ( Σ_{i<j} S_i + in_j + out_j )
 * - backward peak  G = max_{j ≥ j_min} ( Σ_{j_min ≤ i ≤ j} S_i + dy_j + [j > j_min] · dx_j )
 *   (layer j runs its backward while the saved tensors of the layers before it still wait)
 * - peak = Σ P + Σ Gr + Σ O + max(F, G): parameters, all gradients (the gradient tree is complete
 *   before the optimizer step) and optimizer state are live throughout.
 *
 * This is the accounting of the p-Meta spec §5 (F and G as there; its `M_w` is the parameters of
 * the updated layers) generalised to any bit widths and optimizer.
 */
import { NumError, describe } from '../errors.js';
import { numel, tensorBytes } from './check.js';
import { count, nonNegative, positive } from '../validate.js';
import { checkLayerSpecs, hasParams, isTrainable } from './layers.js';
import type { LayerKind, LayerSpec } from './layers.js';

/**
 * Optimizer state tensors per parameter: SGD 0, momentum 1, Adam 2.
 *
 * @example
 * ```ts
 * cost.OPTIMIZER_SLOTS.adam; // 2
 * ```
 */
export const OPTIMIZER_SLOTS = { sgd: 0, momentum: 1, adam: 2 } as const;

/**
 * Options of {@link trainingMemory}.
 *
 * @example
 * ```ts
 * const o: cost.TrainingMemoryOptions = { batch: 32, optimizer: 'adam' };
 * ```
 */
export interface TrainingMemoryOptions {
  /** Examples per step (integer ≥ 1). */
  batch: number;
  /** Bits per stored parameter (default 32); a spec's `paramBits` overrides it. */
  paramBits?: number | undefined;
  /** Bits per gradient element (default 32). */
  gradientBits?: number | undefined;
  /** Optimizer state: a name of {@link OPTIMIZER_SLOTS} or a slot count (default `'sgd'`, none). */
  optimizer?: keyof typeof OPTIMIZER_SLOTS | number | undefined;
  /** Bits per optimizer-state element (default 32). */
  optimizerBits?: number | undefined;
  /** Bits per activation element (default 32); a spec's `activationBits` overrides it. */
  activationBits?: number | undefined;
  /** Bits per element of the backward gradient buffers `dL/dy`, `dL/dx` (default 32). */
  errorBits?: number | undefined;
  /**
   * Forward one example at a time (possible without batch statistics, e.g. frozen-statistics BN):
   * the forward buffers are per example, each example keeps its own saved tensors (`B · S_j(1)`)
   * and the outputs of the earlier examples stay live until the batched backward. Default false.
   */
  microBatch?: boolean | undefined;
}

/**
 * Bytes of one layer (see the module comment for each term).
 *
 * @example
 * ```ts
 * const l: cost.LayerMemory = cost.trainingMemory(specs, { batch: 32 }).layers[0]!;
 * l.params + l.gradients + l.optimizer + l.saved;
 * ```
 */
export interface LayerMemory {
  name: string;
  kind: LayerKind;
  /** Number of parameter elements. */
  paramCount: number;
  trainable: boolean;
  params: number;
  gradients: number;
  optimizer: number;
  /** Kept from forward for backward. */
  saved: number;
  /** Forward buffers of the batch. */
  input: number;
  output: number;
}

/**
 * The memory of a step: per layer, totals, phase peaks and the peak, all in bytes.
 *
 * @example
 * ```ts
 * const m: cost.TrainingMemory = cost.trainingMemory(specs, { batch: 32, optimizer: 'adam' });
 * const c: cost.CostReport = { peakMemoryBytes: m.peak };
 * ```
 */
export interface TrainingMemory {
  layers: LayerMemory[];
  params: number;
  gradients: number;
  optimizer: number;
  /** Σ S_j: everything kept at the end of the forward pass. */
  saved: number;
  /** F. */
  forwardPeak: number;
  /** G (0 when nothing is trained). */
  backwardPeak: number;
  /** max(F, G). */
  activationPeak: number;
  /** params + gradients + optimizer + max(F, G). */
  peak: number;
  /** j_min, the index of the first trainable layer (−1 when nothing is trained). */
  firstTrainable: number;
}

function slotsOf(op: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v === 'string') {
    if (!Object.prototype.hasOwnProperty.call(OPTIMIZER_SLOTS, v)) {
      throw new NumError('INVALID_ARGUMENT', op, 'unknown optimizer', `${Object.keys(OPTIMIZER_SLOTS).join(' | ')} or a slot count`, describe(v));
    }
    return OPTIMIZER_SLOTS[v as keyof typeof OPTIMIZER_SLOTS];
  }
  return count(op, 'optimizer (slot count)', v, 0);
}

/** Element counts of a layer's parameter tensors. */
function paramTensors(s: LayerSpec): number[] {
  if (!hasParams(s)) return [];
  const w = s.weightShape!;
  if (s.kind === 'batchNorm') return [numel(w), numel(w)];
  return s.bias === true ? [numel(w), w[0]!] : [numel(w)];
}

/** Bits per input element kept for backward by the kind's rule (pools: per output, handled apart). */
function savedBytes(s: LayerSpec, batch: number, actBits: number): number {
  const nIn = batch * numel(s.inShape);
  if (s.savedBitsPerElement !== undefined) return tensorBytes(nIn, s.savedBitsPerElement);
  switch (s.kind) {
    case 'linear': case 'conv2d': return isTrainable(s) ? tensorBytes(nIn, actBits) : 0;
    case 'batchNorm': return s.batchStats !== false || isTrainable(s) ? tensorBytes(nIn, actBits) : 0;
    case 'relu': case 'dropout': return tensorBytes(nIn, 1);
    case 'maxPool2d': {
      const [kh, kw] = s.kernel!;
      return tensorBytes(batch * numel(s.outShape), Math.ceil(Math.log2(kh * kw)));
    }
    default: return 0;
  }
}

/**
 * Memory of one training or adaptation step (model in the module comment): per layer
 * parameters, gradients, optimizer state, saved activations and forward buffers; the forward
 * and backward peaks; and the step's peak. Layers marked `trainable: false` are frozen (no
 * gradient, no optimizer state, and nothing saved for their weight gradient); with nothing
 * trainable the result is inference memory (`peak = params + F`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a batch that is not an integer ≥ 1, a negative / NaN
 *   bit width, an unknown optimizer or a bad spec; `SHAPE_MISMATCH` for inconsistent shapes.
 * @example
 * ```ts
 * const specs = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);
 * const m = cost.trainingMemory(specs, { batch: 32, optimizer: 'adam' });
 * m.params;    // 4 · 203530 = 814120
 * m.optimizer; // 2 · m.params
 * m.peak;      // m.params + m.gradients + m.optimizer + Math.max(m.forwardPeak, m.backwardPeak)
 * ```
 */
export function trainingMemory(specs: readonly LayerSpec[], opts: TrainingMemoryOptions): TrainingMemory {
  const op = 'cost.trainingMemory';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be a record with a batch size', '{ batch, ... }', describe(opts));
  const batch = count(op, 'batch', opts.batch, 1);
  const paramBits = nonNegative(op, 'paramBits', opts.paramBits ?? 32);
  const gradBits = positive(op, 'gradientBits', opts.gradientBits ?? 32);
  const optBits = positive(op, 'optimizerBits', opts.optimizerBits ?? 32);
  const actBits = positive(op, 'activationBits', opts.activationBits ?? 32);
  const errBits = positive(op, 'errorBits', opts.errorBits ?? 32);
  const slots = slotsOf(op, opts.optimizer);
  checkLayerSpecs(op, specs);
  const first = specs.findIndex(isTrainable);

  const micro = opts.microBatch === true;
  const layers = specs.map((s, j): LayerMemory => {
    const tensors = paramTensors(s);
    const trainable = isTrainable(s);
    const a = s.activationBits ?? actBits;
    const pb = s.paramBits ?? paramBits;
    const sum = (bits: number): number => tensors.reduce((t, n) => t + tensorBytes(n, bits), 0);
    return {
      name: s.name ?? String(j), kind: s.kind, paramCount: tensors.reduce((t, n) => t + n, 0), trainable,
      params: sum(pb),
      gradients: trainable ? sum(gradBits) : 0,
      optimizer: trainable ? slots * sum(optBits) : 0,
      saved: first >= 0 && j >= first ? (micro ? batch * savedBytes(s, 1, a) : savedBytes(s, batch, a)) : 0,
      input: tensorBytes(batch * numel(s.inShape), a),
      output: tensorBytes(batch * numel(s.outShape), a),
    };
  });

  let forwardPeak = 0, backwardPeak = 0, kept = 0;
  if (micro) {
    // The last example is the worst: the B − 1 before it left their saved tensors and outputs.
    const one = specs.map((s, j) => ({
      saved: first >= 0 && j >= first ? savedBytes(s, 1, s.activationBits ?? actBits) : 0,
      input: tensorBytes(numel(s.inShape), s.activationBits ?? actBits),
      output: tensorBytes(numel(s.outShape), s.activationBits ?? actBits),
    }));
    const earlier = (batch - 1) * (one.reduce((t, l) => t + l.saved, 0) + one[one.length - 1]!.output);
    one.forEach((l) => {
      forwardPeak = Math.max(forwardPeak, earlier + kept + l.input + l.output);
      kept += l.saved;
    });
  } else {
    layers.forEach((l) => {
      forwardPeak = Math.max(forwardPeak, kept + l.input + l.output);
      kept += l.saved;
    });
  }
  if (first >= 0) {
    let acc = 0;
    for (let j = first; j < specs.length; j++) {
      const s = specs[j]!;
      acc += layers[j]!.saved;
      const dy = tensorBytes(batch * numel(s.outShape), errBits);
      const dx = j > first ? tensorBytes(batch * numel(s.inShape), errBits) : 0;
      backwardPeak = Math.max(backwardPeak, acc + dy + dx);
    }
  }
  const total = (k: 'params' | 'gradients' | 'optimizer' | 'saved'): number => layers.reduce((t, l) => t + l[k], 0);
  const params = total('params'), gradients = total('gradients'), optimizer = total('optimizer');
  const activationPeak = Math.max(forwardPeak, backwardPeak);
  return {
    layers, params, gradients, optimizer, saved: total('saved'),
    forwardPeak, backwardPeak, activationPeak,
    peak: params + gradients + optimizer + activationPeak,
    firstTrainable: first,
  };
}

// ---- parameter memory over a training run (RCT spec §6) ----------------------------------------

/**
 * A stretch of training at constant per-tensor bit widths: `steps` steps with tensor `p` stored
 * at `bits[p]` bits per element.
 *
 * @example
 * ```ts
 * const s: cost.BitSegment = { steps: 100, bits: [8, 16] };
 * ```
 */
export interface BitSegment {
  steps: number;
  bits: readonly number[];
}

/**
 * Parameter memory of a run under three storage schemes, in bits (and packed bytes):
 * integer-only (RCT: `Σ n_p·b_p` plus `formatBits` per tensor for its fractional length), FP32
 * (`32·Σ n_p`) and QAT (`Σ n_p·(32 + b_q)`: float master plus quantised copy).
 *
 * @example
 * ```ts
 * const m: cost.ParameterMemory = cost.parameterMemory([1000], [{ steps: 1, bits: [12] }]);
 * m.peakBytes; // 1501
 * ```
 */
export interface ParameterMemory {
  /** max over segments of the integer store, bits (incl. the per-tensor format bits). */
  peakBits: number;
  /** Step-weighted mean of the integer store, bits. */
  averageBits: number;
  /** Packed bytes at the peak: Σ ⌈n_p·b_p/8⌉ + ⌈formatBits/8⌉ per tensor. */
  peakBytes: number;
  /** Bits per parameter element (format bits excluded), at the peak and on average. */
  meanBits: { peak: number; average: number };
  fp32Bits: number;
  qatBits: number;
  /** 1 − integer/baseline, for the peak and the time average. */
  savingVsFp32: { peak: number; average: number };
  savingVsQat: { peak: number; average: number };
}

/**
 * Parameter memory over training at the bit widths in force (see {@link ParameterMemory}).
 * `counts[p]` is the element count of tensor p; every segment lists one width per tensor.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for no segments, zero total steps, a negative count or
 *   width, or a segment whose width list does not match `counts`.
 * @example
 * ```ts
 * const m = cost.parameterMemory([1000], [{ steps: 10, bits: [11] }]);
 * m.savingVsFp32.peak; // ≈ 0.656 (b̄ = 11)
 * m.savingVsQat.peak;  // ≈ 0.725 (QAT-8)
 * ```
 */
export function parameterMemory(counts: readonly number[], segments: readonly BitSegment[], opts?: { qatBits?: number | undefined; formatBits?: number | undefined }): ParameterMemory {
  const op = 'cost.parameterMemory';
  if (!Array.isArray(counts) || counts.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'counts must be a non-empty array', 'number[]', describe(counts));
  counts.forEach((n, i) => nonNegative(op, `counts[${i}]`, n));
  if (!Array.isArray(segments) || segments.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'segments must be a non-empty array', 'BitSegment[]', describe(segments));
  const qat = nonNegative(op, 'qatBits', opts?.qatBits ?? 8);
  const fmt = nonNegative(op, 'formatBits', opts?.formatBits ?? 8);
  const n = counts.reduce((a, c) => a + c, 0);
  let peakBits = 0, peakBytes = 0, peakElementBits = 0, weighted = 0, weightedElementBits = 0, steps = 0;
  segments.forEach((s, j) => {
    const k = nonNegative(op, `segments[${j}].steps`, s?.steps);
    if (!Array.isArray(s.bits) || s.bits.length !== counts.length) throw new NumError('INVALID_ARGUMENT', op, `segments[${j}].bits needs one width per tensor`, `${counts.length} widths`, describe(s.bits));
    let elementBits = 0, bytes = 0;
    s.bits.forEach((b: number, p: number) => {
      nonNegative(op, `segments[${j}].bits[${p}]`, b);
      elementBits += counts[p]! * b;
      bytes += tensorBytes(counts[p]!, b) + Math.ceil(fmt / 8);
    });
    const total = elementBits + fmt * counts.length;
    if (total > peakBits) { peakBits = total; peakBytes = bytes; peakElementBits = elementBits; }
    weighted += k * total; weightedElementBits += k * elementBits; steps += k;
  });
  if (!(steps > 0)) throw new NumError('INVALID_ARGUMENT', op, 'segments must cover at least one step', '> 0 steps', String(steps));
  const averageBits = weighted / steps;
  const fp32Bits = 32 * n, qatBits = (32 + qat) * n;
  return {
    peakBits, averageBits, peakBytes,
    meanBits: { peak: n ? peakElementBits / n : 0, average: n ? weightedElementBits / steps / n : 0 },
    fp32Bits, qatBits,
    savingVsFp32: { peak: 1 - peakBits / fp32Bits, average: 1 - averageBits / fp32Bits },
    savingVsQat: { peak: 1 - peakBits / qatBits, average: 1 - averageBits / qatBits },
  };
}
