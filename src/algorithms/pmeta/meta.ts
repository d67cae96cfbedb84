/**
 * The outer loop (§3.4): J(θ, a, ω) = mean_T L(θ_T^(K); Q_T) + λ Σ_{k,l} c_l α_l^(k), minimised with
 * Adam; plus `finalize` (clamp α below τ_α, record the frozen set) and the query evaluation.
 */
import { noGrad, valueAndGrad } from '../../autograd/grad.js';
import type { Params } from '../../tree.js';
import type { Task } from '../../data/fewshot.js';
import { NumError, describe } from '../../errors.js';
import { accuracy } from '../../nn/functional.js';
import { applyUpdates } from '../../optim/base.js';
import { fromTyped } from '../../tensor/create.js';
import { add, mul, sub } from '../../tensor/ops/elementwise.js';
import { concat, reshape } from '../../tensor/ops/movement.js';
import { mean } from '../../tensor/ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { alphaAt, checkSet, forwardDense, innerLoopDense, taskLoss } from './inner.js';
import type { InnerParams } from './inner.js';
import { checkInner, checkMeta, learnables } from './learner.js';
import { configArg, learnerOf, rateTable, tensorArg, thetaArg } from './check.js';
import { isPlainObject } from '../../tree.js';
import { opName } from '../../validate.js';
import type { LearnerConfig, MetaLearner, MetaState, MetaTrainState } from './learner.js';

/** A few-shot task: support and query sets (a `data.Task` or a sinusoid task). */
export type MetaTask = Pick<Task, 'support' | 'query'>;

/** What {@link metaStep} returns. */
export interface MetaStepResult {
  state: MetaTrainState;
  /** J: mean query loss plus the penalty. */
  loss: number;
  queryLoss: number;
  penalty: number;
}

/**
 * λ Σ_{k,l} c_l α_l^(k) over the layers that may adapt.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1, lambda: 1 });
 * const { meta } = learner.init(key(0));
 * pmeta.ratePenalty(learner.config, meta.a)!.item(); // 0.01: Σ_l c_l α_l with Σ c_l = 1 and α = 0.01
 * pmeta.ratePenalty(pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, method: 'maml' }).config, meta.a); // undefined: fixed rates
 * ```
 */
export function ratePenalty(cfg: LearnerConfig, a: Tensor): Tensor | undefined {
  rateTable('pmeta.ratePenalty', configArg('pmeta.ratePenalty', cfg), a);
  if (cfg.lambda === 0 || cfg.rates === 'fixed') return undefined;
  let acc: Tensor | undefined;
  for (let k = 0; k < a.shape[0]!; k++) {
    cfg.net.layers.forEach((_, l) => {
      if (!cfg.updated[l]) return;
      const t = mul(alphaAt(cfg, a, k, l), cfg.lambda * cfg.costShare[l]!);
      acc = acc === undefined ? t : add(acc, t);
    });
  }
  return acc;
}

function checkTasks(op: string, cfg: LearnerConfig, tasks: readonly MetaTask[]): void {
  if (!Array.isArray(tasks) || tasks.length === 0) throw new NumError('INVALID_ARGUMENT', op, 'tasks must be a non-empty array', 'MetaTask[]', describe(tasks));
  tasks.forEach((t, i) => {
    checkSet(op, cfg, t?.support, `tasks[${i}].support`);
    checkSet(op, cfg, t.query, `tasks[${i}].query`);
  });
}

/**
 * Frozen-statistics BN: per-channel mean and biased variance of each BN input over `x`.
 * @example
 * ```ts
 * const net = pmeta.conv4Net({ classes: 2, channels: 4, inputShape: [1, 16, 16] });
 * const learner = pmeta.metaLearner({ net, loss: 'crossEntropy', supportSize: 4, steps: 1, bn: 'frozen' });
 * const { meta } = learner.init(key(0));
 * const stats = pmeta.batchStatistics(learner.config, meta.theta, meta.bnStats, normal(key(1), [4, 1, 16, 16]));
 * stats.length === meta.bnStats.length; // true
 * ```
 */
