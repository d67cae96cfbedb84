/**
 * One RCT training step and integer evaluation. The step updates the state **in place**: the
 * integer parameters are the only resident copy (that is the point of RCT), so copying them per
 * step would itself be a second copy. Between steps the state holds integer arrays and plain
 * numbers only (spec §9 No. 1).
 */
import type { Params } from '../../tree.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { Tensor } from '../../tensor/tensor.js';
import { bitwidthController } from './controller.js';
import type { BitChange, BitwidthController, ControllerOptions, ControllerState } from './controller.js';
import { backward, forward } from './exec.js';
import type { Cache, ComputeOptions } from './exec.js';
import type { RctNet } from './net.js';
import { optimizer } from './optimizer.js';
import type { RctOptimizer, RctOptimizerOptions, RctOptState } from './optimizer.js';
import { checkQuantized, quantizedParams, resolveBits } from './quantized.js';
import type { BitsOptions, QuantizedParams } from './quantized.js';
import { configArg, netArg, stateArg } from './check.js';
import { iterableArg, options } from '../../validate.js';
import { readKey } from '../../random/check.js';

/** A run of steps at constant bitwidths (bitwidths change only at boundaries). */
export interface TraceSegment {
  steps: number;
  /** Examples processed (Σ batch sizes). */
  examples: number;
  /** b of every tensor, in `params` key order. */
  bits: number[];
}

/** Everything that persists between steps: integers and plain numbers. */
export interface RctState {
  params: QuantizedParams;
  opt: RctOptState;
  ctrl: ControllerState;
  step: number;
  /** Bitwidths in force over training, for energy and memory (few segments). */
  trace: TraceSegment[];
}

/** The fixed parts of an RCT run. */
export interface RctConfig {
  net: RctNet;
  optimizer: RctOptimizer;
  controller: BitwidthController;
  compute: ComputeOptions;
}

/** Options of {@link config}. */
export interface ConfigOptions extends RctOptimizerOptions {
  controller?: ControllerOptions | undefined;
  bits?: BitsOptions | undefined;
  actBits?: number | undefined;
  errBits?: number | undefined;
  errRounding?: 'stochastic' | 'nearest' | undefined;
}

function transientBits(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 2 || v > 24) throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer in [2, 24]`, '2..24', describe(v));
  return v;
}

/**
 * Resolves an RCT configuration: optimizer, controller (its bit limits follow `bits`) and the
 * transient X/E precision (8/8 by default).
 * @example
 * ```ts
 * const cfg = rct.config(rct.lenet5(), { learningRate: 0.05 });
 * ```
 */
export function config(net: RctNet, opts: ConfigOptions): RctConfig {
  const op = 'rct.config';
  netArg(op, net);
  opts = options(op, 'opts', opts) as ConfigOptions;
  const bits = resolveBits(opts.bits ?? opts.controller?.bits, op);
  const errRounding = opts.errRounding ?? 'stochastic';
  if (errRounding !== 'stochastic' && errRounding !== 'nearest') throw new NumError('INVALID_ARGUMENT', op, 'errRounding must be stochastic or nearest', "'stochastic' | 'nearest'", describe(errRounding));
  return {
    net,
    optimizer: optimizer(opts),
    controller: bitwidthController({ ...opts.controller, bits }),
    compute: { actBits: transientBits(op, 'actBits', opts.actBits ?? 8), errBits: transientBits(op, 'errBits', opts.errBits ?? 8), errRounding },
  };
}

/**
 * Initial state from a float init (or a trained float model) of `cfg.net.float`; the floats are
 * not kept.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * st.params['0.weight']!.b; // 8
 * ```
 */
export function init(cfg: RctConfig, floatParams: Params): RctState {
  configArg('rct.init', cfg);
  const params = quantizedParams(floatParams, cfg.controller.bits);
  for (const g of cfg.net.gemms) {
    if (params[g.weight] === undefined) throw new NumError('STRUCTURE_MISMATCH', 'rct.init', `params lack ${g.weight}`, g.weight, Object.keys(params).join(', '));
  }
  return { params, opt: cfg.optimizer.init(params), ctrl: cfg.controller.init(), step: 0, trace: [] };
}

function checkBatch(op: string, net: RctNet, x: Tensor | undefined, y: Tensor | undefined): number {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'a batch must be {x, y} tensors', '{x: Tensor, y: Tensor}', describe(x));
  const n = x.shape[0] ?? 0;
  const per = net.inputShape.reduce((a, d) => a * d, 1);
  if (n < 1 || x.size !== n * per) throw new NumError('SHAPE_MISMATCH', op, 'x must be [N, ...inputShape]', fmtShape([n, ...net.inputShape]), fmtShape(x.shape));
  if (y.size !== n) throw new NumError('SHAPE_MISMATCH', op, 'y must hold one label per example', String(n), String(y.size));
  return n;
}

