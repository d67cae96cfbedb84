/**
 * Deployment (spec §5), the shipping format ({@link PackedAlqLeaf}): per group only its I_g valid
 * slots (bits + float32 α) and one byte for I_g, so pruned slots cost nothing; its byte count and
 * precision accounting. The packed forward pass is in `packed-apply.ts`.
 */
import type { Params, Tree } from '../../tree.js';
import type { PrecisionFn } from '../../cost/storage.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import { checkDepth } from '../../depth.js';
import type { AlqLayer, AlqState } from './state.js';
import { checkState, dataOf, layerLayout } from './state.js';

/**
 * One packed weight in the compact shipping format of spec §5: per group only its I_g valid
 * slots. `counts[r, gg]` is I_g of group `gg` of row `r`; `bits` is one bit stream over the groups
 * in order (row-major over `[rows, groupsPerRow]`), each group's valid slots one after the other,
 * n bits each (bit set = −1, least significant bit first, zero tail); `alphas` holds the matching
 * float32 coordinates, Σ I_g of them. {@link toMultiBit} expands it to the
 * `bitpack.MultiBitMatrix` the GEMM runs on.
 *
 * @example
 * ```ts
 * const leaf = packed[0].weight as PackedAlqLeaf;   // { format: 'alq-multibit', rows: 20, cols: 25, ... }
 * ```
 */
export interface PackedAlqLeaf {
  [name: string]: Tensor | number | string;
  format: 'alq-multibit';
  rows: number;
  cols: number;
  groupSize: number;
  /** Largest I_g of the layer (the planes of the expanded MultiBitMatrix). */
  planes: number;
  /** Original weight shape, e.g. `"20x1x5x5"`. */
  shape: string;
  /** `"natural"` (row-major columns) or `"channel-last"` (pixelwise: columns in (kh, kw, Ci) order). */
  columns: string;
  /** uint8 `[rows, groupsPerRow]`: I_g per group. */
  counts: Tensor;
  /** int32 words of the bit stream, `ceil(Σ n·I_g / 32)` of them. */
  bits: Tensor;
  /** float32 `[Σ I_g]`. */
  alphas: Tensor;
}

/**
 * A packed model: the parameter tree with each quantized weight replaced by a {@link PackedAlqLeaf}
 * and every other leaf (biases, batch norm) kept as a float tensor.
 *
 * @example
 * ```ts
 * const model: PackedAlqModel = alq.pack(params, state);
 * const file = saveTree(model);
 * ```
 */
export type PackedAlqModel = Tree<Tensor | PackedAlqLeaf>;

/**
 * True for a packed ALQ weight.
 *
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const packed = alq.pack(params, alq.quantize(params, { maxBits: 3 })) as { weight: unknown }[];
 * alq.isPackedLeaf(packed[0]!.weight); // true
 * alq.isPackedLeaf(tensor([1])); // false
 * ```
 */
export function isPackedLeaf(x: unknown): x is PackedAlqLeaf {
  return isPlainObject(x) && x['format'] === 'alq-multibit' && x['counts'] instanceof Tensor
    && x['bits'] instanceof Tensor && x['alphas'] instanceof Tensor;
}

function packLayer(layer: AlqLayer): PackedAlqLeaf {
  const layout = layerLayout(layer);
  const { rows, cols, groupSize: n, groupsPerRow: gpr } = layout;
  const { groups: G, maxBits: I } = layer;
  const B = dataOf(layer.basis), A = dataOf(layer.alpha), M = dataOf(layer.mask);
  const counts = new Uint8Array(G);
  let planes = 0, slots = 0;
  for (let g = 0; g < G; g++) {
    let c = 0;
    for (let i = 0; i < I; i++) if (M[g * I + i]! !== 0) c++;
    counts[g] = c;
    slots += c;
    planes = Math.max(planes, c);
  }
  const bits = new Int32Array(Math.ceil((slots * n) / 32));
  const alphas = new Float32Array(slots);
  let pos = 0, k = 0;
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < I; i++) {
      const s = g * I + i;
      if (M[s]! === 0) continue;
      alphas[k++] = A[s]!;
      for (let j = 0; j < n; j++, pos++) if (B[s * n + j]! < 0) bits[pos >>> 5]! |= 1 << (pos & 31);
    }
  }
  return {
    format: 'alq-multibit', rows, cols, groupSize: n, planes, shape: layer.shape.join('x'),
    columns: layout.grouping.kind === 'pixelwise' ? 'channel-last' : 'natural',
    counts: fromTyped(counts, [rows, gpr]), bits: fromTyped(bits, [bits.length]), alphas: fromTyped(alphas, [slots]),
  };
}

