/**
 * Deployment: turn latent float parameters into what ships. Leaves whose quantizer has precision
 * 1 become packed bit matrices (`bitpack.BitMatrix` layout: one row per output, bit set = −1,
 * rows padded to 32-bit words); everything else stays a float tensor. The result is a plain tree
 * that `saveTree` serialises, and its payload bytes equal `cost.summary` with the same selection.
 */
import type { Params } from '../tree.js';
import { packBits } from '../bitpack/index.js';
import type { BitMatrix } from '../bitpack/index.js';
import { NumError, describe } from '../errors.js';
import { fromTyped } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { isPlainObject, mapWithPath } from '../tree.js';
import { checkDepth } from '../depth.js';
import type { Quantizer } from './quantizers.js';
import type { QuantizerSelect } from './view.js';

/** A packed binary leaf: the BitMatrix fields, with the words as an int32 tensor `[rows, wordsPerRow]`. */
export interface PackedBinary {
  [name: string]: Tensor | number | string;
  format: 'bits';
  rows: number;
  cols: number;
  /** The original shape, flattened to `[rows, cols]` for packing. */
  shape: string;
  words: Tensor;
}

/** The exported tree: packed binary leaves and float tensors. */
export type PackedModel = Tree<Tensor | PackedBinary>;

/**
 * Exports latent parameters for deployment: leaves whose selected quantizer has precision 1 are
 * binarised (sign, 0 → +1) and bit-packed; other leaves are kept (quantize them first if they
 * are low-bit but not binary).
 * @example
 * ```ts
 * const { params: latent } = nn.sequential(nn.linear(64)).init(key(0), [32]);
 * const packed = quant.exportPacked(latent, quant.steSign());
 * const bytes = saveTree(packed);                    // ships with biases and BN as float32
 * console.assert(quant.packedBytes(packed) === cost.summary(latent, quant.viewPrecision(quant.steSign())).totals.bytes);
 * ```
 */
export function exportPacked(params: Params, q: Quantizer | QuantizerSelect): PackedModel {
  const select: QuantizerSelect = typeof q === 'function' ? q : (_p, t) => (t.ndim >= 2 ? q : undefined);
  if (typeof q !== 'function' && (q === null || typeof q !== 'object' || typeof q.precision !== 'number')) {
    throw new NumError('INVALID_ARGUMENT', 'exportPacked', 'expected a Quantizer or a selection function', 'Quantizer | function', describe(q));
  }
  return mapWithPath((path, t: Tensor) => {
    const sel = select(path, t);
    if (sel === undefined || sel.precision !== 1) return t;
    if (t.ndim < 2) throw new NumError('SHAPE_MISMATCH', 'exportPacked', `binary leaf '${path}' must have at least 2 dims (rows = outputs)`, 'ndim >= 2', `[${t.shape.join(', ')}]`);
    const rows = t.shape[0]!;
    const cols = t.size / rows;
    const m = packBits(t.toTyped(), rows, cols);
    const packed: PackedBinary = {
      format: 'bits', rows, cols, shape: t.shape.join('x'),
      words: fromTyped(new Int32Array(m.words.buffer, m.words.byteOffset, m.words.length), [rows, m.wordsPerRow]),
    };
    return packed;
  }, params) as PackedModel;
}

/**
 * True for a packed binary leaf.
 * @example
 * ```ts
 * const { params } = nn.sequential(nn.linear(4)).init(key(0), [32]);
 * const packed = quant.exportPacked(params, quant.steSign()) as { weight: unknown; bias: unknown }[];
 * quant.isPackedBinary(packed[0]!.weight); // true
 * quant.isPackedBinary(packed[0]!.bias); // false: biases stay float32
 * ```
 */
export function isPackedBinary(x: unknown): x is PackedBinary {
  return isPlainObject(x) && x.format === 'bits' && x.words instanceof Tensor;
}

/**
 * The BitMatrix of a packed leaf (shares the words; no copy).
 * @example
 * ```ts
 * const { params } = nn.sequential(nn.linear(64)).init(key(0), [32]);
 * const packed = quant.exportPacked(params, quant.steSign()) as { weight: unknown }[];
 * const leaf = packed[0]!.weight;
 * const w = quant.isPackedBinary(leaf) ? quant.toBitMatrix(leaf) : undefined;
 * bitpack.xnorGemm(packBits(new Float32Array(32).fill(1), 1, 32), w!).length; // 64
 * ```
 */
