/**
 * The meta-training form of the inner loop (§2, §3.3): a pure function of (θ, a, ω) and one
 * support set, built from differentiable ops so that the outer loop can differentiate through it
 * (second order) or through its linear dependence on α and the masks only (first order).
 *
 * Each step takes the dense gradient g(W) with autograd, together with the gradient g(Y_l) of
 * every updated layer's output (through a zero "probe" added to Y_l), computes the forward
 * attention from X_{l−1} and the backward attention from g(Y_l), and applies
 * W ← W − α·(γ_bw ⊗ γ_fw) ⊙ g(W), b ← b − α·γ_bw ⊙ g(b).
 */
import { stopGradient, valueAndGrad } from '../../autograd/grad.js';
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { crossEntropy, mseLoss } from '../../nn/functional.js';
import { zeros } from '../../tensor/create.js';
import { isFloat } from '../../tensor/dtype.js';
import { add, div, mul, relu, sqrt, sub } from '../../tensor/ops/elementwise.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { maxPool2d, conv2d } from '../../tensor/ops/conv.js';
import { reshape, slice, transpose } from '../../tensor/ops/movement.js';
import { mean } from '../../tensor/ops/reduce.js';
import { Tensor } from '../../tensor/tensor.js';
import { datasetArg, type Dataset } from '../../data/dataset.js';
import { attend } from './attention.js';
import type { AttentionParams } from './attention.js';
import type { LearnerConfig } from './learner.js';
import { checkInner } from './learner.js';
import { configArg, layerArg, rateTable, tensorArg, thetaArg } from './check.js';
import { count, opName } from '../../validate.js';

/** Per step and layer: the kept input (fw) and output (bw) channels, or null when not updated. */
export type Selection = { fw: Int32Array; bw: Int32Array } | null;

/** The differentiable part of a meta-state. */
export interface InnerParams {
  theta: Params[];
  bnStats: Params[];
  a: Tensor;
  omega: Params[];
}

/** Taps into the forward pass: a probe added to each layer's output, a hook on each layer's input. */
export interface Taps {
  probes?: readonly (Tensor | undefined)[] | undefined;
  onInput?: ((l: number, x: Tensor) => void) | undefined;
}

/** Batch norm over axis 1 with batch statistics (no running statistics: MAML convention). */
export function bnBatch(x: Tensor, w: Tensor, b: Tensor, eps: number): Tensor {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bs = x.shape.map((d, i) => (i === 1 ? d : 1));
  const mu = mean(x, { axis: axes, keepdims: true });
  const c = sub(x, mu);
  const v = mean(mul(c, c), { axis: axes, keepdims: true });
  return add(mul(div(c, sqrt(add(v, eps))), reshape(w, bs)), reshape(b, bs));
}

/** Batch norm with frozen statistics: an affine map per channel. */
export function bnFrozen(x: Tensor, w: Tensor, b: Tensor, st: Params, eps: number): Tensor {
  const bs = x.shape.map((d, i) => (i === 1 ? d : 1));
  const { runningMean: rm, runningVar: rv } = st as { runningMean: Tensor; runningVar: Tensor };
  const scale = div(w, sqrt(add(rv, eps)));
  return add(mul(sub(x, reshape(rm, bs)), reshape(scale, bs)), reshape(b, bs));
}

/**
 * The network's forward pass over a batch with parameters θ (the dense, differentiable form).
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const { meta } = learner.init(key(0));
 * const y = forwardDense(learner.config, meta.theta, meta.bnStats, normal(key(1), [5, 1]));
 * y.shape; // [5, 1]
 * ```
 */
export function forwardDense(cfg: LearnerConfig, theta: readonly Params[], bnStats: readonly Params[], x: Tensor, taps?: Taps): Tensor {
  const op = 'pmeta.forwardDense';
  const { net } = configArg(op, cfg);
  thetaArg(op, 'theta', net, theta, true);
  if (cfg.bn === 'frozen') thetaArg(op, 'bnStats', net, bnStats, false);
  tensorArg(op, 'x', x, 2);
  if (taps !== undefined && (taps === null || typeof taps !== 'object')) throw new NumError('INVALID_ARGUMENT', op, 'taps must be an object', '{probes?, onInput?}', describe(taps));
  let h = x;
  let l = 0;
  net.ops.forEach((o, j) => {
    const p = theta[j] as Record<string, Tensor>;
    switch (o.kind) {
      case 'linear': case 'conv': {
        taps?.onInput?.(l, h);
        h = o.kind === 'linear' ? add(matmul(h, transpose(p.weight!)), p.bias!) : conv2d(h, p.weight!, { padding: o.padding, bias: p.bias });
        const pr = taps?.probes?.[l];
        if (pr !== undefined) h = add(h, pr);
        l++;
        break;
      }
      case 'bn': h = cfg.bn === 'batch' ? bnBatch(h, p.weight!, p.bias!, o.eps) : bnFrozen(h, p.weight!, p.bias!, bnStats[j]!, o.eps); break;
      case 'relu': h = relu(h); break;
      case 'maxpool': h = maxPool2d(h, 2); break;
      case 'flatten': h = reshape(h, [h.shape[0]!, -1]); break;
    }
  });
  return h;
}

