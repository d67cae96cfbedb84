/**
 * Server side: turn the new model into an {@link Update} against what the edge holds. Edge
 * side: check an update against the deployed model and rebuild the new model bit for bit, or
 * refuse it and keep the old one untouched.
 */
import { NumError, describe } from '../../errors.js';
import type { Update, UpdateBase } from './codec.js';
import { checkUpdate, decodeUpdate } from './codec.js';
import type { EdgeModel, Layout, ModelWeights } from './model.js';
import { concatData, fingerprint, fromLayout, layoutOf } from './model.js';

/**
 * Options of {@link createUpdate}.
 *
 * @example
 * ```ts
 * const opts: dpu.CreateUpdateOptions = { round: 3, deployed: edge, next: candidate };
 * ```
 */
export interface CreateUpdateOptions {
  /** The round producing the update; must be later than `deployed.round`. */
  round: number;
  /** The model the edge holds now, with its round. */
  deployed: EdgeModel;
  /** The model the edge should hold afterwards. */
  next: ModelWeights;
  /** What the sent entries are relative to; default `'deployed'`. */
  base?: UpdateBase | undefined;
  /** `w_init`, needed when `base` is `'init'`. */
  init?: ModelWeights | undefined;
  /** The seed that regenerates `w_init` on the edge, needed when `base` is `'init'`. */
  seed?: number | undefined;
  /** Send every selectable weight (full updating) instead of only the ones that differ. */
  full?: boolean | undefined;
}

function sameLayout(a: Layout, b: Layout): boolean {
  const same = (x: Layout['selectable'], y: Layout['selectable']): boolean =>
    x.length === y.length && x.every((t, i) => t.ndim === y[i]!.ndim && t.shape.every((d, j) => d === y[i]!.shape[j]));
  return same(a.selectable, b.selectable) && same(a.dense, b.dense);
}

/**
 * Builds the update that turns the edge's model into `next`: every selectable weight whose
 * float32 bits differ from the base (the deployed model, `w_init`, or zero) as a sorted
 * (index, value) pair, plus the whole dense part, and the fingerprints of both models. After a
 * DPU round at most `S = ⌊k·I⌋` entries differ, so at most `S` pairs are sent.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad options or a round that is not after
 *   `deployed.round`; `STRUCTURE_MISMATCH` when the models differ in layout; `DTYPE_MISMATCH`
 *   for non-float32 leaves.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const edge = dpu.edgeModel(dpu.initialWeights(model, [4], 1));
 * const update = dpu.createUpdate({ round: 0, deployed: edge, next: dpu.initialWeights(model, [4], 2) });
 * update.indices.length; // 15 (every selectable weight of the 4→3 layer changed)
 * const bytes = dpu.encodeUpdate(update);
 * ```
 */
export function createUpdate(opts: CreateUpdateOptions): Update {
  const op = 'dpu.createUpdate';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'CreateUpdateOptions', describe(opts));
  const deployed = layoutOf(op, opts.deployed, 'deployed');
  const next = layoutOf(op, opts.next, 'next');
  if (!sameLayout(deployed, next)) throw new NumError('STRUCTURE_MISMATCH', op, 'next and deployed models differ in layout', 'the same architecture', 'different leaves or shapes');
  const round = opts.round;
  if (!Number.isSafeInteger(round) || round > 0xfffffffe || !(round > opts.deployed.round)) {
    throw new NumError('INVALID_ARGUMENT', op, 'round must be an integer after the deployed round', `integer > ${opts.deployed.round}`, describe(round));
  }
  const base = opts.base ?? 'deployed';
  let seed = 0;
  let baseData: Float32Array;
  if (base === 'deployed') baseData = concatData(deployed.selectable, deployed.size);
  else if (base === 'zeros') baseData = new Float32Array(deployed.size);
  else if (base === 'init') {
    if (opts.init === undefined || !Number.isSafeInteger(opts.seed) || (opts.seed as number) < 0 || (opts.seed as number) > 0xffffffff) {
      throw new NumError('INVALID_ARGUMENT', op, "base 'init' needs init weights and their seed (u32)", '{init, seed}', `{init: ${describe(opts.init)}, seed: ${describe(opts.seed)}}`);
    }
    const init = layoutOf(op, opts.init, 'init');
    if (!sameLayout(init, next)) throw new NumError('STRUCTURE_MISMATCH', op, 'init and next models differ in layout', 'the same architecture', 'different leaves or shapes');
    baseData = concatData(init.selectable, init.size);
    seed = opts.seed as number;
  } else {
    throw new NumError('INVALID_ARGUMENT', op, 'base must be deployed, init or zeros', "'deployed' | 'init' | 'zeros'", describe(base));
  }
  const nextData = concatData(next.selectable, next.size);
  let indices: Int32Array;
  if (opts.full === true) {
    indices = new Int32Array(next.size);
    for (let i = 0; i < indices.length; i++) indices[i] = i;
  } else {
    const a = new Uint32Array(nextData.buffer);
    const b = new Uint32Array(baseData.buffer);
    let n = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
    indices = new Int32Array(n);
    n = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) indices[n++] = i;
  }
  const values = new Float32Array(indices.length);
  for (let j = 0; j < indices.length; j++) values[j] = nextData[indices[j]!]!;
  const update: Update = {
    round, base, seed,
    baseFingerprint: fingerprint(opts.deployed, opts.deployed.round),
    resultFingerprint: fingerprint(opts.next, round),
    size: next.size, indices, values,
    dense: concatData(next.dense, next.denseSize),
  };
  checkUpdate(op, update);
  return update;
}

