/**
 * Binary 2-D convolution on packed bits: the signs of an NCHW input are gathered into packed
 * patch rows (im2col on bits) and multiplied with the packed weights by the XNOR GEMM, with the
 * output transform (folded batch norm, clamp) fused.
 *
 * Padding is **+1** ("one-padding", a clear bit): positions outside the image count as +1, so
 * every patch is a full ±1 vector and `dot = K − 2·popcount(XOR)` stays exact with no correction.
 * This equals a float convolution of sign(x) padded with +1 (not with 0). larq's other choice,
 * zero-padding, needs a per-position correction term, so a model meant for this kernel should be
 * trained with one-padding too (larq: `pad_values=1.0`).
 *
 * Weights are packed once as a {@link BitMatrix} `[O, C·kh·kw]` with columns in OIHW order
 * (column `(c·kh + ky)·kw + kx`), i.e. `packBits(weightsOIHW, O, C·kh·kw)`.
 *
 * @module
 */
import { NumError, describe } from '../errors.js';
import type { BitMatrix } from './bitmatrix.js';
import { checkBitMatrix, checkDim } from './bitmatrix.js';
import type { OutputTransform } from './transform.js';
import { prepareTransform } from './transform.js';
import { runXnorGemm } from './xnor.js';

/**
 * A number for both spatial axes or `[height, width]`.
 *
 * @example
 * ```ts
 * const stride: BinaryPair = [2, 1]; // 2 rows, 1 column per step
 * ```
 */
export type BinaryPair = number | readonly [number, number];

/**
 * Options of {@link binaryConv2d}: the window geometry plus the fused output transform (one
 * scale/bias per output channel).
 *
 * @example
 * ```ts
 * const opts: BinaryConv2dOptions = { kernelSize: 3, padding: 1, scale: bnScale, bias: bnBias };
 * ```
 */
export interface BinaryConv2dOptions extends OutputTransform {
  /** Kernel height and width (required: a BitMatrix does not record them). */
  kernelSize: BinaryPair;
  /** Default 1. */
  stride?: BinaryPair | undefined;
  /** +1-padding on each side, symmetric: `p` or `[ph, pw]`. Default 0. */
  padding?: BinaryPair | undefined;
  /** Default 1. */
  dilation?: BinaryPair | undefined;
}

interface Geometry {
  n: number; c: number; h: number; w: number; o: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  ho: number; wo: number;
}

/**
 * Output shape `[N, O, Ho, Wo]` of {@link binaryConv2d}, with
 * `Ho = floor((H + 2·ph − dh·(kh − 1) − 1) / sh) + 1` (and the same for the width).
 *
 * @example
 * ```ts
 * const w = packBits(new Float32Array(8 * 27), 8, 3 * 3 * 3);
 * binaryConv2dShape([1, 3, 32, 32], w, { kernelSize: 3, padding: 1 }); // [1, 8, 32, 32]
 * ```
 */
export function binaryConv2dShape(xShape: readonly number[], w: BitMatrix, opts: BinaryConv2dOptions): [number, number, number, number] {
  const g = geometry('binaryConv2dShape', xShape, w, opts);
  return [g.n, g.o, g.ho, g.wo];
}

/**
 * Binary convolution of the signs of `x` (NCHW, row-major, shape `xShape`) with packed weights `w`
 * (`[O, C·kh·kw]`, OIHW column order), +1-padded, with the fused transform:
 * `out[n, o, y, x] = clamp(Σ sign(x)·w · scale[o] + bias[o], clampMin, clampMax)`.
 *
 * @returns a Float32Array of shape {@link binaryConv2dShape} `[N, O, Ho, Wo]`
 * @throws NumError `SHAPE_MISMATCH` if `w.cols ≠ C·kh·kw`, `x.length` disagrees with `xShape` or
 *   the kernel is larger than the padded input; `INVALID_ARGUMENT` for NaN inputs or bad options.
 *
 * @example
 * ```ts
 * // 2 output channels, 1 input channel, 3×3 kernels.
 * const w = packBits(new Float32Array(2 * 9).fill(1), 2, 1 * 3 * 3);
 * const y = binaryConv2d(new Float32Array(28 * 28).fill(1), [1, 1, 28, 28], w, { kernelSize: 3, padding: 1 });
 * y[29]; // 9
 * // y: Float32Array of [1, 2, 28, 28]; each entry an integer in [−9, 9]
 * ```
 */
