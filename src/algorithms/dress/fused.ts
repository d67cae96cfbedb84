/**
 * The packed runner's fused inference on the `'wasm'` backend (docs/dress.md, "Packing and
 * execution"): what the dense model gets from `nn.sequential`'s conv → max pool → relu fusion
 * (src/nn/fuse.ts), and what a chain of sparse linear layers gets from staying in the arena.
 *
 * - {@link sparseConvPool}: the `conv2dPool` hook. A packed conv followed by a 2×2 / stride-2 max
 *   pool (and a relu) runs as one WebAssembly pass that adds the bias, pools and applies the relu
 *   while the conv outputs are still in registers; only the pooled quarter leaves the arena. Other
 *   pools decline (the layers then run one by one).
 * - {@link runSequential}: `nn.sequential`'s inference loop, with one addition: a packed linear
 *   whose output (through an `nn.relu`, or directly) feeds another packed linear leaves its
 *   result in the arena, bias and relu applied, in the transposed layout the next one reads. The
 *   batch is copied in and transposed once per chain instead of once per layer.
 *
 * @module
 */
import {
  imagesToArray, sparseConvPoolResidentWasm, sparseConvPoolWasmInto, sparseLinearFromResidentWasm, sparseLinearResidentWasm, type Resident, type ResidentImages,
} from '../../backend/dress-direct.js';
import { useWasm } from '../../backend/index.js';
import { NumError, fmtShape } from '../../errors.js';
import { convPoolInference, convPoolPlan, fusable } from '../../nn/fuse.js';
import { conv2d, maxPool2d } from '../../nn/layers.js';
import type { Ctx, Layer, LayerInfo, WeightKernels } from '../../nn/layers.js';
import type { KernelRows } from '../../sparse/kernels.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { broadcastTo } from '../../tensor/ops/movement.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Params } from '../../tree.js';
import type { PackedLayer } from './pack.js';
import { float32Data } from '../../tensor/ops/movement.js';
import { convGeometry } from './kernels.js';

/** What the runner knows of one packed weight. @internal */
export interface FusedSlot {
  layer: PackedLayer;
  rows: KernelRows[];
  positions: number;
  hits: number;
}

type Relu = 'none' | 'after' | 'before';

/**
 * The `conv2dPool` hook: the fused sparse pass for a packed weight, `nn.fuse`'s dense fused pass
 * for any other float weight, `undefined` (run the layers one by one) where neither applies.
 * @internal
 */
export function sparseConvPool(
  slots: Map<Tensor, FusedSlot>, level: number, x: Tensor, w: Tensor, bias: Tensor | undefined, conv: LayerInfo, pool: LayerInfo, relu: Relu,
): Tensor | undefined {
  if (!slots.has(w)) return convPoolInference(conv, pool, bias === undefined ? { weight: w } : { weight: w, bias }, x, relu);
  const y = convPoolStep(slots.get(w)!, level, x, bias, conv, pool, relu, false);
  return y instanceof Tensor ? y : undefined;
}

/**
 * One fused sparse conv → pool (→ relu) of a packed weight, from a tensor or images left in the
 * arena by the previous one; with `keep` its own output stays there (when the layout allows).
 * @internal
 */
