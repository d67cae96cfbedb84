/**
 * Boundary checks of the `pmeta` namespace, built on the shared checks of `src/validate.ts`: the
 * exported building blocks (forward pass, rates, attention, cost ops) take a learner's resolved
 * config, a network and tensors that a caller may get wrong, and each must fail with one
 * `NumError` naming the op rather than a TypeError from deep inside. Structural, not by identity:
 * a config copied with `{...cfg}` (as `batchStatistics` does) is still a config.
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import { checkCount, options, positiveInt } from '../../validate.js';
import type { Net } from './arch.js';
import type { AttentionParams, Pooling } from './attention.js';
import type { LearnerConfig, MetaLearner } from './learner.js';

const isArray = (v: unknown): v is readonly unknown[] => Array.isArray(v);

/**
 * A network from `pmeta.mlpNet` / `pmeta.conv4Net` (its op list and shapes), else INVALID_ARGUMENT.
 * @example
 * ```ts
 * const net = netArg('pmeta.costOps', 'net', n);
 * ```
 */
export function netArg(op: string, name: string, v: unknown): Net {
  const n = v as Partial<Net> | null | undefined;
  const ok = isPlainObject(n) && isArray(n.ops) && isArray(n.layers) && n.layers.length > 0 && isArray(n.inShapes) && isArray(n.outShapes)
    && isArray(n.inputShape) && n.inShapes.length >= n.ops.length && n.outShapes.length >= n.ops.length
    && n.layers.every((j) => Number.isInteger(j) && j >= 0 && j < n.inShapes!.length);
  if (!ok) throw new NumError('INVALID_ARGUMENT', op, `${name} must come from pmeta.mlpNet / pmeta.conv4Net`, 'Net', describe(v));
  return n as Net;
}

/**
 * A learner's resolved config (`learner.config`), checked by shape, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * const cfg = configArg('pmeta.forwardDense', c);
 * ```
 */
export function configArg(op: string, v: unknown): LearnerConfig {
  const c = v as Partial<LearnerConfig> | null | undefined;
  const bad = (): never => { throw new NumError('INVALID_ARGUMENT', op, 'cfg must be a learner config (learner.config from pmeta.metaLearner)', 'LearnerConfig', describe(v)); };
  if (!isPlainObject(c) || !isPlainObject(c.net)) bad();
  const net = netArg(op, 'cfg.net', c!.net);
  const L = net.layers.length;
  const flags = (f: unknown): boolean => isArray(f) && f.length === L && f.every((b) => typeof b === 'boolean');
  if (!flags(c!.updated) || !flags(c!.attention) || !isArray(c!.costShare) || c!.costShare.length !== L || !isPlainObject(c!.rho)
    || typeof c!.steps !== 'number' || typeof c!.lambda !== 'number' || typeof c!.rates !== 'string' || typeof c!.loss !== 'string') bad();
  return c as LearnerConfig;
}

/**
 * The config of a learner from `pmeta.metaLearner`, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * const cfg = learnerOf('pmeta.adapt', learner);
 * ```
 */
export function learnerOf(op: string, learner: unknown): LearnerConfig {
  const l = learner as Partial<MetaLearner> | null | undefined;
  if (typeof l !== 'object' || l === null || l.config === undefined || typeof l.optimizer?.update !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'learner must come from pmeta.metaLearner', 'MetaLearner', describe(learner));
  }
  return configArg(op, l.config);
}

/**
 * Index `l` of a parameterised layer of a network with `count` of them, else OUT_OF_RANGE
 * (INVALID_ARGUMENT for a non-integer).
 * @example
 * ```ts
 * layerArg('pmeta.layerRho', cfg.net.layers.length, l);
 * ```
 */
export function layerArg(op: string, count: number, l: unknown): number {
  return checkCount(op, 'layer index l', l, 0, count - 1);
}

/**
 * `x` if it is a Tensor with at least `minDims` axes, else INVALID_ARGUMENT / SHAPE_MISMATCH.
 * @example
 * ```ts
 * const x = tensorArg('pmeta.forwardDense', 'x', input, 2);
 * ```
 */