export function binaryConv2d(x: ArrayLike<number>, xShape: readonly number[], w: BitMatrix, opts: BinaryConv2dOptions): Float32Array {
  const op = 'binaryConv2d';
  const g = geometry(op, xShape, w, opts);
  if (x === null || typeof x !== 'object' || x.length !== g.n * g.c * g.h * g.w) {
    throw new NumError('SHAPE_MISMATCH', op, 'x.length must equal N·C·H·W of xShape', `${g.n * g.c * g.h * g.w}`, describe(x));
  }
  const t = prepareTransform(op, opts, g.o);
  const patches = packPatches(op, x, g);
  const l = g.ho * g.wo;
  const tmp = new Float32Array(g.n * l * g.o); // [N·Ho·Wo, O]
  runXnorGemm(tmp, patches, w, t);
  // [N, Ho·Wo, O] → [N, O, Ho·Wo]
  const out = new Float32Array(g.n * g.o * l);
  for (let n = 0; n < g.n; n++) {
    for (let p = 0; p < l; p++) {
      const src = (n * l + p) * g.o;
      for (let o = 0; o < g.o; o++) out[(n * g.o + o) * l + p] = tmp[src + o]!;
    }
  }
  return out;
}

/**
 * im2col on signs: row `(n·Ho + oy)·Wo + ox` of the result is the packed patch of output pixel
 * (oy, ox) of image n, bit `(c·kh + ky)·kw + kx` set when the input there is negative; positions
 * in the padding are +1 (bit clear). The signs are first extracted once per input element.
 */
function packPatches(op: string, x: ArrayLike<number>, g: Geometry): BitMatrix {
  const { n: N, c: C, h: H, w: Wd, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo } = g;
  const neg = new Uint8Array(N * C * H * Wd);
  for (let i = 0; i < neg.length; i++) {
    const v = x[i]!;
    if (v < 0) neg[i] = 1;
    else if (!(v >= 0)) throw new NumError('INVALID_ARGUMENT', op, `NaN has no sign (x[${i}])`, 'a number that is not NaN', String(v));
  }
  const K = C * kh * kw, wpr = (K + 31) >>> 5, rows = N * ho * wo;
  const words = new Uint32Array(rows * wpr);
  let row = 0;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++, row++) {
        let d = row * wpr, bit = 0, word = 0;
        for (let c = 0; c < C; c++) {
          const plane = (n * C + c) * H;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - ph + ky * dh;
            const inY = iy >= 0 && iy < H;
            const rowBase = (plane + iy) * Wd;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pw + kx * dw;
              if (inY && ix >= 0 && ix < Wd) word |= neg[rowBase + ix]! << bit;
              if (++bit === 32) {
                words[d++] = word;
                word = 0;
                bit = 0;
              }
            }
          }
        }
        if (bit !== 0) words[d] = word;
      }
    }
  }
  return { rows, cols: K, wordsPerRow: wpr, words };
}

function geometry(op: string, xShape: readonly number[], w: BitMatrix, opts: BinaryConv2dOptions): Geometry {
  if (!Array.isArray(xShape) || xShape.length !== 4) {
    throw new NumError('SHAPE_MISMATCH', op, 'xShape must be [N, C, H, W]', '4 dims', describe(xShape));
  }
  const [n, c, h, wd] = xShape as [number, number, number, number];
  checkDim(op, 'N', n);
  checkDim(op, 'C', c);
  checkDim(op, 'H', h);
  checkDim(op, 'W', wd);
  checkBitMatrix(op, 'w', w);
  if (opts === null || typeof opts !== 'object') {
    throw new NumError('INVALID_ARGUMENT', op, 'options with kernelSize are required', '{kernelSize, stride?, padding?, dilation?}', describe(opts));
  }
  const [kh, kw] = pair(op, 'kernelSize', opts.kernelSize, undefined, 1);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1, 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, 0, 0);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1, 1);
  if (w.cols !== c * kh * kw) {
    throw new NumError('SHAPE_MISMATCH', op, 'w must be packed as [O, C·kh·kw]', `w.cols = ${c * kh * kw} (C=${c}, ${kh}×${kw})`, `${w.cols}`);
  }
  const eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;
  const ho = Math.floor((h + 2 * ph - eh) / sh) + 1;
  const wo = Math.floor((wd + 2 * pw - ew) / sw) + 1;
  if (ho <= 0 || wo <= 0) {
    throw new NumError('SHAPE_MISMATCH', op, 'the (dilated) kernel is larger than the padded input', `input >= ${eh}×${ew} after padding`, `${h}×${wd} with padding [${ph}, ${pw}]`);
  }
  return { n, c, h, w: wd, o: w.rows, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo };
}

function pair(op: string, name: string, v: BinaryPair | undefined, dflt: number | undefined, min: number): [number, number] {
  if (v === undefined && dflt === undefined) throw new NumError('INVALID_ARGUMENT', op, `${name} is required`, `integer >= ${min} or a pair`, 'undefined');
  const p: readonly number[] = v === undefined ? [dflt!, dflt!] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((q) => Number.isInteger(q) && q >= min)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer >= ${min} or a pair of them`, `integer >= ${min}`, describe(v));
  }
  return [p[0]!, p[1]!];
}