export function convPoolStep(
  s: FusedSlot, level: number, x: Tensor | ResidentImages, bias: Tensor | undefined, conv: LayerInfo, pool: LayerInfo, relu: Relu, keep: boolean,
): Tensor | ResidentImages | undefined {
  // the geometry of arena-resident images, from a placeholder of their shape
  const xt = x instanceof Tensor ? x : broadcastTo(zeros([1]), [x.n, x.c, x.h, x.w]);
  const plan = convPoolPlan(conv, pool, xt, s.layer.shape, relu);
  if (plan === undefined) return undefined;
  const { n, o, win, pool: p } = plan;
  if (p.kh !== 2 || p.kw !== 2 || p.sh !== 2 || p.sw !== 2) return undefined;
  if (bias !== undefined && !(bias instanceof Tensor && bias.dtype === 'float32' && bias.ndim === 1 && bias.shape[0] === o)) return undefined;
  const rows = s.rows[level]!, count = rows.rowNnz, stride = rows.stride ?? count;
  const g = convGeometry(n, plan.c, plan.h, plan.w, win);
  const b = bias === undefined ? undefined : float32Data(bias), xs = x instanceof Tensor ? float32Data(x) : x;
  let y: Tensor | ResidentImages | undefined = keep ? sparseConvPoolResidentWasm(s.layer.values, s.layer.columns, o, stride, count, xs, g, b, relu !== 'none') : undefined;
  if (y === undefined) {
    const out = new Float32Array(n * o * p.hp * p.wp);
    if (!sparseConvPoolWasmInto(out, s.layer.values, s.layer.columns, o, stride, count, xs, g, b, relu !== 'none')) return undefined;
    y = fromTyped(out, [n, o, p.hp, p.wp]);
  }
  s.positions = n * win.ho * win.wo;
  s.hits++;
  return y;
}

/** The packed conv of a fusable conv → pool (→ relu) span at layer `i`, with its span. */
function packedConvAt(layers: readonly Layer<Params>[], params: readonly Params[], i: number, slots: Map<Tensor, FusedSlot>): { s: FusedSlot; bias: Tensor | undefined; span: number; relu: Relu; pool: LayerInfo } | undefined {
  if (i >= layers.length) return undefined;
  const f = fusable(layers, i), p = params[i] as { weight?: unknown; bias?: unknown };
  if (f.span === 0 || !(p.weight instanceof Tensor) || !(p.bias === undefined || p.bias instanceof Tensor)) return undefined;
  const s = slots.get(p.weight);
  return s === undefined ? undefined : { s, bias: p.bias, span: f.span, relu: f.relu, pool: layers[f.relu === 'before' ? i + 2 : i + 1]!.info! };
}

let probe: Layer<Params>[] | undefined;

/** True for a layer built by `nn.relu` (asked of `nn.fuse`, which alone knows its built-ins). */
function builtinRelu(l: Layer<Params> | undefined): boolean {
  probe ??= [conv2d(1, 1) as Layer<Params>, maxPool2d(1)];
  return l !== undefined && fusable([probe[0]!, probe[1]!, l], 0).span === 3;
}

/** A packed linear at layer `i`: its slot and bias, when the layer says it is `nn.linear`. */
function packedLinearAt(layers: readonly Layer<Params>[], params: readonly Params[], i: number, slots: Map<Tensor, FusedSlot>): { s: FusedSlot; bias: Tensor | undefined } | undefined {
  const info = layers[i]?.info, p = params[i] as { weight?: unknown; bias?: unknown } | undefined;
  if (info?.kind !== 'linear' || p === undefined || !(p.weight instanceof Tensor)) return undefined;
  const s = slots.get(p.weight);
  if (s === undefined || s.layer.shape.length !== 2) return undefined;
  const bias = p.bias;
  if (bias !== undefined && !(bias instanceof Tensor && bias.dtype === 'float32' && bias.ndim === 1 && bias.shape[0] === s.layer.rows)) return undefined;
  return { s, bias };
}

/**
 * Runs `model` (an `nn.sequential`) in inference mode as `nn.sequential` does — the same child
 * contexts, the `conv2dPool` hook for conv → pool (→ relu) spans — except that chains of packed
 * linear layers stay in the arena (module doc). `undefined` when `model` is not a sequential or
 * has no such chain (the caller then uses `model.apply`). A layer whose `info` says `linear` and
 * that holds a packed weight is taken to compute `x · Wᵀ + b` as `nn.linear` does.
 * @internal
 */
