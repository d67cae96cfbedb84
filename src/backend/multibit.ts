/**
 * Multi-bit GEMMs on WebAssembly (src/backend/wat/60-multibit.wat). Multi-bit weights × float
 * activations, for ALQ's weight-only inference: the weight arrives decoded into pair lists ({@link WeightRows}:
 * per pair of output rows, the columns of their non-empty groups with the reconstructed float32
 * values of both rows),
 * the activations are laid out transposed in the arena (`[K, columns]`, the im2col patch matrix
 * as the im2col kernel writes it, so conv activations never leave the arena), and the kernel
 * sums each output in list order in float32. The JS twin `multiBitRowsGemmRef`
 * (src/bitpack/multibit-rows.ts) does the same sums with `Math.fround`, so results are
 * bit-identical to it. Multi-bit × multi-bit ({@link multiBitBitsWasm}) runs on the bit-planes
 * with i32 popcounts and the JS kernel's float64 order.
 *
 * @module
 */
import { WASM_MULTIBIT } from './kernels-wasm.js';
import { align16, arenaViews, lazyKernels } from './runtime.js';

/** The multi-bit family. Pointers and strides in bytes; `idx` holds column indices k < K. */
interface MultiBitExports {
  mb_rows_f32(pairs: number, nb: number, K: number, ptr: number, rows: number, idx: number, val: number,
    b: number, bRs: number, out: number, oRs: number, work: number, acc: number): void;
  mb_bits(M: number, R: number, W: number, Pw: number, Px: number, Gw: number, Gx: number, nseg: number,
    seg: number, ww: number, xw: number, wa: number, xb: number, out: number): void;
}

/**
 * The multi-bit module, compiled on first use; `undefined` without WebAssembly SIMD.
 *
 * @example
 * ```ts
 * if (multiBitKernels() === undefined) console.log('JS multi-bit GEMM');
 * ```
 */
export const multiBitKernels = /* @__PURE__ */ lazyKernels<MultiBitExports>(WASM_MULTIBIT);

/**
 * A weight matrix as pair lists: pair q computes output rows `pairRows[2q]` and `pairRows[2q+1]`
 * (`rows` itself marks a scratch row, for odd row counts) from the entries `[ptr[q], ptr[q+1])`:
 * column `col[p]` of the activations with the two rows' weights `val[2p]`, `val[2p+1]`.
 */
export interface WeightRows {
  readonly rows: number;
  readonly cols: number;
  readonly pairs: number;
  readonly ptr: Int32Array;
  readonly pairRows: Int32Array;
  readonly col: Int32Array;
  readonly val: Float32Array;
}

/**
 * Places the kernel's panel workspace (K·64 bytes), then ptr, pairRows, idx and val, at byte
 * `at`; returns the offsets and the end.
 *
 * @example
 * ```ts
 * const at = placeRows(v.i32, v.f32, 0, rows); // then kx.mb_rows_f32(rows.pairs, …, at.ptr, at.rows, …)
 * ```
 */
export function placeRows(i32: Int32Array, f32: Float32Array, at: number, w: WeightRows): { work: number; ptr: number; rows: number; idx: number; val: number; end: number } {
  const nnz = w.col.length;
  const work = at, ptr = work + 64 * w.cols, rows = align16(ptr + 4 * (w.pairs + 1)), idx = align16(rows + 8 * w.pairs);
  const val = align16(idx + 4 * nnz), end = align16(val + 8 * nnz);
  i32.set(w.ptr, ptr >> 2);
  i32.set(w.pairRows, rows >> 2);
  i32.set(w.col, idx >> 2);
  f32.set(w.val, val >> 2);
  return { work, ptr, rows, idx, val, end };
}

/** Bytes needed by {@link placeRows}. @internal */
export const rowsBytes = (w: WeightRows): number => 64 * w.cols + 4 * (w.pairs + 1) + 8 * w.pairs + 12 * w.col.length + 64;

