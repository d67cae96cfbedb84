/**
 * DPU's round and its baselines as plans (see `plan.ts`), and the same as {@link Method}s for the
 * multi-round driver.
 */
import { abs } from '../../tensor/ops/elementwise.js';
import type { Tensor } from '../../tensor/tensor.js';
import { map } from '../../tree.js';
import { purposeKey } from '../../train/keys.js';
import { options } from '../../validate.js';
import { checkLambda, combineContributions, globalContribution } from './contribution.js';
import { runPlan } from './plan.js';
import type { RoundResult } from './plan.js';
import type { Scores } from './selection.js';
import { budget, checkRatio, isSelectable, pruneTo, rewind, selectAll, selectRandom, selectWeights } from './selection.js';
import { trainer } from './training.js';
import type { RoundInput } from './training.js';

/**
 * Options of {@link round}.
 *
 * @example
 * ```ts
 * const opts: dpu.DpuRoundOptions = { ratio: 0.01, lambda: 0.5 };
 * ```
 */
export interface DpuRoundOptions {
  /** Updating ratio k: at most `⌊k·I⌋` selectable weights change. */
  ratio: number;
  /** λ of the combined metric; default 0.5. λ = 1 is GCPU (global contribution only), λ = 0 LCPU. */
  lambda?: number | undefined;
}

/**
 * One server round of deep partial updating (spec §2): from the deployed model (or `w_init`
 * when `input.reinit`), train all parameters for E epochs while accumulating each weight's local
 * contribution `−Σ g·Δ`; compute the global contribution `(w^f − w^s)²`; normalise and mix them
 * with λ; pick the `S = ⌊k·I⌋` weights with the largest metric over all layers (exact, ties to the
 * lower flat index); rewind every other selectable weight to its start value (biases and batch
 * norm keep their trained values); keep the rewound model if its validation accuracy is at least
 * the start's; train E more epochs with the masked optimizer `chain(optimizer, partialUpdate(sel))`
 * (learning-rate schedule restarted, optimizer state kept), keeping any epoch whose validation
 * accuracy beats the best so far. If nothing beat the start, nothing is sent.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.round({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 2 }, key: key(7) }, { ratio: 0.25 });
 * console.assert((r.update?.indices.length ?? 0) <= 3); // ≤ ⌊0.25 · I⌋ with I = 12
 * ```
 */
export function round(input: RoundInput, opts: DpuRoundOptions): RoundResult {
  const op = 'dpu.round';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  const lambda = checkLambda(op, opts.lambda);
  return runPlan(tr, {
    fromInit: input.reinit, restart: input.reinit,
    fullEpochs: tr.epochs, track: lambda < 1, maskedEpochs: tr.epochs,
    select(start, trained, local) {
      const global = globalContribution(start.params, trained.params);
      const m = combineContributions(local, global, { lambda });
      return { selection: selectWeights(m.metric, budget(start.params, ratio)), lambda: m.lambda, fallback: m.fallback };
    },
    rewind,
    base: input.reinit ? 'init' : 'deployed', full: false,
  });
}

/**
 * Options of {@link randomRound} and {@link pruningRound}.
 *
 * @example
 * ```ts
 * const opts: dpu.RatioOptions = { ratio: 0.01 };
 * ```
 */
export interface RatioOptions {
  /** Updating ratio k. */
  ratio: number;
}

/**
 * Random partial updating (RPU baseline, spec §6): from the deployed model (or `w_init` when
 * `input.reinit`), pick `round(k·I_l)` random weights in every layer, train 2E epochs with the
 * masked optimizer, and deploy the best validation checkpoint if it beats the start.
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.randomRound({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 1 }, key: key(7) }, { ratio: 0.25 });
 * r.stats.selected; // 3
 * ```
 */
export function randomRound(input: RoundInput, opts: RatioOptions): RoundResult {
  const op = 'dpu.randomRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  return runPlan(tr, {
    fromInit: input.reinit, restart: input.reinit, fullEpochs: 0, track: false, maskedEpochs: 2 * tr.epochs,
    select: (start) => ({ selection: selectRandom(purposeKey(input.key, 'method', 0), start.params, ratio), lambda: null, fallback: false }),
    rewind,
    base: input.reinit ? 'init' : 'deployed', full: false,
  });
}

/**
 * Full updating (FU baseline, the reference's `same_init`): train every parameter from `w_init`
 * for 2E epochs on `D^r`, deploy the best validation checkpoint if it beats `w_init`, and send
 * every weight.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad inputs.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.fullRound({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 1 }, key: key(7) });
 * r.update?.indices.length; // 12 (every selectable weight)
 * ```
 */
export function fullRound(input: RoundInput): RoundResult {
  const tr = trainer('dpu.fullRound', input);
  return runPlan(tr, {
    fromInit: true, restart: false, fullEpochs: 0, track: false, maskedEpochs: 2 * tr.epochs,
    select: (start) => ({ selection: selectAll(start.params), lambda: null, fallback: false }),
    rewind,
    base: 'deployed', full: true,
  });
}

