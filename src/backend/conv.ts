/**
 * im2col / col2im on WebAssembly (src/backend/wat/40-im2col.wat) behind `im2colInto` /
 * `col2imInto` for float32 buffers: same layout, same values (pure copies; col2im adds in the JS
 * kernel's order), so the results are bit-identical to the JS kernels.
 *
 * @module
 */
import { WASM_IM2COL } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The im2col family (src/backend/wat/40-im2col.wat): `geometry` points at 14 int32 (see {@link layout}). */
export interface Im2colExports {
  im2col_f32(x: number, cols: number, geometry: number, pad: number): void;
  col2im_f32(cols: number, x: number, geometry: number): void;
  bias_pool_f32(O: number, nb: number, L: number, wo: number, y: number, yRs: number, bias: number, hasBias: number, mode: number,
    kh: number, kw: number, sh: number, sw: number, hp: number, wp: number, out: number): void;
}

/**
 * The im2col module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (im2colKernels() === undefined) console.log('JS im2col');
 * ```
 */
export const im2colKernels = /* @__PURE__ */ lazyKernels<Im2colExports>(WASM_IM2COL);

/** Window geometry, as in src/tensor/kernels/conv.ts. */
export interface Win { kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; dh: number; dw: number; ho: number; wo: number }

/**
 * Places the geometry (14 int32) at byte `base`, x after it and the patch matrix after x, with
 * `extra` more bytes reserved past the patch matrix; returns the byte offsets and fresh views.
 */
export function layout(n: number, c: number, h: number, w: number, win: Win, base = 0, extra = 0): { g: number; x: number; cols: number; end: number; v: ReturnType<typeof arenaViews> } {
  const xLen = n * c * h * w, colsLen = c * win.kh * win.kw * n * win.ho * win.wo;
  const g = base, x = base + 64, cols = align16(x + 4 * xLen), end = align16(cols + 4 * colsLen);
  const v = arenaViews(null, end + extra);
  v.i32.set([n, c, h, w, win.kh, win.kw, win.sh, win.sw, win.pt, win.pl, win.dh, win.dw, win.ho, win.wo], g >> 2);
  return { g, x, cols, end, v };
}

/**
 * Float32 im2col on the wasm kernel (arguments as `im2colInto`).
 *
 * @example
 * ```ts
 * if (!im2colWasm(x, 1, 1, 28, 28, win, 0, cols)) im2colJs(...);
 * ```
 */
export function im2colWasm(x: Float32Array, n: number, c: number, h: number, w: number, win: Win, padValue: number, cols: Float32Array): boolean {
  const kx = im2colKernels();
  if (kx === undefined) return false;
  const L = layout(n, c, h, w, win);
  L.v.f32.set(x.subarray(0, n * c * h * w), L.x >> 2);
  kx.im2col_f32(L.x, L.cols, L.g, padValue);
  const len = c * win.kh * win.kw * n * win.ho * win.wo;
  cols.set(L.v.f32.subarray(L.cols >> 2, (L.cols >> 2) + len));
  return true;
}

/**
 * Float32 col2im on the wasm kernel (arguments as `col2imInto`; x is overwritten).
 *
 * @example
 * ```ts
 * if (!col2imWasm(cols, 1, 1, 28, 28, win, x)) col2imJs(...);
 * ```
 */
export function col2imWasm(cols: Float32Array, n: number, c: number, h: number, w: number, win: Win, x: Float32Array): boolean {
  const kx = im2colKernels();
  if (kx === undefined) return false;
  const L = layout(n, c, h, w, win);
  const len = c * win.kh * win.kw * n * win.ho * win.wo;
  L.v.f32.set(cols.subarray(0, len), L.cols >> 2);
  kx.col2im_f32(L.cols, L.x, L.g);
  x.set(L.v.f32.subarray(L.x >> 2, (L.x >> 2) + n * c * h * w));
  return true;
}
