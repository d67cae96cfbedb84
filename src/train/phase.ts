/**
 * A phase's optimizer with its own learning-rate schedule, continuing the inner state of the
 * previous phase. Methods train in phases (ALQ's basis → coordinate → prune epochs, DPU's full →
 * masked training) whose schedules restart while the optimizer's moments carry over. The rate
 * goes through `injectHyperparams` only: the phase's transform is
 * `injectHyperparams(h => factory(h.learningRate))({ learningRate: schedule })`, and its state
 * starts at count 0 around the carried inner state.
 */
import { injectHyperparams } from '../optim/combine.js';
import type { InjectHyperparamsState } from '../optim/combine.js';
import type { GradientTransformation, Schedule } from '../optim/base.js';
import { fnArg } from '../validate.js';

/**
 * A scheduled phase optimizer and the way to enter it.
 *
 * @example
 * ```ts
 * const p: PhaseOptimizer<AdamState> = phaseOptimizer((lr) => adam(lr), schedules.constant(1e-3));
 * ```
 */
export interface PhaseOptimizer<S> {
  /** The phase's transform (state: `{count, hyperparams, inner}`). */
  transform: GradientTransformation<InjectHyperparamsState<S>>;
  /** The phase's starting state around `inner` (count 0, the schedule's first rate). */
  enter(inner: S): InjectHyperparamsState<S>;
  schedule: Schedule;
}

/**
 * Builds the optimizer of a phase whose learning rate follows `schedule` from the phase's first
 * step, around an inner state carried from the previous phase.
 *
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const init = model.init(key(0), [4]);
 * const train = { x: normal(key(1), [32, 4]), y: randint(key(2), [32], 0, 3) };
 * const trainState = initTrain(init.params, init.state, adam(1e-3)); // a previous phase's state
 * const full = phaseOptimizer((lr) => adam(lr), schedules.step(5e-3, { stepSize: 6, gamma: 0.1 }));
 * let st = { ...trainState, optState: full.enter(trainState.optState) };
 * st = fit(st, { optimizer: full.transform, model, train, batchSize: 16, epochs: 2, key: key(3) }).state;
 * const carried = st.optState.inner; // into the next phase
 * ```
 */
export function phaseOptimizer<S>(factory: (learningRate: number) => GradientTransformation<S>, schedule: Schedule): PhaseOptimizer<S> {
  fnArg('phaseOptimizer', 'factory', factory);
  fnArg('phaseOptimizer', 'schedule', schedule);
  const transform = injectHyperparams((h: { learningRate: number }) => factory(h.learningRate))({ learningRate: schedule });
  return { transform, schedule, enter: (inner) => ({ count: 0, hyperparams: { learningRate: schedule(0) }, inner }) };
}
