/**
 * Deployment (spec §5), inference: a packed forward pass that runs every quantized `nn.linear` /
 * `nn.conv2d` through `bitpack.multiBitGemm`, with float activations (weight-only, the
 * reference's setting) or optional unsigned m-bit activations.
 *
 * A packed weight `[rows = Co, cols = K]` is expanded ({@link toMultiBit}) to a MultiBitMatrix:
 * group g of row r sits in columns `(g mod groupsPerRow)·n … +n` (for pixelwise groups the
 * columns are reordered to (kh, kw, Ci), channel-last, so every group is contiguous); its valid
 * slots fill planes 0..I_g−1, the planes above have α = 0 (skipped by the kernel). Planes = the layer's largest I_g.
 */
import type { Params } from '../../tree.js';
import { noGrad } from '../../autograd/grad.js';
import { multiBitMatrix, packUnsignedActivations } from '../../bitpack/multibit.js';
import type { MultiBitMatrix } from '../../bitpack/multibit.js';
import { multiBitGemm } from '../../bitpack/multibit-gemm.js';
import { multiBitConv2dWasm, weightRows } from '../../bitpack/multibit-rows.js';
import { convPoolPlan, convPoolRun } from '../../nn/fuse.js';
import type { MultiBitActivations } from '../../bitpack/multibit-gemm.js';
import type { Dataset } from '../../data/dataset.js';
import { NumError, describe } from '../../errors.js';
import { MAX_ELEMENTS, iterableArg, layerArg } from '../../validate.js';
import { checkDepth } from '../../depth.js';
import { tensorArg } from '../../sparse/primitives.js';
import type { Layer, WeightKernels } from '../../nn/layers.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { broadcastTo } from '../../tensor/ops/movement.js';
import { im2col, makeWindow } from '../../tensor/ops/conv.js';
import type { Conv2dOptions } from '../../tensor/ops/conv.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import type { PackedAlqLeaf, PackedAlqModel } from './pack.js';
import { isPackedLeaf, join } from './pack.js';

/** Expanded matrices per packed leaf (created on first use: the module runs no code on import). */
let expandedCache: WeakMap<Tensor, MultiBitMatrix> | undefined;

const expanded = (): WeakMap<Tensor, MultiBitMatrix> => (expandedCache ??= new WeakMap());

/**
 * Expands a packed weight to the `bitpack.MultiBitMatrix` that `multiBitGemm` runs on: group g of
 * row r in columns `(g mod groupsPerRow)·n … +n`, its valid slots in planes 0..I_g−1, α = 0 (and
 * zero bits) in the planes above. Cached per packed leaf.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a value that is not a packed ALQ weight; `FORMAT` when
 *   its arrays do not fit together.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 2]).init(key(0), [16]);
 * const packed = alq.pack(params, alq.quantize(params, { maxBits: 3 })) as { weight: alq.PackedAlqLeaf }[];
 * const m = alq.toMultiBit(packed[0]!.weight);
 * [m.rows, m.cols, m.planes]; // [8, 16, 3]
 * bitpack.multiBitGemm(new Float32Array(4 * 16).fill(1), m).length; // 32 (4 samples × 8 outputs)
 * ```
 */
