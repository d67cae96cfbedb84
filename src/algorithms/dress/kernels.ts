/**
 * The JS kernels of a packed subnet (spec §6), written for row-balanced, rank-ordered rows: every
 * row of layer l keeps the first `count` of its `stride` (= n_1) stored entries. Both kernels have
 * **no work proportional to the dense operand's size** beyond the output itself, so their time is
 * `nnz · positions · c + outputs · c'` at every level and the time per non-zero stays flat as the
 * subnets get sparser:
 *
 * - {@link sparseConvInto} convolves directly: each kept weight (ci, ky, kx) becomes one offset into
 *   the input image, and 8 adjacent output pixels accumulate in registers while the row walks its
 *   kept weights. No im2col matrix (C·P floats written, then re-read into panels) is built, which at
 *   93.75 % sparsity cost more than the multiply-adds themselves.
 * - {@link sparseLinearInto} walks 8 input rows in place instead of interleaving them into a k×8
 *   panel first: the panel copy is O(k·batch) per call, which for a 10-row classifier with 31
 *   weights per row was larger than the product.
 *
 * On the `'wasm'` backend the runner runs their WebAssembly SIMD twins (`src/backend/dress-direct.ts`,
 * tested against these) and falls back to these where WebAssembly is missing (`paths.ts`). The
 * reference twins below are the test oracle.
 *
 * @module
 */
import type { Window } from '../../tensor/kernels/conv.js';

/** Geometry of one conv call; `pt`/`pl` are the top/left padding (zeros). */
export interface ConvGeometry {
  n: number; ci: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; ho: number; wo: number;
}

/**
 * The geometry of a conv over `n` images of `ci × h × w` through the window `win`.
 * @example
 * ```ts
 * const g = convGeometry(64, 6, 14, 14, makeWindow('conv', 14, 14, [5, 5]));
 * ```
 */
export function convGeometry(n: number, ci: number, h: number, w: number, win: Window): ConvGeometry {
  return { n, ci, h, w, kh: win.kh, kw: win.kw, sh: win.sh, sw: win.sw, dh: win.dh, dw: win.dw, pt: win.pt, pl: win.pl, ho: win.ho, wo: win.wo };
}

/** Columns of a packed layer: Uint16 when C ≤ 65,536. */
type Columns = Uint16Array | Uint32Array | Int32Array;

// Reused buffers, allocated on first use (no top-level work: the package is side-effect free).
let scratch: Float32Array | undefined;
let offs: Int32Array | undefined;

/**
 * The zero-padded image region the windows reach (`hp × wp` per channel), in a reused buffer.
 */
function padded(x: Float32Array, g: ConvGeometry, hp: number, wp: number): Float32Array {
  const size = g.n * g.ci * hp * wp;
  if (scratch === undefined || scratch.length < size) scratch = new Float32Array(size);
  const out = scratch.subarray(0, size);
  out.fill(0);
  const len = Math.max(0, Math.min(g.w, wp - g.pl));
  for (let p = 0; p < g.n * g.ci; p++) {
    for (let y = 0; y < g.h && y + g.pt < hp; y++) {
      const src = (p * g.h + y) * g.w, dst = (p * hp + y + g.pt) * wp + g.pl;
      for (let c = 0; c < len; c++) out[dst + c] = x[src + c]!;
    }
  }
  return out;
}

/**
 * out[N, R, Ho, Wo] = conv2d(x, W_j) (groups 1, no bias) for a packed conv layer whose row `i` is
 * the first `count` entries at `i·stride` of `values` / `columns` (column = (ci·kh + ky)·kw + kx).
 * @example
 * ```ts
 * sparseConvInto(out, layer.values, layer.columns, layer.rows, layer.counts[0], layer.counts[j], x, geometry);
 * ```
 */
