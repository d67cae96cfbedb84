/**
 * The ALQ state: per quantized tensor, the multi-bit representation (bases B, coordinates α,
 * validity mask) in the spec's typed-array layout, plus the w-domain and α-domain statistics of
 * the diagonal quadratic model. Everything is a plain record of tensors, numbers and strings, so
 * it saves with `saveTree` and loads back with `loadTree`.
 */
import type { Params } from '../../tree.js';
import { customVjp } from '../../autograd/grad.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { ParamView } from '../../optim/view.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { isFloat } from '../../tensor/dtype.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { entries, isPlainObject, mapWithPath } from '../../tree.js';
import type { Tree } from '../../tree.js';
import type { Grouping, GroupLayout } from './grouping.js';
import { options } from '../../validate.js';
import { channelwise, groupLayout, kernelwise, pixelwise, subchannelwise } from './grouping.js';
import { checkMaxBits, sketchInto } from './sketch.js';

/**
 * Adam-style statistics `(m, v, v̂max)` of one domain (weights or coordinates), float32.
 *
 * @example
 * ```ts
 * const { m, v, vMax }: AlqMoments = state.layers[0]!.moments;
 * ```
 */
export interface AlqMoments {
  m: Tensor;
  v: Tensor;
  vMax: Tensor;
}

/**
 * One quantized tensor. Group g, slot i, weight j: `basis[g, i, j] ∈ {−1, 0, +1}` (int8
 * `[G, Imax, n]`; 0 exactly on masked slots), `alpha[g, i]` (float32 `[G, Imax]`, 0 on masked
 * slots), `mask[g, i] ∈ {0, 1}` (uint8 `[G, Imax]`). Group-major order maps to the tensor through
 * the {@link GroupLayout} of `grouping` (see {@link layerLayout}).
 *
 * @example
 * ```ts
 * const l: AlqLayer = state.layers[0]!;
 * l.path;                    // '0.weight'
 * l.basis.shape;             // [G, Imax, n]
 * ```
 */
export interface AlqLayer {
  /** Dotted path of the parameter leaf (`tree.paths` naming). */
  path: string;
  /** Shape of the weight tensor. */
  shape: number[];
  /** Grouping rule (`{kind, splits}`). */
  grouping: { kind: string; splits: number };
  /** n. */
  groupSize: number;
  /** G. */
  groups: number;
  /** Imax. */
  maxBits: number;
  basis: Tensor;
  alpha: Tensor;
  mask: Tensor;
  /** w-domain statistics, shaped like the weight. */
  moments: AlqMoments;
  /** α-domain statistics, `[G, Imax]`. */
  alphaMoments: AlqMoments;
  /** Float shadow weights of the post-training STE stage (null until the first STE step). */
  shadow: Tensor | null;
}

/**
 * The state of all ALQ transforms and of {@link view}: the quantized layers in leaf order and the
 * number of minibatches `t` seen by the quadratic model (both domains advance together).
 *
 * @example
 * ```ts
 * const state: AlqState = alq.quantize(params);
 * saveTree(state);             // round-trips through loadTree
 * ```
 */
export interface AlqState {
  count: number;
  layers: AlqLayer[];
}

/**
 * Which leaves are quantized and how they are grouped: a function of the leaf (undefined = keep
 * it float) or a record from dotted path to grouping (unlisted leaves stay float).
 *
 * @example
 * ```ts
 * const lenet: GroupingSpec = {
 *   '0.weight': alq.kernelwise(), '3.weight': alq.kernelwise(),
 *   '7.weight': alq.subchannelwise(2), '9.weight': alq.subchannelwise(1),
 * };
 * ```
 */
export type GroupingSpec = ((path: string, t: Tensor) => Grouping | undefined) | Readonly<Record<string, Grouping>>;

/**
 * Options of {@link quantize} (and of every ALQ transform's `init`).
 *
 * @example
 * ```ts
 * const opts: QuantizeOptions = { maxBits: 6, grouping: (path, t) => (t.ndim === 4 ? alq.kernelwise() : undefined) };
 * ```
 */
export interface QuantizeOptions {
  /** Imax, the most bases per group (1..16). Default 6. */
  maxBits?: number | undefined;
  /**
   * Leaf selection and grouping. Default: every leaf with ndim ≥ 2, conv weights (4-D)
   * kernelwise, others one group per output row (`subchannelwise(1)`).
   */
  grouping?: GroupingSpec | undefined;
}