export function batchStatistics(cfg: LearnerConfig, theta: readonly Params[], bnStats: readonly Params[], x: Tensor): Params[] {
  const op = 'pmeta.batchStatistics';
  const { net } = configArg(op, cfg);
  thetaArg(op, 'theta', net, theta, true);
  thetaArg(op, 'bnStats', net, bnStats, false);
  tensorArg(op, 'x', x, 2);
  return noGrad(() => {
    const out: Params[] = bnStats.slice();
    const probeCfg: LearnerConfig = { ...cfg, bn: 'batch' };
    // Forward with batch statistics, reading each BN input through a prefix of the net.
    cfg.net.ops.forEach((o, j) => {
      if (o.kind !== 'bn') return;
      const prefix: LearnerConfig = { ...probeCfg, net: { ...cfg.net, ops: cfg.net.ops.slice(0, j) } };
      const h = forwardDense(prefix, theta, bnStats, x);
      const axes = h.shape.map((_, i) => i).filter((i) => i !== 1);
      const mu = mean(h, { axis: axes });
      const c = sub(h, reshape(mu, h.shape.map((d, i) => (i === 1 ? d : 1))));
      out[j] = { runningMean: mu, runningVar: mean(mul(c, c), { axis: axes }) };
    });
    return out;
  });
}

/**
 * The outer objective J at learnables `lp` (`{theta, a?, omega}`, see `learnables`): mean query
 * loss after the inner loop plus the rate penalty. Differentiable in `lp`.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const cfg = learner.config, { meta } = learner.init(key(0));
 * const tasks = [data.sampleSinusoidTask(key(1), { shots: 5, queries: 5 })];
 * const g = grad((lp: Params) => pmeta.metaObjective(cfg, meta, lp, tasks).loss)(pmeta.learnables(cfg, meta));
 * tree.paths(g).length === tree.paths(pmeta.learnables(cfg, meta)).length; // true
 * ```
 */
export function metaObjective(cfg: LearnerConfig, meta: MetaState, lp: Params, tasks: readonly MetaTask[], op = 'pmeta.metaStep'):
  { loss: Tensor; queryLoss: number; penalty: number } {
  op = opName(op, 'pmeta.metaObjective');
  checkMeta(op, cfg, meta);
  if (!isPlainObject(lp)) throw new NumError('INVALID_ARGUMENT', op, 'lp must be the learnables {theta, a?, omega}', 'object', describe(lp));
  checkInner(op, cfg, { theta: lp['theta'] as Params[], bnStats: meta.bnStats, a: (lp['a'] ?? meta.a) as Tensor, omega: lp['omega'] as Params[] });
  checkTasks(op, cfg, tasks);
  const p = lp as { theta: Params[]; a?: Tensor; omega: Params[] };
  const inner: InnerParams = { theta: p.theta, bnStats: meta.bnStats, a: p.a ?? meta.a, omega: p.omega };
  let total: Tensor | undefined;
  for (const t of tasks) {
    const { theta } = innerLoopDense(cfg, inner, t.support, cfg.steps, op);
    const q = taskLoss(cfg, forwardDense(cfg, theta, meta.bnStats, t.query.x), t.query.y);
    total = total === undefined ? q : add(total, q);
  }
  let j = mul(total!, 1 / tasks.length);
  const queryLoss = j.item();
  const penalty = ratePenalty(cfg, inner.a);
  if (penalty !== undefined) j = add(j, penalty);
  return { loss: j, queryLoss, penalty: penalty === undefined ? 0 : penalty.item() };
}

/**
 * One outer step over a meta-batch of tasks: differentiates J through the inner loop (second
 * order unless `firstOrder`) and applies Adam to θ, a and ω. With `bn: 'frozen'` the BN
 * statistics are first re-estimated on the meta-batch's support sets (moving average, momentum
 * 0.1; the first step takes them as they are) and held constant inside the step.
 *
 * @throws {NumError} `SHAPE_MISMATCH`/`INVALID_ARGUMENT` for tasks that do not fit, `STATE_MISMATCH`
 *   for a meta-state of another network, `OUT_OF_RANGE` for a non-finite support loss.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * let st = learner.init(key(0));
 * const tasks = [key(1), key(2)].map((k) => data.sampleSinusoidTask(k, { shots: 5, queries: 5 }));
 * const r = pmeta.metaStep(learner, st, tasks);
 * st = r.state;
 * st.step; // 1
 * ```
 */
