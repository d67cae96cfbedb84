/**
 * Adaptive bitwidth (spec §3): loss-aware pruning of coordinates α in the α domain, and the
 * bitwidth accounting that drives it.
 */
import type { Params } from '../../tree.js';
import { multiBitStorage } from '../../cost/multibit.js';
import { NumError, describe } from '../../errors.js';
import type { GradientTransformation } from '../../optim/base.js';
import { nonNegative, positiveInt } from '../../validate.js';
import { foldIn, split, uniform } from '../../random.js';
import type { Key } from '../../random.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { importance, modelStats } from './kernels.js';
import type { AlqLayer, AlqState } from './state.js';
import { checkState, dataOf, quantize } from './state.js';
import type { CoordinateOptions } from './steps.js';
import type { MomentArrays } from './kernels.js';
import { coordinateMoments, momentTensors, runStep, stepConfig, weightMoments } from './steps.js';

/**
 * Options of {@link prune}.
 *
 * @example
 * ```ts
 * const opts: PruneOptions = { learningRate: 1e-6, rate: 0.8, topK: 0.005, stepsPerEpoch: 391, key: key(0) };
 * ```
 */
export interface PruneOptions extends CoordinateOptions {
  /** pr: one pruning epoch keeps about `e^{−pr}` of the valid slots. */
  rate: number;
  /** k: fraction of each layer's valid slots that become candidates per minibatch. */
  topK: number;
  /** T: minibatches per pruning epoch. */
  stepsPerEpoch: number;
  /** E: pruning epochs the rate is spread over. Default 1. */
  epochs?: number | undefined;
  /** Seeds the stochastic rounding of the per-layer candidate counts (folded with the step count). */
  key: Key;
  /** Stop pruning once the network average bitwidth is at or below this (target mode, spec §9.3). */
  targetBits?: number | undefined;
  /**
   * Round `|pool|·ρ` stochastically instead of down (our addition; default false = the reference's
   * floor). Small networks need it: with fewer than one expected removal per minibatch the floor
   * never prunes.
   */
  stochasticCount?: boolean | undefined;
}

/** The keys of pruning step `count`: per-layer candidate rounding and pruned-count rounding. @internal */
export function stepKeys(k: Key, count: number): [Key, Key] {
  return split(foldIn(k, count), 2) as [Key, Key];
}

/**
 * Per-layer candidate counts `c_l = ⌊A_l·k⌋ + Bernoulli(frac(A_l·k))` (stochastic rounding, one
 * float64 uniform per layer from `k`), capped at `A_l`. @internal
 */
export function candidateCounts(k: Key, valid: readonly number[], topK: number): number[] {
  if (valid.length === 0) return [];
  const u = uniform(k, [valid.length], { dtype: 'float64' }).toTyped();
  return valid.map((a, l) => {
    const x = a * topK;
    const base = Math.floor(x);
    return Math.min(a, base + (u[l]! < x - base ? 1 : 0));
  });
}

interface Candidate { layer: number; slot: number; score: number }

const byScore = (a: Candidate, b: Candidate): number => a.score - b.score || a.layer - b.layer || a.slot - b.slot;

/**
 * Loss-aware α pruning (spec §3.2), one minibatch:
 *
 * ```
 * w- and α-statistics ← g_w, g_α  (as coordinateStep, but α is not stepped)
 * Δℓ_{g,i} = −G_α·α + ½·α²·D_α                          (η included, as in the reference)
 * per layer: c_l = ⌊A_l·k⌋ + Bernoulli(frac(A_l·k)) valid slots with the smallest Δℓ
 * pool all layers, prune the P = ⌊|pool|·ρ⌋ smallest, ρ = (pr/k)/(E·T)
 * pruned slot: mask ← 0, α ← 0, basis row ← 0 (and its α-statistics ← 0)
 * ```
 *
 * So one epoch of T minibatches keeps about `e^{−pr}` of the slots. The keys of step t are
 * `split(foldIn(key, t), 2)` (candidate counts, and the rounding of P with `stochasticCount`). Masks only ever lose slots.
 * With `targetBits` pruning stops as soon as the network average bitwidth `Σ_g n_g I_g / N` is
 * at or below the target. Cross-layer ranking uses each slot's own Δℓ (the reference's
 * indexing slip after earlier pruning is fixed, spec §9.4). Run the network in eval mode.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for bad options (rate, topK ≤ 0, non-integer steps, a key
 *   that is not a Tensor); from `update` as `alq.basisStep`.
 * @example
 * ```ts
 * const p = alq.prune({ learningRate: 1e-6, rate: 0.8, topK: 0.005, stepsPerEpoch: 391, key: key(1), targetBits: 0.4 });
 * const opt = partition({ alq: p, float: adam(1e-6) }, alq.labels());
 * ```
 */
