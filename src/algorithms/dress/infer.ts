/**
 * Sparse inference of a packed model (spec §6): every packed linear and conv layer runs over the
 * first `n_j` of the `n_1` rank-ordered (unsorted) entries of each row (stride `n_1`), on the path
 * `kernelPath` picks (`paths.ts`): the DRESS direct kernels, or im2col + the row-balanced SpMM; on wasm
 * conv → pool → relu spans run fused and chains of packed layers keep their activations in the
 * arena (`fused.ts`). A runner builds
 * its placeholders and one tiny row descriptor per (layer, level) once; switching subnets picks
 * another descriptor and BN set, and never touches the weight or index buffers.
 *
 * @module
 */
import { noGrad } from '../../autograd/grad.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import type { Layer, WeightKernels } from '../../nn/layers.js';
import type { KernelRows } from '../../sparse/kernels.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { broadcastTo } from '../../tensor/ops/movement.js';
import { makeWindow } from '../../tensor/ops/conv.js';
import type { Conv2dOptions } from '../../tensor/ops/conv.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import type { Params, Tree } from '../../tree.js';
import type { PackedDress } from './pack.js';
import { relayout } from './pack.js';
import { kernelPath, packedConv, packedLinear } from './paths.js';
import { float32Data } from '../../tensor/ops/movement.js';
import type { KernelPath } from './paths.js';
import { packedArg } from './check.js';
import { runSequential, sparseConvPool, type FusedSlot } from './fused.js';
import { layerArg, options } from '../../validate.js';

/** Per packed weight: one row descriptor per level (rows of `counts[j]` entries, `counts[0]` apart), and use counts. */
type Slot = FusedSlot;

/**
 * A packed model ready to run at any level.
 * @example
 * ```ts
 * const r = dress.packedRunner(model, packed);
 * const logits = r.apply(x, 3);      // the sparsest of four subnets
 * ```
 */
export interface PackedRunner {
  readonly packed: PackedDress;
  /** Logits of subnet `level` (eval mode, BN set `level`). */
  apply(x: Tensor, level: number): Tensor;
  /** Per packed layer: output positions per row in the last `apply` (for MAC counts). */
  positions(): { path: string; rows: number; positions: number }[];
}

/**
 * Options of {@link packedRunner}.
 * @example
 * ```ts
 * const o: PackedRunnerOptions = { path: 'direct' }; // the DRESS JS kernels on every backend
 * ```
 */
export interface PackedRunnerOptions {
  /** `'auto'` (default): per layer and level as `dress.kernelPath` decides; else force one path. */
  path?: 'auto' | KernelPath | undefined;
}

function kernels(slots: Map<Tensor, Slot>, level: () => number, force: KernelPath | undefined): WeightKernels {
  return {
    linear(x, w) {
      const s = slots.get(w);
      if (s === undefined) return undefined;
      const rows = s.rows[level()]!;
      const lead = x.shape.slice(0, -1);
      const p = lead.reduce((a, d) => a * d, 1);
      if (x.shape[x.ndim - 1] !== rows.k) throw new NumError('SHAPE_MISMATCH', 'dress.packedRunner', `input of '${s.layer.path}' has the wrong features`, String(rows.k), fmtShape(x.shape));
      const out = packedLinear(force ?? kernelPath(rows.m, rows.rowNnz, rows.k), s.layer, rows, float32Data(x), p);
      s.positions = p;
      s.hits++;
      return fromTyped(out, [...lead, rows.m]);
    },
    conv2d(x, w, opts: Conv2dOptions) {
      const s = slots.get(w);
      if (s === undefined) return undefined;
      const groups = opts.groups ?? 1;
      const rows = s.rows[level()]!;
      const [co, cg, kh, kw] = s.layer.shape as [number, number, number, number];
      if (!Number.isInteger(groups) || groups < 1 || co % groups !== 0) throw new NumError('INVALID_ARGUMENT', 'dress.packedRunner', `packed conv '${s.layer.path}': groups must divide its ${co} output channels`, `a divisor of ${co}`, describe(groups));
      const ci = cg * groups;
      if (x.ndim !== 4 || x.shape[1] !== ci) throw new NumError('SHAPE_MISMATCH', 'dress.packedRunner', `input of '${s.layer.path}' has the wrong channels`, `[N, ${ci}, H, W]`, fmtShape(x.shape));
      const [n, , h, wd] = x.shape as [number, number, number, number];
      const win = makeWindow('dress.packedRunner', h, wd, [kh, kw], opts);
      s.positions = n * win.ho * win.wo;
      s.hits++;
      const out = packedConv(force ?? kernelPath(rows.m / groups, rows.rowNnz, rows.k), s.layer, rows, x, win, groups);
      return fromTyped(out, [n, rows.m, win.ho, win.wo]);
    },
    // nn.sequential's conv → max pool (→ relu) at inference: one fused pass on the direct path (fused.ts)
    conv2dPool: (x, w, bias, conv, pool, relu) => (force === 'spmm' ? undefined : sparseConvPool(slots, level(), x, w, bias, conv, pool, relu)),
  };
}

