/**
 * Plain descriptions of a network's layers for the energy and memory models: what each layer
 * is, its per-example input and output shapes, its weight shape and the bit widths it stores and
 * moves. The models read only these records (no tensors), so a spec list can describe a network
 * that is too large to build, or one that runs on another device.
 */
import { NumError, describe } from '../errors.js';
import { makeWindow } from '../tensor/ops/conv.js';
import type { Padding, Pair } from '../tensor/ops/conv.js';
import { shapeArg } from './check.js';
import { count, nonNegative, positive } from '../validate.js';

/**
 * The layer kinds the models know. `identity` stands for any shape-preserving op that keeps
 * nothing for backward (or set `savedBitsPerElement`).
 *
 * @example
 * ```ts
 * const k: cost.LayerKind = 'conv2d';
 * ```
 */
export type LayerKind = 'linear' | 'conv2d' | 'batchNorm' | 'relu' | 'maxPool2d' | 'avgPool2d' | 'flatten' | 'dropout' | 'identity';

const KINDS: readonly LayerKind[] = ['linear', 'conv2d', 'batchNorm', 'relu', 'maxPool2d', 'avgPool2d', 'flatten', 'dropout', 'identity'];

/**
 * One layer, resolved: shapes are per example (no batch axis), as `nn` layers use them.
 *
 * @example
 * ```ts
 * const fc: cost.LayerSpec = { kind: 'linear', inShape: [784], outShape: [256], weightShape: [256, 784], bias: true };
 * ```
 */
export interface LayerSpec {
  kind: LayerKind;
  /** Name in reports; {@link layerSpecs} uses the layer's index, as `nn.sequential` names params. */
  name?: string | undefined;
  /** Per-example input shape. */
  inShape: readonly number[];
  /** Per-example output shape. */
  outShape: readonly number[];
  /** linear `[out, in]`, conv2d `[out, in/groups, kh, kw]`, batchNorm `[C]` (γ; β has the same shape). */
  weightShape?: readonly number[] | undefined;
  /** linear / conv2d: has a bias `[out]` (default false). */
  bias?: boolean | undefined;
  /** Pooling window `[kh, kw]` (a max-pool keeps a ⌈log₂(kh·kw)⌉-bit argmax per output). */
  kernel?: readonly [number, number] | undefined;
  /** Whether the layer's parameters are updated (default true for layers that have parameters). */
  trainable?: boolean | undefined;
  /** batchNorm: normalises with batch statistics (training mode; default true). */
  batchStats?: boolean | undefined;
  /** Bits per stored parameter (overrides the model-wide option). */
  paramBits?: number | undefined;
  /** Bits per element of the tensors this layer reads, writes and keeps (overrides the option). */
  activationBits?: number | undefined;
  /** Bits kept for backward per input element, replacing the kind's rule (e.g. 1 for an STE clip mask). */
  savedBitsPerElement?: number | undefined;
}

/** Fields every {@link LayerDesc} may carry; copied to the resolved {@link LayerSpec}. */
export interface LayerDescCommon {
  name?: string | undefined;
  trainable?: boolean | undefined;
  paramBits?: number | undefined;
  activationBits?: number | undefined;
  savedBitsPerElement?: number | undefined;
}

/**
 * One layer as `nn` constructs it (hyperparameters only); {@link layerSpecs} propagates the
 * shapes. Same geometry rules as `nn.conv2d` / `nn.maxPool2d` (pool stride defaults to the kernel).
 *
 * @example
 * ```ts
 * const net: cost.LayerDesc[] = [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }];
 * ```
 */
export type LayerDesc = LayerDescCommon & (
  | { kind: 'linear'; out: number; bias?: boolean | undefined }
  | { kind: 'conv2d'; out: number; kernel: Pair; stride?: Pair | undefined; padding?: Padding | undefined; dilation?: Pair | undefined; groups?: number | undefined; bias?: boolean | undefined }
  | { kind: 'batchNorm'; batchStats?: boolean | undefined }
  | { kind: 'maxPool2d' | 'avgPool2d'; kernel: Pair; stride?: Pair | undefined; padding?: Padding | undefined }
  | { kind: 'relu' | 'flatten' | 'dropout' | 'identity' }
);