/**
 * The default grouping: 4-D weights kernelwise, other weights with ndim ≥ 2 one group per row,
 * 0-/1-D leaves (biases, batch norm) not quantized.
 *
 * @example
 * ```ts
 * alq.defaultGrouping('0.weight', zeros([20, 1, 5, 5])); // kernelwise
 * alq.defaultGrouping('0.bias', zeros([20]));            // undefined
 * ```
 */
export function defaultGrouping(_path: string, t: Tensor): Grouping | undefined {
  if (!(t instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', 'alq.defaultGrouping', 'the leaf must be a Tensor', 'Tensor', describe(t));
  if (t.ndim === 4) return kernelwise();
  return t.ndim >= 2 ? subchannelwise(1) : undefined;
}

/** Resolves a {@link GroupingSpec} to a function. @internal */
export function groupingFn(op: string, spec: GroupingSpec | undefined, params?: Params): (path: string, t: Tensor) => Grouping | undefined {
  if (spec === undefined) return defaultGrouping;
  if (typeof spec === 'function') return spec;
  if (!isPlainObject(spec)) throw new NumError('INVALID_ARGUMENT', op, 'grouping must be a function or a record path → Grouping', 'function | record', describe(spec));
  if (params !== undefined) {
    const names = new Set(entries(params).map(([p]) => p));
    for (const p of Object.keys(spec)) {
      if (!names.has(p)) throw new NumError('STRUCTURE_MISMATCH', op, `grouping names '${p}', which the params do not have`, 'a parameter path', JSON.stringify(p));
    }
  }
  return (path) => spec[path];
}

/** The {@link GroupLayout} of a stored layer. */
export function layerLayout(layer: AlqLayer): GroupLayout {
  const g = layer.grouping;
  const grouping = g.kind === 'kernelwise' ? kernelwise() : g.kind === 'pixelwise' ? pixelwise()
    : g.kind === 'channelwise' ? channelwise() : subchannelwise(g.splits);
  return groupLayout(layer.shape, grouping);
}

/** The contiguous backing array of a tensor (no copy when possible). @internal */
export function dataOf(t: Tensor): TypedArray {
  return t.toTyped({ copy: false });
}

function zeroMoments(shape: readonly number[]): AlqMoments {
  return { m: zeros(shape), v: zeros(shape), vMax: zeros(shape) };
}

/**
 * Initialises ALQ on a parameter tree: every selected weight is cut into groups and each group is
 * sketched (spec §1.2) with up to `maxBits` bases; moments start at zero, `count` at 0. The
 * network weights should then be replaced by the reconstruction ({@link view}`.apply`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad `maxBits`, grouping or a non-float or non-finite
 *   weight; `SHAPE_MISMATCH` when a grouping does not fit its tensor (e.g. a split that does not
 *   divide the row); `STRUCTURE_MISMATCH` when a grouping record names a missing path.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const state = alq.quantize(params, { maxBits: 3 });
 * state.layers.map((l) => l.path); // ['0.weight', '2.weight']
 * const quantized = alq.view({ maxBits: 3 }).apply(params, state); // network weights = reconstruction
 * ```
 */
export function quantize(params: Params, opts: QuantizeOptions = {}): AlqState {
  const op = 'alq.quantize';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{maxBits?, grouping?}', describe(opts));
  const maxBits = opts.maxBits ?? 6;
  checkMaxBits(op, maxBits);
  const select = groupingFn(op, opts.grouping, params);
  const layers: AlqLayer[] = [];
  for (const [path, t] of entries(params)) {
    if (!(t instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `parameter '${path}' must be a Tensor`, 'Tensor', describe(t));
    const grouping = select(path, t);
    if (grouping === undefined) continue;
    if (!isFloat(t.dtype)) throw new NumError('DTYPE_MISMATCH', op, `quantized parameter '${path}' must be float`, 'float32 | float64', t.dtype);
    const layout = groupLayout(t.shape, grouping);
    layers.push(sketchLayer(op, path, t, layout, maxBits));
  }
  return { count: 0, layers };
}

function sketchLayer(op: string, path: string, t: Tensor, layout: GroupLayout, maxBits: number): AlqLayer {
  const { groupSize: n, groups: G } = layout;
  const src = dataOf(t.contiguous());
  const w = new Float64Array(src.length);
  for (let q = 0; q < w.length; q++) {
    const v = src[layout.perm[q]!]!;
    if (!Number.isFinite(v)) throw new NumError('INVALID_ARGUMENT', op, `parameter '${path}' has a non-finite value`, 'finite weights', String(v));
    w[q] = v;
  }
  const basis = new Int8Array(G * maxBits * n);
  const alpha = new Float32Array(G * maxBits);
  const mask = new Uint8Array(G * maxBits);
  const a = new Float64Array(maxBits);
  for (let g = 0; g < G; g++) {
    const bits = sketchInto(w, g * n, n, maxBits, basis.subarray(g * maxBits * n, (g + 1) * maxBits * n), a);
    for (let i = 0; i < bits; i++) {
      alpha[g * maxBits + i] = a[i]!;
      mask[g * maxBits + i] = 1;
    }
  }
  return {
    path, shape: t.shape.slice(), grouping: { kind: layout.grouping.kind, splits: layout.grouping.splits },
    groupSize: n, groups: G, maxBits,
    basis: fromTyped(basis, [G, maxBits, n]), alpha: fromTyped(alpha, [G, maxBits]), mask: fromTyped(mask, [G, maxBits]),
    moments: zeroMoments(t.shape), alphaMoments: zeroMoments([G, maxBits]), shadow: null,
  };
}

/**
 * The reconstruction `ŵ[g, j] = Σ_i mask·α·B` of one layer in group-major order (float64).
 * @internal
 */
export function reconstructGroups(layer: AlqLayer): Float64Array {
  return reconstructArrays(dataOf(layer.basis) as Int8Array, dataOf(layer.alpha) as Float32Array,
    dataOf(layer.mask) as Uint8Array, layer.groups, layer.maxBits, layer.groupSize);
}

/** {@link reconstructGroups} on raw arrays. @internal */
export function reconstructArrays(B: Int8Array, alpha: ArrayLike<number>, mask: Uint8Array, G: number, I: number, n: number): Float64Array {
  const out = new Float64Array(G * n);
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < I; i++) {
      const s = g * I + i;
      if (mask[s]! === 0) continue;
      const a = alpha[s]!;
      const row = s * n, o = g * n;
      for (let j = 0; j < n; j++) out[o + j]! += a * B[row + j]!;
    }
  }
  return out;
}

/**
 * The reconstructed weight of one layer as a float32 tensor in the tensor layout.
 *
 * @throws {NumError} `INVALID_ARGUMENT` when `layer` is not an ALQ layer.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const state = alq.quantize(params, { maxBits: 3 });
 * const w = alq.reconstruct(state.layers[0]!); // Tensor shaped like the weight
 * w.shape; // [8, 16]
 * ```
 */
export function reconstruct(layer: AlqLayer): Tensor {
  checkLayer('alq.reconstruct', layer, 0);
  return weightTensor(layer, reconstructGroups(layer));
}

/** A float32 tensor in the tensor layout from group-major values. @internal */
export function weightTensor(layer: AlqLayer, grouped: ArrayLike<number>): Tensor {
  const layout = layerLayout(layer);
  const out = new Float32Array(grouped.length);
  for (let q = 0; q < grouped.length; q++) out[layout.perm[q]!] = grouped[q]!;
  return fromTyped(out, layer.shape);
}

/**
 * Checks a layer's fields (shapes and dtypes). O(1) in the data size. @internal
 */
export function checkLayer(op: string, layer: unknown, index: number): asserts layer is AlqLayer {
  const where = `state.layers[${index}]`;
  const bad = (what: string, expected: string, got: string): never => {
    throw new NumError('STATE_MISMATCH', op, `${where} ${what}; create the state with alq.quantize or a transform's init()`, expected, got);
  };
  if (!isPlainObject(layer)) bad('is not an ALQ layer', 'AlqLayer', describe(layer));
  const l = layer as unknown as AlqLayer;
  if (typeof l.path !== 'string' || !Array.isArray(l.shape) || !Number.isInteger(l.groupSize) || !Number.isInteger(l.groups) || !Number.isInteger(l.maxBits)) {
    bad('lacks path/shape/groupSize/groups/maxBits', '{path, shape, groupSize, groups, maxBits, ...}', `{${Object.keys(l).join(', ')}}`);
  }
  const G = l.groups, I = l.maxBits, n = l.groupSize;
  const tensorOk = (t: unknown, dtype: string, shape: readonly number[]): boolean =>
    t instanceof Tensor && t.dtype === dtype && t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!tensorOk(l.basis, 'int8', [G, I, n])) bad('has a malformed basis', `int8 ${fmtShape([G, I, n])}`, describeTensor(l.basis));
  if (!tensorOk(l.alpha, 'float32', [G, I])) bad('has a malformed alpha', `float32 ${fmtShape([G, I])}`, describeTensor(l.alpha));
  if (!tensorOk(l.mask, 'uint8', [G, I])) bad('has a malformed mask', `uint8 ${fmtShape([G, I])}`, describeTensor(l.mask));
  if (G * n !== l.shape.reduce((a: number, b: number) => a * b, 1)) bad('has groups · groupSize != weight size', String(G * n), fmtShape(l.shape));
  const moments = (m: unknown, shape: readonly number[], name: string): void => {
    const mm = m as AlqMoments;
    if (!isPlainObject(m) || !tensorOk(mm.m, 'float32', shape) || !tensorOk(mm.v, 'float32', shape) || !tensorOk(mm.vMax, 'float32', shape)) {
      bad(`has malformed ${name}`, `{m, v, vMax} float32 ${fmtShape(shape)}`, describe(m));
    }
  };
  moments(l.moments, l.shape, 'moments');
  moments(l.alphaMoments, [G, I], 'alphaMoments');
  if (l.shadow !== null && !tensorOk(l.shadow, 'float32', l.shape)) bad('has a malformed shadow', `null or float32 ${fmtShape(l.shape)}`, describeTensor(l.shadow));
}

