/**
 * The networks p-Meta adapts: a flat list of ops (linear, conv, batch norm, ReLU, 2×2 max-pool,
 * flatten) that mirrors an `nn.sequential` model one layer per op, so `net.model.init` gives the
 * parameter tree p-Meta meta-learns (`θ[j]` is op j's `{weight, bias}` or `{}`). p-Meta needs the
 * ops spelled out because it taps every layer's input X_{l−1} and output gradient g(Y_l), and
 * because the on-device engine and the §5 memory model walk the same list.
 */
import type { Params } from '../../tree.js';
import type { AdaptationOp } from '../../cost/adaptation.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { batchNorm2d, conv2d, flatten, linear, maxPool2d, relu, sequential } from '../../nn/layers.js';
import type { Layer } from '../../nn/layers.js';
import { layerArg, netArg } from './check.js';

const ratioOk = (x: unknown): boolean => typeof x === 'number' && x > 0 && x <= 1;

/** One op of a {@link Net}. */
export type OpSpec =
  | { readonly kind: 'linear'; readonly out: number }
  | { readonly kind: 'conv'; readonly out: number; readonly kernel: number; readonly padding: number }
  | { readonly kind: 'bn'; readonly eps: number }
  | { readonly kind: 'relu' }
  | { readonly kind: 'maxpool' }
  | { readonly kind: 'flatten' };

/**
 * A network as p-Meta sees it. `inShapes[j]`/`outShapes[j]` are op j's per-example shapes
 * (`[C]` or `[C, H, W]`); `layers` lists the op indices of the parameterised (linear/conv) layers,
 * bottom to top, so layer `l` of the spec is op `layers[l]` and the head is the last entry.
 */