/**
 * Exports the quantized network for deployment: each quantized weight becomes a
 * {@link PackedAlqLeaf} (valid slots only, compact bit-planes + float32 α), other leaves are
 * kept. `alq.toMultiBit(leaf)` gives the `bitpack.MultiBitMatrix` and {@link packedApply} runs
 * the model on it. Its payload ({@link packedBytes}) equals `cost.summary(params,
 * alq.packedPrecision(packed)).totals.bytes`.
 *
 * @throws {NumError} `STATE_MISMATCH` when the state does not match the params.
 * @example
 * ```ts
 * const model = nn.mlp([8, 2]), x = normal(key(1), [4, 16]);
 * const { params, state: modelState } = model.init(key(0), [16]);
 * const packed = alq.pack(params, alq.quantize(params, { maxBits: 3 }));
 * alq.packedBytes(packed); // bytes that ship
 * const logits = alq.packedApply(model, packed, x, modelState);
 * logits.shape; // [4, 2]
 * ```
 */
export function pack(params: Params, state: AlqState): PackedAlqModel {
  const op = 'alq.pack';
  checkState(op, state);
  const byPath = new Map(state.layers.map((l) => [l.path, l]));
  let used = 0;
  const go = (t: unknown, path: string): unknown => {
    if (t === null || t === undefined) return t;
    if (Array.isArray(t)) return t.map((c, i) => go(c, join(path, i)));
    if (isPlainObject(t)) return Object.fromEntries(Object.entries(t).map(([k, c]) => [k, go(c, join(path, k))]));
    const layer = byPath.get(path);
    if (layer === undefined) return t;
    if (!(t instanceof Tensor) || t.shape.length !== layer.shape.length || t.shape.some((d, i) => d !== layer.shape[i])) {
      throw new NumError('STATE_MISMATCH', op, `parameter '${path}' does not match its ALQ layer`, fmtShape(layer.shape), describe(t));
    }
    used++;
    return packLayer(layer);
  };
  const out = go(params, '') as PackedAlqModel;
  if (used !== state.layers.length) {
    throw new NumError('STATE_MISMATCH', op, 'the state quantizes parameters the tree does not have', `${state.layers.length} quantized leaves`, `${used} found`);
  }
  return out;
}

export function join(prefix: string, k: string | number): string {
  return prefix === '' ? String(k) : `${prefix}.${k}`;
}

/** Visits packed leaves and tensors with their paths (packed leaves are not descended into). */
function walkPacked(model: unknown, visit: (path: string, leaf: PackedAlqLeaf | Tensor) => void): void {
  checkDepth('alq.packedModel', model);
  const go = (t: unknown, path: string): void => {
    if (t === null || t === undefined) return;
    if (isPackedLeaf(t) || t instanceof Tensor) visit(path, t);
    else if (Array.isArray(t)) t.forEach((c, i) => go(c, join(path, i)));
    else if (isPlainObject(t)) for (const [k, c] of Object.entries(t)) go(c, join(path, k));
    else throw new NumError('INVALID_ARGUMENT', 'alq.packedModel', `leaf '${path}' is neither a tensor nor a packed ALQ weight`, 'Tensor | PackedAlqLeaf', describe(t));
  };
  go(model, '');
}

/** Bytes of one packed weight: one byte per group count, the bit-stream words and the α's. */
function leafBytes(leaf: PackedAlqLeaf): number {
  return leaf.counts.size + 4 * leaf.bits.size + 4 * leaf.alphas.size;
}

/**
 * Payload bytes of a packed model: per packed weight one byte per group (I_g), the bit-stream
 * words and the float32 α's — `G + 4·⌈Σ n·I_g / 32⌉ + 4·Σ I_g` — plus every float tensor.
 * A `.safetensors` file adds its JSON header.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a leaf that is neither a tensor nor a packed weight.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const packed = alq.pack(params, alq.quantize(params, { maxBits: 3 }));
 * alq.packedBytes(packed) === cost.summary(params, alq.packedPrecision(packed)).totals.bytes; // true
 * ```
 */
export function packedBytes(model: PackedAlqModel): number {
  let n = 0;
  walkPacked(model, (_p, leaf) => { n += leaf instanceof Tensor ? leaf.size * leaf.data.BYTES_PER_ELEMENT : leafBytes(leaf); });
  return n;
}

/**
 * The per-leaf precision of a packed model for `cost.summary` / `cost.storageBytes`: a packed
 * weight costs `8·bytes / count` bits per weight (bases, α's and group counts), so the
 * summary's bytes equal {@link packedBytes}; other leaves keep their dtype size.
 *
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const s = cost.summary(params, alq.packedPrecision(alq.pack(params, alq.quantize(params, { maxBits: 3 }))));
 * s.rows.find((r) => r.path === '0.weight')!.precision; // effective bits per weight, bases plus coordinates
 * ```
 */
export function packedPrecision(model: PackedAlqModel): PrecisionFn {
  const bits = new Map<string, number>();
  walkPacked(model, (path, leaf) => { if (!(leaf instanceof Tensor)) bits.set(path, (8 * leafBytes(leaf)) / (leaf.rows * leaf.cols)); });
  return (path) => bits.get(path);
}