export function toMultiBit(leaf: PackedAlqLeaf): MultiBitMatrix {
  const op = 'alq.toMultiBit';
  if (!isPackedLeaf(leaf)) throw new NumError('INVALID_ARGUMENT', op, 'not a packed ALQ weight', '{format: "alq-multibit", ...}', describe(leaf));
  const { rows, cols, groupSize: n, planes: P } = leaf;
  const int = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_ELEMENTS;
  if (![rows, cols, n, P].every(int) || rows * cols > MAX_ELEMENTS) {
    throw new NumError('FORMAT', op, 'rows, cols, groupSize and planes must be non-negative integers', `integers, rows · cols <= ${MAX_ELEMENTS}`, `${describe(rows)}, ${describe(cols)}, ${describe(n)}, ${describe(P)}`);
  }
  const hit = expanded().get(leaf.bits);
  if (hit !== undefined) return hit;
  const counts = leaf.counts.toTyped(), stream = leaf.bits.toTyped(), A = leaf.alphas.toTyped();
  const gpr = rows === 0 ? 0 : counts.length / rows;
  let slots = 0, most = 0;
  for (let g = 0; g < counts.length; g++) { slots += counts[g]!; most = Math.max(most, counts[g]!); }
  if (!Number.isInteger(gpr) || gpr * n !== cols || A.length !== slots || stream.length !== Math.ceil((slots * n) / 32) || most !== P) {
    throw new NumError('FORMAT', op, 'packed weight arrays are inconsistent', `rows·groups counts, ${slots} α, ${Math.ceil((slots * n) / 32)} words`,
      `${counts.length} counts, ${A.length} α, ${stream.length} words`);
  }
  const m = multiBitMatrix(rows, cols, n, P);
  const W = m.wordsPerRow;
  let pos = 0, k = 0;
  for (let g = 0; g < counts.length; g++) {
    const r = Math.floor(g / gpr), c0 = (g % gpr) * n;
    for (let p = 0; p < counts[g]!; p++) {
      m.alphas[g * P + p] = A[k++]!;
      const wo = (p * rows + r) * W;
      for (let j = 0; j < n; j++, pos++) {
        if ((stream[pos >>> 5]! >>> (pos & 31)) & 1) {
          const c = c0 + j;
          m.words[wo + (c >>> 5)]! |= 1 << (c & 31);
        }
      }
    }
  }
  expanded().set(leaf.bits, m);
  return m;
}

/**
 * Options of {@link packedApply}: optional unsigned m-bit activations at the input of every
 * packed layer, `x̃ = s·clamp(⌊x/s + ½⌋, 0, 2^m − 1)` (spec §5), multiplied bit-plane by
 * bit-plane. Default: float activations (weight-only).
 *
 * @example
 * ```ts
 * const opts: PackedApplyOptions = { activationBits: 2, activationScale: 0.5 };
 * ```
 */
export interface PackedApplyOptions {
  activationBits?: number | undefined;
  activationScale?: number | undefined;
}

interface Runtime {
  matrix: MultiBitMatrix;
  /** Packed column → original column (identity for natural order). */
  columns: Int32Array | null;
  path: string;
  hits: number;
}

function columnMap(leaf: PackedAlqLeaf, dims: readonly number[]): Int32Array | null {
  if (leaf.columns !== 'channel-last') return null;
  const ci = dims[1]!, taps = dims[2]! * dims[3]!;
  const map = new Int32Array(leaf.cols);
  for (let s = 0; s < taps; s++) for (let c = 0; c < ci; c++) map[s * ci + c] = c * taps + s;
  return map;
}

function activationsOf(op: string, data: ArrayLike<number>, rows: number, cols: number, opts: PackedApplyOptions): MultiBitActivations {
  if (opts.activationBits === undefined) return data;
  const bits = opts.activationBits, s = opts.activationScale ?? 1;
  const top = 2 ** bits - 1;
  const q = new Int32Array(rows * cols);
  for (let i = 0; i < q.length; i++) q[i] = Math.min(top, Math.max(0, Math.floor(data[i]! / s + 0.5)));
  try {
    return packUnsignedActivations(q, rows, cols, { bits, scale: s });
  } catch (e) {
    if (e instanceof NumError) throw new NumError(e.code, op, e.message);
    throw e;
  }
}