export function tensorArg(op: string, name: string, x: unknown, minDims = 0): Tensor {
  if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a Tensor`, 'Tensor', describe(x));
  if (x.ndim < minDims) throw new NumError('SHAPE_MISMATCH', op, `${name} needs at least ${minDims} dims`, `>= ${minDims} dims`, fmtShape(x.shape));
  return x;
}

/**
 * The rate table `a` of a config: a float `[K, L]` tensor, else SHAPE_MISMATCH / INVALID_ARGUMENT.
 * @example
 * ```ts
 * rateTable('pmeta.ratePenalty', cfg, a);
 * ```
 */
export function rateTable(op: string, cfg: LearnerConfig, a: unknown): Tensor {
  const t = tensorArg(op, 'a', a);
  const L = cfg.net.layers.length;
  if (t.ndim !== 2 || t.shape[0]! < 1 || t.shape[1] !== L) throw new NumError('SHAPE_MISMATCH', op, 'the rate table a must be [K, L]', `[K >= 1, ${L}]`, fmtShape(t.shape));
  return t;
}

/**
 * θ (or BN statistics): one params entry per op of the net, each a plain object; for the layers
 * the forward pass reads, `{weight, bias}` tensors. Else STATE_MISMATCH.
 * @example
 * ```ts
 * thetaArg('pmeta.forwardDense', 'theta', cfg.net, theta, true);
 * ```
 */
export function thetaArg(op: string, name: string, net: Net, v: unknown, weights: boolean): Params[] {
  if (!isArray(v) || v.length < net.ops.length) throw new NumError('STATE_MISMATCH', op, `${name} needs one entry per op of ${String(net.name)}`, `array(${net.ops.length})`, describe(v));
  net.ops.forEach((o, j) => {
    const p = v[j] as { weight?: unknown; bias?: unknown } | undefined;
    if (!isPlainObject(p)) throw new NumError('STATE_MISMATCH', op, `${name}[${j}] must be a params object`, 'object', describe(p));
    if (weights && (o.kind === 'linear' || o.kind === 'conv' || o.kind === 'bn') && (!(p.weight instanceof Tensor) || !(p.bias instanceof Tensor))) {
      throw new NumError('STATE_MISMATCH', op, `${name}[${j}] (${o.kind}) needs weight and bias tensors`, '{weight, bias}', describe(p.weight));
    }
  });
  return v as Params[];
}

/**
 * The parameters of one attention module (`u1`, `c1`, `u2`, `c2` tensors), else INVALID_ARGUMENT.
 * @example
 * ```ts
 * attentionArg('pmeta.attend', 'p', p);
 * ```
 */
export function attentionArg(op: string, name: string, p: unknown): AttentionParams {
  const a = p as Partial<AttentionParams> | null | undefined;
  if (!isPlainObject(a) || !['u1', 'c1', 'u2', 'c2'].every((k) => a[k] instanceof Tensor) || a.u1!.ndim !== 2 || a.u2!.ndim !== 2) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be attention parameters (pmeta.initAttention)`, '{u1 [r, C], c1 [r], u2 [C, r], c2 [C]}', describe(p));
  }
  return a as AttentionParams;
}

/**
 * A pooling name, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * poolArg('pmeta.attend', pool);
 * ```
 */
export function poolArg(op: string, pool: unknown): Pooling {
  if (pool !== 'mean' && pool !== 'absMean') throw new NumError('INVALID_ARGUMENT', op, "pool must be 'mean' or 'absMean'", "'mean' | 'absMean'", describe(pool));
  return pool;
}

/**
 * A kept ratio ρ in (0, 1], else INVALID_ARGUMENT.
 * @example
 * ```ts
 * ratioArg('pmeta.attend', 'rho', 0.5);
 * ```
 */
export function ratioArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new NumError('INVALID_ARGUMENT', op, `${name} must be in (0, 1]`, '0 < ρ <= 1', describe(v));
  return v;
}

/**
 * An array (or typed array) of numbers, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * numbersArg('pmeta.meanCi', 'xs', [0.5, 0.7]);
 * ```
 */
export function numbersArg(op: string, name: string, v: unknown): ArrayLike<number> {
  const ok = (Array.isArray(v) && v.every((x) => typeof x === 'number'))
    || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));
  if (!ok) throw new NumError('INVALID_ARGUMENT', op, `${name} must be an array of numbers`, 'number[]', describe(v));
  return v as ArrayLike<number>;
}

/**
 * Options of `adapt` / `adaptationMemory`, checked: an options bag whose `steps` and `batch` are
 * positive integers when given (else the defaults).
 * @example
 * ```ts
 * const { steps, batch } = stepOptions('pmeta.adaptationMemory', opts, { steps: cfg.steps, batch: cfg.supportSize });
 * ```
 */
export function stepOptions<T extends { steps?: number | undefined; batch?: number | undefined }>(op: string, opts: T | undefined, dflt: { steps: number; batch: number }): T & { steps: number; batch: number } {
  const o = options(op, 'opts', opts);
  return {
    ...o,
    steps: o.steps === undefined ? dflt.steps : positiveInt(op, 'steps', o.steps),
    batch: o.batch === undefined ? dflt.batch : positiveInt(op, 'batch', o.batch),
  } as T & { steps: number; batch: number };
}
