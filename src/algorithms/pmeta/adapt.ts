/**
 * `adapt`: few-shot adaptation of a meta-learned model to one task, in the on-device form (§4,
 * default) or the meta-training form. Neither ever writes the meta-learned parameters: the
 * device form updates writable copies of the updated layers only.
 */
import { noGrad } from '../../autograd/grad.js';
import type { Params } from '../../tree.js';
import { NumError, describe } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { adaptOnDevice } from './device.js';
import type { RegistryReport } from './registry.js';
import { checkSet, innerLoopDense } from './inner.js';
import type { Selection } from './inner.js';
import { checkMeta } from './learner.js';
import { learnerOf, stepOptions } from './check.js';
import type { MetaLearner, MetaState } from './learner.js';

/**
 * Options of {@link adapt}.
 * @example
 * ```ts
 * const opts: AdaptOptions = { form: 'dense', steps: 10 };
 * ```
 */
export interface AdaptOptions {
  /** Inner steps; default the configured K (beyond K the last row of α is reused). */
  steps?: number | undefined;
  /** `device` (§4: block gradients, in place, saved-tensor registry) or `dense` (autograd ⊙ mask). Default `device`. */
  form?: 'device' | 'dense' | undefined;
}

/** The result of {@link adapt}. */
export interface Adaptation {
  /** Adapted θ (frozen layers are the meta-learned tensors themselves, unchanged). */
  theta: Params[];
  /** `selections[k][l]`: kept channels of layer l at step k, null when it was not updated. */
  selections: Selection[][];
  /** Support loss before each step (NaN for a step that updates nothing). */
  losses: number[];
  /** Device form: what the saved-tensor registry measured (bytes). */
  memory?: RegistryReport | undefined;
}

/**
 * Adapts the meta-learned model to one support set.
 *
 * @throws {NumError} `SHAPE_MISMATCH`/`INVALID_ARGUMENT` for a support set that does not fit the
 *   model or N; `STATE_MISMATCH` for a meta-state of another network; `OUT_OF_RANGE` when a
 *   support loss is not finite (adaptation stops; the meta-state is untouched).
 * @example
 * ```ts
 * const learner = pmeta.metaLearner({ net: pmeta.mlpNet(1, [8, 1]), loss: 'mse', supportSize: 5, steps: 3 });
 * const { meta } = learner.init(key(0));
 * const task = data.sampleSinusoidTask(key(1), { shots: 5, queries: 5 });
 * const { theta, losses } = pmeta.adapt(learner, meta, task.support);
 * losses.length; // 3
 * pmeta.evaluateQuery(learner, meta, theta, task.query).loss;
 * ```
 */
export function adapt(learner: MetaLearner, meta: MetaState, support: Dataset, opts?: AdaptOptions): Adaptation {
  const op = 'pmeta.adapt';
  const cfg = learnerOf(op, learner);
  checkMeta(op, cfg, meta);
  checkSet(op, cfg, support, 'support');
  const o = stepOptions(op, opts, { steps: cfg.steps, batch: 1 });
  const steps = o.steps;
  const form = o.form ?? 'device';
  if (form !== 'device' && form !== 'dense') throw new NumError('INVALID_ARGUMENT', op, "form must be 'device' or 'dense'", "'device' | 'dense'", describe(form));
  if (form === 'device') return adaptOnDevice(cfg, meta, support, steps);
  return noGrad(() => innerLoopDense(cfg, meta, support, steps, op));
}
