/**
 * The ALQ optimizer modes as gradient transformations (spec §2): {@link basisStep},
 * {@link coordinateStep} and {@link steStep} (pruning is in prune.ts). Each is its own transform
 * over the same {@link AlqState}, so a schedule switches mode by switching transform, never by a
 * mode string. A transform takes the gradient `∂ℓ/∂ŵ` at the quantized weights (the incoming
 * updates, restricted to the quantized leaves, e.g. by `partition` with {@link labels}) and
 * returns updates that move each network weight onto the new reconstruction:
 * `applyUpdates(params, u)` gives exactly `Σ_i mask·α·B`.
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { GradientTransformation, ScalarOrSchedule } from '../../optim/base.js';
import { scalarOrSchedule, valueAt } from '../../optim/base.js';
import { inRange, nonNegative } from '../../validate.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { entries, mapWithPath } from '../../tree.js';
import type { GroupLayout } from './grouping.js';
import type { ModelConstants, MomentArrays } from './kernels.js';
import { alphaGradient, modelStats, nearestBasisInto, projectMoments, refitInto, updateMoments } from './kernels.js';
import type { AlqLayer, AlqMoments, AlqState, QuantizeOptions } from './state.js';
import { checkState, dataOf, layerLayout, quantize, reconstructGroups } from './state.js';

/**
 * Options shared by every ALQ step: the learning rate η (a number or a schedule of the step count
 * `state.count`) and the Adam constants of the quadratic model, plus the {@link QuantizeOptions}
 * used by `init`.
 *
 * @example
 * ```ts
 * const opts: StepOptions = { learningRate: 1e-3, maxBits: 6 };
 * ```
 */
export interface StepOptions extends QuantizeOptions {
  /** η: scales the pseudo-gradient G (the trust-region size). */
  learningRate: ScalarOrSchedule;
  /** First-moment decay. Default 0.9. */
  b1?: number | undefined;
  /** Second-moment decay. Default 0.999. */
  b2?: number | undefined;
  /** Added to √v̂max before the bias correction. Default 1e-8. */
  eps?: number | undefined;
}

/**
 * Options of {@link coordinateStep} (and of `prune`): L2 on the coordinates, `g_α += wd·α`.
 *
 * @example
 * ```ts
 * const opts: CoordinateOptions = { learningRate: 1e-4, weightDecay: 0 };
 * ```
 */
export interface CoordinateOptions extends StepOptions {
  /** L2 coefficient on α. Default 0. */
  weightDecay?: number | undefined;
}

/** Resolved hyperparameters of a step. @internal */
export interface StepConfig extends ModelConstants {
  readonly lr: ScalarOrSchedule;
  readonly weightDecay: number;
}

/** Validates the shared options. @internal */
export function stepConfig(op: string, opts: CoordinateOptions): StepConfig {
  if (opts === null || typeof opts !== 'object') {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{learningRate, ...}', describe(opts));
  }
  return {
    lr: scalarOrSchedule(op, 'learningRate', opts.learningRate),
    b1: inRange(op, 'b1', opts.b1 ?? 0.9, 0, 1),
    b2: inRange(op, 'b2', opts.b2 ?? 0.999, 0, 1),
    eps: nonNegative(op, 'eps', opts.eps ?? 1e-8),
    weightDecay: nonNegative(op, 'weightDecay', opts.weightDecay ?? 0),
  };
}

/** What a step sees for one layer. @internal */
export interface LayerStep {
  layer: AlqLayer;
  layout: GroupLayout;
  /** The gradient at ŵ, tensor layout. */
  grad: ArrayLike<number>;
  /** Current reconstruction, group-major. */
  current: Float64Array;
}

/** Everything a step needs at one minibatch. @internal */
export interface StepContext {
  /** t after this step (count + 1). */
  t: number;
  /** η at this step. */
  eta: number;
  layers: LayerStep[];
  /** The state before the step. */
  state: AlqState;
}

/**
 * Runs one ALQ step: validates the state and gradients, calls `step`, and turns the new layers
 * into updates `ŵ_new − p` (float64, so that `applyUpdates` lands exactly on ŵ_new). @internal
 */
