/**
 * Direct float32 conv2d on WebAssembly (src/backend/wat/45-conv-direct.wat) for layers with few
 * input channels: the kernel reads the (zero-padded) images in place through two offset tables
 * instead of materialising the im2col patch matrix and packing it into panels. Same sums as
 * im2col + the f32 GEMM (per 256-term K block, in k order, then + bias), so the same bits as the
 * path it replaces. The inference conv and the conv → pool → relu fusion (src/backend/conv-fused.ts)
 * take it for every dense float32 weight: it measured 1.04–1.12× im2col + GEMM on wide layers
 * (128–512 input channels) and 1.3–3.2× on narrow ones (docs/benchmarks.md, "Direct conv"), so
 * there is no shape where the GEMM route won. A multi-bit weight's pair lists (ALQ's packed
 * inference) run `conv_rows_f32` on convs with stride 1 along W, Wo a multiple of 8 and Ho even
 * (both of LeNet5's), with the pair kernel's bits; other shapes return false (im2col route).
 *
 * @module
 */
import { WASM_CONV_DIRECT, WASM_CONV_ROWS } from './kernels-wasm.js';
import { im2colKernels, type Win } from './conv.js';
import type { FusedPool } from './conv-fused.js';
import type { WeightRows } from './multibit.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The direct conv family (src/backend/wat/45-conv-direct.wat); pointers and strides in bytes. */
interface ConvDirectExports {
  pad_f32(src: number, dst: number, planes: number, h: number, w: number, hp: number, wp: number, pt: number, pl: number): void;
  conv_direct_f32(x: number, xImg: number, pix: number, L: number, nb: number, off: number, K: number, w: number, nblk: number,
    out: number, outImg: number, chRs: number, bias: number, hasBias: number, work: number): void;
  conv_direct8_f32(x: number, xImg: number, pix: number, L: number, nb: number, off: number, K: number, w: number, nblk: number,
    out: number, outImg: number, chRs: number, bias: number, hasBias: number, work: number): void;
}

/** The pair-list family (src/backend/wat/45-conv-rows.wat). */
interface ConvRowsExports {
  conv_rows_f32(x: number, xImg: number, nb: number, ho: number, wo: number, rs: number, pairs: number, ptr: number, rows: number,
    offl: number, val: number, out: number, outImg: number, chRs: number): void;
}

/**
 * The direct conv module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (convDirectKernels() === undefined) console.log('im2col + GEMM');
 * ```
 */
export const convDirectKernels = /* @__PURE__ */ lazyKernels<ConvDirectExports>(WASM_CONV_DIRECT);

/** The direct conv over multi-bit pair lists, compiled on first use. @internal */
const convRowsKernels = /* @__PURE__ */ lazyKernels<ConvRowsExports>(WASM_CONV_ROWS);

/**
 * `out[N, O, Ho, Wo] = conv(x, weight[O, K]) + bias` on the direct kernel, or with `pool` the
 * pooled (and relu'd) `[N, O, hp, wp]` of it (bias, pool and relu by `bias_pool_f32` in the
 * arena). False, having written nothing, when a module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!conv2dDirectInto(out, x, 64, 6, 14, 14, win, w, 16, bias)) { ... im2col + GEMM ... }
 * ```
 */
