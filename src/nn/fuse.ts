/**
 * Inference-time layer fusion for `nn.sequential` on the wasm backend: a `conv2d` followed by a
 * `maxPool2d` (and a `relu` before or after the pool) runs as one pass through the WebAssembly
 * arena (src/backend/conv-fused.ts): im2col, GEMM, bias, pool and relu happen there and only the
 * pooled activations are copied out, instead of the conv output (4× larger for a 2×2 pool) going
 * out, through a JS pooling kernel and a JS relu. Only when nothing can need a gradient (no trace
 * on x or the parameters), float32, groups = 1, a pool without padding; otherwise the caller runs
 * the layers one by one. Same bits either way (test/backend/conv-fused.test.ts).
 *
 * @module
 */
import { useWasm } from '../backend/index.js';
import { conv2dWasmInto, type FusedPool } from '../backend/conv-fused.js';
import { traceDepth } from '../tensor/tape.js';
import { float32Data } from '../tensor/ops/movement.js';
import { makeWindow } from '../tensor/ops/conv.js';
import type { Pair, Padding } from '../tensor/ops/conv.js';
import type { Window } from '../tensor/kernels/conv.js';
import type { WeightRows } from '../backend/multibit.js';
import { Tensor } from '../tensor/tensor.js';
import type { Layer, LayerInfo } from './layers.js';
import type { Params } from '../tree.js';

const pair = (p: unknown): [number, number] | undefined => {
  if (typeof p === 'number') return [p, p];
  if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number') return [p[0], p[1]];
  return undefined;
};

let made: WeakSet<object> | undefined;

/**
 * Marks a layer as built by `nn.conv2d` / `nn.maxPool2d` / `nn.relu` (only those are fused, so a
 * user layer that merely copies their `info` never is).
 *
 * @example
 * ```ts
 * return builtin({ info, init, apply });
 * ```
 */
export function builtin<L extends object>(layer: L): L {
  (made ??= new WeakSet()).add(layer);
  return layer;
}

/**
 * How many layers starting at `i` fuse (3 or 2), with the relu placement; span 0 when none.
 *
 * @example
 * ```ts
 * fusable(nn.lenet5().info!.layers!, 0); // { span: 3, relu: 'after' }
 * ```
 */
export function fusable(layers: readonly Layer<Params>[], i: number): { span: number; relu: FusedPool['relu'] } {
  const kind = (l: Layer<Params> | undefined): string | undefined => (l !== undefined && made?.has(l) ? (l.info as LayerInfo | undefined)?.kind : undefined);
  if (kind(layers[i]) !== 'conv2d') return { span: 0, relu: 'none' };
  if (kind(layers[i + 1]) === 'maxPool2d') return kind(layers[i + 2]) === 'relu' ? { span: 3, relu: 'after' } : { span: 2, relu: 'none' };
  if (kind(layers[i + 1]) === 'relu' && kind(layers[i + 2]) === 'maxPool2d') return { span: 3, relu: 'before' };
  return { span: 0, relu: 'none' };
}

const untraced = (t: Tensor | undefined): boolean => t === undefined || t._node === undefined;

/** Geometry of one fused conv → pool pass. */
export interface ConvPoolPlan { n: number; c: number; h: number; w: number; o: number; win: Window; pool: FusedPool }

/**
 * Checks that the fused pass applies to `x` (wasm backend, float32 NCHW, nothing traced, groups
 * = 1, not pointwise, a pool without padding) and returns its geometry, or `undefined`.
 *
 * @example
 * ```ts
 * const plan = convPoolPlan(conv.info, pool.info, x, weight.shape, 'after');
 * ```
 */
export function convPoolPlan(conv: LayerInfo, pool: LayerInfo, x: Tensor, wShape: readonly number[], relu: FusedPool['relu']): ConvPoolPlan | undefined {
  if (!useWasm() || !(x instanceof Tensor) || x.dtype !== 'float32' || x.ndim !== 4 || x.size === 0 || wShape.length !== 4) return undefined;
  const co = conv.options ?? {}, po = pool.options ?? {};
  if ((co['groups'] ?? 1) !== 1 || (po['padding'] !== undefined && po['padding'] !== 0)) return undefined;
  if (traceDepth() > 0 && !untraced(x)) return undefined;
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cw, kh, kw] = wShape as [number, number, number, number];
  const pk = pair(po['kernel']), ps = pair(po['stride'] ?? po['kernel']);
  if (cw !== c || o === 0 || pk === undefined || ps === undefined) return undefined;
  let win, pw;
  try {
    win = makeWindow('nn.sequential', h, wd, [kh, kw], { stride: co['stride'] as Pair | undefined, padding: co['padding'] as Padding | undefined, dilation: co['dilation'] as Pair | undefined });
    if (win.ho < pk[0] || win.wo < pk[1]) return undefined;
    pw = makeWindow('nn.sequential', win.ho, win.wo, pk, { stride: ps });
  } catch {
    return undefined; // the layers themselves report bad options
  }
  const pointwise = kh === 1 && kw === 1 && win.sh === 1 && win.sw === 1 && win.pt === 0 && win.pl === 0;
  if (pointwise || pw.pt !== 0 || pw.pl !== 0 || pw.dh !== 1 || pw.dw !== 1) return undefined;
  return { n, c, h, w: wd, o, win, pool: { kh: pk[0], kw: pk[1], sh: ps[0], sw: ps[1], hp: pw.ho, wp: pw.wo, relu } };
}


/**
 * Runs a planned fused pass with a dense weight view or a multi-bit weight's pair lists; the
 * pooled `[N, O, hp, wp]` tensor, or `undefined` when WebAssembly declines.
 *
 * @example
 * ```ts
 * const y = plan && convPoolRun(plan, x, weightRows(matrix, columns), undefined);
 * ```
 */
export function convPoolRun(plan: ConvPoolPlan, x: Tensor, weight: Float32Array | WeightRows, bias: Tensor | undefined): Tensor | undefined {
  if (bias !== undefined && !(bias instanceof Tensor && bias.dtype === 'float32' && bias.ndim === 1 && bias.shape[0] === plan.o)) return undefined;
  if (bias !== undefined && traceDepth() > 0 && !untraced(bias)) return undefined;
  const { n, c, h, w, o, win, pool } = plan;
  const out = new Float32Array(n * o * pool.hp * pool.wp);
  if (!conv2dWasmInto(out, float32Data(x), n, c, h, w, win, weight, o, bias === undefined ? undefined : float32Data(bias), pool)) return undefined;
  return new Tensor(out, [n, o, pool.hp, pool.wp], 'float32');
}

/**
 * The fused conv → max pool (→ relu) forward with the layer's own float weight, or `undefined`
 * when it does not apply (the caller then runs the layers one after the other).
 *
 * @example
 * ```ts
 * const f = fusable(layers, i);
 * const y = f.span > 0 ? convPoolInference(layers[i].info, poolLayer.info, params[i], x, f.relu) : undefined;
 * ```
 */
export function convPoolInference(conv: LayerInfo, pool: LayerInfo, p: Params, x: Tensor, relu: FusedPool['relu']): Tensor | undefined {
  const w = (p as { weight?: unknown }).weight, b = (p as { bias?: unknown }).bias;
  if (!(w instanceof Tensor) || w.dtype !== 'float32' || w.ndim !== 4 || w.size === 0 || !untraced(w)) return undefined;
  if (b !== undefined && !(b instanceof Tensor)) return undefined;
  const plan = convPoolPlan(conv, pool, x, w.shape, relu);
  return plan === undefined ? undefined : convPoolRun(plan, x, float32Data(w), b as Tensor | undefined);
}
