/**
 * The meta-learner: configuration (p-Meta and its baselines as presets over one mechanism),
 * meta-state (θ, the rate table a, the attention parameters ω, the frozen set) and its checks.
 */
import type { Params } from '../../tree.js';
import { adaptationMemory, keptChannels } from '../../cost/adaptation.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { adam } from '../../optim/alias.js';
import type { AdamState } from '../../optim/alias.js';
import type { GradientTransformation } from '../../optim/base.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { costOps, layerChannels } from './arch.js';
import type { Net } from './arch.js';
import { initAttention } from './attention.js';
import { configArg, layerArg, netArg } from './check.js';
import { opName, options } from '../../validate.js';
import type { Pooling } from './attention.js';

/** The methods of the comparison; all run on the same inner-loop machinery. */
export type Method = 'pmeta' | 'maml' | 'fomaml' | 'anil' | 'boil' | 'mamlpp';

/** How the per-layer, per-step learning rate α_l^(k) comes from the table a. */
export type RateMode = 'fixed' | 'learned' | 'relu';

/**
 * Options of {@link metaLearner}. A `method` sets the defaults; any option given overrides it.
 * @example
 * ```ts
 * const opts: MetaLearnerOptions = { net: pmeta.mlpNet(1, [40, 40, 1]), loss: 'mse', supportSize: 10, steps: 1 };
 * ```
 */
export interface MetaLearnerOptions {
  net: Net;
  loss: 'mse' | 'crossEntropy';
  /** Support batch size B = N·K_s (the memory-weighted penalty and the §5 figures use it). */
  supportSize: number;
  method?: Method | undefined;
  /** Inner steps K (train and test). Default 5. */
  steps?: number | undefined;
  /** α_0: the initial (or, for fixed rates, the constant) inner learning rate. Default 0.01. */
  innerLr?: number | undefined;
  firstOrder?: boolean | undefined;
  /** Kept channel ratio ρ (both attentions) or `{fw, bw}`. Default 0.5. */
  rho?: number | { fw: number; bw: number } | undefined;
  /** λ of the memory-weighted L1 penalty on α. Default 1e-3 for p-Meta, 0 otherwise. */
  lambda?: number | undefined;
  bn?: 'batch' | 'frozen' | undefined;
  /** Forward one support example at a time on the device (with BN, needs `bn: 'frozen'`). Default: bn === 'frozen'. */
  microBatch?: boolean | undefined;
  /** Adam learning rate of the outer loop. Default 1e-3. */
  metaLr?: number | undefined;
  /** Rates below τ_α are clamped to 0 by {@link finalize}. Default 1e-6. */
  tauAlpha?: number | undefined;
  /** Per layer: may it adapt at all. */
  updated?: readonly boolean[] | undefined;
  /** Per layer: meta attention on (default: every layer but the head, for p-Meta). */
  attention?: readonly boolean[] | undefined;
  rates?: RateMode | undefined;
  /** Pooling of g(Y_l) for backward attention. Default `mean` (§3.2), `absMean` when batch-statistics BN follows a layer (its signed mean is 0). */
  backwardPool?: Pooling | undefined;
}

/** The resolved configuration. */
export interface LearnerConfig {
  readonly method: Method;
  readonly net: Net;
  readonly loss: 'mse' | 'crossEntropy';
  readonly supportSize: number;
  readonly steps: number;
  readonly innerLr: number;
  readonly firstOrder: boolean;
  readonly rho: { readonly fw: number; readonly bw: number };
  readonly lambda: number;
  readonly bn: 'batch' | 'frozen';
  readonly microBatch: boolean;
  readonly metaLr: number;
  readonly tauAlpha: number;
  readonly updated: readonly boolean[];
  readonly attention: readonly boolean[];
  readonly rates: RateMode;
  readonly backwardPool: Pooling;
  /** c_l: each layer's share of the adaptation memory if only it were updated (sums to 1). */
  readonly costShare: readonly number[];
}