export function sparseConvInto(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array, g: ConvGeometry,
): void {
  const { ho, wo, sw } = g;
  const hp = (ho - 1) * g.sh + (g.kh - 1) * g.dh + 1, wp = (wo - 1) * sw + (g.kw - 1) * g.dw + 1;
  const inside = g.pt === 0 && g.pl === 0 && hp <= g.h && wp <= g.w;
  const src = inside ? x : padded(x, g, hp, wp);
  const rowLen = inside ? g.w : wp;
  const plane = inside ? g.h * g.w : hp * wp;
  const kk = g.kh * g.kw;
  // Each kept weight's offset into one image, compacted to `count` per row.
  if (offs === undefined || offs.length < rows * count) offs = new Int32Array(Math.max(rows * count, 1));
  const off = offs;
  for (let i = 0; i < rows; i++) {
    for (let r = 0; r < count; r++) {
      const c = columns[i * stride + r]!;
      const ci = (c / kk) | 0, rem = c - ci * kk, ky = (rem / g.kw) | 0, kx = rem - ky * g.kw;
      off[i * count + r] = ci * plane + ky * g.dh * rowLen + kx * g.dw;
    }
  }
  const s1 = sw, s2 = 2 * sw, s3 = 3 * sw, s4 = 4 * sw, s5 = 5 * sw, s6 = 6 * sw, s7 = 7 * sw;
  const wo8 = wo - (wo % 8);
  const img = g.ci * plane, outPlane = ho * wo;
  for (let b = 0; b < g.n; b++) {
    const xb = b * img;
    for (let i = 0; i < rows; i++) {
      const vs = i * stride, os = i * count;
      const ob = (b * rows + i) * outPlane;
      for (let oy = 0; oy < ho; oy++) {
        const base = xb + oy * g.sh * rowLen;
        const o = ob + oy * wo;
        for (let ox = 0; ox < wo8; ox += 8) {
          const p0 = base + ox * sw;
          let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
          for (let r = 0; r < count; r++) {
            const w = values[vs + r]!;
            const p = p0 + off[os + r]!;
            c0 += w * src[p]!; c1 += w * src[p + s1]!; c2 += w * src[p + s2]!; c3 += w * src[p + s3]!;
            c4 += w * src[p + s4]!; c5 += w * src[p + s5]!; c6 += w * src[p + s6]!; c7 += w * src[p + s7]!;
          }
          out[o + ox] = c0; out[o + ox + 1] = c1; out[o + ox + 2] = c2; out[o + ox + 3] = c3;
          out[o + ox + 4] = c4; out[o + ox + 5] = c5; out[o + ox + 6] = c6; out[o + ox + 7] = c7;
        }
        for (let ox = wo8; ox < wo; ox++) {
          const p0 = base + ox * sw;
          let c = 0;
          for (let r = 0; r < count; r++) c += values[vs + r]! * src[p0 + off[os + r]!]!;
          out[o + ox] = c;
        }
      }
    }
  }
}

/**
 * out[p×R] = x · W_jᵀ for a packed linear layer (x is p×k, row-major): 8 rows of x are walked in
 * place with 8 accumulators per weight row.
 * @example
 * ```ts
 * sparseLinearInto(out, layer.values, layer.columns, layer.rows, layer.cols, layer.counts[0], layer.counts[j], x, batch);
 * ```
 */
export function sparseLinearInto(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, k: number, stride: number, count: number, x: Float32Array, p: number,
): void {
  const p8 = p - (p % 8);
  for (let t = 0; t < p8; t += 8) {
    const b0 = t * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k, b5 = b4 + k, b6 = b5 + k, b7 = b6 + k;
    const o = t * rows;
    for (let i = 0; i < rows; i++) {
      const s = i * stride, e = s + count;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let q = s; q < e; q++) {
        const w = values[q]!, c = columns[q]!;
        c0 += w * x[b0 + c]!; c1 += w * x[b1 + c]!; c2 += w * x[b2 + c]!; c3 += w * x[b3 + c]!;
        c4 += w * x[b4 + c]!; c5 += w * x[b5 + c]!; c6 += w * x[b6 + c]!; c7 += w * x[b7 + c]!;
      }
      out[o + i] = c0; out[o + rows + i] = c1; out[o + 2 * rows + i] = c2; out[o + 3 * rows + i] = c3;
      out[o + 4 * rows + i] = c4; out[o + 5 * rows + i] = c5; out[o + 6 * rows + i] = c6; out[o + 7 * rows + i] = c7;
    }
  }
  for (let t = p8; t < p; t++) {
    const bt = t * k, o = t * rows;
    for (let i = 0; i < rows; i++) {
      const s = i * stride, e = s + count;
      let c = 0;
      for (let q = s; q < e; q++) c += values[q]! * x[bt + columns[q]!]!;
      out[o + i] = c;
    }
  }
}

/**
 * Reference twin of {@link sparseConvInto}: the convolution's definition, one output at a time,
 * bounds-checked against the unpadded input.
 * @example
 * ```ts
 * sparseConvRef(ref, values, columns, rows, stride, count, x, geometry);
 * ```
 */
