/**
 * Convolution and pooling on NCHW tensors, lowered to two linear primitives — `im2col`
 * (patch extraction) and its transpose `col2im` — plus the GEMM. Because both primitives have
 * rules written in each other, conv2d and pooling are differentiable to any order.
 */
import { nonNegativeInt, opName, options } from '../../validate.js';
import { record, traceDepth } from '../tape.js';
import { useWasm } from '../../backend/index.js';
import { conv2dWasmInto } from '../../backend/conv-fused.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { allocate, floatType, promoteTypes } from '../dtype.js';
import { col2imInto, im2colInto } from '../kernels/conv.js';
import { maxPoolInto } from '../kernels/pool.js';
import type { Window } from '../kernels/conv.js';
import { Tensor } from '../tensor.js';
import { add, asTensor, astype } from './elementwise.js';
import { matmul } from './matmul.js';
import { contiguous, permute, reshape } from './movement.js';
import { max, mean } from './reduce.js';

/** Padding: a number for all sides, `[ph, pw]`, `[[top, bottom], [left, right]]`, `'valid'` (0) or `'same'` (stride 1). */
export type Padding = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]] | 'valid' | 'same';

/** A number for both spatial axes or `[height, width]`. */
export type Pair = number | readonly [number, number];

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Default 1. */
  stride?: Pair | undefined;
  /** Default 0. */
  padding?: Padding | undefined;
  /** Default 1. */
  dilation?: Pair | undefined;
  /** Default 1: input and output channels are split into this many independent groups. */
  groups?: number | undefined;
}