/**
 * Meta-learned state. `theta[j]`/`bnStats[j]` follow the ops of the net; `a` is the `[K, L]` rate
 * table; `omega[l]` holds `{fw, bw}` attention parameters for layers with attention, `{}` otherwise;
 * `frozen[l]` (1 = frozen) is recorded by {@link finalize}. A plain tree (saveTree/loadTree).
 */
export interface MetaState {
  [name: string]: Params;
  theta: Params[];
  bnStats: Params[];
  a: Tensor;
  omega: Params[];
  frozen: Tensor;
}

/** Meta-state plus the outer optimizer's state and the step count. */
export interface MetaTrainState {
  [name: string]: Params | number | AdamState;
  meta: MetaState;
  opt: AdamState;
  step: number;
}

/** A configured meta-learner. */
export interface MetaLearner {
  readonly config: LearnerConfig;
  /** The outer optimizer (Adam at `metaLr`) over {@link learnables}. */
  readonly optimizer: GradientTransformation<AdamState>;
  /** Fresh meta-state from a key (θ from `net.model.init`, ω from §3.2's init, a = α_0). */
  init(k: Key): MetaTrainState;
}

const OP = 'pmeta.metaLearner';

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a positive integer`, 'integer >= 1', describe(v));
  return v;
}

function ratio(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new NumError('INVALID_ARGUMENT', OP, `${name} must be in (0, 1]`, '0 < ρ <= 1', describe(v));
  return v;
}

function flags(name: string, v: readonly boolean[] | undefined, n: number, dflt: (l: number) => boolean): boolean[] {
  if (v === undefined) return Array.from({ length: n }, (_, l) => dflt(l));
  if (!Array.isArray(v) || v.length !== n || !v.every((b) => typeof b === 'boolean')) {
    throw new NumError('INVALID_ARGUMENT', OP, `${name} needs one boolean per layer`, `${n} booleans`, describe(v));
  }
  return v.slice();
}

/**
 * Configures p-Meta or one of its baselines.
 *
 * Presets: `pmeta` (all layers, ReLU'd learned rates, attention on all but the head, λ 1e-3),
 * `maml` (all layers, fixed α_0, no attention), `fomaml` (maml, first order), `anil` (head only),
 * `boil` (all but the head), `mamlpp` (all layers, learned per-layer per-step rates).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for ρ ∉ (0, 1], K < 1, λ < 0, a bad loss or bad flags.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [40, 40, 1]), loss: 'mse', supportSize: 10, steps: 1 });
 * let st = learner.init(key(0));
 * ```
 */