export function sparseConvRef(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array, g: ConvGeometry,
): void {
  const kk = g.kh * g.kw;
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < rows; i++) {
      for (let oy = 0; oy < g.ho; oy++) {
        for (let ox = 0; ox < g.wo; ox++) {
          let acc = 0;
          for (let r = 0; r < count; r++) {
            const c = columns[i * stride + r]!;
            const ci = Math.floor(c / kk), ky = Math.floor((c % kk) / g.kw), kx = c % g.kw;
            const y = oy * g.sh + ky * g.dh - g.pt, xx = ox * g.sw + kx * g.dw - g.pl;
            if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) continue;
            acc += values[i * stride + r]! * x[((b * g.ci + ci) * g.h + y) * g.w + xx]!;
          }
          out[((b * rows + i) * g.ho + oy) * g.wo + ox] = acc;
        }
      }
    }
  }
}

/**
 * Reference twin of the fused WebAssembly conv → pool kernel (`sparseConvPoolWasmInto`):
 * `out[N, R, ⌊Ho/2⌋, ⌊Wo/2⌋] = relu?(maxPool2×2(conv2d(x, W_j) + bias))` by the definition, one
 * output at a time, summing in float32 in rank order as the kernel does (padding reads zeros and
 * is multiplied like any input), with its max (`a < b ? b : a`, vertical pairs first) and the bias
 * after the max, so the two agree bit for bit.
 * @example
 * ```ts
 * sparseConvPoolRef(ref, values, columns, rows, stride, count, x, geometry, bias, true);
 * ```
 */
export function sparseConvPoolRef(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array, g: ConvGeometry,
  bias: Float32Array | undefined, relu: boolean,
): void {
  const kk = g.kh * g.kw, hp = g.ho >> 1, wp = g.wo >> 1, f = Math.fround;
  const pm = (a: number, c: number): number => (a < c ? c : a);
  const conv = (b: number, i: number, oy: number, ox: number): number => {
    let acc = 0;
    for (let r = 0; r < count; r++) {
      const c = columns[i * stride + r]!;
      const ci = Math.floor(c / kk), ky = Math.floor((c % kk) / g.kw), kx = c % g.kw;
      const y = oy * g.sh + ky * g.dh - g.pt, xx = ox * g.sw + kx * g.dw - g.pl;
      const v = y < 0 || y >= g.h || xx < 0 || xx >= g.w ? 0 : x[((b * g.ci + ci) * g.h + y) * g.w + xx]!;
      const prod = f(values[i * stride + r]! * v);
      acc = r === 0 ? prod : f(acc + prod);
    }
    return acc;
  };
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < rows; i++) {
      const bv = bias?.[i] ?? 0;
      for (let py = 0; py < hp; py++) {
        for (let px = 0; px < wp; px++) {
          // the kernel's order: vertical pairs, then the horizontal pair; pm(a, b) = a < b ? b : a
          const y = 2 * py, x0 = 2 * px;
          const m = pm(pm(conv(b, i, y, x0), conv(b, i, y + 1, x0)), pm(conv(b, i, y, x0 + 1), conv(b, i, y + 1, x0 + 1)));
          const v = f(m + bv);
          out[((b * rows + i) * hp + py) * wp + px] = relu && !(v > 0) ? 0 : v;
        }
      }
    }
  }
}

/**
 * Reference twin of the WebAssembly sparse linear kernels as the runner chains them:
 * `out[p×R] = relu?(x · W_jᵀ + bias)` summed in float32 from zero in rank order, then the bias
 * (one float32 rounding), bit for bit the kernels' result.
 * @example
 * ```ts
 * sparseLinearF32Ref(ref, values, columns, rows, k, stride, count, x, p, bias, false);
 * ```
 */
export function sparseLinearF32Ref(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, k: number, stride: number, count: number, x: Float32Array, p: number,
  bias: Float32Array | undefined, relu: boolean,
): void {
  const f = Math.fround;
  for (let t = 0; t < p; t++) {
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      for (let r = 0; r < count; r++) acc = f(acc + f(values[i * stride + r]! * x[t * k + columns[i * stride + r]!]!));
      const y = f(acc + (bias?.[i] ?? 0));
      out[t * rows + i] = relu && !(y > 0) ? 0 : y;
    }
  }
}