/** Softmax cross-entropy: mean loss and dL/dlogits (already divided by n). */
function softmaxCrossEntropy(logits: Float32Array, y: ArrayLike<number>, n: number, classes: number): { loss: number; grad: Float32Array; correct: number } {
  const grad = new Float32Array(n * classes);
  let loss = 0, correct = 0;
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let m = -Infinity, arg = 0;
    for (let c = 0; c < classes; c++) if (logits[o + c]! > m) { m = logits[o + c]!; arg = c; }
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(logits[o + c]! - m);
    const label = y[r]!;
    loss += Math.log(s) + m - logits[o + label]!;
    if (arg === label) correct++;
    for (let c = 0; c < classes; c++) grad[o + c] = (Math.exp(logits[o + c]! - m) / s - (c === label ? 1 : 0)) / n;
  }
  return { loss: loss / n, grad, correct };
}

function record(st: RctState, n: number): void {
  const bits = Object.values(st.params).map((t) => t.b);
  const last = st.trace[st.trace.length - 1];
  if (last !== undefined && last.bits.length === bits.length && last.bits.every((b, i) => b === bits[i])) {
    last.steps++;
    last.examples += n;
  } else st.trace.push({ steps: 1, examples: n, bits });
}

/**
 * One integer training step on a batch, in place: forward on integers, loss, backward with the
 * weight gradient applied tile by tile, then the bitwidth controller. A non-finite loss or
 * learning rate raises OUT_OF_RANGE before any q is written.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * const root = key(1), x = normal(key(2), [8, 4]), y = randint(key(3), [8], 0, 3);
 * const { loss, changes } = rct.trainStep(cfg, st, { x, y }, foldIn(root, st.step));
 * st.step; // 1
 * ```
 */
export function trainStep(cfg: RctConfig, st: RctState, batch: { x: Tensor; y: Tensor }, key: Key): { loss: number; accuracy: number; changes: BitChange[] | undefined } {
  const op = 'rct.trainStep';
  configArg(op, cfg);
  stateArg(op, st);
  const n = checkBatch(op, cfg.net, batch?.x, batch?.y);
  readKey(op, key);
  const lr = cfg.optimizer.learningRate(st.step);
  const caches: Cache[] = [];
  const logits = forward(cfg.net, st.params, batch.x.toTyped(), n, cfg.compute, caches);
  const classes = logits.length / n;
  const { loss, grad, correct } = softmaxCrossEntropy(logits, batch.y.toTyped(), n, classes);
  if (!Number.isFinite(loss)) throw new NumError('OUT_OF_RANGE', op, 'the loss is not finite; no parameter was changed', 'finite loss', String(loss));
  record(st, n);
  const optKey = foldIn(key, 1);
  const stochastic = cfg.optimizer.rounding === 'stochastic';
  backward(cfg.net, st.params, caches, grad, n, cfg.compute, foldIn(key, 0), (path, qt, g, start, len, tile) => {
    cfg.optimizer.applyTile(path, qt, g, start, len, lr, st.opt, stochastic ? foldIn(optKey, tile) : undefined);
  });
  st.step++;
  const changes = cfg.controller.afterStep(st.params, st.opt, st.ctrl);
  return { loss, accuracy: correct / n, changes };
}

/**
 * Accuracy and mean loss of the integer network (X quantised as in training) over batches.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * const test = { x: normal(key(1), [10, 4]), y: randint(key(2), [10], 0, 3) };
 * rct.evaluate(cfg, st.params, batches(test, 5)).count; // 10
 * ```
 */
export function evaluate(cfg: RctConfig, params: QuantizedParams, data: Iterable<{ x: Tensor; y: Tensor }>): { accuracy: number; loss: number; count: number } {
  const op = 'rct.evaluate';
  configArg(op, cfg);
  checkQuantized(params, op);
  let correct = 0, lossSum = 0, count = 0;
  for (const b of iterableArg(op, 'data', data)) {
    const n = checkBatch(op, cfg.net, b?.x, b?.y);
    const logits = forward(cfg.net, params, b.x.toTyped(), n, cfg.compute);
    const r = softmaxCrossEntropy(logits, b.y.toTyped(), n, logits.length / n);
    correct += r.correct; lossSum += r.loss * n; count += n;
  }
  return { accuracy: count ? correct / count : 0, loss: count ? lossSum / count : 0, count };
}