export function metaLearner(opts: MetaLearnerOptions): MetaLearner {
  if (opts === undefined) throw new NumError('INVALID_ARGUMENT', OP, 'options must be an object', 'MetaLearnerOptions', 'undefined');
  options(OP, 'options', opts);
  const net = netArg(OP, 'net', opts.net);
  if (typeof net.model?.init !== 'function') throw new NumError('INVALID_ARGUMENT', OP, 'net must come from pmeta.mlpNet / pmeta.conv4Net', 'Net', describe(net));
  for (const name of ['firstOrder', 'microBatch'] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== 'boolean') throw new NumError('INVALID_ARGUMENT', OP, `${name} must be a boolean`, 'boolean', describe(opts[name]));
  }
  const method = opts.method ?? 'pmeta';
  if (!['pmeta', 'maml', 'fomaml', 'anil', 'boil', 'mamlpp'].includes(method)) throw new NumError('INVALID_ARGUMENT', OP, 'unknown method', 'pmeta | maml | fomaml | anil | boil | mamlpp', describe(method));
  if (opts.loss !== 'mse' && opts.loss !== 'crossEntropy') throw new NumError('INVALID_ARGUMENT', OP, 'loss must be mse or crossEntropy', "'mse' | 'crossEntropy'", describe(opts.loss));
  const L = net.layers.length;
  const head = L - 1;
  const steps = positiveInt(OP, 'steps (K)', opts.steps ?? 5);
  const supportSize = positiveInt(OP, 'supportSize', opts.supportSize);
  const innerLr = opts.innerLr ?? 0.01;
  if (typeof innerLr !== 'number' || !Number.isFinite(innerLr) || innerLr < 0) throw new NumError('INVALID_ARGUMENT', OP, 'innerLr must be finite and >= 0', '>= 0', describe(innerLr));
  const r = opts.rho ?? 0.5;
  const rho = typeof r === 'number' ? { fw: ratio('rho', r), bw: ratio('rho', r) } : { fw: ratio('rho.fw', r?.fw), bw: ratio('rho.bw', r?.bw) };
  const lambda = opts.lambda ?? (method === 'pmeta' ? 1e-3 : 0);
  if (typeof lambda !== 'number' || !(lambda >= 0) || !Number.isFinite(lambda)) throw new NumError('INVALID_ARGUMENT', OP, 'lambda must be finite and >= 0', 'λ >= 0', describe(lambda));
  const bn = opts.bn ?? 'batch';
  if (bn !== 'batch' && bn !== 'frozen') throw new NumError('INVALID_ARGUMENT', OP, "bn must be 'batch' or 'frozen'", "'batch' | 'frozen'", describe(bn));
  const microBatch = opts.microBatch ?? bn === 'frozen';
  if (microBatch && bn !== 'frozen' && net.ops.some((o) => o.kind === 'bn')) {
    throw new NumError('INVALID_ARGUMENT', OP, "a micro-batched forward needs bn: 'frozen' (batch statistics need the whole batch)", "bn: 'frozen'", bn);
  }
  const metaLr = opts.metaLr ?? 1e-3;
  const tauAlpha = opts.tauAlpha ?? 1e-6;
  if (typeof metaLr !== 'number' || !Number.isFinite(metaLr) || !(metaLr > 0) || typeof tauAlpha !== 'number' || !Number.isFinite(tauAlpha) || !(tauAlpha >= 0)) throw new NumError('INVALID_ARGUMENT', OP, 'metaLr must be > 0 and tauAlpha >= 0', 'metaLr > 0, tauAlpha >= 0', `${describe(metaLr)}, ${describe(tauAlpha)}`);
  const updated = flags('updated', opts.updated, L, (l) => (method === 'anil' ? l === head : method === 'boil' ? l !== head : true));
  if (!updated.some((u) => u)) throw new NumError('INVALID_ARGUMENT', OP, 'at least one layer must be updated', 'a true entry in updated', describe(updated));
  const attention = flags('attention', opts.attention, L, (l) => method === 'pmeta' && l !== head);
  const rates = opts.rates ?? (method === 'pmeta' ? 'relu' : method === 'mamlpp' ? 'learned' : 'fixed');
  if (rates !== 'fixed' && rates !== 'learned' && rates !== 'relu') throw new NumError('INVALID_ARGUMENT', OP, 'rates must be fixed, learned or relu', "'fixed' | 'learned' | 'relu'", describe(rates));
  const firstOrder = opts.firstOrder ?? method === 'fomaml';
  const backwardPool = opts.backwardPool ?? (bn === 'batch' && net.ops.some((o) => o.kind === 'bn') ? 'absMean' : 'mean');
  if (backwardPool !== 'mean' && backwardPool !== 'absMean') throw new NumError('INVALID_ARGUMENT', OP, 'backwardPool must be mean or absMean', "'mean' | 'absMean'", describe(backwardPool));
  const rhoOf = (l: number): [number, number] => (attention[l] ? [rho.fw, rho.bw] : [1, 1]);
  const solo = net.layers.map((_, l) => adaptationMemory(
    costOps(net, net.layers.map((__, i) => i === l), net.layers.map((__, i) => rhoOf(i)), bn === 'batch'),
    { batch: supportSize, microBatch },
  ).peakBytes);
  const total = solo.reduce((a, b) => a + b, 0);
  const config: LearnerConfig = {
    method, net, loss: opts.loss, supportSize, steps, innerLr, firstOrder, rho, lambda, bn, microBatch, metaLr, tauAlpha,
    updated, attention, rates, backwardPool, costShare: solo.map((s) => s / total),
  };
  const optimizer = adam(metaLr);
  return {
    config, optimizer,
    init(k: Key): MetaTrainState {
      const { params, state } = net.model.init(foldIn(k, 0), net.inputShape);
      const omega: Params[] = net.layers.map((_, l) => {
        if (!attention[l]) return {};
        const { cout, cin } = layerChannels(net, l);
        return { fw: initAttention(foldIn(foldIn(k, 1), 2 * l), cin), bw: initAttention(foldIn(foldIn(k, 1), 2 * l + 1), cout) };
      });
      const a = new Float32Array(steps * L);
      for (let s = 0; s < steps; s++) for (let l = 0; l < L; l++) a[s * L + l] = updated[l] ? innerLr : 0;
      const meta: MetaState = {
        theta: params, bnStats: state as Params[], a: fromTyped(a, [steps, L]), omega, frozen: fromTyped(new Int32Array(L), [L]),
      };
      return { meta, opt: optimizer.init(learnables(config, meta)), step: 0 };
    },
  };
}