/**
 * The task loss of predictions.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * pmeta.taskLoss(learner.config, tensor([[1], [2]]), tensor([[1], [4]])).item(); // 2
 * ```
 */
export function taskLoss(cfg: LearnerConfig, out: Tensor, y: Tensor): Tensor {
  configArg('pmeta.taskLoss', cfg);
  return cfg.loss === 'mse' ? mseLoss(out, y) : crossEntropy(out, y);
}

/**
 * α_l^(k) as a scalar tensor (differentiable in a unless rates are fixed); K_test > K reuses the last row.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 2, innerLr: 0.01 });
 * const { meta } = learner.init(key(0));
 * pmeta.alphaAt(learner.config, meta.a, 0, 1).item(); // 0.01
 * pmeta.alphaAt(learner.config, meta.a, 5, 1).item(); // 0.01: steps past K reuse the last row
 * ```
 */
export function alphaAt(cfg: LearnerConfig, a: Tensor, k: number, l: number): Tensor {
  const op = 'pmeta.alphaAt';
  rateTable(op, configArg(op, cfg), a);
  count(op, 'k', k);
  layerArg(op, cfg.net.layers.length, l);
  const row = Math.min(k, a.shape[0]! - 1);
  const raw = reshape(slice(a, [row, l], [row + 1, l + 1]), []);
  if (!cfg.updated[l]) return mul(raw, 0);
  return cfg.rates === 'relu' ? relu(raw) : raw;
}

/** The same α as a plain number (decides which layers a step updates). */
export function alphaValue(cfg: LearnerConfig, a: Tensor, k: number, l: number): number {
  if (!cfg.updated[l]) return 0;
  const row = Math.min(k, a.shape[0]! - 1);
  const v = a.toTyped()[row * a.shape[1]! + l]!;
  return cfg.rates === 'relu' ? Math.max(0, v) : v;
}

/**
 * Checks a support or query set against the learner's network and loss.
 * @throws {NumError} `SHAPE_MISMATCH` for inputs or targets that do not fit the model,
 *   `INVALID_ARGUMENT` for labels outside 0 … N−1 or a non-dataset.
 */
export function checkSet(op: string, cfg: LearnerConfig, ds: Dataset, name: string): void {
  configArg(op, cfg);
  datasetArg(op, name, ds);
  const { net } = cfg;
  const want = net.inputShape;
  const b = ds.x.shape[0] ?? 0;
  if (ds.x.ndim !== want.length + 1 || b < 1 || !want.every((d, i) => ds.x.shape[i + 1] === d) || !isFloat(ds.x.dtype)) {
    throw new NumError('SHAPE_MISMATCH', op, `${name}.x does not fit ${net.name}`, `float [B >= 1, ${want.join(', ')}]`, `${ds.x.dtype} ${fmtShape(ds.x.shape)}`);
  }
  const outDim = net.outShapes[net.outShapes.length - 1]![0]!;
  if (cfg.loss === 'mse') {
    if (ds.y.ndim !== 2 || ds.y.shape[0] !== b || ds.y.shape[1] !== outDim || !isFloat(ds.y.dtype)) {
      throw new NumError('SHAPE_MISMATCH', op, `${name}.y must hold one float target row per example`, `float [${b}, ${outDim}]`, `${ds.y.dtype} ${fmtShape(ds.y.shape)}`);
    }
  } else {
    if (ds.y.ndim !== 1 || ds.y.shape[0] !== b || isFloat(ds.y.dtype)) {
      throw new NumError('SHAPE_MISMATCH', op, `${name}.y must hold one integer label per example`, `int32 [${b}]`, `${ds.y.dtype} ${fmtShape(ds.y.shape)}`);
    }
    const v = ds.y.toTyped();
    for (let i = 0; i < v.length; i++) {
      if (!(v[i]! >= 0 && v[i]! < outDim)) throw new NumError('INVALID_ARGUMENT', op, `${name} label ${i} does not fit the ${outDim}-way head`, `0 <= label < ${outDim}`, String(v[i]));
    }
  }
}

/** What {@link innerLoopDense} returns. */
export interface InnerResult {
  theta: Params[];
  /** selections[k][l] */
  selections: Selection[][];
  /** Support loss before each step. */
  losses: number[];
}