export function runSequential(
  model: Layer<Params>, params: Params, x: Tensor, ctx: Ctx & { kernels: WeightKernels }, slots: Map<Tensor, FusedSlot>, level: number,
): Tensor | undefined {
  const layers = model.info?.kind === 'sequential' ? model.info.layers : undefined;
  if (layers === undefined || !Array.isArray(params) || params.length !== layers.length || !useWasm()) return undefined;
  const ps = params as Params[];
  // link[i]: packed linear i feeds packed linear next[i] (through a built-in relu when relu[i])
  const link = layers.map((_, i) => {
    const a = packedLinearAt(layers, ps, i, slots);
    if (a === undefined) return undefined;
    const r = builtinRelu(layers[i + 1]);
    const nxt = r ? i + 2 : i + 1;
    const b = packedLinearAt(layers, ps, nxt, slots);
    return b === undefined || b.s.layer.cols !== a.s.layer.rows ? undefined : { ...a, relu: r, next: nxt };
  });
  if (!link.some((l) => l !== undefined) && !layers.some((_, i) => packedConvAt(layers, ps, i, slots) !== undefined && packedConvAt(layers, ps, i + fusable(layers, i).span, slots) !== undefined)) return undefined;
  const states = ctx.state as Params[] | undefined;
  let h = x, res: Resident | undefined, img: ResidentImages | undefined, lead: number[] = [];
  for (let i = 0; i < layers.length;) {
    const l = layers[i]!, ln = link[i];
    const cv = packedConvAt(layers, ps, i, slots);
    if (cv !== undefined) {
      // a packed conv → pool (→ relu); its output stays in the arena when the next layer is one too
      const keep = packedConvAt(layers, ps, i + cv.span, slots) !== undefined;
      const y = convPoolStep(cv.s, level, img ?? h, cv.bias, l.info!, cv.pool, cv.relu, keep);
      if (y !== undefined) {
        if (y instanceof Tensor) { h = y; img = undefined; } else img = y;
        i += cv.span;
        continue;
      }
    }
    if (img !== undefined) { h = fromTyped(imagesToArray(img), [img.n, img.c, img.h, img.w]); img = undefined; }
    if (ln !== undefined) {
      // a link: bias and relu applied, the output left in the arena for the next packed linear
      const rows = ln.s.rows[level]!;
      if (res === undefined) {
        if (h.shape[h.ndim - 1] !== rows.k) throw new NumError('SHAPE_MISMATCH', 'dress.packedRunner', `input of '${ln.s.layer.path}' has the wrong features`, String(rows.k), fmtShape(h.shape));
        lead = h.shape.slice(0, -1);
      }
      const p = res?.p ?? lead.reduce((a, d) => a * d, 1);
      const r = sparseLinearResidentWasm(ln.s.layer.values, ln.s.layer.columns, rows.m, rows.k, rows.stride ?? rows.rowNnz, rows.rowNnz, res ?? float32Data(h), p, ln.bias === undefined ? undefined : float32Data(ln.bias), ln.relu);
      if (r !== undefined) {
        ln.s.positions = p;
        ln.s.hits++;
        res = r;
        i = ln.next;
        continue;
      }
    }
    if (res !== undefined) {
      // the end of a chain: layer i reads the resident activation, its output goes back to JS
      const { s, bias } = packedLinearAt(layers, ps, i, slots)!;
      const rows = s.rows[level]!, out = new Float32Array(res.p * rows.m);
      sparseLinearFromResidentWasm(out, s.layer.values, s.layer.columns, rows.m, rows.stride ?? rows.rowNnz, rows.rowNnz, res, bias === undefined ? undefined : float32Data(bias));
      s.positions = res.p;
      s.hits++;
      h = fromTyped(out, [...lead, rows.m]);
      res = undefined;
      i++;
      continue;
    }
    const f = fusable(layers, i);
    if (f.span > 0) {
      const pw = ps[i] as { weight?: unknown; bias?: unknown };
      const poolAt = f.relu === 'before' ? i + 2 : i + 1;
      const y = pw.weight instanceof Tensor && (pw.bias === undefined || pw.bias instanceof Tensor)
        ? ctx.kernels.conv2dPool?.(h, pw.weight, pw.bias as Tensor | undefined, l.info!, layers[poolAt]!.info!, f.relu) : undefined;
      if (y !== undefined) { h = y; i += f.span; continue; }
    }
    h = l.apply(ps[i]!, h, { training: false, key: undefined, state: states?.[i], extras: ctx.extras, kernels: ctx.kernels });
    i++;
  }
  return h;
}