/**
 * The meta-learned parameters the outer optimizer updates: θ, a (unless rates are fixed), ω.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const { meta } = learner.init(key(0));
 * Object.keys(pmeta.learnables(learner.config, meta) as object); // ['theta', 'a', 'omega']
 * ```
 */
export function learnables(cfg: LearnerConfig, meta: MetaState): Params {
  checkInner('pmeta.learnables', cfg, meta);
  return cfg.rates === 'fixed' ? { theta: meta.theta, omega: meta.omega } : { theta: meta.theta, a: meta.a, omega: meta.omega };
}

/**
 * Kept ratios `[ρ_fw, ρ_bw]` of layer l (1 with attention off).
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1, rho: 0.25 });
 * pmeta.layerRho(learner.config, 0); // [0.25, 0.25]
 * pmeta.layerRho(learner.config, 1); // [1, 1]: the head has no attention
 * ```
 */
export function layerRho(cfg: LearnerConfig, l: number): [number, number] {
  layerArg('pmeta.layerRho', configArg('pmeta.layerRho', cfg).net.layers.length, l);
  return cfg.attention[l] ? [cfg.rho.fw, cfg.rho.bw] : [1, 1];
}

/**
 * Kept channel counts `[m_fw, m_bw]` of layer l.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(4, [8, 1]), loss: 'mse', supportSize: 5, steps: 1, rho: 0.5 });
 * pmeta.keptOf(learner.config, 0); // [2, 4]: half of the 4 inputs forward, half of the 8 outputs backward
 * ```
 */
export function keptOf(cfg: LearnerConfig, l: number): [number, number] {
  layerArg('pmeta.keptOf', configArg('pmeta.keptOf', cfg).net.layers.length, l);
  const { cout, cin } = layerChannels(cfg.net, l);
  const [f, b] = layerRho(cfg, l);
  return [keptChannels(f, cin), keptChannels(b, cout)];
}

function sameShapeAs(a: unknown, ref: Tensor): boolean {
  return a instanceof Tensor && a.ndim === ref.ndim && a.shape.every((d, i) => d === ref.shape[i]);
}

/**
 * Checks that a meta-state was made for this learner's network (θ, bnStats, a, ω shapes).
 * @throws {NumError} `STATE_MISMATCH` when it was not.
  * @example
  * ```ts
  * const a = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
  * const b = pmeta.metaLearner({ net: pmeta.mlpNet(1, [16, 1]), loss: 'mse', supportSize: 5, steps: 1 });
  * pmeta.checkMeta('myOp', a.config, a.init(key(0)).meta); // fine
  * let code = '';
  * try { pmeta.checkMeta('myOp', b.config, a.init(key(0)).meta); } catch (e) { if (isNumError(e)) code = e.code; }
  * code; // 'STATE_MISMATCH'
  * ```
  */