export interface Net {
  readonly name: string;
  readonly ops: readonly OpSpec[];
  readonly inputShape: readonly number[];
  readonly inShapes: readonly (readonly number[])[];
  readonly outShapes: readonly (readonly number[])[];
  readonly layers: readonly number[];
  /** The same network as an `nn` layer: `init` gives θ and the batch-norm state. */
  readonly model: Layer<Params[]>;
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a positive integer`, 'integer >= 1', describe(v));
  return v;
}

function build(name: string, ops: OpSpec[], inputShape: readonly number[]): Net {
  const op = 'pmeta.net';
  const inShapes: number[][] = [];
  const outShapes: number[][] = [];
  const layers: number[] = [];
  const nnLayers: Layer<Params>[] = [];
  let s = inputShape.slice();
  ops.forEach((o, j) => {
    inShapes.push(s);
    switch (o.kind) {
      case 'linear':
        if (s.length !== 1) throw new NumError('SHAPE_MISMATCH', op, `linear op ${j} needs a flat input`, '[C]', fmtShape(s));
        s = [o.out]; layers.push(j); nnLayers.push(linear(o.out) as Layer<Params>); break;
      case 'conv': {
        if (s.length !== 3) throw new NumError('SHAPE_MISMATCH', op, `conv op ${j} needs [C, H, W]`, '[C, H, W]', fmtShape(s));
        const h = s[1]! + 2 * o.padding - o.kernel + 1, w = s[2]! + 2 * o.padding - o.kernel + 1;
        s = [o.out, h, w]; layers.push(j); nnLayers.push(conv2d(o.out, o.kernel, { padding: o.padding }) as Layer<Params>); break;
      }
      case 'bn': nnLayers.push(batchNorm2d({ eps: o.eps }) as Layer<Params>); break;
      case 'relu': nnLayers.push(relu()); break;
      case 'maxpool':
        if (s.length !== 3 || s[1]! < 2 || s[2]! < 2) throw new NumError('SHAPE_MISMATCH', op, `max-pool op ${j} needs [C, H >= 2, W >= 2]`, '[C, H, W]', fmtShape(s));
        s = [s[0]!, Math.floor(s[1]! / 2), Math.floor(s[2]! / 2)]; nnLayers.push(maxPool2d(2)); break;
      case 'flatten': s = [s.reduce((a, b) => a * b, 1)]; nnLayers.push(flatten()); break;
    }
    outShapes.push(s);
  });
  if (layers.length === 0 || ops[layers[layers.length - 1]!]!.kind !== 'linear') {
    throw new NumError('INVALID_ARGUMENT', op, 'the network must end in a linear head', 'a linear last layer', name);
  }
  return { name, ops, inputShape: inputShape.slice(), inShapes, outShapes, layers, model: sequential(...nnLayers) };
}

/**
 * The MLP of `nn.mlp(widths)` on `[inputDim]` inputs: linear, ReLU, …, linear.
 * @example
 * ```ts
 * const net = pmeta.mlpNet(1, [40, 40, 1]);      // the sinusoid MLP 1-40-40-1
 * const { params } = net.model.init(key(0), net.inputShape);
 * ```
 */
export function mlpNet(inputDim: number, widths: readonly number[]): Net {
  positiveInt('pmeta.mlpNet', 'inputDim', inputDim);
  if (!Array.isArray(widths) || widths.length === 0) throw new NumError('INVALID_ARGUMENT', 'pmeta.mlpNet', 'widths must be a non-empty array', 'number[]', describe(widths));
  const ops: OpSpec[] = [];
  widths.forEach((w, i) => {
    ops.push({ kind: 'linear', out: positiveInt('pmeta.mlpNet', `widths[${i}]`, w) });
    if (i < widths.length - 1) ops.push({ kind: 'relu' });
  });
  return build(`mlp ${[inputDim, ...widths].join('-')}`, ops, [inputDim]);
}

/**
 * The 4-conv backbone of `nn.conv4`: 4 × [conv 3×3 pad 1, BN, ReLU, max-pool 2], flatten, linear.
 * @example
 * ```ts
 * const net = pmeta.conv4Net({ classes: 3, channels: 32, inputShape: [1, 28, 28] });
 * ```
 */
export function conv4Net(opts: { classes: number; channels?: number | undefined; inputShape: readonly number[] }): Net {
  const op = 'pmeta.conv4Net';
  const classes = positiveInt(op, 'classes', opts?.classes);
  const c = positiveInt(op, 'channels', opts.channels ?? 64);
  if (!Array.isArray(opts.inputShape) || opts.inputShape.length !== 3) throw new NumError('SHAPE_MISMATCH', op, 'inputShape must be [C, H, W]', '[C, H, W]', describe(opts.inputShape));
  const ops: OpSpec[] = [];
  for (let b = 0; b < 4; b++) ops.push({ kind: 'conv', out: c, kernel: 3, padding: 1 }, { kind: 'bn', eps: 1e-5 }, { kind: 'relu' }, { kind: 'maxpool' });
  ops.push({ kind: 'flatten' }, { kind: 'linear', out: classes });
  return build(`conv4-${c}`, ops, opts.inputShape);
}

/**
 * Input and output channels of parameterised layer `l` (`[C_l, C_{l−1}]`) and its kernel size.
 * @example
 * ```ts
 * const net = pmeta.conv4Net({ classes: 5, channels: 32, inputShape: [3, 84, 84] });
 * pmeta.layerChannels(net, 0); // {cout: 32, cin: 3, k: 3}
 * pmeta.layerChannels(net, 4).cout; // 5
 * ```
 */
export function layerChannels(net: Net, l: number): { cout: number; cin: number; k: number } {
  netArg('pmeta.layerChannels', 'net', net);
  const j = net.layers[layerArg('pmeta.layerChannels', net.layers.length, l)]!;
  const o = net.ops[j]!;
  const cin = net.inShapes[j]![0]!;
  if (o.kind === 'conv') return { cout: o.out, cin, k: o.kernel };
  if (o.kind === 'linear') return { cout: o.out, cin, k: 1 };
  throw new NumError('INVALID_ARGUMENT', 'pmeta', `op ${j} is not a parameterised layer`, 'linear | conv', o.kind);
}

/**
 * The ops of `net` as the §5 cost model reads them, with per-layer update flags and ratios.
 * `updated[l]`: layer l adapts at this step; `rho[l]`: its `[ρ_fw, ρ_bw]` (1 with attention off).
  * @example
  * ```ts
  * const net = pmeta.mlpNet(1, [8, 1]);
  * const ops = pmeta.costOps(net, [true, true], [[1, 1], [1, 1]], false);
  * ops.map((o) => o.kind); // ['linear', 'relu', 'linear']
  * ```
  */
export function costOps(net: Net, updated: readonly boolean[], rho: readonly (readonly [number, number])[], bnBatch: boolean): AdaptationOp[] {
  const op = 'pmeta.costOps';
  const L = netArg(op, 'net', net).layers.length;
  if (!Array.isArray(updated) || updated.length !== L) throw new NumError('INVALID_ARGUMENT', op, 'updated needs one flag per layer', `${L} booleans`, describe(updated));
  if (!Array.isArray(rho) || rho.length !== L || !rho.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => ratioOk(x)))) {
    throw new NumError('INVALID_ARGUMENT', op, 'rho needs one [ρ_fw, ρ_bw] pair in (0, 1] per layer', `${L} pairs`, describe(rho));
  }
  return net.ops.map((o, j): AdaptationOp => {
    const base = { inShape: net.inShapes[j]!, outShape: net.outShapes[j]! };
    switch (o.kind) {
      case 'linear': case 'conv': {
        const l = net.layers.indexOf(j);
        return { ...base, kind: o.kind, kernel: o.kind === 'conv' ? o.kernel : 1, updated: updated[l] === true, rhoFw: rho[l]![0], rhoBw: rho[l]![1] };
      }
      case 'bn': return { ...base, kind: 'bn', batchStats: bnBatch };
      default: return { ...base, kind: o.kind };
    }
  });
}
