/**
 * Layers as `{init, apply}` pairs of pure functions (no classes, no hidden state). Parameters are
 * plain trees (`{weight, bias}`, arrays for `sequential`), so they work with `grad`, `tree.map`,
 * the optimizers and `saveTree`, and get PyTorch-style names (`"0.weight"`).
 *
 * Shapes given to `init` and returned as `outputShape` are **per example** (no batch axis);
 * `apply` takes a batch `[N, ...shape]`.
 */
import type { Params } from '../tree.js';
import { NumError, describe, fmtShape } from '../errors.js';
import { foldIn, split, uniform } from '../random.js';
import type { Key } from '../random.js';
import { ones, zeros } from '../tensor/create.js';
import { add, relu as reluOp } from '../tensor/ops/elementwise.js';
import { matmul } from '../tensor/ops/matmul.js';
import { reshape, transpose } from '../tensor/ops/movement.js';
import { avgPool2d as avgPoolOp, conv2d as conv2dOp, makeWindow, maxPool2d as maxPoolOp } from '../tensor/ops/conv.js';
import type { Conv2dOptions, Pair, PoolOptions } from '../tensor/ops/conv.js';
import { Tensor } from '../tensor/tensor.js';
import { batchNorm as batchNormOp, dropout as dropoutOp } from './functional.js';
import { checkElements, positiveInt } from '../validate.js';
import { builtin, convPoolInference, fusable } from './fuse.js';
import { tensorArg } from '../sparse/primitives.js';

/**
 * Per-call context. `training` switches batch norm and dropout; `key` feeds dropout (each layer of
 * a `sequential` gets `foldIn(key, index)`); `state` is the layer's non-trainable state (batch-norm
 * running statistics) and stateful layers write their updated state to `newState` in training
 * mode; `extras` carries per-call data for algorithms (masks, quantized views).
 */
export interface Ctx {
  training?: boolean | undefined;
  key?: Key | undefined;
  state?: Params | undefined;
  newState?: Params | undefined;
  extras?: Record<string, unknown> | undefined;
  /** Replacement kernels for the weight products of `linear` and `conv2d` (packed inference). */
  kernels?: WeightKernels | undefined;
}

/**
 * Kernels that replace the float weight product of {@link linear} (`x·Wᵀ`) and {@link conv2d}
 * (the convolution without bias), e.g. to run bit-packed weights. A kernel returns `undefined` to
 * decline (the float op runs); the layer adds its bias either way.
 * @example
 * ```ts
 * const kernels: WeightKernels = { linear: (x, w) => (w === packedWeight ? myGemm(x) : undefined) };
 * model.apply(params, x, { training: false, state, kernels });
 * ```
 */
export interface WeightKernels {
  linear?(x: Tensor, weight: Tensor): Tensor | undefined;
  conv2d?(x: Tensor, weight: Tensor, opts: Conv2dOptions): Tensor | undefined;
  /**
   * conv2d with its bias, then a max pool and a relu (`relu` says where), at once: what
   * `nn.sequential` asks at inference for conv → maxPool2d (→ relu) layers (src/nn/fuse.ts).
   * `undefined` declines, and the layers run one by one (through `conv2d` above).
   */
  conv2dPool?(x: Tensor, weight: Tensor, bias: Tensor | undefined, conv: LayerInfo, pool: LayerInfo, relu: 'none' | 'after' | 'before'): Tensor | undefined;
}

/** What `init` returns. */
export interface Init<P extends Params = Params> {
  params: P;
  /** Non-trainable state (empty object for stateless layers). */
  state: Params;
  /** Per-example output shape. */
  outputShape: number[];
}

/** A layer: a pure `init` and a pure `apply`. */
export interface Layer<P extends Params = Params> {
  init(key: Key, inputShape: readonly number[]): Init<P>;
  apply(params: P, x: Tensor, ctx?: Ctx): Tensor;
  /** What the layer is (set by the `nn` constructors), for tools that read a model without running it. */
  readonly info?: LayerInfo | undefined;
}

