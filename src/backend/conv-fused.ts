/**
 * Inference conv2d (groups = 1, float32) in one pass through the arena. First choice: the direct
 * kernels (src/backend/conv-direct.ts: no patch matrix at all; dense weights always, multi-bit
 * pair lists on the shapes they take). Otherwise, a cache-sized chunk of images at a time:
 * x goes in once, the im2col kernel writes the patch matrix in place, the f32
 * GEMM multiplies the weight by it without the patch matrix ever leaving the arena, and the `[O, N·L]` product is copied out as
 * NCHW `[N, O, L]` rows with the bias added on the way. The unfused path (src/tensor/ops/conv.ts
 * on the tape) copies the patch matrix out of the arena after im2col and back in for the GEMM,
 * then permutes and adds the bias as two more passes. The GEMM runs with the same m, n, k and
 * strides as the unfused matmul, and the bias is added after it with one float32 rounding, as
 * `add` does, so the two paths give identical bits.
 *
 * @module
 */
import { im2colKernels, layout, type Win } from './conv.js';
import { conv2dDirectInto } from './conv-direct.js';
import { WORK_BYTES, gemmKernels } from './gemm.js';
import { multiBitKernels, placeRows, rowsBytes, type WeightRows } from './multibit.js';
import { align16 } from './runtime.js';

/** The f32 GEMM's K block (10-gemm-f32.wat, KC): the pair kernel sums in the same blocks. */
const KC = 256;

/**
 * Lays out the dense weight `[o, K]` as the pair kernel's lists (60-multibit.wat), one set per
 * K block of {@link KC} terms: rows (2q, 2q+1) paired in order (row o is the scratch row), every
 * column of the block listed with both rows' weights. Returns per block the kernel's pointers.
 */
function denseLists(i32: Int32Array, f32: Float32Array, at: number, weight: Float32Array, o: number, K: number): { ptr: number; rows: number; idx: number; val: number; k0: number; len: number }[] {
  const pairs = (o + 1) >> 1, out = [];
  let p = at;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const len = Math.min(KC, K - k0);
    const ptr = p, rows = align16(ptr + 4 * (pairs + 1)), idx = align16(rows + 8 * pairs), val = align16(idx + 4 * pairs * len);
    p = align16(val + 8 * pairs * len);
    for (let q = 0; q <= pairs; q++) i32[(ptr >> 2) + q] = q * len;
    for (let q = 0; q < pairs; q++) {
      const r0 = 2 * q, r1 = 2 * q + 1;
      i32[(rows >> 2) + 2 * q] = r0;
      i32[(rows >> 2) + 2 * q + 1] = r1 < o ? r1 : o;
      for (let j = 0; j < len; j++) {
        const e = q * len + j;
        i32[(idx >> 2) + e] = j;
        f32[(val >> 2) + 2 * e] = weight[r0 * K + k0 + j]!;
        f32[(val >> 2) + 2 * e + 1] = r1 < o ? weight[r1 * K + k0 + j]! : 0;
      }
    }
    out.push({ ptr, rows, idx, val, k0, len });
  }
  return out;
}

/** Bytes of {@link denseLists}. */
const denseBytes = (o: number, K: number): number => {
  const pairs = (o + 1) >> 1, blocks = Math.ceil(K / KC);
  return 12 * pairs * K + blocks * (12 * pairs + 64);
};

/**
 * A max pool fused after the conv (no padding): window kh×kw, strides sh, sw, output hp×wp; relu
 * `'after'` the pool, `'before'` it, or `'none'`.
 */
export interface FusedPool { kh: number; kw: number; sh: number; sw: number; hp: number; wp: number; relu: 'none' | 'after' | 'before' }

/**
 * `out[N, O, Ho, Wo] = conv(x[N, C, H, W], weight[O, C·kh·kw]) + bias[O]` on the wasm kernels,
 * or with `pool` the pooled (and relu'd) `[N, O, hp, wp]` of it, the conv output never leaving
 * the arena; `weight` dense, or a multi-bit weight as pair lists (src/bitpack/multibit-rows.ts;
 * then the sums are that kernel's). False, having written nothing, when a module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!conv2dWasmInto(out, x, 8, 1, 28, 28, win, w, 6, bias)) { ... unfused path ... }
 * ```
 */
export function conv2dWasmInto(
  out: Float32Array, x: Float32Array, n: number, c: number, h: number, w: number, win: Win,
  weight: Float32Array | WeightRows, o: number, bias: Float32Array | undefined, pool?: FusedPool,
): boolean {
  // The direct kernels (no patch matrix; same bits), which measured at least as fast as
  // im2col + GEMM on every shape tried (src/backend/conv-direct.ts); they decline pair lists on
  // shapes without 8 pixels along W in the lanes.
  if (conv2dDirectInto(out, x, n, c, h, w, win, weight, o, bias, pool)) return true;
  return conv2dGemmInto(out, x, n, c, h, w, win, weight, o, bias, pool);
}

