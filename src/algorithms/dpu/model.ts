/**
 * The model as the edge holds it, its fixed layout on the wire, and its fingerprint.
 *
 * Layout: the *selectable* part is every parameter leaf with ndim ≥ 2, in leaf order, flattened
 * row-major into one vector of length `I`; the *dense* part is every other parameter leaf
 * (biases, batch-norm weights) followed by every leaf of the model state (batch-norm running
 * statistics), flattened into one vector of length `D`. Server and edge derive the same layout
 * from the same architecture, so an update only carries numbers.
 */
import type { Params } from '../../tree.js';
import { NumError, describe } from '../../errors.js';
import { layerArg } from '../../validate.js';
import type { Layer } from '../../nn/layers.js';
import { key } from '../../random.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject, leaves, map } from '../../tree.js';
import { isSelectable } from './selection.js';

/**
 * Trainable parameters and non-trainable model state (batch-norm statistics) of a model.
 *
 * @example
 * ```ts
 * const { params, state } = model.init(key(1), [784]);
 * const w: dpu.ModelWeights = { params, modelState: state };
 * ```
 */
export interface ModelWeights {
  params: Params;
  modelState: Params;
}

/**
 * The deployed model on an edge device together with the round of the update that produced it
 * (`-1` for the initial model `w_init`). A plain record: it saves with `saveTree`. The edge
 * knows its round so that it can refuse a replayed or out-of-order update.
 *
 * @example
 * ```ts
 * let edge: dpu.EdgeModel = dpu.edgeModel(dpu.initialWeights(model, [784], 1));
 * edge = dpu.applyUpdate(edge, payload, { init: (seed) => dpu.initialWeights(model, [784], seed) });
 * ```
 */
export interface EdgeModel extends ModelWeights {
  round: number;
}

/** The flattened view of a model used by updates. @internal */
export interface Layout {
  selectable: Tensor[];
  dense: Tensor[];
  /** I */
  size: number;
  /** D */
  denseSize: number;
}