/**
 * A layer's constructor name and hyperparameters, e.g. `{ kind: 'conv2d', options: { out: 20,
 * kernel: 5, … } }`; `sequential` lists its children. Read by `cost.modelLayerSpecs`.
 * @example
 * ```ts
 * nn.linear(10).info; // { kind: 'linear', options: { out: 10, bias: true } }
 * ```
 */
export interface LayerInfo {
  readonly kind: string;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly layers?: readonly Layer<Params>[] | undefined;
}

/** `{weight, bias?}` parameters of linear and conv layers. */
export interface DenseParams {
  [name: string]: Tensor;
  weight: Tensor;
}

const NONE: Params = {};

function shapeOf(op: string, s: readonly number[], rank: number): number[] {
  if (!Array.isArray(s) || s.length !== rank || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new NumError('SHAPE_MISMATCH', op, `input shape must have ${rank} positive dims (per example, no batch axis)`, `${rank} dims`, describe(s));
  }
  return s.slice();
}

/** PyTorch's default init: U(−1/√fanIn, 1/√fanIn) for weights and biases. */
function fanInUniform(k: Key, shape: number[], fanIn: number): Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return uniform(k, shape, { min: -b, max: b });
}

/**
 * Fully connected layer `y = x·Wᵀ + b` on the last axis; `weight` is `[out, in]` (PyTorch layout).
 * @example
 * ```ts
 * const fc = nn.linear(10);
 * const { params } = fc.init(key(0), [784]);   // weight [10, 784], bias [10]
 * fc.apply(params, zeros([32, 784])).shape;    // [32, 10]
 * ```
 */
export function linear(out: number, opts?: { bias?: boolean | undefined }): Layer<DenseParams> {
  positiveInt('nn.linear', 'out', out);
  const useBias = opts?.bias ?? true;
  return {
    info: { kind: 'linear', options: { out, bias: useBias } },
    init(k, inputShape) {
      if (!Array.isArray(inputShape) || inputShape.length < 1) throw new NumError('SHAPE_MISMATCH', 'nn.linear', 'input needs a feature axis', '>= 1 dim', fmtShape(inputShape));
      const fanIn = inputShape[inputShape.length - 1]!;
      const [kw, kb] = split(k, 2) as [Key, Key];
      const params: DenseParams = { weight: fanInUniform(kw, [out, fanIn], fanIn) };
      if (useBias) params.bias = fanInUniform(kb, [out], fanIn);
      return { params, state: NONE, outputShape: [...inputShape.slice(0, -1), out] };
    },
    apply(p, x, ctx) {
      if (p === null || typeof p !== 'object') throw new NumError('STRUCTURE_MISMATCH', 'nn.linear', 'params must be {weight, bias?}', '{weight, bias?}', describe(p));
      const y = ctx?.kernels?.linear?.(x, p.weight) ?? matmul(x, transpose(p.weight));
      return p.bias !== undefined ? add(y, p.bias) : y;
    },
  };
}

/**
 * 2-D convolution layer; `weight` is `[out, in/groups, kh, kw]`, `bias` `[out]`.
 * @example
 * ```ts
 * const conv = nn.conv2d(20, 5);                       // 5×5, stride 1, no padding
 * conv.init(key(0), [1, 28, 28]).outputShape;           // [20, 24, 24]
 * ```
 */