function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p: readonly number[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min} or a pair of them`, `integer >= ${min}`, describe(v));
  }
  return [p[0]!, p[1]!];
}

/**
 * Resolves the window geometry and validates it against the input. @internal
 * @example
 * ```ts
 * const w = makeWindow('myPool', 28, 28, 2, { stride: 2 });
 * [w.ho, w.wo]; // [14, 14]
 * ```
 */
export function makeWindow(op: string, h: number, w: number, k: Pair, opts: { stride?: Pair | undefined; padding?: Padding | undefined; dilation?: Pair | undefined }): Window {
  op = opName(op, 'makeWindow');
  opts = options(op, 'opts', opts);
  nonNegativeInt(op, 'input height', h);
  nonNegativeInt(op, 'input width', w);
  const [kh, kw] = pair(op, 'kernel size', k, 1, 1);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1, 1);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1, 1);
  const eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;
  let pt: number, pb: number, pl: number, pr: number;
  const p = opts.padding ?? 0;
  if (p === 'valid') [pt, pb, pl, pr] = [0, 0, 0, 0];
  else if (p === 'same') {
    if (sh !== 1 || sw !== 1) throw new NumError('INVALID_ARGUMENT', op, "padding 'same' needs stride 1", 'stride 1', `stride [${sh}, ${sw}]`);
    pt = Math.floor((eh - 1) / 2); pb = eh - 1 - pt;
    pl = Math.floor((ew - 1) / 2); pr = ew - 1 - pl;
  } else if (typeof p === 'number' || (Array.isArray(p) && typeof p[0] === 'number')) {
    [pt, pl] = pair(op, 'padding', p as Pair, 0, 0);
    [pb, pr] = [pt, pl];
  } else {
    const q = p as readonly (readonly number[])[];
    const ok = Array.isArray(q) && q.length === 2 && q.every((r) => Array.isArray(r) && r.length === 2 && r.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok) throw new NumError('INVALID_ARGUMENT', op, 'padding must be a number, [ph, pw], [[top, bottom], [left, right]], "same" or "valid"', 'a valid padding', describe(p));
    [pt, pb] = [q[0]![0]!, q[0]![1]!];
    [pl, pr] = [q[1]![0]!, q[1]![1]!];
  }
  const ho = Math.floor((h + pt + pb - eh) / sh) + 1;
  const wo = Math.floor((w + pl + pr - ew) / sw) + 1;
  if (ho <= 0 || wo <= 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'the (dilated) kernel is larger than the padded input', `input >= ${eh}×${ew} after padding`, `${h}×${w} with padding [${pt}, ${pb}, ${pl}, ${pr}]`);
  }
  return { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo };
}

function check4d(op: string, arg: string, x: unknown): Tensor {
  const t = asTensor(op, arg, x);
  if (t.ndim !== 4) throw new NumError('SHAPE_MISMATCH', op, `${arg} must be 4-D (NCHW)`, '[N, C, H, W]', fmtShape(t.shape));
  return t;
}

/**
 * Patch extraction: `[N, C, H, W]` → `[C·kh·kw, N·Ho·Wo]` (row `(c·kh + i)·kw + j`). Positions
 * outside the image read `padValue`. The primitive under conv2d and pooling.
 * @example
 * ```ts
 * const cols = im2col(zeros([2, 3, 28, 28]), makeWindow('demo', 28, 28, 5, {}), 0); // [25·C, N·24·24]
 * cols.shape; // [75, 1152]
 * ```
 */
export function im2col(x: Tensor, win: Window, padValue: number): Tensor {
  const t = contiguous(check4d('im2col', 'x', x));
  const wn = win as Partial<Window> | null | undefined;
  if (typeof wn !== 'object' || wn === null || ![wn.kh, wn.kw, wn.ho, wn.wo].every((d) => Number.isSafeInteger(d))) {
    throw new NumError('INVALID_ARGUMENT', 'im2col', 'win must be a window from makeWindow', 'Window', describe(win));
  }
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const rows = c * win.kh * win.kw;
  const cols = n * win.ho * win.wo;
  const out = allocate(t.dtype, rows * cols);
  const src = t.offset === 0 ? t.data : t.data.subarray(t.offset, t.offset + t.size);
  im2colInto(src, n, c, h, w, win, padValue, out);
  return record('im2col', { win, padValue }, [t], new Tensor(out, [rows, cols], t.dtype));
}

/**
 * The transpose of {@link im2col}: sums columns back into an image of `shape` `[N, C, H, W]`.
 * @example
 * ```ts
 * const win = makeWindow('demo', 28, 28, 5, {});
 * const cols = im2col(ones([1, 1, 28, 28]), win, 0);
 * const img = col2im(cols, [1, 1, 28, 28], win); // sums the overlapping patches back
 * img.shape; // [1, 1, 28, 28]
 * ```
 */
export function col2im(cols: Tensor, shape: readonly number[], win: Window): Tensor {
  const t = contiguous(asTensor('col2im', 'cols', cols));
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new NumError('SHAPE_MISMATCH', 'col2im', 'shape must be the [N, C, H, W] of the image', '[N, C, H, W]', describe(shape));
  }
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = allocate(t.dtype, n * c * h * w);
  const src = t.offset === 0 ? t.data : t.data.subarray(t.offset, t.offset + t.size);
  col2imInto(src, n, c, h, w, win, out);
  return record('col2im', { win, shape: shape.slice() }, [t], new Tensor(out, shape.slice(), t.dtype));
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch): x `[N, C, H, W]`, weight
 * `[O, C/groups, kh, kw]`, optional bias `[O]` → `[N, O, Ho, Wo]`. Lowered to im2col plus one
 * GEMM per group (a direct GEMM for 1×1 kernels); differentiable to any order.
 *
 * @throws {NumError} `SHAPE_MISMATCH` for channel/group mismatches or a kernel larger than the input.
 * @example
 * ```ts
 * const x = ones([8, 3, 32, 32]);
 * const y = conv2d(x, ones([16, 3, 3, 3]), { stride: 1, padding: 'same' });
 * y.shape; // [8, 16, 32, 32]
 * const dw = conv2d(x, ones([3, 1, 3, 3]), { padding: 1, groups: 3 }); // depthwise
 * dw.shape; // [8, 3, 32, 32]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, opts?: Conv2dOptions & { bias?: Tensor | undefined }): Tensor {
  const op = 'conv2d';
  const xt = check4d(op, 'x', x);
  const wt = check4d(op, 'weight', weight);
  const groups = opts?.groups ?? 1;
  const [n, c, h, w] = xt.shape as [number, number, number, number];
  const [o, cg, kh, kw] = wt.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'groups must divide input and output channels', `groups dividing C=${c} and O=${o}`, String(groups));
  }
  if (cg * groups !== c) {
    throw new NumError('SHAPE_MISMATCH', op, 'weight input channels do not match', `weight.shape[1] == C/groups (${c / groups})`, `${fmtShape(wt.shape)} for x ${fmtShape(xt.shape)}`);
  }
  const win = makeWindow(op, h, w, [kh, kw], opts ?? {});
  const dtype = floatType(promoteTypes(xt.dtype, wt.dtype));
  const xf = astype(xt, dtype), wf = astype(wt, dtype);
  let y: Tensor;
  const pointwise = kh === 1 && kw === 1 && win.sh === 1 && win.sw === 1 && win.pt === 0 && win.pl === 0 && win.ho === h && win.wo === w;
  const fused = fusedConv(xf, wf, opts?.bias, groups, pointwise, win);
  if (fused !== undefined) return fused;
  if (pointwise && groups === 1) {
    // 1×1: no patches needed, W[O, C] · X[N, C, H·W] broadcasts over N.
    y = reshape(matmul(reshape(wf, [o, c]), reshape(xf, [n, c, h * w])), [n, o, h, w]);
  } else {
    const cols = reshape(im2col(xf, win, 0), [groups, cg * kh * kw, n * win.ho * win.wo]);
    const prod = matmul(reshape(wf, [groups, o / groups, cg * kh * kw]), cols); // [G, O/G, N·L]
    y = contiguous(permute(reshape(prod, [o, n, win.ho, win.wo]), [1, 0, 2, 3]));
  }
  if (opts?.bias !== undefined) {
    const b = asTensor(op, 'bias', opts.bias);
    if (b.ndim !== 1 || b.shape[0] !== o) throw new NumError('SHAPE_MISMATCH', op, 'bias must have one entry per output channel', `[${o}]`, fmtShape(b.shape));
    y = add(y, reshape(b, [1, o, 1, 1]));
  }
  return y;
}

