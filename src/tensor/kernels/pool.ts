/**
 * Direct max pooling on NCHW float buffers, for inference: the value the lowered path (im2col
 * with −∞ padding, then a max over the window axis) computes, without the patch matrix and the
 * axis-0 reduction's transpose, which made pooling the largest cost of LeNet5 inference.
 *
 * Same bits as the lowered path: a window is visited in im2col's row order `(i, j)`, starting
 * from its first entry, and the running maximum is replaced only by a strictly larger value or a
 * NaN (which then ends the window), exactly as the max reduction does; so ties between −0 and +0
 * keep the first, and NaN propagates.
 *
 * @module
 */
import type { NumArray } from './elementwise.js';
import type { Window } from './conv.js';

/**
 * `out[p, oy, ox] = max over the window` for `planes = N·C` planes of `h × w` (padding reads −∞).
 *
 * @example
 * ```ts
 * const win = { kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, dh: 1, dw: 1, ho: 1, wo: 1 };
 * const out = new Float32Array(1);
 * maxPoolInto(new Float32Array([1, 5, 3, 2]), 1, 2, 2, win, out); // out = [5]
 * ```
 */
export function maxPoolInto(x: NumArray, planes: number, h: number, w: number, win: Window, out: NumArray): void {
  const { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo } = win;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < ho; oy++) {
      const y0 = oy * sh - pt;
      for (let ox = 0; ox < wo; ox++, o++) {
        const x0 = ox * sw - pl;
        let m = -Infinity, first = true;
        window: for (let i = 0; i < kh; i++) {
          const iy = y0 + i * dh;
          const inRow = iy >= 0 && iy < h;
          const row = base + iy * w;
          for (let j = 0; j < kw; j++) {
            const ix = x0 + j * dw;
            const v = inRow && ix >= 0 && ix < w ? x[row + ix]! : -Infinity;
            if (first) {
              m = v;
              first = false;
              if (v !== v) break window;
            } else if (v > m || v !== v) {
              m = v;
              if (v !== v) break window;
            }
          }
        }
        out[o] = m;
      }
    }
  }
}
