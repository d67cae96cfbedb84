/**
 * Multiply–accumulate counts of linear and conv2d layers per pass, and the energy of the three
 * GEMMs of a training step at per-layer bit widths.
 *
 * For a layer with weight `W` (linear `[out, in]`, conv2d `[out, in/g, kh, kw]`) and a batch of
 * `B` examples, every output element is one dot product of length `|W| / out`, so
 *
 *   M_fwd = B · |out| · |W| / out            (linear: B·in·out; conv: B·out·Ho·Wo·(in/g)·kh·kw)
 *
 * The backward-data product (`dL/dx = dL/dy · W`) and the weight-gradient product
 * (`dL/dW = dL/dyᵀ · x`) are the same GEMM shapes transposed, so each also costs `M_fwd`.
 * Bias adds, batch norm, pooling and activations are not GEMMs and are not counted.
 */
import { NumError, describe } from '../errors.js';
import { numel } from './check.js';
import { count, nonNegative } from '../validate.js';
import { macEnergy } from './energy.js';
import type { Operand } from './energy.js';
import { checkLayerSpec, checkLayerSpecs, isTrainable } from './layers.js';
import type { LayerSpec } from './layers.js';

/**
 * MACs of one layer in the three products of a training step.
 *
 * @example
 * ```ts
 * const m: cost.PassMacs = cost.layerMacs(spec, 32);
 * m.forward + m.backwardData + m.backwardWeight;
 * ```
 */
export interface PassMacs {
  /** `y = x·Wᵀ` (or the convolution). */
  forward: number;
  /** `dL/dx` from `dL/dy` and `W`. */
  backwardData: number;
  /** `dL/dW` from `dL/dy` and `x`. */
  backwardWeight: number;
}

/** Forward MACs per example of a resolved spec (0 for layers that are not GEMMs). */
function forwardPerExample(s: LayerSpec): number {
  if (s.kind !== 'linear' && s.kind !== 'conv2d') return 0;
  const w = s.weightShape!;
  return (numel(s.outShape) * numel(w)) / w[0]!;
}

/**
 * MACs of one layer per pass for a batch: each pass costs `B · |out| · |W| / out` for linear and
 * conv2d, 0 for every other kind (see the module comment). Whether a pass runs at all is decided
 * by {@link trainingMacs}.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a batch that is not an integer ≥ 1 or a bad spec.
 * @example
 * ```ts
 * const [fc1] = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }]);
 * cost.layerMacs(fc1!, 32); // { forward: 6422528, backwardData: 6422528, backwardWeight: 6422528 }
 * ```
 */
export function layerMacs(spec: LayerSpec, batch: number): PassMacs {
  const op = 'cost.layerMacs';
  const b = count(op, 'batch', batch, 1);
  const m = b * forwardPerExample(checkLayerSpec(op, 0, spec));
  return { forward: m, backwardData: m, backwardWeight: m };
}

/**
 * Per-layer and total MACs of one training (or adaptation) step of a batch.
 *
 * @example
 * ```ts
 * const t: cost.TrainingMacs = cost.trainingMacs(specs, 32);
 * t.total.all; // forward + backward-data + weight-gradient MACs
 * ```
 */
export interface TrainingMacs {
  /** One entry per spec, in order (zeros for layers that are not GEMMs). */
  layers: PassMacs[];
  /** Sums over the layers, and `all` = the three passes together. */
  total: PassMacs & { all: number };
  /** Index of the first layer with trainable parameters (−1 when nothing is trained). */
  firstTrainable: number;
}

/**
 * MACs of a training step: the forward pass of every layer, the backward-data pass of every
 * layer after the first trainable one (the gradient must reach that layer, not the input), and
 * the weight-gradient pass of every trainable linear/conv2d layer. With everything trainable
 * this is RCT's count (backward-data skipped for the first layer); with `trainable: false` on
 * the early layers it is p-Meta's adaptation count. With nothing trainable it is inference.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad batch or spec list.
 * @example
 * ```ts
 * const specs = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);
 * const t = cost.trainingMacs(specs, 32);
 * t.total; // { forward: 6504448, backwardData: 81920, backwardWeight: 6504448, all: 13090816 }
 * ```
 */
