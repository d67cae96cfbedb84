/**
 * Patch extraction for convolution and pooling (im2col) and its transpose (col2im), over
 * contiguous NCHW buffers. Columns are laid out `[C·kh·kw, N·Ho·Wo]`, batch folded into the
 * columns, so a whole convolution (forward, and both gradients) is a single GEMM per group.
 */
import { useWasm } from '../../backend/index.js';
import { col2imWasm, im2colWasm } from '../../backend/conv.js';
import type { NumArray } from './elementwise.js';

/** Geometry of a 2-D sliding window. */
export interface Window {
  /** Kernel height and width. */
  kh: number; kw: number;
  /** Strides. */
  sh: number; sw: number;
  /** Padding before the first row / column (the far side is implied by ho/wo). */
  pt: number; pl: number;
  /** Dilations. */
  dh: number; dw: number;
  /** Output height and width. */
  ho: number; wo: number;
}

/** First output column whose input column `ox·sw + off` is inside the image (≥ 0). */
function firstColumn(off: number, sw: number, wo: number): number {
  return Math.min(wo, Math.max(0, Math.ceil(-off / sw)));
}

/** One past the last output column whose input column `ox·sw + off` is < w. */
function endColumn(off: number, sw: number, wo: number, w: number, lo: number): number {
  return Math.max(lo, Math.min(wo, Math.floor((w - 1 - off) / sw) + 1));
}

/**
 * cols[((c·kh + i)·kw + j), n·Ho·Wo + oy·Wo + ox] = x[n, c, oy·sh − pt + i·dh, ox·sw − pl + j·dw],
 * or `padValue` outside the image.
 */
export function im2colInto(
  x: NumArray, n: number, c: number, h: number, w: number, win: Window, padValue: number, cols: NumArray,
): void {
  if (x instanceof Float32Array && cols instanceof Float32Array && n * c * h * w > 0 && useWasm()
    && im2colWasm(x, n, c, h, w, win, padValue, cols)) return; // same values (a copy)
  const { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo } = win;
  const l = ho * wo;
  const nl = n * l;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const rbase = ((ci * kh + i) * kw + j) * nl;
        const off = j * dw - pl;
        const oxLo = firstColumn(off, sw, wo);
        const oxHi = endColumn(off, sw, wo, w, oxLo);
        for (let b = 0; b < n; b++) {
          const xbase = (b * c + ci) * h * w;
          let o = rbase + b * l;
          for (let oy = 0; oy < ho; oy++, o += wo) {
            const iy = oy * sh - pt + i * dh;
            if (iy < 0 || iy >= h) {
              for (let ox = 0; ox < wo; ox++) cols[o + ox] = padValue;
              continue;
            }
            const xrow = xbase + iy * w + off;
            let ox = 0;
            for (; ox < oxLo; ox++) cols[o + ox] = padValue;
            if (sw === 1) for (; ox < oxHi; ox++) cols[o + ox] = x[xrow + ox]!;
            else for (; ox < oxHi; ox++) cols[o + ox] = x[xrow + ox * sw]!;
            for (; ox < wo; ox++) cols[o + ox] = padValue;
          }
        }
      }
    }
  }
}

/** The transpose of {@link im2colInto}: adds every column entry back into its image position (x is zeroed first). */
export function col2imInto(
  cols: NumArray, n: number, c: number, h: number, w: number, win: Window, x: NumArray,
): void {
  if (x instanceof Float32Array && cols instanceof Float32Array && n * c * h * w > 0 && useWasm()
    && col2imWasm(cols, n, c, h, w, win, x)) return; // same additions in the same order
  const { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo } = win;
  const l = ho * wo;
  const nl = n * l;
  x.fill(0);
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const rbase = ((ci * kh + i) * kw + j) * nl;
        const off = j * dw - pl;
        const oxLo = firstColumn(off, sw, wo);
        const oxHi = endColumn(off, sw, wo, w, oxLo);
        for (let b = 0; b < n; b++) {
          const xbase = (b * c + ci) * h * w;
          let o = rbase + b * l;
          for (let oy = 0; oy < ho; oy++, o += wo) {
            const iy = oy * sh - pt + i * dh;
            if (iy < 0 || iy >= h) continue;
            const xrow = xbase + iy * w + off;
            for (let ox = oxLo; ox < oxHi; ox++) {
              const p = xrow + ox * sw;
              x[p] = x[p]! + cols[o + ox]!;
            }
          }
        }
      }
    }
  }
}

/**
 * Plain reference convolution (direct loops; the test oracle for the im2col + GEMM path).
 * x [n, c, h, w], weight [o, c/groups, kh, kw] → out [n, o, ho, wo].
 */
export function conv2dRef(
  x: ArrayLike<number>, n: number, c: number, h: number, w: number,
  weight: ArrayLike<number>, o: number, groups: number, win: Window, out: NumArray,
): void {
  const { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo } = win;
  const cg = c / groups, og = o / groups;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          let s = 0;
          for (let q = 0; q < cg; q++) {
            const ci = g * cg + q;
            for (let i = 0; i < kh; i++) {
              const iy = oy * sh - pt + i * dh;
              if (iy < 0 || iy >= h) continue;
              for (let j = 0; j < kw; j++) {
                const ix = ox * sw - pl + j * dw;
                if (ix < 0 || ix >= w) continue;
                s += x[((b * c + ci) * h + iy) * w + ix]! * weight[((oc * cg + q) * kh + i) * kw + j]!;
              }
            }
          }
          out[((b * o + oc) * ho + oy) * wo + ox] = s;
        }
      }
    }
  }
}