export function toBitMatrix(leaf: PackedBinary): BitMatrix {
  if (!isPackedBinary(leaf)) throw new NumError('INVALID_ARGUMENT', 'toBitMatrix', 'not a packed binary leaf', '{format: "bits", rows, cols, words}', describe(leaf));
  const { rows, cols } = leaf;
  // A leaf read from a file is checked here: a BitMatrix whose sizes disagree with its words would
  // make every GEMM read out of bounds.
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!ok(rows) || !ok(cols) || leaf.words.dtype !== 'int32' || leaf.words.size !== rows * Math.ceil(cols / 32)) {
    throw new NumError('FORMAT', 'toBitMatrix', 'packed binary leaf sizes do not match its words', `int32 words of rows · ceil(cols / 32)`,
      `rows ${describe(rows)}, cols ${describe(cols)}, ${leaf.words.dtype} [${leaf.words.size}]`);
  }
  const w = leaf.words.contiguous();
  const words = new Uint32Array(w.data.buffer, w.data.byteOffset + w.offset * 4, w.size);
  return { rows, cols, wordsPerRow: Math.ceil(cols / 32), words };
}

/**
 * Payload bytes of an exported model: packed words plus float tensors (what `cost.summary`
 * reports for the same selection; a `.safetensors` file adds its JSON header).
 * @example
 * ```ts
 * const { params } = nn.sequential(nn.linear(64)).init(key(0), [32]);
 * quant.packedBytes(quant.exportPacked(params, quant.steSign())); // 256 weight bytes + 64 float32 biases
 * ```
 */
export function packedBytes(model: PackedModel): number {
  checkDepth('quant.packedBytes', model);
  let n = 0;
  const visit = (x: unknown): void => {
    if (isPackedBinary(x)) n += x.words.size * 4;
    else if (x instanceof Tensor) n += x.size * x.data.BYTES_PER_ELEMENT;
    else if (Array.isArray(x)) x.forEach(visit);
    else if (isPlainObject(x)) Object.values(x).forEach(visit);
  };
  visit(model);
  return n;
}

/**
 * Folds an eval-mode batch norm into the per-output affine map of `bitpack.xnorGemm`:
 * `γ·(y − μ)/√(σ² + ε) + β = y·scale + bias`, computed in float64.
 * @example
 * ```ts
 * const bnParams = { weight: ones([2]), bias: zeros([2]) };
 * const bnState = { runningMean: tensor([1, -1]), runningVar: ones([2]) };
 * const t = quant.foldBatchNorm(bnParams, bnState, 0);   // {scale, bias}
 * Array.from(t.bias); // [-1, 1]
 * bitpack.xnorGemm(packBits([1, -1, 1], 1, 3), packBits([1, 1, 1, -1, -1, -1], 2, 3), t); // [0, -0]
 * ```
 */
export function foldBatchNorm(
  params: { weight?: Tensor | undefined; bias?: Tensor | undefined },
  state: { runningMean: Tensor; runningVar: Tensor },
  eps = 1e-5,
): { scale: Float64Array; bias: Float64Array } {
  const op = 'quant.foldBatchNorm';
  if (params === null || typeof params !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'params must be {weight?, bias?}', 'object', describe(params));
  if (!(state?.runningMean instanceof Tensor) || !(state.runningVar instanceof Tensor)) {
    throw new NumError('INVALID_ARGUMENT', op, 'state must hold runningMean and runningVar tensors', '{runningMean, runningVar}', describe(state));
  }
  for (const k of ['weight', 'bias'] as const) if (params[k] !== undefined && !(params[k] instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `params.${k} must be a Tensor`, 'Tensor', describe(params[k]));
  const mu = state.runningMean.toTyped(), v = state.runningVar.toTyped();
  const g = params.weight?.toTyped(), b = params.bias?.toTyped();
  const n = mu.length;
  if (v.length !== n || (g && g.length !== n) || (b && b.length !== n)) {
    throw new NumError('SHAPE_MISMATCH', 'foldBatchNorm', 'batch-norm vectors must have one entry per channel', `${n} entries`, `${v.length}, ${g?.length ?? '-'}, ${b?.length ?? '-'}`);
  }
  const scale = new Float64Array(n), bias = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = (g ? g[i]! : 1) / Math.sqrt(v[i]! + eps);
    scale[i] = s;
    bias[i] = (b ? b[i]! : 0) - mu[i]! * s;
  }
  return { scale, bias };
}