/**
 * Options of {@link applyUpdate}.
 *
 * @example
 * ```ts
 * const opts: dpu.ApplyOptions = { init: (seed) => dpu.initialWeights(model, [784], seed) };
 * ```
 */
export interface ApplyOptions {
  /** Regenerates `w_init` from a seed; needed for re-initialisation updates. */
  init?: ((seed: number) => ModelWeights) | undefined;
}

function mismatch(what: string, expected: string, got: string): NumError {
  return new NumError('STATE_MISMATCH', 'dpu.applyUpdate', what, expected, got);
}

/**
 * The edge's side of a round: decodes (when given bytes) and checks an update against the
 * deployed model, and returns the new model with the update's round. Checks, in order: the
 * format (FORMAT); the layout sizes `I` and `D`, a round later than the edge's (a replayed or
 * old update), and the fingerprint of the edge's current model (a message meant for another
 * model) — all STATE_MISMATCH; then it rebuilds the model on fresh storage (from the deployed
 * model, from `w_init` regenerated by `opts.init(seed)`, or from zeros), writes the values and
 * the dense part, and checks the result's fingerprint (STATE_MISMATCH if the rebuilt model is
 * not bit-identical to the server's).
 *
 * The edge's model is never modified: on any error the caller still holds the exact old model.
 *
 * @throws {NumError} `FORMAT` for malformed bytes; `STATE_MISMATCH` for an update that does not
 *   apply to this model or round; `INVALID_ARGUMENT` / `DTYPE_MISMATCH` for a malformed edge model.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * let edge = dpu.edgeModel(dpu.initialWeights(model, [4], 1));
 * const bytes = dpu.encodeUpdate(dpu.createUpdate({ round: 0, deployed: edge, next: dpu.initialWeights(model, [4], 2) }));
 * edge = dpu.applyUpdate(edge, bytes, { init: (seed) => dpu.initialWeights(model, [4], seed) });
 * edge.round; // 0
 * try {
 *   dpu.applyUpdate(edge, bytes); // the same update again: refused, `edge` is untouched
 * } catch (e) {
 *   console.assert(isNumError(e) && e.code === 'STATE_MISMATCH');
 * }
 * ```
 */
export function applyUpdate(edge: EdgeModel, payload: Uint8Array | Update, opts: ApplyOptions = {}): EdgeModel {
  const op = 'dpu.applyUpdate';
  const layout = layoutOf(op, edge, 'edge');
  if (!Number.isSafeInteger(edge.round) || edge.round < -1) {
    throw new NumError('INVALID_ARGUMENT', op, 'edge.round must be an integer >= -1', 'integer >= -1', describe(edge.round));
  }
  let u: Update;
  if (payload instanceof Uint8Array) u = decodeUpdate(payload);
  else {
    checkUpdate(op, payload);
    u = payload;
  }
  if (u.size !== layout.size) throw mismatch('update is for a model with another number of selectable weights', `I = ${layout.size}`, `I = ${u.size}`);
  if (u.dense.length !== layout.denseSize) throw mismatch('update is for a model with another number of dense values', `D = ${layout.denseSize}`, `D = ${u.dense.length}`);
  if (!(u.round > edge.round)) throw mismatch('update is not newer than the deployed model (replayed or old round)', `round > ${edge.round}`, String(u.round));
  const current = fingerprint(edge, edge.round);
  if (u.baseFingerprint !== current) throw mismatch('update was made for another deployed model', current, u.baseFingerprint);
  let sel: Float32Array;
  if (u.base === 'deployed') sel = concatData(layout.selectable, layout.size);
  else if (u.base === 'zeros') sel = new Float32Array(layout.size);
  else {
    if (typeof opts.init !== 'function') throw mismatch('update restarts from w_init, but this edge cannot regenerate it (pass opts.init)', 'opts.init', 'undefined');
    const init = layoutOf(op, opts.init(u.seed), 'init');
    if (init.size !== layout.size || init.denseSize !== layout.denseSize) throw mismatch('regenerated w_init does not match the deployed architecture', `I = ${layout.size}`, `I = ${init.size}`);
    sel = concatData(init.selectable, init.size);
  }
  for (let j = 0; j < u.indices.length; j++) sel[u.indices[j]!] = u.values[j]!;
  const next = fromLayout(edge, sel, u.dense);
  const got = fingerprint(next, u.round);
  if (got !== u.resultFingerprint) throw mismatch('rebuilt model differs from the server model', u.resultFingerprint, got);
  return { params: next.params, modelState: next.modelState, round: u.round };
}