function pairOf(k: Pair): [number, number] {
  return typeof k === 'number' ? [k, k] : [k[0], k[1]];
}

/**
 * Resolves a layer list against a per-example input shape, the way `nn.sequential` chains
 * `init`: each layer's output shape is the next one's input. Layers are named by index (`"0"`,
 * `"2"`, …) unless they carry a name, so names match `nn.sequential` parameter paths.
 *
 * Bias defaults to true for linear and conv2d, as in `nn`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an unknown kind or a bad hyperparameter,
 *   `SHAPE_MISMATCH` when a layer does not fit its input shape.
 * @example
 * ```ts
 * const specs = cost.layerSpecs([784], [{ kind: 'linear', out: 256 }, { kind: 'relu' }, { kind: 'linear', out: 10 }]);
 * specs[2]!.weightShape; // [10, 256]
 * ```
 */
export function layerSpecs(inputShape: readonly number[], layers: readonly LayerDesc[]): LayerSpec[] {
  const op = 'cost.layerSpecs';
  let shape = shapeArg(op, 'inputShape', inputShape);
  if (!Array.isArray(layers)) throw new NumError('INVALID_ARGUMENT', op, 'layers must be an array of layer descriptions', 'LayerDesc[]', describe(layers));
  return layers.map((d, i) => {
    if (d === null || typeof d !== 'object') throw new NumError('INVALID_ARGUMENT', op, `layer ${i} must be a record with a kind`, 'LayerDesc', describe(d));
    const inShape = shape;
    const spec = resolve(op, i, d, inShape);
    shape = spec.outShape.slice();
    return checkLayerSpec(op, i, spec);
  });
}

function resolve(op: string, i: number, d: LayerDesc, inShape: number[]): LayerSpec {
  const common: LayerSpec = { kind: d.kind, name: d.name ?? String(i), inShape, outShape: inShape };
  for (const k of ['trainable', 'paramBits', 'activationBits', 'savedBitsPerElement'] as const) {
    if (d[k] !== undefined) (common as unknown as Record<string, unknown>)[k] = d[k];
  }
  const where = `${op} (layer ${i}, ${String(d.kind)})`;
  const chw = (): [number, number, number] => {
    if (inShape.length !== 3) throw new NumError('SHAPE_MISMATCH', where, 'input must be [C, H, W] per example', '3 dims', describe(inShape));
    return inShape as [number, number, number];
  };
  switch (d.kind) {
    case 'linear': {
      const out = count(where, 'out', d.out, 1);
      const fanIn = inShape[inShape.length - 1]!;
      return { ...common, outShape: [...inShape.slice(0, -1), out], weightShape: [out, fanIn], bias: d.bias ?? true };
    }
    case 'conv2d': {
      const out = count(where, 'out', d.out, 1);
      const groups = count(where, 'groups', d.groups ?? 1, 1);
      const [c, h, w] = chw();
      if (c % groups !== 0 || out % groups !== 0) {
        throw new NumError('SHAPE_MISMATCH', where, 'groups must divide input and output channels', `groups dividing ${c} and ${out}`, String(groups));
      }
      const win = makeWindow(where, h, w, d.kernel, { stride: d.stride, padding: d.padding, dilation: d.dilation });
      const [kh, kw] = pairOf(d.kernel);
      return { ...common, outShape: [out, win.ho, win.wo], weightShape: [out, c / groups, kh, kw], bias: d.bias ?? true };
    }
    case 'batchNorm':
      return { ...common, outShape: inShape, weightShape: [inShape[0]!], batchStats: d.batchStats ?? true };
    case 'maxPool2d': case 'avgPool2d': {
      const [c, h, w] = chw();
      const win = makeWindow(where, h, w, d.kernel, { stride: d.stride ?? d.kernel, padding: d.padding });
      return { ...common, outShape: [c, win.ho, win.wo], kernel: pairOf(d.kernel) };
    }
    case 'flatten':
      return { ...common, outShape: [inShape.reduce((a, b) => a * b, 1)] };
    case 'relu': case 'dropout': case 'identity':
      return common;
    default:
      throw new NumError('INVALID_ARGUMENT', op, `layer ${i} has an unknown kind`, KINDS.join(' | '), describe((d as { kind?: unknown }).kind));
  }
}