/**
 * The one-pass WebAssembly conv (src/backend/conv-fused.ts) when nothing is being traced (no
 * gradient can flow, so the lowering to taped primitives is not needed), on the wasm backend, for
 * float32 x, weight and bias, groups = 1, not 1×1 pointwise; same bits as the lowered path.
 * `undefined` otherwise.
 */
function fusedConv(x: Tensor, wt: Tensor, bias: Tensor | undefined, groups: number, pointwise: boolean, win: Window): Tensor | undefined {
  if (groups !== 1 || pointwise || x.dtype !== 'float32' || wt.dtype !== 'float32' || x.size === 0 || wt.size === 0) return undefined;
  if (traceDepth() > 0 && (x._node !== undefined || wt._node !== undefined || bias?._node !== undefined)) return undefined;
  if (bias !== undefined && (!(bias instanceof Tensor) || bias.dtype !== 'float32' || bias.ndim !== 1 || bias.shape[0] !== wt.shape[0])) return undefined;
  if (!useWasm()) return undefined;
  const xc = contiguous(x), wc = contiguous(wt), bc = bias === undefined ? undefined : contiguous(bias);
  const view = (t: Tensor): Float32Array => (t.data as Float32Array).subarray(t.offset, t.offset + t.size);
  const [n, c, h, w] = xc.shape as [number, number, number, number];
  const o = wc.shape[0]!;
  const out = new Float32Array(n * o * win.ho * win.wo);
  if (!conv2dWasmInto(out, view(xc), n, c, h, w, win, view(wc), o, bc === undefined ? undefined : view(bc))) return undefined;
  return new Tensor(out, [n, o, win.ho, win.wo], 'float32');
}

/** Options of the pooling ops. */
export interface PoolOptions {
  /** Default: the kernel size. */
  stride?: Pair | undefined;
  /** Default 0. */
  padding?: Padding | undefined;
}

function pool(op: string, x: Tensor, kernel: Pair, opts: PoolOptions | undefined, reduce: 'max' | 'mean'): Tensor {
  const t = check4d(op, 'x', x);
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const win = makeWindow(op, h, w, kernel, { stride: opts?.stride ?? kernel, padding: opts?.padding });
  if (reduce === 'max' && (t.dtype === 'float32' || t.dtype === 'float64') && (traceDepth() === 0 || t._node === undefined)) {
    // Nothing traced: the direct kernel (same bits as the lowering below, no patch matrix).
    const src = contiguous(t);
    const out = allocate(t.dtype, n * c * win.ho * win.wo);
    maxPoolInto(src.offset === 0 ? src.data : src.data.subarray(src.offset, src.offset + src.size), n * c, h, w, win, out);
    return new Tensor(out, [n, c, win.ho, win.wo], t.dtype);
  }
  // Channels become batch entries, so each column of the patch matrix is one pooling window.
  const cols = im2col(reshape(t, [n * c, 1, h, w]), win, reduce === 'max' ? -Infinity : 0);
  const r = reduce === 'max' ? max(cols, { axis: 0 }) : mean(cols, { axis: 0 });
  return reshape(r, [n, c, win.ho, win.wo]);
}

/**
 * Max pooling over `kernel` windows (stride defaults to the kernel); padding reads as -∞.
 * Gradients go to the maximum (shared evenly among ties).
 * @example
 * ```ts
 * maxPool2d(zeros([4, 6, 28, 28]), 2).shape; // [4, 6, 14, 14]
 * ```
 */
export function maxPool2d(x: Tensor, kernel: Pair, opts?: PoolOptions): Tensor {
  return pool('maxPool2d', x, kernel, opts, 'max');
}

/**
 * Average pooling over `kernel` windows (stride defaults to the kernel); zero padding is
 * counted in the average (PyTorch's `count_include_pad=True`).
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2], [3, 6]]]]), 2, { stride: 2 }).toArray(); // [[[[3]]]]
 * ```
 */
export function avgPool2d(x: Tensor, kernel: Pair, opts?: PoolOptions): Tensor {
  return pool('avgPool2d', x, kernel, opts, 'mean');
}
