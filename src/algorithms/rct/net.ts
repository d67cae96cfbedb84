/**
 * The networks RCT trains on integers: a sequential list of layer specs that mirrors an
 * `nn.sequential` model layer for layer, so the float twin (`net.float`) gives the same float
 * init, the same parameter paths (`"0.weight"`) and the FP32 / QAT baselines on the same layers.
 * Specs are data, not closures, because the integer executor (exec.ts) must see each layer.
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { conv2d, flatten, linear, maxPool2d, relu, sequential } from '../../nn/layers.js';
import type { Layer } from '../../nn/layers.js';
import { makeWindow } from '../../tensor/ops/conv.js';
import type { Window } from '../../tensor/kernels/conv.js';

/** One layer of an RCT network. conv2d is square, no groups or dilation. */
export type RctLayer =
  | { kind: 'conv2d'; out: number; kernel: number; stride?: number | undefined; padding?: number | undefined }
  | { kind: 'linear'; out: number }
  | { kind: 'relu' }
  | { kind: 'maxPool2d'; kernel: number }
  | { kind: 'flatten' };

/** Geometry of one GEMM layer, resolved from the input shape. */
export interface GemmLayer {
  index: number;
  kind: 'conv2d' | 'linear';
  /** Parameter paths. */
  weight: string;
  bias: string;
  /** Output channels / features. */
  out: number;
  /** Fan-in: C·k·k or input features. */
  fanIn: number;
  /** Output positions per example (Ho·Wo; 1 for linear). */
  positions: number;
  /** Forward multiply-accumulates per example: out · fanIn · positions. */
  macsPerExample: number;
  /** Input shape per example ([C, H, W] or [F]). */
  inShape: number[];
  window?: Window | undefined;
}

/** An RCT network: specs, input shape, float twin, and resolved per-layer geometry. */
export interface RctNet {
  readonly layers: readonly RctLayer[];
  readonly inputShape: readonly number[];
  /** The same network as an nn layer (float init, FP32 and QAT baselines). */
  readonly float: Layer<Params>;
  /** Per-example shapes after each layer (shapes[0] is the input). */
  readonly shapes: readonly (readonly number[])[];
  readonly gemms: readonly GemmLayer[];
}

function posInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a positive integer`, 'integer >= 1', describe(v));
  return v;
}

/**
 * Builds an RCT network from layer specs and the per-example input shape.
 * @example
 * ```ts
 * const n = rct.network([{ kind: 'linear', out: 32 }, { kind: 'relu' }, { kind: 'linear', out: 10 }], [784]);
 * n.gemms.length; // 2
 * ```
 */
export function network(layers: readonly RctLayer[], inputShape: readonly number[]): RctNet {
  const op = 'rct.network';
  if (!Array.isArray(layers) || layers.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'layers must be a non-empty array', 'RctLayer[]', describe(layers));
  if (!Array.isArray(inputShape)) throw new NumError('SHAPE_MISMATCH', op, 'inputShape must be an array', 'number[]', describe(inputShape));
  let shape = inputShape.slice();
  const shapes: number[][] = [shape];
  const gemms: GemmLayer[] = [];
  const nnLayers: Layer<Params>[] = [];
  layers.forEach((l, i) => {
    switch (l?.kind) {
      case 'conv2d': {
        if (shape.length !== 3) throw new NumError('SHAPE_MISMATCH', op, `layer ${i} (conv2d) needs a [C, H, W] input`, '3 dims', fmtShape(shape));
        const out = posInt(op, 'out', l.out), k = posInt(op, 'kernel', l.kernel);
        const stride = posInt(op, 'stride', l.stride ?? 1);
        const padding = l.padding ?? 0;
        if (!Number.isInteger(padding) || padding < 0) throw new NumError('INVALID_ARGUMENT', op, 'padding must be an integer >= 0', '>= 0', describe(padding));
        const [c, h, w] = shape as [number, number, number];
        const win = makeWindow(op, h, w, k, { stride, padding });
        const positions = win.ho * win.wo;
        gemms.push({ index: i, kind: 'conv2d', weight: `${i}.weight`, bias: `${i}.bias`, out, fanIn: c * k * k, positions, macsPerExample: out * c * k * k * positions, inShape: shape, window: win });
        nnLayers.push(conv2d(out, k, { stride, padding }) as Layer<Params>);
        shape = [out, win.ho, win.wo];
        break;
      }
      case 'linear': {
        if (shape.length !== 1) throw new NumError('SHAPE_MISMATCH', op, `layer ${i} (linear) needs a flat input (add a flatten layer)`, '1 dim', fmtShape(shape));
        const out = posInt(op, 'out', l.out);
        gemms.push({ index: i, kind: 'linear', weight: `${i}.weight`, bias: `${i}.bias`, out, fanIn: shape[0]!, positions: 1, macsPerExample: out * shape[0]!, inShape: shape });
        nnLayers.push(linear(out) as Layer<Params>);
        shape = [out];
        break;
      }
      case 'relu':
        nnLayers.push(relu());
        break;
      case 'maxPool2d': {
        const k = posInt(op, 'kernel', l.kernel);
        if (shape.length !== 3 || shape[1]! % k !== 0 || shape[2]! % k !== 0) {
          throw new NumError('SHAPE_MISMATCH', op, `layer ${i} (maxPool2d) needs [C, H, W] with H, W divisible by the kernel`, `multiples of ${k}`, fmtShape(shape));
        }
        nnLayers.push(maxPool2d(k));
        shape = [shape[0]!, shape[1]! / k, shape[2]! / k];
        break;
      }
      case 'flatten':
        nnLayers.push(flatten());
        shape = [shape.reduce((a, d) => a * d, 1)];
        break;
      default:
        throw new NumError('INVALID_ARGUMENT', op, `layer ${i} has an unknown kind`, 'conv2d | linear | relu | maxPool2d | flatten', describe((l as { kind?: unknown } | undefined)?.kind));
    }
    shapes.push(shape);
  });
  if (gemms.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'the network has no conv2d or linear layer', '>= 1 GEMM layer', '0');
  return { layers: layers.slice(), inputShape: inputShape.slice(), float: sequential(...nnLayers), shapes, gemms };
}

/**
 * LeNet5 exactly as `nn.lenet5()` (same layer order and parameter paths `0.*`, `3.*`, `7.*`,
 * `9.*`), for `[N, 1, 28, 28]` inputs.
 * @example
 * ```ts
 * const net = rct.lenet5();
 * const { params } = net.float.init(key(0), [1, 28, 28]); // the shared float init
 * ```
 */
export function lenet5(opts?: { classes?: number | undefined }): RctNet {
  return network([
    { kind: 'conv2d', out: 20, kernel: 5 }, { kind: 'maxPool2d', kernel: 2 }, { kind: 'relu' },
    { kind: 'conv2d', out: 50, kernel: 5 }, { kind: 'maxPool2d', kernel: 2 }, { kind: 'relu' },
    { kind: 'flatten' }, { kind: 'linear', out: 500 }, { kind: 'relu' }, { kind: 'linear', out: opts?.classes ?? 10 },
  ], [1, 28, 28]);
}

/**
 * A multi-layer perceptron as `nn.mlp(widths)` on `[N, inputs]`.
 * @example
 * ```ts
 * const net = rct.mlp(2, [16, 3]); // 2 → 16 → 3
 * ```
 */
export function mlp(inputs: number, widths: readonly number[]): RctNet {
  if (!Array.isArray(widths)) throw new NumError('INVALID_ARGUMENT', 'rct.mlp', 'widths must be an array of layer widths', 'number[]', describe(widths));
  const layers: RctLayer[] = [];
  widths.forEach((w, i) => {
    layers.push({ kind: 'linear', out: w });
    if (i < widths.length - 1) layers.push({ kind: 'relu' });
  });
  return network(layers, [inputs]);
}