function kernelsFor(op: string, runtimes: Map<Tensor, Runtime>, opts: PackedApplyOptions): WeightKernels {
  return {
    linear(x, w) {
      const rt = runtimes.get(w);
      if (rt === undefined) return undefined;
      rt.hits++;
      const K = rt.matrix.cols;
      const lead = x.shape.slice(0, -1);
      const M = lead.reduce((a, b) => a * b, 1);
      const xs = x.contiguous().toTyped({ copy: false });
      const out = multiBitGemm(activationsOf(op, xs, M, K, opts), rt.matrix);
      return fromTyped(out, [...lead, rt.matrix.rows]);
    },
    conv2dPool(x, w, bias, conv, pool, relu) {
      // nn.sequential's inference fusion: im2col, the multi-bit kernel, bias, pool and relu in
      // the wasm arena (src/nn/fuse.ts); weight-only mode only
      const rt = runtimes.get(w);
      if (rt === undefined || opts.activationBits !== undefined) return undefined;
      const plan = convPoolPlan(conv, pool, x, w.shape, relu);
      const y = plan === undefined ? undefined : convPoolRun(plan, x, weightRows(rt.matrix, rt.columns), bias);
      if (y !== undefined) rt.hits++;
      return y;
    },
    conv2d(x, w, convOpts: Conv2dOptions) {
      const rt = runtimes.get(w);
      if (rt === undefined) return undefined;
      rt.hits++;
      if ((convOpts.groups ?? 1) !== 1) {
        throw new NumError('INVALID_ARGUMENT', op, `packed conv '${rt.path}' needs groups = 1`, 'groups 1', String(convOpts.groups));
      }
      const [N, , H, W] = x.shape as [number, number, number, number];
      const [O, , kh, kw] = w.shape as [number, number, number, number];
      const win = makeWindow(op, H, W, [kh, kw], convOpts);
      if (opts.activationBits === undefined && x.dtype === 'float32') {
        // wasm backend: im2col and the multi-bit kernel inside the arena, NCHW out (bitpack/multibit-rows.ts)
        const xs = x.contiguous().toTyped({ copy: false }) as Float32Array;
        const y = multiBitConv2dWasm(xs, N, x.shape[1]!, H, W, win, rt.matrix, rt.columns);
        if (y !== undefined) return fromTyped(y, [N, O, win.ho, win.wo]);
      }
      const L = win.ho * win.wo, NL = N * L, K = rt.matrix.cols;
      const cols = im2col(x, win, 0).toTyped({ copy: false }); // [K, N·L]
      const acts = new Float32Array(NL * K);
      const map = rt.columns;
      for (let k = 0; k < K; k++) {
        const src = (map === null ? k : map[k]!) * NL;
        for (let m = 0; m < NL; m++) acts[m * K + k] = cols[src + m]!;
      }
      const out = multiBitGemm(activationsOf(op, acts, NL, K, opts), rt.matrix); // [N·L, O]
      const y = new Float32Array(N * O * L);
      for (let n = 0; n < N; n++) {
        for (let l = 0; l < L; l++) {
          const row = (n * L + l) * O;
          for (let o = 0; o < O; o++) y[(n * O + o) * L + l] = out[row + o]!;
        }
      }
      return fromTyped(y, [N, O, win.ho, win.wo]);
    },
  };
}

/**
 * Runs `model` in eval mode with its quantized weights taken from a packed model: every packed
 * `nn.linear` / `nn.conv2d` weight product is a `bitpack.multiBitGemm` on the bit-planes (conv
 * via im2col); biases, batch norm and activations run as usual. The packed weights never expand
 * to floats (they enter the model as zero-memory placeholders). Results equal the model with the
 * float reconstruction up to float rounding (exact integer popcounts, float64 accumulation).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a packed weight the model does not consume through
 *   `nn.linear`/`nn.conv2d`, grouped convs, or bad activation options.
 * @example
 * ```ts
 * const model = nn.mlp([8, 2]), x = normal(key(1), [4, 16]);
 * const { params, state: modelState } = model.init(key(0), [16]);
 * const packed = alq.pack(params, alq.quantize(params, { maxBits: 3 }));
 * const logits = alq.packedApply(model, packed, x, modelState); // weight-only
 * const twoBit = alq.packedApply(model, packed, x, modelState, { activationBits: 2, activationScale: 0.5 });
 * twoBit.shape; // [4, 2]
 * ```
 */
