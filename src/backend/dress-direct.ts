/**
 * DRESS's direct sparse kernels on WebAssembly SIMD (src/backend/wat/75-dress-direct.wat), the
 * twins of `sparseConvInto` / `sparseLinearInto` in src/algorithms/dress/kernels.ts: a packed
 * layer's rows keep the first `count` of `stride` rank-ordered, unsorted entries (Uint16 or
 * 32-bit columns). Per call the batch's input is copied into the arena once (for a conv laid out
 * so that every 8 adjacent outputs read 8 adjacent floats; for a linear layer transposed to
 * [features, batch] by the kernel), each row's kept weights are compacted with their offsets, the
 * kernel runs and the result is copied back. Unlike im2col + the generic SpMM nothing scales with
 * the dense operand's size, so the time per non-zero stays flat as the subnets get sparser.
 * Sums are float32 (the JS twins sum in float64, rounding once): results agree within float32
 * summation error.
 *
 * @module
 */
import { WASM_DRESS_DIRECT } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The family's exports; pointers are byte offsets into the shared arena. */
interface DressExports {
  dress_conv(n: number, rows: number, count: number, vals: number, offs: number, tab: number, ntiles: number,
    inp: number, img: number, outp: number, plane: number): void;
  dress_xt(bp: number, c: number, x: number, xt: number): void;
  dress_linear(rows: number, count: number, vals: number, offs: number, xt: number, bp: number, outp: number): void;
}

/**
 * The DRESS direct module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (dressKernels() === undefined) console.log('DRESS runs its JS kernels');
 * ```
 */
export const dressKernels = /* @__PURE__ */ lazyKernels<DressExports>(WASM_DRESS_DIRECT);

/** Geometry of one conv call (the `ConvGeometry` of the JS kernels, structurally). */
interface Geometry {
  n: number; ci: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; ho: number; wo: number;
}

type Columns = Uint16Array | Uint32Array | Int32Array;

/** Per-column byte offsets of the last conv call, reused (allocated on first use). */
let colOff: Int32Array | undefined;

/** A layer's kept weights at one prefix length, compacted to `count` per row. */
interface Compacted { columns: Columns; stride: number; count: number; vals: Float32Array; cols: Int32Array }

/** Compacted prefixes per values buffer (packed weights are never written: docs/dress.md). */
let compacted: WeakMap<Float32Array, Compacted[]> | undefined;

/**
 * Row `i`'s first `count` values and columns (int32), compacted and cached per (values, columns,
 * stride, count): a call then copies `rows · count` weights with two native copies instead of a
 * loop per weight, or of whole rows (`stride`). The cache holds at most the sum of the levels
 * used (< 2 × the packed layer for halving levels).
 */
function compact(values: Float32Array, columns: Columns, rows: number, stride: number, count: number): Compacted {
  compacted ??= new WeakMap();
  let list = compacted.get(values);
  if (list === undefined) compacted.set(values, list = []);
  const hit = list.find((c) => c.columns === columns && c.stride === stride && c.count === count && c.vals.length === rows * count);
  if (hit !== undefined) return hit;
  const vals = new Float32Array(rows * count), cols = new Int32Array(rows * count);
  for (let i = 0, d = 0; i < rows; i++) {
    for (let q = i * stride, e = q + count; q < e; q++, d++) { vals[d] = values[q]!; cols[d] = columns[q]!; }
  }
  const c = { columns, stride, count, vals, cols };
  list.push(c);
  return c;
}

/**
 * `out[N, R, Ho, Wo] = conv2d(x, W_j)` on the wasm kernel, as `sparseConvInto` (groups 1, no
 * bias; column = (ci·kh + ky)·kw + kx; any stride, dilation and top/left padding). Returns false,
 * having written nothing, when the module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!sparseConvWasmInto(out, values, columns, rows, stride, count, x, g)) sparseConvInto(out, values, columns, rows, stride, count, x, g);
 * ```
 */
