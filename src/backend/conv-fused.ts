/**
 * Inference conv2d (groups = 1, float32) in one pass through the arena: x goes in once, the
 * im2col kernel writes the patch matrix in place, the f32 GEMM multiplies the weight by it
 * without the patch matrix ever leaving the arena, and the `[O, N·L]` product is copied out as
 * NCHW `[N, O, L]` rows with the bias added on the way. The unfused path (src/tensor/ops/conv.ts
 * on the tape) copies the patch matrix out of the arena after im2col and back in for the GEMM,
 * then permutes and adds the bias as two more passes. The GEMM runs with the same m, n, k and
 * strides as the unfused matmul, and the bias is added after it with one float32 rounding, as
 * `add` does, so the two paths give identical bits.
 *
 * @module
 */
import { im2colKernels, layout, type Win } from './conv.js';
import { WORK_BYTES, gemmKernels } from './gemm.js';
import { align16 } from './runtime.js';

/**
 * `out[N, O, Ho, Wo] = conv(x[N, C, H, W], weight[O, C·kh·kw]) + bias[O]` on the wasm kernels;
 * false, having written nothing, when either module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!conv2dWasmInto(out, x, 8, 1, 28, 28, win, w, 6, bias)) { ... unfused path ... }
 * ```
 */
export function conv2dWasmInto(
  out: Float32Array, x: Float32Array, n: number, c: number, h: number, w: number, win: Win,
  weight: Float32Array, o: number, bias: Float32Array | undefined,
): boolean {
  const ik = im2colKernels(), gk = gemmKernels();
  if (ik === undefined || gk === undefined) return false;
  const K = c * win.kh * win.kw, L = win.ho * win.wo, NL = n * L;
  // The GEMM workspace sits at 0, the im2col operands after it, then W and C.
  const base = align16(WORK_BYTES);
  const probe = layout(n, c, h, w, win, base, 0);
  const wPtr = probe.end, cPtr = align16(wPtr + 4 * o * K);
  const L2 = layout(n, c, h, w, win, base, cPtr - probe.end + 4 * o * NL);
  const { f32 } = L2.v;
  f32.set(x.subarray(0, n * c * h * w), L2.x >> 2);
  ik.im2col_f32(L2.x, L2.cols, L2.g, 0);
  f32.set(weight.subarray(0, o * K), wPtr >> 2);
  gk.gemm_f32(o, NL, K, wPtr, K, 1, L2.cols, NL, 1, cPtr, NL, 0, 0);
  const c0 = cPtr >> 2;
  for (let oc = 0; oc < o; oc++) {
    const bv = bias === undefined ? 0 : bias[oc]!;
    for (let b = 0; b < n; b++) {
      const s = c0 + oc * NL + b * L, d = (b * o + oc) * L;
      if (bias === undefined) out.set(f32.subarray(s, s + L), d);
      else for (let l = 0; l < L; l++) out[d + l] = f32[s + l]! + bv;
    }
  }
  return true;
}