export function trainingMacs(specs: readonly LayerSpec[], batch: number): TrainingMacs {
  const op = 'cost.trainingMacs';
  const b = count(op, 'batch', batch, 1);
  checkLayerSpecs(op, specs);
  const first = specs.findIndex(isTrainable);
  const layers = specs.map((s, j): PassMacs => {
    const m = b * forwardPerExample(s);
    return { forward: m, backwardData: first >= 0 && j > first ? m : 0, backwardWeight: isTrainable(s) ? m : 0 };
  });
  const total = { forward: 0, backwardData: 0, backwardWeight: 0, all: 0 };
  for (const l of layers) {
    total.forward += l.forward; total.backwardData += l.backwardData; total.backwardWeight += l.backwardWeight;
  }
  total.all = total.forward + total.backwardData + total.backwardWeight;
  return { layers, total, firstTrainable: first };
}

/**
 * Bit widths of one layer's GEMMs: weights `W`, activations `x` (the layer's input), errors
 * `dL/dy`, and the accumulator (default: see {@link macEnergy}).
 *
 * @example
 * ```ts
 * const fp32: cost.GemmBits = { weight: 'f32', activation: 'f32', error: 'f32' };
 * const int8: cost.GemmBits = { weight: 8, activation: 8, error: 8, accumulator: 32 };
 * ```
 */
export interface GemmBits {
  weight: Operand;
  activation: Operand;
  error: Operand;
  accumulator?: Operand | undefined;
}

/**
 * Energy of the GEMMs, pJ, per pass and per layer.
 *
 * @example
 * ```ts
 * const e: cost.GemmEnergy = cost.gemmEnergy(t.layers, fp32);
 * cost.pJ(e.total); // joules
 * ```
 */
export interface GemmEnergy {
  forward: number;
  backwardData: number;
  backwardWeight: number;
  total: number;
  /** Total pJ of each layer. */
  layers: number[];
}

/**
 * Energy of the GEMMs of a step, pJ:
 *
 *   E = Σ_l [ M^fwd_l · E_MAC(b_w, b_x) + M^bwd-data_l · E_MAC(b_w, b_e) + M^bwd-weight_l · E_MAC(b_e, b_x) ]
 *
 * with `E_MAC` = {@link macEnergy} at the layer's widths. Pass the `layers` of
 * {@link trainingMacs} (or any per-layer `PassMacs`) and either one `GemmBits` for every layer or
 * one per layer. To sum over training with changing widths, call it per step (or per interval
 * with the MACs scaled by the step count) and add the results.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for negative / NaN MAC counts, bad widths, or a bits array
 *   whose length differs from the layers'.
 * @example
 * ```ts
 * const specs = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);
 * const t = cost.trainingMacs(specs, 32);
 * cost.gemmEnergy(t.layers, { weight: 'f32', activation: 'f32', error: 'f32' }).total; // 4.6 · t.total.all
 * cost.gemmEnergy(t.layers, { weight: 8, activation: 8, error: 8 }).total;             // 0.3 · t.total.all
 * ```
 */
export function gemmEnergy(macs: readonly PassMacs[], bits: GemmBits | readonly GemmBits[]): GemmEnergy {
  const op = 'cost.gemmEnergy';
  if (!Array.isArray(macs)) throw new NumError('INVALID_ARGUMENT', op, 'macs must be an array of per-layer PassMacs', 'PassMacs[]', describe(macs));
  if (Array.isArray(bits) && bits.length !== macs.length) {
    throw new NumError('INVALID_ARGUMENT', op, 'give one GemmBits per layer, or a single one for all', `${macs.length} entries`, String(bits.length));
  }
  const out: GemmEnergy = { forward: 0, backwardData: 0, backwardWeight: 0, total: 0, layers: [] };
  macs.forEach((m, j) => {
    if (m === null || typeof m !== 'object') throw new NumError('INVALID_ARGUMENT', op, `macs[${j}] must be a PassMacs record`, 'PassMacs', describe(m));
    const w: GemmBits | undefined = Array.isArray(bits) ? (bits as readonly GemmBits[])[j] : (bits as GemmBits);
    if (w === null || typeof w !== 'object') throw new NumError('INVALID_ARGUMENT', op, `bits of layer ${j} must be a GemmBits record`, 'GemmBits', describe(w));
    const f = nonNegative(op, `macs[${j}].forward`, m.forward) * (m.forward === 0 ? 0 : macEnergy(w.weight, w.activation, w.accumulator));
    const d = nonNegative(op, `macs[${j}].backwardData`, m.backwardData) * (m.backwardData === 0 ? 0 : macEnergy(w.weight, w.error, w.accumulator));
    const g = nonNegative(op, `macs[${j}].backwardWeight`, m.backwardWeight) * (m.backwardWeight === 0 ? 0 : macEnergy(w.error, w.activation, w.accumulator));
    out.forward += f; out.backwardData += d; out.backwardWeight += g;
    out.layers.push(f + d + g);
  });
  out.total = out.forward + out.backwardData + out.backwardWeight;
  return out;
}