function join(path: string, k: string | number): string {
  return path === '' ? String(k) : `${path}.${k}`;
}

/**
 * Prepares a packed model for inference with `model` (the backbone's layer). Rank-major layers
 * are re-laid out row-major once, here.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an unknown `opts.path`, and from `apply` for a level
 *   out of range or when a packed weight is not consumed by an `nn.linear` / `nn.conv2d` of the model.
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * const masks = dress.nestedMasks(params, { levels: [0.5, 0.75] });
 * const packed = dress.toSparse(dress.trainable(params, masks), masks);
 * const runner = dress.packedRunner(nn.lenet5(), packed), x = normal(key(1), [2, 1, 28, 28]);
 * for (let j = 0; j < packed.levels.length; j++) console.assert(runner.apply(x, j).shape[1] === 10);
 * ```
 */
export function packedRunner(model: Layer<Params>, packed: PackedDress, opts: PackedRunnerOptions = {}): PackedRunner {
  const op = 'dress.packedRunner';
  layerArg(op, 'model', model);
  packedArg(op, packed);
  const path = options(op, 'opts', opts).path ?? 'auto';
  if (path !== 'auto' && path !== 'direct' && path !== 'spmm') throw new NumError('INVALID_ARGUMENT', op, "opts.path must be 'auto', 'direct' or 'spmm'", "'auto' | 'direct' | 'spmm'", describe(path));
  const p = packed.layers.some((l) => l.layout !== 'row') ? relayout(packed, 'row') : packed;
  const byPath = new Map(p.layers.map((l) => [l.path, l]));
  const slots = new Map<Tensor, Slot>();
  const zero = zeros([1]);
  const place = (t: unknown, path: string): unknown => {
    const l = byPath.get(path);
    if (l !== undefined) {
      const ph = broadcastTo(zero, l.shape);
      const n1 = l.counts[0]!;
      const rows = l.counts.map((n): KernelRows => ({ m: l.rows, k: l.cols, indptr: null, rowNnz: n, stride: n1, indices: l.columns, nnz: l.rows * n }));
      slots.set(ph, { layer: l, rows, positions: 0, hits: 0 });
      return ph;
    }
    if (t === null || t === undefined || t instanceof Tensor) return t;
    if (Array.isArray(t)) return t.map((c, i) => place(c, join(path, i)));
    if (isPlainObject(t)) return Object.fromEntries(Object.entries(t).map(([k, c]) => [k, place(c, join(path, k))]));
    throw new NumError('INVALID_ARGUMENT', op, `leaf '${path}' is not a tensor`, 'Tensor', describe(t));
  };
  const base = place(p.net, '') as Tree<Tensor>;
  const overlay = (set: Record<string, Tensor> | undefined, t: unknown, path: string): unknown => {
    if (set === undefined) return t;
    if (t instanceof Tensor) return set[path] ?? t;
    if (Array.isArray(t)) return t.map((c, i) => overlay(set, c, join(path, i)));
    if (isPlainObject(t)) return Object.fromEntries(Object.entries(t).map(([k, c]) => [k, overlay(set, c, join(path, k))]));
    return t;
  };
  // One parameter tree per level, built once: a switch is a lookup, not a rebuild.
  const perLevel = p.levels.map((_, j) => overlay(p.bn[j], base, '') as Params);
  let active = 0;
  const ks = kernels(slots, () => active, path === 'auto' ? undefined : path);
  return {
    packed: p,
    apply(x, level) {
      if (!(x instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'x must be a tensor', 'Tensor', describe(x));
      if (!Number.isInteger(level) || level < 0 || level >= p.levels.length) {
        throw new NumError('INVALID_ARGUMENT', op, 'level must index a packed level', `0..${p.levels.length - 1}`, describe(level));
      }
      active = level;
      for (const s of slots.values()) s.hits = 0;
      const ctx = { training: false, state: p.modelState[level], kernels: ks };
      const y = noGrad(() => (path === 'spmm' ? undefined : runSequential(model, perLevel[level]!, x, ctx, slots, level)) ?? model.apply(perLevel[level]!, x, ctx));
      for (const s of slots.values()) {
        if (s.hits === 0) throw new NumError('INVALID_ARGUMENT', op, `packed weight '${s.layer.path}' was not used by an nn.linear or nn.conv2d of the model`, 'weights consumed by nn.linear / nn.conv2d', s.layer.path);
      }
      return y;
    },
    positions: () => [...slots.values()].map((s) => ({ path: s.layer.path, rows: s.layer.rows, positions: s.positions })),
  };
}