function describeTensor(t: unknown): string {
  return t instanceof Tensor ? `${t.dtype} ${fmtShape(t.shape)}` : describe(t);
}

/** Checks the state record and all of its layers. @internal */
export function checkState(op: string, state: unknown): asserts state is AlqState {
  if (!isPlainObject(state) || typeof state['count'] !== 'number' || !Array.isArray(state['layers'])) {
    throw new NumError('STATE_MISMATCH', op, 'state is not an ALQ state; call init() or alq.quantize first', '{count, layers}',
      isPlainObject(state) ? `{${Object.keys(state).join(', ')}}` : describe(state));
  }
  (state['layers'] as unknown[]).forEach((l, i) => checkLayer(op, l, i));
}

/** Identity-gradient replacement of `p` by `value` (exact forward values, gradient passes to p). */
const replaceStraightThrough = /* @__PURE__ */ customVjp(
  (p: Tensor, value: Tensor) => [value.dtype === p.dtype ? value : value.astype(p.dtype), null] as const,
  (_res: null, ct: Tensor) => [ct, null],
);

/**
 * ALQ as a {@link ParamView}: `init` = {@link quantize}, `apply(params, state)` replaces every
 * quantized leaf by its reconstruction `Σ_i mask·α·B` (exact values, in the leaf's dtype) with
 * a straight-through gradient, so `grad` through the view gives `∂ℓ/∂ŵ` at the quantized
 * weights, which is what every ALQ step consumes.
 *
 * @throws {NumError} `STATE_MISMATCH` from `apply` when the state does not match the params.
 * @example
 * ```ts
 * let params: Params = nn.mlp([8, 2]).init(key(0), [16]).params;
 * const v = alq.view({ maxBits: 3 });
 * const state = v.init(params);
 * params = v.apply(params, state); // network weights = reconstruction
 * tree.paths(params).length; // 4
 * ```
 */