/**
 * Magnitude pruning (baseline, spec §6): from `w_init`, train all parameters for E epochs, keep
 * the `S = ⌊k·I⌋` selectable weights of largest magnitude over all layers and set the others to
 * 0, then fine-tune the kept ones for E epochs. The update is a sparse model (relative to zeros).
 *
 * @throws {NumError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for bad inputs or options.
 * @example
 * ```ts
 * const model = nn.mlp([3]), data = { x: normal(key(1), [16, 4]), y: randint(key(2), [16], 0, 3) };
 * const wInit = dpu.initialWeights(model, [4], 1);
 * const r = dpu.pruningRound({ model, round: 0, deployed: dpu.edgeModel(wInit), init: wInit, seed: 1, reinit: false,
 *   train: data, validation: data, training: { epochs: 1 }, key: key(7) }, { ratio: 0.25 });
 * r.stats.selected; // 3
 * ```
 */
export function pruningRound(input: RoundInput, opts: RatioOptions): RoundResult {
  const op = 'dpu.pruningRound';
  const tr = trainer(op, input);
  const ratio = checkRatio(op, opts?.ratio);
  return runPlan(tr, {
    fromInit: true, restart: false, fullEpochs: tr.epochs, track: false, maskedEpochs: tr.epochs,
    select(start, trained) {
      const magnitude = map((t: Tensor) => (isSelectable(t) ? abs(t) : null), trained.params) as Scores;
      return { selection: selectWeights(magnitude, budget(start.params, ratio)), lambda: null, fallback: false };
    },
    rewind: (_start, trained, selection) => pruneTo(trained, selection),
    base: 'zeros', full: false,
  });
}

// ---- methods for the multi-round driver -----------------------------------------------------------

/**
 * A way of updating the edge, round after round: its name, whether it follows the doubling
 * re-initialisation rule, and its round function.
 *
 * @example
 * ```ts
 * const methods: dpu.Method[] = [dpu.fullUpdating(), dpu.deepPartialUpdating({ ratio: 0.01 })];
 * ```
 */
export interface Method {
  readonly name: string;
  /** Restart from `w_init` when the data has more than doubled since the last restart. */
  readonly reinit: boolean;
  round(input: RoundInput): RoundResult;
}

/**
 * Options of {@link deepPartialUpdating}.
 *
 * @example
 * ```ts
 * const opts: dpu.DeepPartialOptions = { ratio: 0.01, lambda: 0.5, reinit: true };
 * ```
 */
export interface DeepPartialOptions extends DpuRoundOptions {
  /** Follow the doubling re-initialisation rule; default true (the reference's default). */
  reinit?: boolean | undefined;
  /** Name in reports; default `'DPU'` (`'GCPU'` for λ = 1). */
  name?: string | undefined;
}

/**
 * Deep partial updating as a {@link Method} ({@link round} every round).
 *
 * @example
 * ```ts
 * const data = { x: normal(key(1), [48, 4]), y: randint(key(2), [48], 0, 3) };
 * const res = dpu.simulate({ model: nn.mlp([3]), inputShape: [4], train: data, validation: data, test: data,
 *   initialSize: 16, increment: 16, rounds: 2, training: { epochs: 1 }, method: dpu.deepPartialUpdating({ ratio: 0.25 }) });
 * res.rounds.length; // 2
 * ```
 */
export function deepPartialUpdating(opts: DeepPartialOptions): Method {
  checkRatio('dpu.deepPartialUpdating', opts?.ratio);
  const o: DpuRoundOptions = { ratio: opts.ratio, lambda: opts.lambda };
  return { name: opts.name ?? (opts.lambda === 1 ? 'GCPU' : 'DPU'), reinit: opts.reinit ?? true, round: (input) => round(input, o) };
}

/**
 * Global-contribution partial updating (GCPU baseline): DPU with λ = 1, without re-initialisation
 * by default (as the reference README runs it).
 *
 * @example
 * ```ts
 * const gcpu = dpu.globalContributionUpdating({ ratio: 0.01 });
 * ```
 */
export function globalContributionUpdating(opts: RatioOptions & { reinit?: boolean | undefined }): Method {
  const o = options('dpu.globalContributionUpdating', 'opts', opts);
  return deepPartialUpdating({ ratio: o.ratio as number, lambda: 1, reinit: o.reinit ?? false, name: 'GCPU' });
}

/**
 * Random partial updating (RPU baseline) as a {@link Method}; no re-initialisation by default.
 *
 * @example
 * ```ts
 * const rpu = dpu.randomPartialUpdating({ ratio: 0.01 });
 * ```
 */
export function randomPartialUpdating(opts: RatioOptions & { reinit?: boolean | undefined }): Method {
  checkRatio('dpu.randomPartialUpdating', opts?.ratio);
  const o: RatioOptions = { ratio: opts.ratio };
  return { name: 'RPU', reinit: opts.reinit ?? false, round: (input) => randomRound(input, o) };
}

/**
 * Full updating (FU baseline) as a {@link Method}: retrain from `w_init` and send everything.
 *
 * @example
 * ```ts
 * const fu = dpu.fullUpdating();
 * ```
 */
export function fullUpdating(): Method {
  return { name: 'FU', reinit: false, round: fullRound };
}

/**
 * Magnitude pruning (baseline) as a {@link Method}.
 *
 * @example
 * ```ts
 * const pruning = dpu.pruningUpdating({ ratio: 0.01 });
 * ```
 */
export function pruningUpdating(opts: RatioOptions): Method {
  checkRatio('dpu.pruningUpdating', opts?.ratio);
  const o: RatioOptions = { ratio: opts.ratio };
  return { name: 'Pruning', reinit: false, round: (input) => pruningRound(input, o) };
}
