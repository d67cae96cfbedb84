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
  dress_linear(rows: number, count: number, vals: number, offs: number, xt: number, bp: number, outp: number, bias: number): void;
  dress_conv_pool(n: number, rows: number, count: number, vals: number, offs: number, tab: number, ntiles: number,
    inp: number, img: number, outp: number, plane: number, otab: number, orow: number, bias: number, relu: number): void;
  dress_linear_t(rows: number, count: number, vals: number, offs: number, xt: number, bp: number, outp: number, bias: number, relu: number): void;
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
 * How a conv's images sit in the arena: unpadded stride-1 windows read the image as it is;
 * otherwise a padded copy whose rows are split into `sw` phase rows (column c at phase c mod sw,
 * position ⌊c / sw⌋), so that adjacent outputs always read adjacent floats. Sizes in floats.
 */
function imageLayout(g: Geometry): { raw: boolean; phases: number; wph: number; hs: number; rowLen: number; plane: number; img: number } {
  const hp = (g.ho - 1) * g.sh + (g.kh - 1) * g.dh + 1, wp = (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  const raw = g.pt === 0 && g.pl === 0 && g.sw === 1 && hp <= g.h && wp <= g.w;
  const hs = raw ? g.h : hp, phases = raw ? 1 : g.sw, wph = raw ? g.w : Math.ceil(wp / g.sw);
  const rowLen = phases * wph, plane = hs * rowLen;
  return { raw, phases, wph, hs, rowLen, plane, img: g.ci * plane };
}

/** The kept weights (values, and each one's byte offset in an image) at `vals` / `offs`. */
function placeWeights(f32: Float32Array, i32: Int32Array, vals: number, offs: number, cw: Compacted, g: Geometry, lay: ReturnType<typeof imageLayout>): void {
  const kk = g.kh * g.kw;
  // Byte offset of each column (ci, ky, kx) in an image, once per column rather than per weight.
  if (colOff === undefined || colOff.length < g.ci * kk) colOff = new Int32Array(g.ci * kk);
  for (let cin = 0, c = 0; cin < g.ci; cin++) {
    for (let ky = 0; ky < g.kh; ky++) {
      for (let kxx = 0; kxx < g.kw; kxx++, c++) {
        const kxd = kxx * g.dw;
        colOff[c] = 4 * (cin * lay.plane + ky * g.dh * lay.rowLen + (kxd % lay.phases) * lay.wph + ((kxd / lay.phases) | 0));
      }
    }
  }
  f32.set(cw.vals, vals >> 2);
  for (let q = 0, o0 = offs >> 2, e = cw.vals.length; q < e; q++) i32[o0 + q] = colOff[cw.cols[q]!]!;
}

/** The batch's images at float index `x0`, in {@link imageLayout}'s layout. */
function placeImages(f32: Float32Array, x0: number, x: Float32Array, g: Geometry, lay: ReturnType<typeof imageLayout>): void {
  const { n, ci, h, w } = g, { phases, wph, hs, rowLen, img } = lay;
  if (lay.raw) { f32.set(x.subarray(0, n * img), x0); return; }
  const wp = (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1;
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
  const { n, sh, ho, wo } = g;
  if (n * rows * ho * wo === 0) return true;
  const lay = imageLayout(g), { rowLen, img } = lay;
  const cpr = Math.ceil(wo / 8), wop = cpr * 8, chunks = ho * cpr, ntiles = Math.ceil(chunks / 4);
  const nnz = rows * count;
  const vals = 0, offs = align16(4 * nnz), tab = align16(offs + 4 * nnz), inp = align16(tab + 16 * ntiles);
  // 8 floats of slack: the lanes past Wo of a row's last chunk read beyond the image (and are dropped).
  // Images in blocks whose output fits in L2 (~128 KiB): each block is copied out while it is
  // still in cache, instead of one pass over an output larger than L2 written and then re-read.
  const per = rows * ho * wop, nb = Math.max(1, Math.min(n, Math.floor(32768 / per)));
  const outp = align16(inp + 4 * (n * img + 8));
  const { f32, i32 } = arenaViews(kx, outp + 4 * (nb * per + 24)); // + the last tile's spill
  placeWeights(f32, i32, vals, offs, compact(values, columns, rows, stride, count), g, lay);
  for (let q = 0, t = tab >> 2; q < 4 * ntiles; q++, t++) {
    const c = Math.min(q, chunks - 1), oy = (c / cpr) | 0;
    i32[t] = 4 * (oy * sh * rowLen + (c - oy * cpr) * 8);
  }
  placeImages(f32, inp >> 2, x, g, lay);
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
 * The fused `relu?(maxPool2×2(conv2d(x, W_j) + bias))` on the wasm kernel (pool stride 2, no
 * padding: `out` is `[N, R, ⌊Ho/2⌋, ⌊Wo/2⌋]`): the conv output stays in registers and only the
 * pooled activations are stored, a quarter of the conv's. Sums as `sparseConvPoolRef` (float32,
 * in rank order), bit for bit. False, having written nothing, when the module cannot be loaded.
 *
 * @example
 * ```ts
 * if (!sparseConvPoolWasmInto(out, values, columns, rows, stride, count, x, g, bias, true)) { ... unfused ... }
 * ```
 */
export function sparseConvPoolWasmInto(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array | ResidentImages, g: Geometry,
  bias: Float32Array | undefined, relu: boolean,
): boolean {
  return convPool(out, values, columns, rows, stride, count, x, g, bias, relu) !== undefined;
}

/**
 * Pooled images left in the arena by {@link sparseConvPoolResidentWasm}: NCHW `[n, c, h, w]` at
 * byte `at`. Valid until the next call of any wasm kernel.
 */
export interface ResidentImages { readonly at: number; readonly n: number; readonly c: number; readonly h: number; readonly w: number }

/**
 * As {@link sparseConvPoolWasmInto}, but the pooled images stay in the arena for the next sparse
 * conv, which reads them in place when its windows need no padding (no copy out, no result
 * array, no copy in). `undefined` when the module cannot be loaded or the pooled width is not a
 * multiple of 4 / the height odd (the kernel's padded planes are then not NCHW).
 *
 * @example
 * ```ts
 * const h = sparseConvPoolResidentWasm(v1, c1, 20, n1, count1, x, g1, b1, true);
 * if (h !== undefined) sparseConvPoolWasmInto(out, v2, c2, 50, n2, count2, h, g2, b2, true);
 * ```
 */
export function sparseConvPoolResidentWasm(
  values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Float32Array | ResidentImages, g: Geometry,
  bias: Float32Array | undefined, relu: boolean,
): ResidentImages | undefined {
  const hp = g.ho >> 1, wp = g.wo >> 1;
  if (hp % 2 !== 0 || wp % 4 !== 0 || g.n * rows * hp * wp === 0) return undefined;
  const r = convPool(null, values, columns, rows, stride, count, x, g, bias, relu);
  return r === true ? undefined : r;
}

/**
 * {@link ResidentImages} copied out as a JS array (NCHW).
 *
 * @example
 * ```ts
 * const pooled = imagesToArray(sparseConvPoolResidentWasm(v, c, 20, n1, n, x, g, b, true)!);
 * ```
 */
export function imagesToArray(r: ResidentImages): Float32Array {
  const size = r.n * r.c * r.h * r.w;
  return arenaViews(null, r.at + 4 * size).f32.slice(r.at >> 2, (r.at >> 2) + size);
}

/** The fused pass into `out`, or (`out` null, exact layouts only) left in the arena; `undefined` without the module. */
function convPool(
  out: Float32Array | null, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x0: Float32Array | ResidentImages, g: Geometry,
  bias: Float32Array | undefined, relu: boolean,
): ResidentImages | true | undefined {
  const kx = dressKernels();
  if (kx === undefined) return undefined;
  const { n, sh, ho } = g, hp = ho >> 1, wp = g.wo >> 1;
  if (n * rows * hp * wp === 0) return true;
  const lay = imageLayout(g), { rowLen, img } = lay;
  // images in the arena are read where they are when the windows need no padded copy
  const x = x0 instanceof Float32Array || lay.raw ? x0 : imagesToArray(x0);
  const base = x instanceof Float32Array ? 0 : align16(x.at + 4 * (n * img + 16));
  // A tile: 8 conv columns of 4 conv rows → 2 pooled rows of 4; pooled planes padded to hpp × wpp.
  const hq = Math.ceil(hp / 2), qn = Math.ceil(wp / 4), hpp = 2 * hq, wpp = 4 * qn, ntiles = hq * qn;
  const nnz = rows * count;
  const vals = base, offs = align16(vals + 4 * nnz), tab = align16(offs + 4 * nnz), otab = align16(tab + 16 * ntiles);
  const bp = align16(otab + 4 * ntiles), inp = x instanceof Float32Array ? align16(bp + 4 * rows) : x.at;
  const per = rows * hpp * wpp, nb = out === null ? n : Math.max(1, Math.min(n, Math.floor(32768 / per)));
  // slack: a last group's lanes past Wo read beyond the image
  const outp = x instanceof Float32Array ? align16(inp + 4 * (n * img + 16)) : align16(bp + 4 * rows);
  const { f32, i32 } = arenaViews(kx, outp + 4 * (nb * per + 16));
  placeWeights(f32, i32, vals, offs, compact(values, columns, rows, stride, count), g, lay);
  for (let t = 0; t < ntiles; t++) {
    const pr = (t / qn) | 0, q = t - pr * qn;
    // rows past Ho (an odd pooled height's last pair) re-read the last row; their pooled row is padding
    for (let k = 0; k < 4; k++) i32[(tab >> 2) + 4 * t + k] = 4 * (Math.min(4 * pr + k, ho - 1) * sh * rowLen + 8 * q);
    i32[(otab >> 2) + t] = 4 * (2 * pr * wpp + 4 * q);
  }
  if (bias === undefined) f32.fill(0, bp >> 2, (bp >> 2) + rows);
  else f32.set(bias.subarray(0, rows), bp >> 2);
  if (x instanceof Float32Array) placeImages(f32, inp >> 2, x, g, lay);
  const o0 = outp >> 2, pq = hp * wp;
  for (let b = 0; b < n; b += nb) {
    const m = Math.min(nb, n - b);
    kx.dress_conv_pool(m, rows, count, vals, offs, tab, ntiles, inp + 4 * b * img, 4 * img, outp, 4 * hpp * wpp, otab, 4 * wpp, bp, relu ? 1 : 0);
    if (out === null) return { at: outp, n, c: rows, h: hp, w: wp };
    if (hpp === hp && wpp === wp) out.set(f32.subarray(o0, o0 + m * per), b * per);
    else {
      for (let pl = 0; pl < m * rows; pl++) {
        for (let y = 0, s = o0 + pl * hpp * wpp, d = (b * rows + pl) * pq; y < hp; y++, s += wpp, d += wp) out.set(f32.subarray(s, s + wp), d);
      }
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
  const outp = align16(xt + 4 * bp * k), zb = align16(outp + 4 * bp * rows);
  const { f32, i32 } = arenaViews(kx, zb + 4 * rows);
  f32.fill(0, zb >> 2, (zb >> 2) + rows); // no bias: the layer adds its own
  const cw = compact(values, columns, rows, stride, count);
  f32.set(cw.vals, vals >> 2);
  i32.set(cw.cols, offs >> 2);
  const x0 = xin >> 2;
  f32.set(x.subarray(0, p * k), x0);
  f32.fill(0, x0 + p * k, x0 + bp * k); // the padding lanes of the batch
  kx.dress_xt(bp, k, xin, xt);
  kx.dress_linear(rows, count, vals, offs, xt, bp, outp, zb);
  out.set(f32.subarray(outp >> 2, (outp >> 2) + p * rows));
  return true;
}

/**
 * An activation left in the arena by {@link sparseLinearResidentWasm}: `xt[k, bp]` (features
 * major, `bp` batch lanes, a multiple of 4, of which the first `p` are real) at byte `at`. Valid
 * until the next call of any wasm kernel: the runner passes it straight to the next layer.
 */
export interface Resident { readonly at: number; readonly k: number; readonly bp: number; readonly p: number }

/**
 * `relu?(x · W_jᵀ + bias)` of a sparse linear layer, left in the arena transposed (`[rows, bp]`:
 * the layout the next sparse linear reads, so neither a copy out, a copy in nor a transpose
 * happens between them). `x` is the JS batch (`p × k`, copied in and transposed once) or the
 * previous layer's {@link Resident}. Sums as `sparseLinearF32Ref`. `undefined` when the module
 * cannot be loaded.
 *
 * @example
 * ```ts
 * const h = sparseLinearResidentWasm(v1, c1, 500, 800, n1, count1, x, 64, b1, true);
 * if (h !== undefined) sparseLinearFromResidentWasm(out, v2, c2, 10, n2, count2, h, b2);
 * ```
 */
export function sparseLinearResidentWasm(
  values: Float32Array, columns: Columns, rows: number, k: number, stride: number, count: number, x: Float32Array | Resident, p: number,
  bias: Float32Array | undefined, relu: boolean,
): Resident | undefined {
  const kx = dressKernels();
  if (kx === undefined) return undefined;
  const nnz = rows * count, bp = (p + 3) & ~3;
  const fromJs = x instanceof Float32Array;
  // an input in the arena stays where it is; operands go after it
  const xt = fromJs ? 0 : x.at, xin = fromJs ? align16(4 * bp * k) : xt;
  const vals = align16(fromJs ? xin + 4 * bp * k : xt + 4 * bp * k), offs = align16(vals + 4 * nnz), bpt = align16(offs + 4 * nnz);
  const outp = align16(bpt + 4 * rows);
  const { f32, i32 } = arenaViews(kx, outp + 4 * bp * rows);
  if (fromJs) {
    const x0 = xin >> 2;
    f32.set(x.subarray(0, p * k), x0);
    f32.fill(0, x0 + p * k, x0 + bp * k); // the padding lanes of the batch
    if (p * k > 0) kx.dress_xt(bp, k, xin, xt);
  }
  const cw = compact(values, columns, rows, stride, count);
  f32.set(cw.vals, vals >> 2);
  i32.set(cw.cols, offs >> 2);
  if (bias === undefined) f32.fill(0, bpt >> 2, (bpt >> 2) + rows);
  else f32.set(bias.subarray(0, rows), bpt >> 2);
  kx.dress_linear_t(rows, count, vals, offs, xt, bp, outp, bpt, relu ? 1 : 0);
  return { at: outp, k: rows, bp, p };
}

/**
 * `out[p×R] = x · W_jᵀ + bias` of a sparse linear layer whose input is the previous layer's
 * {@link Resident} (no copy in, no transpose), batch-major out, the bias added in the kernel.
 * False when the module cannot be loaded.
 *
 * @example
 * ```ts
 * sparseLinearFromResidentWasm(out, values, columns, 10, n1, count, resident, bias);
 * ```
 */
export function sparseLinearFromResidentWasm(
  out: Float32Array, values: Float32Array, columns: Columns, rows: number, stride: number, count: number, x: Resident, bias: Float32Array | undefined,
): boolean {
  const kx = dressKernels();
  if (kx === undefined) return false;
  const { bp, p } = x, nnz = rows * count;
  const vals = align16(x.at + 4 * bp * x.k), offs = align16(vals + 4 * nnz), bpt = align16(offs + 4 * nnz), outp = align16(bpt + 4 * rows);
  const { f32, i32 } = arenaViews(kx, outp + 4 * bp * rows);
  if (bias === undefined) f32.fill(0, bpt >> 2, (bpt >> 2) + rows);
  else f32.set(bias.subarray(0, rows), bpt >> 2);
  const cw = compact(values, columns, rows, stride, count);
  f32.set(cw.vals, vals >> 2);
  i32.set(cw.cols, offs >> 2);
  kx.dress_linear(rows, count, vals, offs, x.at, bp, outp, bpt);
  out.set(f32.subarray(outp >> 2, (outp >> 2) + p * rows));
  return true;
}

/**
 * A {@link Resident} activation copied out as the batch-major `[p, k]` array (tests, and a
 * caller that needs the values in JS).
 *
 * @example
 * ```ts
 * const h = residentToArray(sparseLinearResidentWasm(v, c, 500, 800, n1, n, x, 64, b, true)!);
 * ```
 */
export function residentToArray(r: Resident): Float32Array {
  const out = new Float32Array(r.p * r.k);
  const { f32 } = arenaViews(null, r.at + 4 * r.k * r.bp);
  for (let c = 0, s = r.at >> 2; c < r.k; c++, s += r.bp) for (let b = 0; b < r.p; b++) out[b * r.k + c] = f32[s + b]!;
  return out;
}