/**
 * {@link conv2dWasmInto} through im2col and the GEMM (or the multi-bit pair kernel): the route
 * for multi-bit weights, and the direct kernel's bit-for-bit reference in the tests.
 *
 * @example
 * ```ts
 * conv2dGemmInto(out, x, 8, 1, 28, 28, win, w, 6, bias);
 * ```
 */
export function conv2dGemmInto(
  out: Float32Array, x: Float32Array, n: number, c: number, h: number, w: number, win: Win,
  weight: Float32Array | WeightRows, o: number, bias: Float32Array | undefined, pool?: FusedPool,
): boolean {
  const ik = im2colKernels(), gk = gemmKernels(), mk = multiBitKernels();
  if (ik === undefined || gk === undefined) return false;
  // A multi-bit weight (ALQ's packed inference) comes as pair lists: one kernel call over them
  // (multibit-rows.ts's order), the rest of the pass is the same.
  const rowsW = weight instanceof Float32Array ? undefined : weight;
  if (rowsW !== undefined && mk === undefined) return false;
  const K = c * win.kh * win.kw, L = win.ho * win.wo, img = c * h * w;
  // Images per chunk: the chunk's patch matrix (K·nb·L floats) at most 1 MiB, so im2col writes
  // it and the GEMM reads it back while it is still in L2. Chunking changes only the GEMM's n,
  // not any output's sum (the kernel's order depends on K blocks alone).
  const nb = Math.max(1, Math.min(n, Math.floor(262144 / (K * L))));
  const base = align16(WORK_BYTES);
  const probe = layout(nb, c, h, w, win, base, 0);
  const wPtr = probe.end, lPtr = align16(wPtr + (rowsW === undefined ? 4 * o * K : 0));
  const cPtr = align16(lPtr + (rowsW !== undefined ? rowsBytes(rowsW) : mk === undefined ? 0 : denseBytes(o, K)));
  const bPtr = align16(cPtr + 4 * (o + 1) * nb * L), pPtr = align16(bPtr + 4 * o); // C has a scratch row for the pair kernel
  const P = pool === undefined ? 0 : o * pool.hp * pool.wp; // pooled floats per image
  const L2 = layout(nb, c, h, w, win, base, pPtr - probe.end + 4 * nb * P);
  const { f32, i32 } = L2.v;
  if (rowsW === undefined) f32.set((weight as Float32Array).subarray(0, o * K), wPtr >> 2);
  if (bias !== undefined) f32.set(bias.subarray(0, o), bPtr >> 2);
  const lists = mk === undefined || rowsW !== undefined ? [] : denseLists(i32, f32, lPtr, weight as Float32Array, o, K);
  const packed = rowsW === undefined ? undefined : placeRows(i32, f32, lPtr, rowsW);
  const c0 = cPtr >> 2;
  for (let b0 = 0; b0 < n; b0 += nb) {
    const cur = Math.min(nb, n - b0), NL = cur * L;
    i32[L2.g >> 2] = cur;
    f32.set(x.subarray(b0 * img, (b0 + cur) * img), L2.x >> 2);
    ik.im2col_f32(L2.x, L2.cols, L2.g, 0);
    if (packed !== undefined) mk!.mb_rows_f32(rowsW!.pairs, NL, K, packed.ptr, packed.rows, packed.idx, packed.val, L2.cols, 4 * NL, cPtr, 4 * NL, packed.work, 0);
    else if (mk === undefined) gk.gemm_f32(o, NL, K, wPtr, K, 1, L2.cols, NL, 1, cPtr, NL, 0, 0);
    else {
      // The 2×16 pair tile over a packed 16-column panel (60-multibit.wat) measured ~1.3× the
      // 4×8 GEMM tile's rate on these shapes (few output rows, patch matrix read once); one
      // call per 256-term K block, accumulating, which is the GEMM's summation order: same bits.
      for (const B of lists) {
        mk.mb_rows_f32((o + 1) >> 1, NL, B.len, B.ptr, B.rows, B.idx, B.val, L2.cols + 4 * B.k0 * NL, 4 * NL, cPtr, 4 * NL, 0, B.k0 > 0 ? 1 : 0); // panel in the GEMM workspace
      }
    }
    if (pool !== undefined) {
      // bias, pool and relu in the arena; only the pooled block leaves it
      ik.bias_pool_f32(o, cur, L, win.wo, cPtr, 4 * NL, bPtr, bias === undefined ? 0 : 1, pool.relu === 'after' ? 1 : pool.relu === 'before' ? 2 : 0,
        pool.kh, pool.kw, pool.sh, pool.sw, pool.hp, pool.wp, pPtr);
      out.set(f32.subarray(pPtr >> 2, (pPtr >> 2) + cur * P), b0 * P);
      continue;
    }
    for (let oc = 0; oc < o; oc++) {
      const bv = bias === undefined ? 0 : bias[oc]!;
      for (let b = 0; b < cur; b++) {
        const s = c0 + oc * NL + b * L, d = ((b0 + b) * o + oc) * L;
        if (bias === undefined) out.set(f32.subarray(s, s + L), d);
        else for (let l = 0; l < L; l++) out[d + l] = f32[s + l]! + bv;
      }
    }
  }
  return true;
}