/** Throws OUT_OF_RANGE for a non-finite support loss. */
export function checkLoss(op: string, v: number, k: number): void {
  if (!Number.isFinite(v)) throw new NumError('OUT_OF_RANGE', op, `support loss at inner step ${k} is not finite; adaptation stopped`, 'a finite loss', String(v));
}

/**
 * K inner steps on one support set in the meta-training form (pure; differentiable when called
 * inside a trace). `steps` defaults to the configured K.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 2 });
 * const { meta } = learner.init(key(0));
 * const task = data.sampleSinusoidTask(key(1), { shots: 5, queries: 5 });
 * const { theta, losses } = innerLoopDense(learner.config, meta, task.support);
 * losses.length; // 2 (one support loss per inner step)
 * ```
 */
export function innerLoopDense(cfg: LearnerConfig, p: InnerParams, support: Dataset, steps?: number, op = 'pmeta.adapt'): InnerResult {
  op = opName(op, 'pmeta.innerLoopDense');
  const { net, firstOrder } = configArg(op, cfg);
  const K = steps === undefined ? cfg.steps : count(op, 'steps', steps);
  checkInner(op, cfg, p);
  checkSet(op, cfg, support, 'support');
  const L = net.layers.length;
  const fo = <T extends Tensor>(t: T): T => (firstOrder ? stopGradient(t) : t);
  let theta = p.theta.slice();
  const selections: Selection[][] = [];
  const losses: number[] = [];
  const B = support.x.shape[0]!;
  for (let k = 0; k < K; k++) {
    const active = Array.from({ length: L }, (_, l) => l).filter((l) => alphaValue(cfg, p.a, k, l) !== 0);
    const sel: Selection[] = Array.from({ length: L }, () => null);
    selections.push(sel);
    if (active.length === 0) {
      losses.push(Number.NaN);
      continue;
    }
    const fwd: ({ gamma: Tensor; index: Int32Array } | undefined)[] = [];
    const base = theta;
    // Only layers with backward attention need g(Y_l); a probe elsewhere would cost a full-size
    // add per layer in every trace level of a second-order step for a gradient nobody reads.
    const probed = active.filter((l) => cfg.attention[l]);
    const f = (act: Params[], probes: Tensor[]): Tensor => {
      const th = base.slice();
      active.forEach((l, i) => { th[net.layers[l]!] = act[i]!; });
      const taps: Taps = {
        probes: Array.from({ length: L }, (_, l) => { const i = probed.indexOf(l); return i < 0 ? undefined : probes[i]; }),
        onInput: (l, x) => { if (cfg.attention[l] && active.includes(l)) fwd[l] = attend((p.omega[l] as { fw: AttentionParams }).fw, fo(x), cfg.rho.fw); },
      };
      return taskLoss(cfg, forwardDense(cfg, th, p.bnStats, support.x, taps), support.y);
    };
    const act = active.map((l) => base[net.layers[l]!]!);
    const probes = probed.map((l) => zeros([B, ...net.outShapes[net.layers[l]!]!], { dtype: support.x.dtype }));
    const [loss, [gAct, gProbe]] = valueAndGrad(f, { argnums: [0, 1] })(act, probes) as [Tensor, [Params[], Tensor[]]];
    const lv = loss.item();
    checkLoss(op, lv, k);
    losses.push(lv);
    const next = theta.slice();
    active.forEach((l, i) => {
      const j = net.layers[l]!;
      const { weight: w, bias: b } = base[j] as { weight: Tensor; bias: Tensor };
      const g = gAct[i] as { weight: Tensor; bias: Tensor };
      let gw = fo(g.weight), gb = fo(g.bias);
      const alpha = alphaAt(cfg, p.a, k, l);
      if (cfg.attention[l]) {
        const af = fwd[l]!;
        const ab = attend((p.omega[l] as { bw: AttentionParams }).bw, fo(gProbe[probed.indexOf(l)]!), cfg.rho.bw, cfg.backwardPool);
        sel[l] = { fw: af.index, bw: ab.index };
        const m = mul(reshape(ab.gamma, [-1, 1]), reshape(af.gamma, [1, -1]));
        gw = mul(gw, w.ndim === 4 ? reshape(m, [m.shape[0]!, m.shape[1]!, 1, 1]) : m);
        gb = mul(gb, ab.gamma);
      } else {
        const { cout, cin } = { cout: w.shape[0]!, cin: w.shape[1]! };
        sel[l] = { fw: Int32Array.from({ length: cin }, (_, c) => c), bw: Int32Array.from({ length: cout }, (_, c) => c) };
      }
      next[j] = { weight: sub(w, mul(alpha, gw)), bias: sub(b, mul(alpha, gb)) };
    });
    theta = next;
  }
  return { theta, selections, losses };
}