/**
 * Whether a resolved layer has parameters. @internal
 * @example
 * ```ts
 * specs.filter(hasParams).length; // linear, conv2d and batchNorm layers
 * ```
 */
export function hasParams(s: LayerSpec): boolean {
  return s.weightShape !== undefined && (s.kind === 'linear' || s.kind === 'conv2d' || s.kind === 'batchNorm');
}

/**
 * Whether a resolved layer's parameters are updated. @internal
 * @example
 * ```ts
 * const jMin = specs.findIndex(isTrainable);
 * ```
 */
export function isTrainable(s: LayerSpec): boolean {
  return hasParams(s) && s.trainable !== false;
}

/**
 * Validates one resolved spec (shapes, weight shape of the kind, bit widths). @internal
 * @example
 * ```ts
 * checkLayerSpec('cost.layerMacs', 0, spec);
 * ```
 */
export function checkLayerSpec(op: string, i: number, s: LayerSpec): LayerSpec {
  const where = `${op} (layer ${i})`;
  if (s === null || typeof s !== 'object') throw new NumError('INVALID_ARGUMENT', where, 'a layer spec must be a record', 'LayerSpec', describe(s));
  if (!KINDS.includes(s.kind)) throw new NumError('INVALID_ARGUMENT', where, 'unknown layer kind', KINDS.join(' | '), describe(s.kind));
  const inShape = shapeArg(where, 'inShape', s.inShape);
  shapeArg(where, 'outShape', s.outShape);
  if (s.kind === 'linear' || s.kind === 'conv2d' || s.kind === 'batchNorm') {
    const w = shapeArg(where, 'weightShape', s.weightShape);
    const rank = s.kind === 'linear' ? 2 : s.kind === 'conv2d' ? 4 : 1;
    if (w.length !== rank) throw new NumError('SHAPE_MISMATCH', where, `a ${s.kind} weight has ${rank} dims`, `${rank} dims`, describe(w));
    if (s.kind === 'linear' && w[1] !== inShape[inShape.length - 1]) {
      throw new NumError('SHAPE_MISMATCH', where, 'linear weight [out, in] must match the input features', `in = ${inShape[inShape.length - 1]}`, String(w[1]));
    }
    if (s.kind === 'batchNorm' && w[0] !== inShape[0]) {
      throw new NumError('SHAPE_MISMATCH', where, 'batchNorm weight [C] must match the input channels', `C = ${inShape[0]}`, String(w[0]));
    }
    if (s.kind !== 'batchNorm' && s.outShape[s.kind === 'linear' ? s.outShape.length - 1 : 0] !== w[0]) {
      throw new NumError('SHAPE_MISMATCH', where, 'weight rows must match the output features/channels', String(w[0]), describe(s.outShape));
    }
  }
  if (s.kind === 'maxPool2d' || s.kind === 'avgPool2d') {
    const k = s.kernel;
    if (!Array.isArray(k) || k.length !== 2) throw new NumError('INVALID_ARGUMENT', where, 'a pooling layer needs kernel [kh, kw]', '[kh, kw]', describe(k));
    k.forEach((v) => count(where, 'kernel', v, 1));
  }
  if (s.paramBits !== undefined) nonNegative(where, 'paramBits', s.paramBits);
  if (s.activationBits !== undefined) positive(where, 'activationBits', s.activationBits);
  if (s.savedBitsPerElement !== undefined) nonNegative(where, 'savedBitsPerElement', s.savedBitsPerElement);
  return s;
}

/**
 * Checks a spec list passed to a model function. @internal
 * @example
 * ```ts
 * checkLayerSpecs('cost.trainingMemory', specs);
 * ```
 */
export function checkLayerSpecs(op: string, specs: readonly LayerSpec[]): readonly LayerSpec[] {
  if (!Array.isArray(specs)) throw new NumError('INVALID_ARGUMENT', op, 'layers must be an array of layer specs (see cost.layerSpecs)', 'LayerSpec[]', describe(specs));
  specs.forEach((s, i) => checkLayerSpec(op, i, s));
  return specs;
}