export function checkMeta(op: string, cfg: LearnerConfig, meta: MetaState): void {
  op = opName(op, 'pmeta.checkMeta');
  checkInner(op, cfg, meta);
  const L = cfg.net.layers.length;
  if (!(meta.frozen instanceof Tensor) || !sameShapeAs(meta.frozen, fromTyped(new Int32Array(L), [L]))) {
    throw new NumError('STATE_MISMATCH', op, `meta-state does not fit ${cfg.net.name}: frozen set`, `[${L}]`, describe(meta.frozen));
  }
}

/**
 * {@link checkMeta} without the frozen set: the differentiable part `{theta, bnStats, a, omega}`
 * the inner loop reads. @internal
 */
export function checkInner(op: string, cfg: LearnerConfig, meta: Pick<MetaState, 'theta' | 'bnStats' | 'a' | 'omega'>): void {
  configArg(op, cfg);
  const bad = (what: string, expected: string, got: string): never => { throw new NumError('STATE_MISMATCH', op, `meta-state does not fit ${cfg.net.name}: ${what}`, expected, got); };
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.theta) || !Array.isArray(meta.omega) || !Array.isArray(meta.bnStats)) {
    bad('not a meta-state', '{theta, bnStats, a, omega, frozen}', describe(meta));
  }
  const { net } = cfg;
  if (meta.omega.length !== net.layers.length || meta.bnStats.length !== net.ops.length) {
    bad('ω or bnStats has the wrong length', `${net.layers.length} and ${net.ops.length}`, `${meta.omega.length} and ${meta.bnStats.length}`);
  }
  if (meta.theta.length !== net.ops.length) bad('θ has the wrong number of ops', `${net.ops.length}`, `${meta.theta.length}`);
  net.layers.forEach((j, l) => {
    const { cout, cin, k } = layerChannels(net, l);
    const p = meta.theta[j] as { weight?: unknown; bias?: unknown };
    const wShape = net.ops[j]!.kind === 'conv' ? [cout, cin, k, k] : [cout, cin];
    const ok = p?.weight instanceof Tensor && p.weight.ndim === wShape.length && p.weight.shape.every((d, i) => d === wShape[i])
      && p.bias instanceof Tensor && p.bias.shape.length === 1 && p.bias.shape[0] === cout;
    if (!ok) bad(`layer ${l} (op ${j}) weight/bias`, `weight ${fmtShape(wShape)}, bias [${cout}]`, p?.weight instanceof Tensor ? fmtShape(p.weight.shape) : describe(p));
    const w = meta.omega[l] as { fw?: { u1?: unknown }; bw?: { u1?: unknown } } | undefined;
    if (cfg.attention[l] && (!(w?.fw?.u1 instanceof Tensor) || !(w.bw?.u1 instanceof Tensor) || w.fw.u1.shape[1] !== cin || w.bw.u1.shape[1] !== cout)) {
      bad(`attention of layer ${l}`, `u1 [·, ${cin}] and [·, ${cout}]`, describe(w));
    }
  });
  const L = net.layers.length;
  if (!(meta.a instanceof Tensor) || meta.a.ndim !== 2 || meta.a.shape[1] !== L || meta.a.shape[0]! < 1) bad('rate table a', `[K, ${L}]`, meta.a instanceof Tensor ? fmtShape(meta.a.shape) : describe(meta.a));
  net.ops.forEach((o, j) => {
    const s = meta.bnStats[j] as { runningMean?: unknown; runningVar?: unknown } | undefined;
    if (o.kind === 'bn' && (!(s?.runningMean instanceof Tensor) || !(s.runningVar instanceof Tensor))) bad(`BN statistics of op ${j}`, '{runningMean, runningVar}', describe(s));
    if (o.kind === 'bn' && !(meta.theta[j] as { weight?: unknown } | undefined)?.weight) bad(`BN affine parameters of op ${j}`, '{weight, bias}', describe(meta.theta[j]));
  });
}