export function sparseConvWasmInto(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array, g: Geometry,
): boolean {
  const kx = dressKernels();
  if (kx === undefined) return false;
  const { n, ci, h, w, sh, sw, ho, wo } = g;
  if (n * rows * ho * wo === 0) return true;
  const hp = (ho - 1) * sh + (g.kh - 1) * g.dh + 1, wp = (wo - 1) * sw + (g.kw - 1) * g.dw + 1;
  // Unpadded stride-1 windows read the image as it is; otherwise a padded copy whose rows are
  // split into `sw` phase rows (column c at phase c mod sw, position ⌊c / sw⌋), so that adjacent
  // outputs always read adjacent floats.
  const raw = g.pt === 0 && g.pl === 0 && sw === 1 && hp <= h && wp <= w;
  const hs = raw ? h : hp, phases = raw ? 1 : sw, wph = raw ? w : Math.ceil(wp / sw);
  const rowLen = phases * wph, plane = hs * rowLen, img = ci * plane;
  const cpr = Math.ceil(wo / 8), wop = cpr * 8, chunks = ho * cpr, ntiles = Math.ceil(chunks / 4);
  const nnz = rows * count, kk = g.kh * g.kw;
  const vals = 0, offs = align16(4 * nnz), tab = align16(offs + 4 * nnz), inp = align16(tab + 16 * ntiles);
  // 8 floats of slack: the lanes past Wo of a row's last chunk read beyond the image (and are dropped).
  // Images in blocks whose output fits in L2 (~128 KiB): each block is copied out while it is
  // still in cache, instead of one pass over an output larger than L2 written and then re-read.
  const per = rows * ho * wop, nb = Math.max(1, Math.min(n, Math.floor(32768 / per)));
  const outp = align16(inp + 4 * (n * img + 8));
  const { f32, i32 } = arenaViews(kx, outp + 4 * (nb * per + 24)); // + the last tile's spill
  // Byte offset of each column (ci, ky, kx) in an image, once per column rather than per weight.
  if (colOff === undefined || colOff.length < ci * kk) colOff = new Int32Array(ci * kk);
  for (let cin = 0, c = 0; cin < ci; cin++) {
    for (let ky = 0; ky < g.kh; ky++) {
      for (let kxx = 0; kxx < g.kw; kxx++, c++) {
        const kxd = kxx * g.dw;
        colOff[c] = 4 * (cin * plane + ky * g.dh * rowLen + (kxd % phases) * wph + ((kxd / phases) | 0));
      }
    }
  }
  const cw = compact(values, columns, rows, stride, count);
  f32.set(cw.vals, vals >> 2);
  for (let q = 0, o0 = offs >> 2; q < nnz; q++) i32[o0 + q] = colOff[cw.cols[q]!]!;
  for (let q = 0, t = tab >> 2; q < 4 * ntiles; q++, t++) {
    const c = Math.min(q, chunks - 1), oy = (c / cpr) | 0;
    i32[t] = 4 * (oy * sh * rowLen + (c - oy * cpr) * 8);
  }
  const x0 = inp >> 2;
  if (raw) f32.set(x.subarray(0, n * img), x0);
  else {
    f32.fill(0, x0, x0 + n * img);
    const len = Math.max(0, Math.min(w, wp - g.pl));
    for (let pc = 0; pc < n * ci; pc++) {
      for (let y = 0; y < h && y + g.pt < hs; y++) {
        const s = (pc * h + y) * w, d = x0 + (pc * hs + y + g.pt) * rowLen;
        if (phases === 1) for (let c = 0; c < len; c++) f32[d + g.pl + c] = x[s + c]!;
        else for (let c = 0; c < len; c++) { const cc = c + g.pl; f32[d + (cc % phases) * wph + ((cc / phases) | 0)] = x[s + c]!; }
      }
    }
  }
  const o0 = outp >> 2;
  for (let b = 0; b < n; b += nb) {
    const m = Math.min(nb, n - b);
    kx.dress_conv(m, rows, count, vals, offs, tab, ntiles, inp + 4 * b * img, 4 * img, outp, 4 * ho * wop);
    if (wop === wo) out.set(f32.subarray(o0, o0 + m * per), b * per);
    else {
      for (let r = 0, s = o0, d = b * rows * ho * wo; r < m * rows * ho; r++, s += wop) for (let c = 0; c < wo; c++, d++) out[d] = f32[s + c]!;
    }
  }
  return true;
}

/**
 * `out[p×R] = x · W_jᵀ` on the wasm kernel, as `sparseLinearInto` (x is p×k, row-major). Returns
 * false, having written nothing, when the module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!sparseLinearWasmInto(out, values, columns, rows, k, stride, count, x, p)) sparseLinearInto(out, values, columns, rows, k, stride, count, x, p);
 * ```
 */
export function sparseLinearWasmInto(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, k: number, stride: number, count: number, x: Float32Array, p: number,
): boolean {
  const kx = dressKernels();
  if (kx === undefined) return false;
  if (p * rows === 0) return true;
  const bp = (p + 3) & ~3, nnz = rows * count;
  const vals = 0, offs = align16(4 * nnz), xin = align16(offs + 4 * nnz), xt = align16(xin + 4 * bp * k);
  const outp = align16(xt + 4 * bp * k);
  const { f32, i32 } = arenaViews(kx, outp + 4 * bp * rows);
  const cw = compact(values, columns, rows, stride, count);
  f32.set(cw.vals, vals >> 2);
  i32.set(cw.cols, offs >> 2);
  const x0 = xin >> 2;
  f32.set(x.subarray(0, p * k), x0);
  f32.fill(0, x0 + p * k, x0 + bp * k); // the padding lanes of the batch
  kx.dress_xt(bp, k, xin, xt);
  kx.dress_linear(rows, count, vals, offs, xt, bp, outp);
  out.set(f32.subarray(outp >> 2, (outp >> 2) + p * rows));
  return true;
}