/** Checks `{params, modelState}` and returns the model's layout (float32 leaves only). @internal */
export function layoutOf(op: string, w: unknown, name = 'model'): Layout {
  if (!isPlainObject(w) || !('params' in w) || !('modelState' in w)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be {params, modelState}`, '{params, modelState}', describe(w));
  }
  const selectable: Tensor[] = [];
  const dense: Tensor[] = [];
  const visit = (t: unknown, isParam: boolean): void => {
    if (!(t instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `${name} must hold tensors only`, 'Tensor leaves', describe(t));
    if (t.dtype !== 'float32') throw new NumError('DTYPE_MISMATCH', op, `${name} leaves must be float32 (updates carry float32 values)`, 'float32', t.dtype);
    (isParam && isSelectable(t) ? selectable : dense).push(t);
  };
  for (const t of leaves(w['params'] as Params)) visit(t, true);
  for (const t of leaves(w['modelState'] as Params)) visit(t, false);
  return {
    selectable, dense,
    size: selectable.reduce((s, t) => s + t.size, 0),
    denseSize: dense.reduce((s, t) => s + t.size, 0),
  };
}

/** The contiguous float32 data of a leaf (a view when possible, else a copy). @internal */
export function f32(t: Tensor): Float32Array {
  return t.toTyped({ copy: false }) as Float32Array;
}

/** Concatenated data of tensors. @internal */
export function concatData(ts: readonly Tensor[], n: number): Float32Array {
  const out = new Float32Array(n);
  let o = 0;
  for (const t of ts) { out.set(f32(t), o); o += t.size; }
  return out;
}

/**
 * Rebuilds `{params, modelState}` shaped like `like`, with fresh storage: selectable leaves from
 * `sel` and the other leaves from `dense`, both flat in layout order. @internal
 */
export function fromLayout(like: ModelWeights, sel: Float32Array, dense: Float32Array): ModelWeights {
  let s = 0;
  let d = 0;
  const take = (t: Tensor, fromSel: boolean): Tensor => {
    const src = fromSel ? sel : dense;
    const at = fromSel ? s : d;
    const out = src.slice(at, at + t.size);
    if (fromSel) s += t.size; else d += t.size;
    return fromTyped(out, t.shape);
  };
  const params = map((t: Tensor) => take(t, isSelectable(t)), like.params);
  const modelState = map((t: Tensor) => take(t, false), like.modelState);
  return { params, modelState };
}

// ---- fingerprint -------------------------------------------------------------------------------

/** One lane of a murmur3-style 32-bit hash over 32-bit words (inlined per lane for speed). */
class Lane {
  h: number;
  n = 0;
  constructor(seed: number, private readonly c1: number, private readonly c2: number) {
    this.h = seed | 0;
  }

  word(w: number): void {
    let k = Math.imul(w | 0, this.c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, this.c2);
    let h = this.h ^ k;
    h = (h << 13) | (h >>> 19);
    this.h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    this.n++;
  }

  words(a: Uint32Array): void {
    const c1 = this.c1, c2 = this.c2;
    let h = this.h;
    for (let i = 0; i < a.length; i++) {
      let k = Math.imul(a[i]! | 0, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    this.h = h;
    this.n += a.length;
  }

  digest(): number {
    let h = this.h ^ Math.imul(this.n, 4);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

/**
 * A 64-bit fingerprint (16 hex digits) of a deployed model: its structure (leaf shapes, which
 * leaves are selectable), the raw float32 bits of every parameter and state entry, and its round.
 * Two models have the same fingerprint only if they are bit-identical and at the same round
 * (up to the 2⁻⁶⁴ chance of a collision). It guards against accidents, not attackers: it is not
 * a MAC.
 *
 * @throws {NumError} for a model that is not `{params, modelState}` of float32 tensors.
 * @example
 * ```ts
 * const edge = dpu.edgeModel(dpu.initialWeights(nn.mlp([3]), [4], 1));
 * dpu.fingerprint(edge, edge.round).length; // 16 hex digits
 * dpu.fingerprint(edge, 0) === dpu.fingerprint(edge, edge.round); // false: the round is part of it
 * ```
 */
export function fingerprint(model: ModelWeights, round: number): string {
  const op = 'dpu.fingerprint';
  const layout = layoutOf(op, model);
  if (!Number.isSafeInteger(round) || round < -1 || round > 0xfffffffe) {
    throw new NumError('INVALID_ARGUMENT', op, 'round must be an integer >= -1', 'integer in [-1, 4294967294]', describe(round));
  }
  const a = new Lane(0x9747b28c, 0xcc9e2d51, 0x1b873593);
  const b = new Lane(0x2d358dcc, 0x85ebca77, 0xc2b2ae3d);
  const word = (w: number): void => { a.word(w); b.word(w); };
  word(0x46555044); // "DPUF"
  const shapeWords = (ts: readonly Tensor[], tag: number): void => {
    word(ts.length);
    for (const t of ts) {
      word(tag);
      word(t.ndim);
      for (const d of t.shape) word(d);
    }
  };
  shapeWords(layout.selectable, 1);
  shapeWords(layout.dense, 2);
  for (const t of [...layout.selectable, ...layout.dense]) {
    const d = f32(t);
    const u = new Uint32Array(d.buffer, d.byteOffset, d.length);
    a.words(u);
    b.words(u);
  }
  word(round === -1 ? 0xffffffff : round);
  return hex8(a.digest()) + hex8(b.digest());
}

/**
 * The edge's record for a model it holds at `round` (default -1: the initial model).
 *
 * @throws {NumError} for a model that is not `{params, modelState}` of float32 tensors.
 * @example
 * ```ts
 * const edge = dpu.edgeModel(dpu.initialWeights(nn.mlp([3]), [4], 1));
 * edge.round; // -1
 * ```
 */
export function edgeModel(model: ModelWeights, round = -1): EdgeModel {
  layoutOf('dpu.edgeModel', model);
  if (!Number.isSafeInteger(round) || round < -1 || round > 0xfffffffe) {
    throw new NumError('INVALID_ARGUMENT', 'dpu.edgeModel', 'round must be an integer >= -1', 'integer in [-1, 4294967294]', describe(round));
  }
  return { params: model.params, modelState: model.modelState, round };
}

/**
 * The seeded random initialisation `w_init` of a model, `model.init(key(seed), inputShape)`,
 * as {@link ModelWeights}. Server and edge call this with the same seed and get the same bits on
 * every runtime (the key-based PRNG uses no platform maths), which is what lets a re-init round
 * send only the changed weights.
 *
 * @throws {NumError} from the model's `init` or for a bad seed.
 * @example
 * ```ts
 * const wInit = dpu.initialWeights(nn.mlp([300, 100, 10]), [784], 1);
 * ```
 */
export function initialWeights(model: Layer<Params>, inputShape: readonly number[], seed: number): ModelWeights {
  layerArg('dpu.initialWeights', 'model', model);
  if (!Array.isArray(inputShape)) throw new NumError('SHAPE_MISMATCH', 'dpu.initialWeights', 'inputShape must be an array', 'number[]', describe(inputShape));
  const { params, state } = model.init(key(seed), inputShape);
  return { params, modelState: state };
}