export function view(opts: QuantizeOptions = {}): ParamView<AlqState> {
  return {
    init: (params) => quantize(params, opts),
    apply(params, state) {
      const op = 'alq.view';
      checkState(op, state);
      const byPath = new Map(state.layers.map((l) => [l.path, l]));
      let used = 0;
      const out = mapWithPath((path, t: Tensor) => {
        const layer = byPath.get(path);
        if (layer === undefined) return t;
        used++;
        if (!(t instanceof Tensor) || t.shape.length !== layer.shape.length || t.shape.some((d, i) => d !== layer.shape[i])) {
          throw new NumError('STATE_MISMATCH', op, `parameter '${path}' does not match its ALQ layer`, fmtShape(layer.shape), describeTensor(t));
        }
        return replaceStraightThrough(t, reconstruct(layer));
      }, params);
      if (used !== state.layers.length) {
        const have = new Set(entries(params).map(([p]) => p));
        const missing = state.layers.find((l) => !have.has(l.path));
        throw new NumError('STATE_MISMATCH', op, 'the state quantizes a parameter the tree does not have', 'every layer path in params', missing?.path ?? '?');
      }
      return out;
    },
  };
}

/**
 * Labels for `partition`: `'alq'` on the leaves the grouping quantizes, `'float'` elsewhere.
 *
 * @example
 * ```ts
 * const opt = partition({ alq: alq.basisStep({ learningRate: 1e-3 }), float: adam(1e-3) }, alq.labels());
 * ```
 */
export function labels(opts: QuantizeOptions = {}): (params: Params) => Tree<string> {
  const grouping = options('alq.labels', 'opts', opts).grouping;
  return (params) => {
    const select = groupingFn('alq.labels', grouping);
    return mapWithPath((path, t: Tensor) => (select(path, t) === undefined ? 'float' : 'alq'), params);
  };
}
