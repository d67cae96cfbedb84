/**
 * Layer specs read from an `nn` model: the `nn` constructors record what each layer is
 * (`Layer.info`), so a model built with `nn.sequential` (and the reference models) can be costed
 * without describing it twice. Nothing is initialised or run.
 */
import type { Params } from '../tree.js';
import { NumError, describe } from '../errors.js';
import type { Layer } from '../nn/layers.js';
import type { Padding, Pair } from '../tensor/ops/conv.js';
import { layerSpecs } from './layers.js';
import type { LayerDesc, LayerSpec } from './layers.js';

/** The options an `nn` constructor recorded, typed for reading. */
type Opts = Readonly<Record<string, unknown>>;

function toDesc(op: string, name: string, l: Layer<Params>): LayerDesc {
  const info = l.info;
  if (info === undefined) {
    throw new NumError('INVALID_ARGUMENT', op, `layer '${name}' was not built by an nn constructor (no info); describe the network with cost.layerSpecs`, 'an nn layer', describe(l));
  }
  const o: Opts = info.options ?? {};
  switch (info.kind) {
    case 'linear':
      return { kind: 'linear', name, out: o.out as number, bias: o.bias as boolean };
    case 'conv2d':
      return {
        kind: 'conv2d', name, out: o.out as number, kernel: o.kernel as Pair, stride: o.stride as Pair | undefined,
        padding: o.padding as Padding | undefined, dilation: o.dilation as Pair | undefined, groups: o.groups as number | undefined, bias: o.bias as boolean,
      };
    case 'batchNorm2d':
      return { kind: 'batchNorm', name };
    case 'maxPool2d': case 'avgPool2d':
      return { kind: info.kind, name, kernel: o.kernel as Pair, stride: o.stride as Pair | undefined, padding: o.padding as Padding | undefined };
    case 'relu': case 'flatten': case 'dropout':
      return { kind: info.kind, name };
    case 'quantizeActivations':
      // A straight-through quantizer's backward passes the gradient where |x| ≤ clip: a 1-bit mask.
      return { kind: 'identity', name, savedBitsPerElement: 1 };
    default:
      throw new NumError('INVALID_ARGUMENT', op, `layer '${name}' is an nn '${info.kind}', which the cost model does not know; describe it with cost.layerSpecs`, 'a known nn layer', `'${info.kind}'`);
  }
}

function flatten(op: string, prefix: string, l: Layer<Params>, out: LayerDesc[]): void {
  if (l.info?.kind === 'sequential') {
    // Names follow sequential's parameter paths: "3", or "1.0" inside a nested sequential.
    (l.info.layers ?? []).forEach((c, i) => flatten(op, prefix === '' ? String(i) : `${prefix}.${i}`, c, out));
    return;
  }
  out.push(toDesc(op, prefix, l));
}

/**
 * The {@link LayerSpec} list of an `nn` model for a per-example input shape: `nn.sequential`
 * (nested ones are flattened) of `linear`, `conv2d`, `batchNorm2d`/`batchNorm1d`, `relu`,
 * `maxPool2d`, `avgPool2d`, `flatten`, `dropout` and `quantizeActivations` (an identity that keeps
 * a 1-bit clip mask), so `nn.mlp`, `nn.lenet5`, `nn.vggSmall` and `nn.conv4` all work. Layers are
 * named by their parameter path prefix (`"7"` for `7.weight`). Everything comes out trainable,
 * at the default widths; adjust the records (`trainable`, `paramBits`, …) before costing.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a layer that no `nn` constructor made (describe such a
 *   network with {@link layerSpecs}), `SHAPE_MISMATCH` when the input shape does not fit.
 * @example
 * ```ts
 * const specs = cost.modelLayerSpecs(nn.lenet5(), [1, 28, 28]);
 * cost.trainingMacs(specs, 64).total.forward; // 64 · 2,293,000
 * const frozen = specs.map((s) => (s.name === '9' ? s : { ...s, trainable: false })); // last layer only
 * ```
 */
export function modelLayerSpecs(model: Layer<Params> | Layer<Params[]>, inputShape: readonly number[]): LayerSpec[] {
  const op = 'cost.modelLayerSpecs';
  if (model === null || typeof model !== 'object' || typeof model.init !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'model must be an nn layer', 'Layer', describe(model));
  }
  const descs: LayerDesc[] = [];
  flatten(op, '', model as Layer<Params>, descs);
  return layerSpecs(inputShape, descs);
}