export function conv2d(out: number, kernel: Pair, opts?: Conv2dOptions & { bias?: boolean | undefined }): Layer<DenseParams> {
  positiveInt('nn.conv2d', 'out', out);
  const useBias = opts?.bias ?? true;
  const groups = opts?.groups ?? 1;
  if (typeof kernel !== 'number' && !(Array.isArray(kernel) && kernel.length === 2)) throw new NumError('INVALID_ARGUMENT', 'nn.conv2d', 'kernel must be a size or a [kh, kw] pair', 'number | [number, number]', describe(kernel));
  const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  const convOpts: Conv2dOptions = { stride: opts?.stride, padding: opts?.padding, dilation: opts?.dilation, groups };
  return builtin({
    info: { kind: 'conv2d', options: { out, kernel, ...convOpts, bias: useBias } },
    init(k, inputShape) {
      const [c, h, w] = shapeOf('nn.conv2d', inputShape, 3) as [number, number, number];
      if (c % groups !== 0 || out % groups !== 0) {
        throw new NumError('SHAPE_MISMATCH', 'nn.conv2d', 'groups must divide input and output channels', `groups dividing ${c} and ${out}`, String(groups));
      }
      const win = makeWindow('nn.conv2d', h, w, [kh, kw], convOpts);
      const fanIn = (c / groups) * kh * kw;
      const [kw_, kb] = split(k, 2) as [Key, Key];
      const params: DenseParams = { weight: fanInUniform(kw_, [out, c / groups, kh, kw], fanIn) };
      if (useBias) params.bias = fanInUniform(kb, [out], fanIn);
      return { params, state: NONE, outputShape: [out, win.ho, win.wo] };
    },
    apply(p, x, ctx) {
      const y = ctx?.kernels?.conv2d?.(x, p.weight, convOpts);
      if (y === undefined) return conv2dOp(x, p.weight, { ...convOpts, bias: p.bias });
      return p.bias !== undefined ? add(y, reshape(p.bias, [1, -1, 1, 1])) : y;
    },
  });
}

/** A layer with no parameters. */
function stateless(op: string, outShape: (s: readonly number[]) => number[], fn: (x: Tensor, ctx: Ctx | undefined) => Tensor, info?: LayerInfo): Layer<Params> {
  return {
    info: info ?? { kind: op.slice(3) },
    init(_k, inputShape) {
      if (!Array.isArray(inputShape)) throw new NumError('SHAPE_MISMATCH', op, 'input shape must be an array', 'number[]', describe(inputShape));
      return { params: NONE, state: NONE, outputShape: outShape(inputShape) };
    },
    apply: (_p, x, ctx) => fn(x, ctx),
  };
}

/**
 * ReLU activation.
 * @example
 * ```ts
 * nn.sequential(nn.linear(64), nn.relu(), nn.linear(10));
 * ```
 */
export function relu(): Layer<Params> {
  return builtin(stateless('nn.relu', (s) => s.slice(), (x) => reluOp(x)));
}

/**
 * Applies a quantizer to the activations (binary/low-bit networks), e.g. `quant.steSign()`:
 * quantized forward pass, straight-through backward pass.
 * @example
 * ```ts
 * nn.sequential(nn.quantizeActivations(quant.steSign()), nn.linear(512, { bias: false }));
 * ```
 */
export function quantizeActivations(q: { readonly name: string; apply(x: Tensor): Tensor }): Layer<Params> {
  if (q === null || typeof q !== 'object' || typeof q.apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', 'nn.quantizeActivations', 'expected a quantizer', 'Quantizer', describe(q));
  }
  return stateless('nn.quantizeActivations', (s) => s.slice(), (x) => q.apply(x));
}

/**
 * Flattens every axis after the batch axis.
 * @example
 * ```ts
 * nn.flatten().init(key(0), [50, 4, 4]).outputShape; // [800]
 * ```
 */
export function flatten(): Layer<Params> {
  return stateless('nn.flatten', (s) => [s.reduce((a, b) => a * b, 1)], (x) => reshape(x, [tensorArg('nn.flatten', 'x', x).shape[0]!, -1]));
}

function poolLayer(op: string, kernel: Pair, opts: PoolOptions | undefined, fn: typeof maxPoolOp): Layer<Params> {
  const info: LayerInfo = { kind: op.slice(3), options: { kernel, stride: opts?.stride ?? kernel, padding: opts?.padding } };
  return stateless(op, (s) => {
    const [c, h, w] = shapeOf(op, s, 3) as [number, number, number];
    const win = makeWindow(op, h, w, kernel, { stride: opts?.stride ?? kernel, padding: opts?.padding });
    return [c, win.ho, win.wo];
  }, (x) => fn(x, kernel, opts), info);
}

/**
 * Max pooling layer (stride defaults to the kernel size).
 * @example
 * ```ts
 * nn.maxPool2d(2).init(key(0), [20, 24, 24]).outputShape; // [20, 12, 12]
 * ```
 */