export function conv2dDirectInto(
  out: Float32Array, x: Float32Array, n: number, c: number, h: number, w: number, win: Win,
  weight: Float32Array | WeightRows, o: number, bias: Float32Array | undefined, pool?: FusedPool,
): boolean {
  const dk = convDirectKernels(), ik = pool === undefined ? undefined : im2colKernels();
  if (dk === undefined || (pool !== undefined && ik === undefined)) return false;
  const { kh, kw, sh, sw, pt, pl, dh, dw, ho, wo } = win;
  // Pair lists (a multi-bit weight): pixels in lanes, 8 along W and 2 rows per tile.
  const rowsW = weight instanceof Float32Array ? undefined : weight;
  if (rowsW !== undefined && (sw !== 1 || wo % 8 !== 0 || ho % 2 !== 0 || (bias !== undefined && pool === undefined))) return false;
  const rk = rowsW === undefined ? undefined : convRowsKernels();
  if (rowsW !== undefined && rk === undefined) return false;
  // Channel blocks of 16 (a 2-pixel × 16-channel tile), the rest in blocks of 8 (4 × 8): LeNet5's
  // 20 and 50 channels compute 24 and 56 lanes instead of 32 and 64.
  const n16 = o >> 4, n8 = Math.ceil((o - 16 * n16) / 8), base8 = 16 * n16, O16 = rowsW === undefined ? base8 + 8 * n8 : o + 1; // lists: a scratch row
  const K = c * kh * kw, L = ho * wo, img = c * h * w;
  // The padded image holds every row and column a window reaches (and all of x).
  const hp = Math.max(pt + h, (ho - 1) * sh + (kh - 1) * dh + 1), wp = Math.max(pl + w, (wo - 1) * sw + (kw - 1) * dw + 1);
  const padded = hp !== h || wp !== w || pt !== 0 || pl !== 0;
  const xImg = c * hp * wp;
  const P = pool === undefined ? 0 : o * pool.hp * pool.wp;
  // Images per chunk: padded input and output of a chunk within 512 KiB, so the kernel's
  // reads and the copy out hit L2.
  const nb = Math.max(1, Math.min(n, Math.floor(131072 / (xImg + O16 * L))));
  const nnz = rowsW === undefined ? 0 : rowsW.col.length, pairs = rowsW === undefined ? 0 : rowsW.pairs;
  const wBytes = rowsW === undefined ? 4 * O16 * K : 4 * (pairs + 1) + 8 * pairs + 12 * nnz + 48;
  const offPtr = 256, pixPtr = align16(offPtr + 4 * K), wPtr = align16(pixPtr + 4 * L), bPtr = align16(wPtr + wBytes);
  const sPtr = align16(bPtr + 8 * O16), xPtr = align16(sPtr + (padded ? 4 * nb * img : 0)), yPtr = align16(xPtr + 4 * nb * xImg);
  const pPtr = align16(yPtr + 4 * nb * O16 * L), end = pPtr + 4 * nb * P;
  const { f32, i32 } = arenaViews(dk, end);
  for (let ci = 0, k = offPtr >> 2; ci < c; ci++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) i32[k++] = 4 * ((ci * hp + i * dh) * wp + j * dw);
  }
  for (let oy = 0, q = pixPtr >> 2; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) i32[q++] = 4 * (oy * sh * wp + ox * sw);
  const w0 = wPtr >> 2;
  const lr = wPtr, lRows = align16(lr + 4 * (pairs + 1)), lOff = align16(lRows + 8 * pairs), lVal = align16(lOff + 4 * nnz);
  if (rowsW !== undefined) {
    i32.set(rowsW.ptr, lr >> 2);
    i32.set(rowsW.pairRows, lRows >> 2);
    for (let p = 0, q = lOff >> 2, off0 = offPtr >> 2; p < nnz; p++) i32[q + p] = i32[off0 + rowsW.col[p]!]!;
    f32.set(rowsW.val, lVal >> 2);
  }
  // Weight as [n16][K][16] then [n8][K][8], zero past o.
  if (rowsW === undefined) f32.fill(0, w0, w0 + O16 * K);
  for (let oc = 0; oc < (rowsW === undefined ? o : 0); oc++) {
    const G = oc < base8 ? 16 : 8, r = oc < base8 ? oc : oc - base8;
    const dst = w0 + (oc < base8 ? 0 : base8 * K) + Math.floor(r / G) * G * K + (r % G), src = oc * K;
    for (let k = 0; k < K; k++) f32[dst + G * k] = (weight as Float32Array)[src + k]!;
  }
  const run = (cur: number, outImg: number, chRs: number, hb: number): void => {
    if (rowsW !== undefined) {
      rk!.conv_rows_f32(xPtr, 4 * xImg, cur, ho, wo, 4 * sh * wp, pairs, lr, lRows, lOff, lVal, yPtr, outImg, chRs); // hb is 0 here
      return;
    }
    if (n16 > 0) dk.conv_direct_f32(xPtr, 4 * xImg, pixPtr, L, cur, offPtr, K, wPtr, n16, yPtr, outImg, chRs, bPtr, hb, 0);
    if (n8 > 0) dk.conv_direct8_f32(xPtr, 4 * xImg, pixPtr, L, cur, offPtr, K, wPtr + 4 * base8 * K, n8, yPtr + base8 * chRs, outImg, chRs, bPtr + 8 * base8, hb, 0);
  };
  const hasBias = bias !== undefined && pool === undefined && rowsW === undefined ? 1 : 0;
  if (hasBias) for (let oc = 0; oc < o; oc++) { f32[(bPtr >> 2) + 2 * oc] = bias![oc]!; f32[(bPtr >> 2) + 2 * oc + 1] = bias![oc]!; }
  if (pool !== undefined && bias !== undefined) f32.set(bias.subarray(0, o), bPtr >> 2);
  const y0 = yPtr >> 2;
  for (let b0 = 0; b0 < n; b0 += nb) {
    const cur = Math.min(nb, n - b0);
    f32.set(x.subarray(b0 * img, (b0 + cur) * img), (padded ? sPtr : xPtr) >> 2);
    if (padded) dk.pad_f32(sPtr, xPtr, cur * c, h, w, hp, wp, pt, pl);
    if (pool !== undefined) {
      // The GEMM's [O, N·L] layout, which bias_pool_f32 reads; only the pooled block leaves.
      run(cur, 4 * L, 4 * cur * L, 0);
      ik!.bias_pool_f32(o, cur, L, wo, yPtr, 4 * cur * L, bPtr, bias === undefined ? 0 : 1, pool.relu === 'after' ? 1 : pool.relu === 'before' ? 2 : 0,
        pool.kh, pool.kw, pool.sh, pool.sw, pool.hp, pool.wp, pPtr);
      out.set(f32.subarray(pPtr >> 2, (pPtr >> 2) + cur * P), b0 * P);
      continue;
    }
    // NCHW with O16 channel rows per image; the rows past o are dropped on the way out.
    run(cur, 4 * O16 * L, 4 * L, hasBias);
    if (O16 === o) out.set(f32.subarray(y0, y0 + cur * o * L), b0 * o * L);
    else for (let b = 0; b < cur; b++) out.set(f32.subarray(y0 + b * O16 * L, y0 + b * O16 * L + o * L), (b0 + b) * o * L);
  }
  return true;
}