export function metaStep(learner: MetaLearner, st: MetaTrainState, tasks: readonly MetaTask[]): MetaStepResult {
  const op = 'pmeta.metaStep';
  const cfg = learnerOf(op, learner);
  if (!isPlainObject(st) || typeof st['step'] !== 'number' || !Number.isSafeInteger(st['step']) || st['step'] < 0 || !('opt' in st)) {
    throw new NumError('STATE_MISMATCH', op, 'state must come from learner.init (or a previous metaStep)', '{meta, opt, step}', describe(st));
  }
  checkMeta(op, cfg, st.meta);
  checkTasks(op, cfg, tasks);
  let meta = st.meta;
  if (cfg.bn === 'frozen') {
    const fresh = batchStatistics(cfg, meta.theta, meta.bnStats, concat(tasks.map((t) => t.support.x), 0));
    const m = st.step === 0 ? 1 : 0.1;
    const bnStats = noGrad(() => meta.bnStats.map((s, j) => {
      if (cfg.net.ops[j]!.kind !== 'bn') return s;
      const a = s as { runningMean: Tensor; runningVar: Tensor }, b = fresh[j] as { runningMean: Tensor; runningVar: Tensor };
      return { runningMean: add(mul(a.runningMean, 1 - m), mul(b.runningMean, m)), runningVar: add(mul(a.runningVar, 1 - m), mul(b.runningVar, m)) };
    }));
    meta = { ...meta, bnStats };
  }
  let qSum = 0, pen = 0;
  const J = (lp: Params): Tensor => {
    const r = metaObjective(cfg, meta, lp, tasks, op);
    qSum = r.queryLoss;
    pen = r.penalty;
    return r.loss;
  };
  const lp = learnables(cfg, meta);
  const [loss, g] = valueAndGrad(J)(lp);
  const [u, opt] = learner.optimizer.update(g, st.opt, lp);
  const next = applyUpdates(lp, u) as { theta: Params[]; a?: Tensor; omega: Params[] };
  return {
    state: { meta: { ...meta, theta: next.theta, a: next.a ?? meta.a, omega: next.omega }, opt, step: st.step + 1 },
    loss: loss.item(), queryLoss: qSum, penalty: pen,
  };
}

/**
 * Ends meta-training (§3.1): rates below τ_α become exactly 0 and a layer whose rate is 0 at every
 * step is recorded in `frozen`.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const st = learner.init(key(0));
 * const meta = pmeta.finalize(learner, st.meta);
 * meta.frozen.shape; // [3]: one flag per layer, 1 where the learned rates never let it adapt
 * ```
 */
export function finalize(learner: MetaLearner, meta: MetaState): MetaState {
  const cfg = learnerOf('pmeta.finalize', learner);
  checkMeta('pmeta.finalize', cfg, meta);
  const [K, L] = meta.a.shape as [number, number];
  const a = Float32Array.from(meta.a.toTyped() as ArrayLike<number>);
  const frozen = new Int32Array(L);
  for (let l = 0; l < L; l++) {
    let adapts = false;
    for (let k = 0; k < K; k++) {
      const v = a[k * L + l]!;
      const eff = !cfg.updated[l] ? 0 : cfg.rates === 'relu' ? Math.max(0, v) : v;
      if (Math.abs(eff) < cfg.tauAlpha) a[k * L + l] = 0;
      else adapts = true;
    }
    frozen[l] = adapts ? 0 : 1;
  }
  return { ...meta, a: fromTyped(a, [K, L]), frozen: fromTyped(frozen, [L]) };
}

/**
 * Query loss and (for classification) accuracy of adapted parameters.
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 1 });
 * const { meta } = learner.init(key(0));
 * const task = data.sampleSinusoidTask(key(1), { shots: 5, queries: 5 });
 * const adapted = pmeta.adapt(learner, meta, task.support);
 * const { loss, accuracy } = pmeta.evaluateQuery(learner, meta, adapted.theta, task.query);
 * Number.isNaN(accuracy); // true for regression
 * ```
 */
export function evaluateQuery(learner: MetaLearner, meta: MetaState, theta: readonly Params[], query: MetaTask['query']): { loss: number; accuracy: number } {
  const op = 'pmeta.evaluateQuery';
  const cfg = learnerOf(op, learner);
  checkInner(op, cfg, meta);
  thetaArg(op, 'theta', cfg.net, theta, true);
  checkSet(op, cfg, query, 'query');
  return noGrad(() => {
    const out = forwardDense(cfg, theta, meta.bnStats, query.x);
    return { loss: taskLoss(cfg, out, query.y).item(), accuracy: cfg.loss === 'crossEntropy' ? accuracy(out, query.y) : Number.NaN };
  });
}