export function maxPool2d(kernel: Pair, opts?: PoolOptions): Layer<Params> {
  return builtin(poolLayer('nn.maxPool2d', kernel, opts, maxPoolOp));
}

/**
 * Average pooling layer (stride defaults to the kernel size).
 * @example
 * ```ts
 * nn.avgPool2d(2).init(key(0), [8, 4, 4]).outputShape; // [8, 2, 2]
 * ```
 */
export function avgPool2d(kernel: Pair, opts?: PoolOptions): Layer<Params> {
  return poolLayer('nn.avgPool2d', kernel, opts, avgPoolOp);
}

/**
 * Dropout layer: active only when `ctx.training` is true; needs `ctx.key` then.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(8), nn.dropout(0.5));
 * const { params } = model.init(key(0), [4]);
 * model.apply(params, ones([2, 4]), { training: true, key: foldIn(key(0), 1) }).shape; // [2, 8]
 * ```
 */
export function dropout(p: number): Layer<Params> {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new NumError('OUT_OF_RANGE', 'nn.dropout', 'p must be in [0, 1)', '0 <= p < 1', describe(p));
  return stateless('nn.dropout', (s) => s.slice(), (x, ctx) => {
    if (!ctx?.training || p === 0) return x;
    if (ctx.key === undefined) throw new NumError('INVALID_ARGUMENT', 'nn.dropout', 'training mode needs ctx.key', 'a Key', 'undefined');
    return dropoutOp(ctx.key, x, p);
  }, { kind: 'dropout', options: { p } });
}

/** Batch-norm parameters and state. */
export interface BatchNormParams { [name: string]: Tensor; weight: Tensor; bias: Tensor }

/**
 * Batch normalisation over the channel axis (axis 1) with learnable scale/shift (`weight`,
 * `bias`) and running statistics in the layer state (`runningMean`, `runningVar`). Works for
 * `[N, C]` and `[N, C, H, W]`.
 * @example
 * ```ts
 * const bn = nn.batchNorm2d();
 * const { params, state } = bn.init(key(0), [16, 8, 8]);
 * const ctx = { training: true, state };
 * bn.apply(params, ones([4, 16, 8, 8]), ctx); // ctx.newState holds the updated running statistics
 * ```
 */
export function batchNorm2d(opts?: { momentum?: number | undefined; eps?: number | undefined }): Layer<BatchNormParams> {
  return {
    info: { kind: 'batchNorm2d', options: { momentum: opts?.momentum, eps: opts?.eps } },
    init(_k, inputShape) {
      if (!Array.isArray(inputShape) || inputShape.length < 1) throw new NumError('SHAPE_MISMATCH', 'nn.batchNorm2d', 'input needs a channel axis', '>= 1 dim', fmtShape(inputShape));
      // A per-example shape that could never be allocated is refused before the [C] parameters are.
      checkElements('nn.batchNorm2d', inputShape.reduce((x, d) => x * d, 1), 'input shape');
      const c = inputShape[0]!;
      return {
        params: { weight: ones([c]), bias: zeros([c]) },
        state: { runningMean: zeros([c]), runningVar: ones([c]) },
        outputShape: inputShape.slice(),
      };
    },
    apply(p, x, ctx) {
      const st = ctx?.state as { runningMean?: Tensor; runningVar?: Tensor } | undefined;
      if (st?.runningMean === undefined || st.runningVar === undefined) {
        throw new NumError('STATE_MISMATCH', 'nn.batchNorm2d', 'ctx.state must hold runningMean and runningVar (from init)', '{runningMean, runningVar}', describe(st));
      }
      const r = batchNormOp(x, {
        weight: p.weight, bias: p.bias, runningMean: st.runningMean, runningVar: st.runningVar,
        training: ctx?.training === true, momentum: opts?.momentum, eps: opts?.eps,
      });
      if (ctx !== undefined && ctx.training) ctx.newState = { runningMean: r.runningMean, runningVar: r.runningVar };
      return r.y;
    },
  };
}