export function runStep(
  op: string, cfg: StepConfig, updates: Params, state: AlqState, params: Params | undefined,
  step: (ctx: StepContext) => AlqLayer[],
): [Params, AlqState] {
  checkState(op, state);
  const byPath = new Map<string, Tensor>();
  for (const [path, g] of entries(updates)) {
    if (!(g instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `update '${path}' must be a Tensor`, 'Tensor', describe(g));
    byPath.set(path, g);
  }
  const known = new Set(state.layers.map((l) => l.path));
  for (const path of byPath.keys()) {
    if (!known.has(path)) {
      throw new NumError('STATE_MISMATCH', op, `leaf '${path}' is not quantized by this state; route float leaves elsewhere (partition with alq.labels)`,
        `one of the ${known.size} quantized paths`, JSON.stringify(path));
    }
  }
  const layers: LayerStep[] = state.layers.map((layer) => {
    const g = byPath.get(layer.path);
    if (g === undefined) throw new NumError('STRUCTURE_MISMATCH', op, `no gradient for quantized leaf '${layer.path}'`, 'a gradient per quantized leaf', 'none');
    if (g.shape.length !== layer.shape.length || g.shape.some((d, i) => d !== layer.shape[i])) {
      throw new NumError('SHAPE_MISMATCH', op, `gradient of '${layer.path}' has the wrong shape`, fmtShape(layer.shape), fmtShape(g.shape));
    }
    return { layer, layout: layerLayout(layer), grad: g.contiguous().toTyped({ copy: false }), current: reconstructGroups(layer) };
  });
  const t = state.count + 1;
  const eta = valueAt(op, 'learningRate', cfg.lr, state.count);
  const next = step({ t, eta, layers, state });
  const paramsByPath = params === undefined ? undefined : new Map(entries(params).map(([p, v]) => [p, v] as const));
  const newLayers = new Map(next.map((l, i) => [l.path, [l, layers[i]!] as const]));
  const out = mapWithPath((path, g: Tensor) => {
    const hit = newLayers.get(path)!;
    const [layer, before] = hit;
    const fresh = reconstructGroups(layer);
    const p = paramsByPath?.get(path);
    const u = new Float64Array(fresh.length);
    if (p instanceof Tensor) {
      const pd = p.contiguous().toTyped({ copy: false });
      for (let q = 0; q < fresh.length; q++) {
        const k = before.layout.perm[q]!;
        u[k] = Math.fround(fresh[q]!) - pd[k]!;
      }
    } else {
      for (let q = 0; q < fresh.length; q++) u[before.layout.perm[q]!] = Math.fround(fresh[q]!) - Math.fround(before.current[q]!);
    }
    return fromTyped(u, g.shape);
  }, updates);
  return [out, { count: t, layers: next }];
}

/** Gathers a tensor-layout array into group-major float64. @internal */
export function grouped(layout: GroupLayout, src: ArrayLike<number>): Float64Array {
  const out = new Float64Array(layout.perm.length);
  for (let q = 0; q < out.length; q++) out[q] = src[layout.perm[q]!]!;
  return out;
}

/** Stores moment arrays as tensors of `shape`. @internal */
export function momentTensors(m: MomentArrays, shape: readonly number[]): AlqMoments {
  return { m: fromTyped(m.m, shape), v: fromTyped(m.v, shape), vMax: fromTyped(m.vMax, shape) };
}

/** Updates the w-domain statistics of a layer with its gradient. @internal */
export function weightMoments(cfg: StepConfig, s: LayerStep): MomentArrays {
  const mo = s.layer.moments;
  return updateMoments(cfg, dataOf(mo.m), dataOf(mo.v), dataOf(mo.vMax), s.grad);
}

/** `g_α = mask·Bᵀg_w + wd·α` and the updated α-domain statistics. @internal */
export function coordinateMoments(cfg: StepConfig, s: LayerStep): { gAlpha: Float64Array; moments: MomentArrays } {
  const l = s.layer;
  const mask = dataOf(l.mask) as Uint8Array;
  const alpha = dataOf(l.alpha);
  const gAlpha = alphaGradient(dataOf(l.basis) as Int8Array, mask, l.groups, l.maxBits, l.groupSize, grouped(s.layout, s.grad));
  if (cfg.weightDecay !== 0) {
    for (let k = 0; k < gAlpha.length; k++) if (mask[k]! !== 0) gAlpha[k]! += cfg.weightDecay * alpha[k]!;
  }
  const am = l.alphaMoments;
  return { gAlpha, moments: updateMoments(cfg, dataOf(am.m), dataOf(am.v), dataOf(am.vMax), gAlpha) };
}

/**
 * Basis update + speedup toward a target (shared by the basis and STE modes): new bases by
 * nearest level, weighted refit of α, sign fix, α-statistics re-derived from the w-statistics.
 */
function refitLayer(s: LayerStep, wMoments: MomentArrays, targetTensorLayout: Float64Array, D: Float64Array, shadow: Tensor | null): AlqLayer {
  const l = s.layer;
  const { groups: G, maxBits: I, groupSize: n } = l;
  const mask = dataOf(l.mask) as Uint8Array;
  const oldAlpha = dataOf(l.alpha);
  const target = grouped(s.layout, targetTensorLayout);
  const Dg = grouped(s.layout, D);
  const B = new Int8Array(G * I * n);
  nearestBasisInto(oldAlpha, mask, G, I, n, target, B);
  const alpha = new Float32Array(G * I);
  refitInto(B, mask, G, I, n, target, Dg, oldAlpha, alpha);
  const projected = projectMoments(B, mask, G, I, n, grouped(s.layout, wMoments.m), grouped(s.layout, wMoments.v), grouped(s.layout, wMoments.vMax));
  return {
    ...l,
    basis: fromTyped(B, [G, I, n]),
    alpha: fromTyped(alpha, [G, I]),
    moments: momentTensors(wMoments, l.shape),
    alphaMoments: momentTensors(projected, [G, I]),
    shadow,
  };
}

/** The layer's current ŵ as float64, in group order. */
function currentInGroupOrder(s: Parameters<typeof weightMoments>[1]): Float64Array {
  const out = new Float64Array(s.current.length);
  for (let q = 0; q < out.length; q++) out[s.layout.perm[q]!] = Math.fround(s.current[q]!);
  return out;
}

/**
 * The basis step toward `w* = anchor − G_w/D_w` (spec §2.2 from ŵ, §2.4 from the STE shadow);
 * with `keepShadow` the shadow moves to w*.
 */
function stepFrom(cfg: Parameters<typeof weightMoments>[0], ctx: { t: number; eta: number }, s: Parameters<typeof weightMoments>[1], anchor: Float64Array, keepShadow: boolean): ReturnType<typeof refitLayer> {
  const wm = weightMoments(cfg, s);
  const [G, D] = modelStats(cfg, wm.m, wm.vMax, ctx.t, ctx.eta);
  const target = new Float64Array(anchor.length);
  for (let k = 0; k < target.length; k++) target[k] = anchor[k]! - G[k]! / D[k]!;
  return refitLayer(s, wm, target, D, keepShadow ? fromTyped(Float32Array.from(target), s.layer.shape) : s.layer.shadow);
}

/**
 * Basis mode (spec §2.2): "steepest descent in the binary-basis space". Per quantized layer:
 *
 * ```
 * w-statistics ← g_w;   G_w, D_w from the quadratic model
 * w* = ŵ − G_w / D_w                                   (the AMSGrad step from the quantized weights)
 * β_{g,·,j} ← sign pattern of the level Σ_i ±α_{g,i} nearest to w*_j   (old α, valid slots)
 * α_g ← (B_gᵀ D_g B_g + 1e-6·I)⁻¹ B_gᵀ D_g w*_g ;  α < 0 → negate α and its basis row
 * m_α = mask·Bᵀm_w,  v_α = mask·Σ_g v_w,  v̂max_α = mask·Σ_g v̂max_w
 * ```
 *
 * The mask (bitwidth) never changes here. Updates move the network onto the new ŵ.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad options; from `update`: `STATE_MISMATCH` for a
 *   foreign state or a float leaf in the updates, `SHAPE_MISMATCH` for a gradient of the wrong shape.
 * @example
 * ```ts
 * let params: Params = nn.mlp([8, 2]).init(key(0), [16]).params;
 * const opt = partition({ alq: alq.basisStep({ learningRate: 1e-3 }), float: adam(1e-3) }, alq.labels());
 * let st = opt.init(params);
 * const grads = tree.map((t: Tensor) => ones(t.shape), params);
 * const [u, st2] = opt.update(grads, st, params);
 * params = applyUpdates(params, u);
 * st = st2;
 * ```
 */
export function basisStep(opts: StepOptions): GradientTransformation<AlqState> {
  const op = 'alq.basisStep';
  const cfg = stepConfig(op, opts);
  return {
    init: (params) => quantize(params, opts),
    update: (updates, state, params) => runStep(op, cfg, updates, state, params, (ctx) => ctx.layers.map((s) =>
      stepFrom(cfg, ctx, s, currentInGroupOrder(s), false))),
  };
}

/**
 * Post-training STE mode (spec §2.4): like {@link basisStep}, but the AMSGrad step is taken from
 * a float shadow `w_fp` kept in the layer state (initialised to ŵ on the first STE step) and the
 * shadow moves to the target: `w* = w_fp − G_w/D_w`, basis + speedup toward w*, `w_fp ← w*`.
 *
 * @throws {NumError} as {@link basisStep}.
 * @example
 * ```ts
 * const post = partition({ alq: alq.steStep({ learningRate: 1e-3 }), float: adam(1e-3) }, alq.labels());
 * ```
 */
export function steStep(opts: StepOptions): GradientTransformation<AlqState> {
  const op = 'alq.steStep';
  const cfg = stepConfig(op, opts);
  return {
    init: (params) => quantize(params, opts),
    update: (updates, state, params) => runStep(op, cfg, updates, state, params, (ctx) => ctx.layers.map((s) =>
      stepFrom(cfg, ctx, s, s.layer.shadow === null ? currentInGroupOrder(s) : Float64Array.from(dataOf(s.layer.shadow)), true))),
  };
}

/**
 * Coordinate mode (spec §2.3): plain AMSGrad on the coordinates with the bases fixed.
 *
 * ```
 * w-statistics ← g_w                        (kept warm, no step)
 * g_α = mask·Bᵀg_w (+ wd·α);  α-statistics ← g_α
 * α ← α − G_α / D_α                          (valid slots; α may turn negative, no sign fix)
 * ```
 *
 * Bases and mask are untouched. Masked slots stay exactly 0 (the reference gets the same by
 * always running a basis step first; here it holds in any schedule).
 *
 * @throws {NumError} as {@link basisStep}; `INVALID_ARGUMENT` for a negative weight decay.
 * @example
 * ```ts
 * const coord = partition({ alq: alq.coordinateStep({ learningRate: 1e-4 }), float: adam(1e-4) }, alq.labels());
 * ```
 */
export function coordinateStep(opts: CoordinateOptions): GradientTransformation<AlqState> {
  const op = 'alq.coordinateStep';
  const cfg = stepConfig(op, opts);
  return {
    init: (params) => quantize(params, opts),
    update: (updates, state, params) => runStep(op, cfg, updates, state, params, (ctx) => ctx.layers.map((s) => {
      const l = s.layer;
      const wm = weightMoments(cfg, s);
      const { moments } = coordinateMoments(cfg, s);
      const [G, D] = modelStats(cfg, moments.m, moments.vMax, ctx.t, ctx.eta);
      const mask = dataOf(l.mask);
      const old = dataOf(l.alpha);
      const alpha = new Float32Array(old.length);
      for (let k = 0; k < alpha.length; k++) alpha[k] = mask[k]! !== 0 ? old[k]! - G[k]! / D[k]! : 0;
      return {
        ...l,
        alpha: fromTyped(alpha, [l.groups, l.maxBits]),
        moments: momentTensors(wm, l.shape),
        alphaMoments: momentTensors(moments, [l.groups, l.maxBits]),
      };
    })),
  };
}