/**
 * `emit(r, i, v)` for every output `v = Σ_k W[r, k]·x[i, k]` (x row-major `[m, w.cols]`), on
 * the wasm kernel, a cache-sized block of x's rows at a time; false, having emitted nothing,
 * when the module cannot be loaded.
 *
 * @example
 * ```ts
 * multiBitRowsWasm(x, m, rows, (r, i, v) => { out[i * rows.rows + r] = v; });
 * ```
 */
export function multiBitRowsWasm(x: ArrayLike<number>, m: number, w: WeightRows, emit: (r: number, i: number, v: number) => void): boolean {
  const kx = multiBitKernels();
  if (kx === undefined) return false;
  const K = w.cols, R = w.rows;
  // Rows of x per block: the transposed block (K·mc floats) at most 1 MiB, a multiple of 32.
  const mc = Math.min(m, Math.max(32, Math.floor(262144 / Math.max(1, K) / 32) * 32));
  const bBytes = 4 * K * mc;
  const v0 = arenaViews(kx, rowsBytes(w) + bBytes + 4 * (R + 1) * mc + 64);
  const L = placeRows(v0.i32, v0.f32, 0, w);
  const bPtr = L.end, oPtr = align16(bPtr + bBytes);
  const { f32 } = v0;
  const b0 = bPtr >> 2, o0 = oPtr >> 2;
  for (let i0 = 0; i0 < m; i0 += mc) {
    const cur = Math.min(mc, m - i0);
    for (let i = 0; i < cur; i++) {
      const xo = (i0 + i) * K;
      for (let k = 0, d = b0 + i; k < K; k++, d += mc) f32[d] = x[xo + k]!;
    }
    kx.mb_rows_f32(w.pairs, cur, K, L.ptr, L.rows, L.idx, L.val, bPtr, 4 * mc, oPtr, 4 * mc, L.work, 0);
    for (let r = 0; r < R; r++) {
      const s = o0 + r * mc;
      for (let i = 0; i < cur; i++) emit(r, i0 + i, f32[s + i]!);
    }
  }
  return true;
}

/**
 * The fields of a bitpack MultiBitMatrix the kernel reads (structural, so the backend imports
 * nothing above it).
 *
 * @example
 * ```ts
 * const view: PlanesView = packUnsignedActivations([0, 1, 2, 3], 1, 4, { bits: 2, scale: 0.5 });
 * ```
 */
export interface PlanesView {
  readonly rows: number;
  readonly groups: number;
  readonly planes: number;
  readonly wordsPerRow: number;
  readonly words: Uint32Array;
  readonly alphas: Float32Array;
}

/**
 * The multi-bit × multi-bit GEMM's sums `Σ_s Σ_p α Σ_q β (n − 2·popcount)` on the wasm kernel
 * `mb_bits` (src/backend/wat/60-multibit.wat), float64 `[x.rows, w.rows]`, bit-identical to the
 * JS loop; `undefined` when the module cannot be loaded. `segments` holds 7 int32 per column
 * segment on which both groupings are constant: first word, last word, first- and last-word bit
 * masks, length, weight group, activation group.
 *
 * @example
 * ```ts
 * const sums = multiBitBitsWasm(x, w, table) ?? jsSums(x, w);
 * ```
 */
export function multiBitBitsWasm(x: PlanesView, w: PlanesView, segments: Int32Array): Float64Array | undefined {
  const kx = multiBitKernels();
  if (kx === undefined) return undefined;
  const M = x.rows, R = w.rows;
  const seg = 0, ww = align16(seg + 4 * segments.length), xw = align16(ww + 4 * w.words.length);
  const wa = align16(xw + 4 * x.words.length), xb = align16(wa + 4 * w.alphas.length), out = align16(xb + 4 * x.alphas.length);
  const v = arenaViews(kx, out + 8 * M * R);
  v.i32.set(segments, seg >> 2);
  v.u32.set(w.words, ww >> 2);
  v.u32.set(x.words, xw >> 2);
  v.f32.set(w.alphas, wa >> 2);
  v.f32.set(x.alphas, xb >> 2);
  kx.mb_bits(M, R, w.wordsPerRow, w.planes, x.planes, w.groups, x.groups, segments.length / 7, seg, ww, xw, wa, xb, out);
  return new Float64Array(v.buffer, out, M * R).slice();
}