/**
 * Same layer as {@link batchNorm2d}, for `[N, C]` inputs.
 * @example
 * ```ts
 * const bn = nn.batchNorm1d();
 * const { params, state } = bn.init(key(0), [3]);
 * const ctx: nn.Ctx = { training: true, state };
 * const y = bn.apply(params, tensor([[1, 2, 3], [3, 4, 5]]), ctx); // each column normalised to ±1 (up to ε)
 * max(abs(sub(y, tensor([[-1, -1, -1], [1, 1, 1]])))).item() < 1e-4; // true
 * ctx.newState !== undefined; // true: the running statistics moved
 * ```
 */
export const batchNorm1d = batchNorm2d;

/**
 * Chains layers. Parameters and state are arrays with one entry per layer (stateless layers hold
 * `{}`), so names read `"0.weight"`, `"3.bias"`. Each layer gets `foldIn(ctx.key, index)`.
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(256), nn.relu(), nn.linear(10));
 * const { params, state } = model.init(key(0), [784]);
 * const logits = model.apply(params, zeros([32, 784]));
 * logits.shape; // [32, 10]
 * ```
 */
export function sequential(...layers: Layer<Params>[]): Layer<Params[]> {
  layers.forEach((l, i) => {
    if (typeof l?.init !== 'function' || typeof l.apply !== 'function') {
      throw new NumError('INVALID_ARGUMENT', 'nn.sequential', `layer ${i} is not a {init, apply} pair`, 'Layer', describe(l));
    }
  });
  return {
    info: { kind: 'sequential', layers },
    init(k, inputShape) {
      if (!Array.isArray(inputShape)) throw new NumError('SHAPE_MISMATCH', 'nn.sequential', 'input shape must be an array', 'number[]', describe(inputShape));
      const keys = split(k, Math.max(1, layers.length));
      let shape = inputShape.slice();
      const params: Params[] = [];
      const state: Params[] = [];
      layers.forEach((l, i) => {
        const r = l.init(keys[i]!, shape);
        params.push(r.params);
        state.push(r.state);
        shape = r.outputShape;
      });
      return { params, state, outputShape: shape };
    },
    apply(params, x, ctx) {
      if (!Array.isArray(params) || params.length !== layers.length) {
        throw new NumError('STRUCTURE_MISMATCH', 'nn.sequential', 'params must hold one entry per layer', `${layers.length} entries`, describe(params));
      }
      if (ctx !== undefined && (ctx === null || typeof ctx !== 'object')) throw new NumError('INVALID_ARGUMENT', 'nn.sequential', 'ctx must be an object when given', 'Ctx', describe(ctx));
      const states = ctx?.state as Params[] | undefined;
      const newStates: Params[] = [];
      let h = x;
      let skip = 0;
      layers.forEach((l, i) => {
        if (skip > 0) { skip--; newStates.push(states?.[i] ?? NONE); return; }
        if (!ctx?.training) {
          // inference on wasm: conv → max pool (→ relu) as one pass (src/nn/fuse.ts)
          const f = fusable(layers, i);
          const poolAt = f.relu === 'before' ? i + 2 : i + 1;
          const kx = ctx?.kernels, p = params[i] as { weight?: unknown; bias?: unknown };
          const y = f.span === 0 ? undefined
            : kx === undefined ? convPoolInference(l.info!, layers[poolAt]!.info!, params[i]!, h, f.relu)
              : p.weight instanceof Tensor && (p.bias === undefined || p.bias instanceof Tensor)
                ? kx.conv2dPool?.(h, p.weight, p.bias as Tensor | undefined, l.info!, layers[poolAt]!.info!, f.relu) : undefined;
          if (y !== undefined) {
            h = y;
            newStates.push(states?.[i] ?? NONE);
            skip = f.span - 1;
            return;
          }
        }
        const child: Ctx = {
          training: ctx?.training,
          key: ctx?.key === undefined ? undefined : foldIn(ctx.key, i),
          state: states?.[i],
          extras: ctx?.extras,
          kernels: ctx?.kernels,
        };
        h = l.apply(params[i]!, h, child);
        newStates.push(child.newState ?? child.state ?? NONE);
      });
      if (ctx !== undefined && ctx.training && states !== undefined) ctx.newState = newStates;
      return h;
    },
  };
}