export function prune(opts: PruneOptions): GradientTransformation<AlqState> {
  const op = 'alq.prune';
  const cfg = stepConfig(op, opts);
  const rate = nonNegative(op, 'rate', opts.rate);
  const topK = nonNegative(op, 'topK', opts.topK, true);
  const steps = positiveInt(op, 'stepsPerEpoch', opts.stepsPerEpoch);
  const epochs = positiveInt(op, 'epochs', opts.epochs ?? 1);
  if (!(opts.key instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'key must be a PRNG key', 'key(seed)', describe(opts.key));
  const target = opts.targetBits === undefined ? undefined : nonNegative(op, 'targetBits', opts.targetBits);
  const fraction = rate / topK / (epochs * steps);
  const stochastic = opts.stochasticCount ?? false;
  const k = opts.key;
  // One pruning step, as named steps: score the valid slots, pool each layer's top candidates,
  // draw how many to prune, choose them (stopping at the target), remove them.
  return {
    init: (params) => quantize(params, opts),
    update: (updates: Params, state: AlqState, params?: Params) => runStep(op, cfg, updates, state, params, (ctx) => {
      const scored = ctx.layers.map((s) => {
        const wm = weightMoments(cfg, s);
        const { moments } = coordinateMoments(cfg, s);
        const [G, D] = modelStats(cfg, moments.m, moments.vMax, ctx.t, ctx.eta);
        return { s, wm, moments, score: importance(dataOf(s.layer.alpha), G, D), valid: validSlotsOf(s.layer) };
      });
      const [countKey, roundKey] = stepKeys(k, ctx.state.count);
      const pool = candidatePool(scored, candidateCounts(countKey, scored.map((l) => l.valid.length), topK));
      const expected = pool.length * fraction;
      let P = Math.floor(expected);
      if (stochastic && uniform(roundKey, [1], { dtype: 'float64' }).item() < expected - P) P++;
      const chosen = chooseSlots(scored.map(({ s, valid }) => ({ groupSize: s.layer.groupSize, groups: s.layer.groups, valid: valid.length })), pool, Math.min(pool.length, P), target);
      return scored.map(({ s, wm, moments }, l) => removeSlots(s.layer, chosen[l]!, wm, moments));
    }),
  };
}

/** The valid (unpruned) slots of a layer, in slot order. */
function validSlotsOf(layer: AlqLayer): number[] {
  const mask = dataOf(layer.mask);
  const out: number[] = [];
  for (let q = 0; q < mask.length; q++) if (mask[q]! !== 0) out.push(q);
  return out;
}

/** Each layer's `counts[l]` best-scored valid slots, pooled and sorted by score. */
function candidatePool(layers: readonly { score: ArrayLike<number>; valid: readonly number[] }[], counts: readonly number[]): Candidate[] {
  const pool: Candidate[] = [];
  layers.forEach(({ score, valid }, l) => {
    const cands = valid.map((slot) => ({ layer: l, slot, score: score[slot]! }));
    cands.sort(byScore);
    pool.push(...cands.slice(0, counts[l]!));
  });
  return pool.sort(byScore);
}

/** The first `P` candidates of the pool per layer, stopping once the network reaches `target` bits. */
function chooseSlots(layers: readonly { groupSize: number; groups: number; valid: number }[], pool: readonly Candidate[], P: number, target: number | undefined): number[][] {
  let bits = 0, total = 0;
  for (const l of layers) { bits += l.groupSize * l.valid; total += l.groupSize * l.groups; }
  const chosen: number[][] = layers.map(() => []);
  for (let p = 0; p < P; p++) {
    if (target !== undefined && bits <= target * total) break;
    const c = pool[p]!;
    chosen[c.layer]!.push(c.slot);
    bits -= layers[c.layer]!.groupSize;
  }
  return chosen;
}

/** The layer with `slots` removed: basis, α, mask and the slots' moments zeroed. */
function removeSlots(layer: AlqLayer, slots: readonly number[], wm: MomentArrays, moments: MomentArrays): AlqLayer {
  const { groups: G, maxBits: I, groupSize: n } = layer;
  let { basis, alpha, mask } = layer;
  if (slots.length > 0) {
    const B = (dataOf(basis) as Int8Array).slice();
    const a = (dataOf(alpha) as Float32Array).slice();
    const m = (dataOf(mask) as Uint8Array).slice();
    for (const q of slots) {
      m[q] = 0;
      a[q] = 0;
      B.fill(0, q * n, (q + 1) * n);
      moments.m[q] = 0;
      moments.v[q] = 0;
      moments.vMax[q] = 0;
    }
    basis = fromTyped(B, [G, I, n]);
    alpha = fromTyped(a, [G, I]);
    mask = fromTyped(m, [G, I]);
  }
  return { ...layer, basis, alpha, mask, moments: momentTensors(wm, layer.shape), alphaMoments: momentTensors(moments, [G, I]) };
}

/**
 * Average bitwidths (binary-basis bits per quantized weight, spec §3.3): per layer
 * `valid slots / groups`, and for the network `Σ_g n_g I_g / N` over all quantized weights.
 * α's, masks and per-group I_g are not counted (see {@link storage}).
 *
 * @throws {NumError} `STATE_MISMATCH` for a malformed state.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const { total, byPath } = alq.averageBits(alq.quantize(params, { maxBits: 3 }));
 * total; // 3
 * Object.keys(byPath); // ['0.weight', '2.weight']
 * ```
 */
export function averageBits(state: AlqState): { total: number; byPath: Record<string, number> } {
  checkState('alq.averageBits', state);
  const byPath: Record<string, number> = {};
  let bits = 0, weights = 0;
  for (const l of state.layers) {
    const valid = countValid(l);
    byPath[l.path] = l.groups === 0 ? 0 : valid / l.groups;
    bits += valid * l.groupSize;
    weights += l.groups * l.groupSize;
  }
  return { total: weights === 0 ? 0 : bits / weights, byPath };
}

/** Number of valid slots of a layer. @internal */
export function countValid(l: AlqLayer): number {
  const m = dataOf(l.mask);
  let c = 0;
  for (let q = 0; q < m.length; q++) if (m[q]! !== 0) c++;
  return c;
}

/**
 * Storage of the quantized weights under the spec's convention (§3.3): `binaryBits = Σ_g n_g I_g`,
 * `coordinateBits = 32·Σ_g I_g` (float32 α), `bytes = (binaryBits + coordinateBits) / 8`,
 * `kilobytes = bytes / 1000` (decimal). `metadataBits = G·⌈log2(Imax+1)⌉` is the extra cost of
 * storing each group's I_g, reported separately. The deployed `alq.pack` layout has its own
 * exact size (`alq.packedBytes`).
 *
 * @throws {NumError} `STATE_MISMATCH` for a malformed state.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const s = alq.storage(alq.quantize(params, { maxBits: 3 }));
 * s.binaryBits; // 432 (3 bits for each of the 144 weights)
 * ```
 */
export function storage(state: AlqState): { binaryBits: number; coordinateBits: number; bytes: number; kilobytes: number; metadataBits: number } {
  checkState('alq.storage', state);
  const s = multiBitStorage(state.layers.map((l) => ({ groupSize: l.groupSize, groups: l.groups, validSlots: countValid(l), maxBits: l.maxBits })));
  return { binaryBits: s.binaryBits, coordinateBits: s.coordinateBits, bytes: s.bytes, kilobytes: s.bytes / 1000, metadataBits: s.metadataBits };
}