export function packedApply(model: Layer<Params>, packed: PackedAlqModel, x: Tensor, modelState?: Params, opts: PackedApplyOptions = {}): Tensor {
  const op = 'alq.packedApply';
  layerArg(op, 'model', model);
  tensorArg(op, 'x', x);
  checkDepth(op, packed);
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{activationBits?, activationScale?}', describe(opts));
  if (opts.activationBits !== undefined && !(Number.isInteger(opts.activationBits) && opts.activationBits >= 1 && opts.activationBits <= 30)) {
    throw new NumError('INVALID_ARGUMENT', op, 'activationBits must be an integer in 1..30', '1..30', describe(opts.activationBits));
  }
  if (opts.activationScale !== undefined && !(Number.isFinite(opts.activationScale) && opts.activationScale > 0)) {
    throw new NumError('INVALID_ARGUMENT', op, 'activationScale must be a finite number > 0', '> 0', describe(opts.activationScale));
  }
  const runtimes = new Map<Tensor, Runtime>();
  const zero = zeros([1]);
  const go = (t: unknown, path: string): unknown => {
    if (t === null || t === undefined || t instanceof Tensor) return t;
    if (isPackedLeaf(t)) {
      const dims = t.shape.split('x').map(Number);
      const placeholder = broadcastTo(zero, dims);
      runtimes.set(placeholder, { matrix: toMultiBit(t), columns: columnMap(t, dims), path, hits: 0 });
      return placeholder;
    }
    if (Array.isArray(t)) return t.map((c, i) => go(c, join(path, i)));
    if (isPlainObject(t)) return Object.fromEntries(Object.entries(t).map(([k, c]) => [k, go(c, join(path, k))]));
    throw new NumError('INVALID_ARGUMENT', op, `leaf '${path}' is neither a tensor nor a packed ALQ weight`, 'Tensor | PackedAlqLeaf', describe(t));
  };
  const params = go(packed, '') as Params;
  const y = noGrad(() => model.apply(params, x, { training: false, state: modelState, kernels: kernelsFor(op, runtimes, opts) }));
  for (const rt of runtimes.values()) {
    if (rt.hits === 0) {
      throw new NumError('INVALID_ARGUMENT', op, `packed weight '${rt.path}' was not used by an nn.linear or nn.conv2d of the model`, 'weights consumed by nn.linear / nn.conv2d', rt.path);
    }
  }
  return y;
}

/**
 * Predicted classes (arg-max of {@link packedApply}'s logits) over batches.
 *
 * @example
 * ```ts
 * const model = nn.mlp([8, 2]), test = { x: normal(key(1), [10, 16]), y: randint(key(2), [10], 0, 2) };
 * const { params, state: modelState } = model.init(key(0), [16]);
 * const preds = alq.packedPredict(model, alq.pack(params, alq.quantize(params, { maxBits: 3 })), modelState, batches(test, 4));
 * preds.length; // 10
 * ```
 */
export function packedPredict(model: Layer<Params>, packed: PackedAlqModel, modelState: Params | undefined, data: Iterable<Dataset>, opts: PackedApplyOptions = {}): Int32Array {
  const op = 'alq.packedPredict';
  layerArg(op, 'model', model);
  const out: number[] = [];
  for (const b of iterableArg(op, 'data', data)) {
    if (b === null || typeof b !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'each batch must be a dataset {x, y}', '{x: Tensor}', describe(b));
    const logits = packedApply(model, packed, b.x, modelState, opts);
    out.push(...(logits.argmax({ axis: 1 }).toTyped() as Int32Array));
  }
  return Int32Array.from(out);
}
