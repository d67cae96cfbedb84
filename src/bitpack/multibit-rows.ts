/**
 * The WebAssembly form of the weight-only multi-bit GEMM (float activations), and its JS twin.
 *
 * On the wasm backend a {@link MultiBitMatrix} weight is decoded once (cached per matrix) into
 * pair lists: per pair of output rows, the columns of their non-empty groups with the
 * reconstructed float32 values `Σ_p α_p·(±1)` of both rows (exactly {@link multiBitToFloat}'s
 * values). The kernel (src/backend/wat/60-multibit.wat) then does 8 SIMD multiply-adds per list
 * entry on 16 columns of the transposed activations for each of the two rows. Why not the bit-planes in the inner loop: with float
 * activations every plane costs a masked sum of the activations (a table lookup or a select per
 * weight and plane), at least as much as the one multiply-add per weight of the decoded form,
 * and P planes cost P times that; the decoded form costs the same at any bitwidth and skips
 * pruned groups, so a ≤ 1-bit model with empty groups does fewer multiply-adds than the float
 * model. The planes stay the storage format (the decode is R·K·P bit reads, once per weight).
 *
 * Rounding: float32 products summed in float32 in list order (the JS backend's kernel sums in
 * float64), so the two backends agree within float32 rounding (tested against the float64
 * reference) and the wasm kernel is bit-identical to {@link multiBitRowsGemmRef}.
 *
 * @module
 */
import type { WeightRows } from '../backend/multibit.js';
import { multiBitRowsWasm } from '../backend/multibit.js';
import { conv2dWasmInto } from '../backend/conv-fused.js';
import type { Win } from '../backend/conv.js';
import { useWasm } from '../backend/index.js';
import type { MultiBitMatrix } from './multibit.js';

let cache: WeakMap<MultiBitMatrix, { columns: Int32Array | null; rows: WeightRows }[]> | undefined;

/**
 * The pair lists of `w` (cached per matrix and column map). Rows are sorted by their pattern of
 * empty groups (a group is empty when all its α are 0) and paired in that order (an odd last
 * row pairs with the scratch row `w.rows`); a pair lists, in column order, every column of the
 * groups non-empty in either row, as `col = columns?.[k] ?? k` with each row's value there —
 * `Σ_p α·(bit ? −1 : +1)` rounded once to float32 ({@link multiBitToFloat}'s value), or 0 where
 * the group is empty in that row.
 *
 * @example
 * ```ts
 * const w = packMultiBit([[1, -1, 1, 1]], [2, 0], 1, 4, 2); // group 1 empty
 * weightRows(w).col; // Int32Array [0, 1]
 * ```
 */
export function weightRows(w: MultiBitMatrix, columns: Int32Array | null = null): WeightRows {
  const c = (cache ??= new WeakMap());
  const hits = c.get(w) ?? [];
  const hit = hits.find((e) => e.columns === columns);
  if (hit !== undefined) return hit.rows;
  const { rows: R, cols: K, groupSize: n, groups: G, planes: P, wordsPerRow: W, words, alphas } = w;
  const live = new Uint8Array((R + 1) * G); // row R: the scratch row, all empty
  for (let r = 0; r < R; r++) {
    for (let g = 0; g < G; g++) for (let p = 0; p < P; p++) if (alphas[(r * G + g) * P + p] !== 0) live[r * G + g] = 1;
  }
  const order = Array.from({ length: R }, (_, r) => r).sort((x, y) => {
    for (let g = 0; g < G; g++) { const d = live[x * G + g]! - live[y * G + g]!; if (d !== 0) return d; }
    return x - y;
  });
  const value = (r: number, k: number): number => {
    const a = (r * G + Math.floor(k / n)) * P;
    let v = 0;
    for (let p = 0; p < P; p++) {
      const bit = (words[(p * R + r) * W + (k >>> 5)]! >>> (k & 31)) & 1;
      v += bit ? -alphas[a + p]! : alphas[a + p]!;
    }
    return v;
  };
  const pairs = (R + 1) >> 1;
  const ptr = new Int32Array(pairs + 1), pairRows = new Int32Array(2 * pairs);
  const cols: number[] = [], vals: number[] = [];
  for (let q = 0; q < pairs; q++) {
    const r0 = order[2 * q]!, r1 = order[2 * q + 1] ?? R;
    pairRows[2 * q] = r0;
    pairRows[2 * q + 1] = r1;
    for (let g = 0; g < G; g++) {
      const l0 = live[r0 * G + g] === 1, l1 = live[r1 * G + g] === 1;
      if (!l0 && !l1) continue;
      for (let k = g * n; k < Math.min(K, (g + 1) * n); k++) {
        cols.push(columns === null ? k : columns[k]!);
        vals.push(l0 ? value(r0, k) : 0, l1 ? value(r1, k) : 0);
      }
    }
    ptr[q + 1] = cols.length;
  }
  const rows: WeightRows = { rows: R, cols: K, pairs, ptr, pairRows, col: Int32Array.from(cols), val: Float32Array.from(vals) };
  hits.push({ columns, rows });
  c.set(w, hits);
  return rows;
}

/**
 * JS twin of the wasm kernel: for every pair and each of its two rows h (scratch rows skipped),
 * `out[row·oRs + j] = Σ_p val[2p + h]·b[col[p]·bRs + j]` for j < nb, each product and partial
 * sum rounded to float32, in list order.
 *
 * @example
 * ```ts
 * const rows = weightRows(w);
 * multiBitRowsGemmRef(rows, patches, nl, nl, out, nl);
 * ```
 */
export function multiBitRowsGemmRef(w: WeightRows, b: ArrayLike<number>, bRs: number, nb: number, out: Float32Array, oRs: number): Float32Array {
  const f = Math.fround;
  for (let q = 0; q < w.pairs; q++) {
    const s = w.ptr[q]!, e = w.ptr[q + 1]!;
    for (let h = 0; h < 2; h++) {
      const row = w.pairRows[2 * q + h]!;
      if (row === w.rows) continue;
      for (let j = 0; j < nb; j++) {
        let acc = 0;
        for (let p = s; p < e; p++) acc = f(acc + f(w.val[2 * p + h]! * b[w.col[p]! * bRs + j]!));
        out[row * oRs + j] = acc;
      }
    }
  }
  return out;
}

/**
 * `emit(r, i, Σ_k W[r, k]·x[i, k])` for every output of a float × multi-bit product on the wasm
 * kernel; false on the JS backend or without WebAssembly (nothing emitted).
 *
 * @example
 * ```ts
 * if (!multiBitFloatWasm(x, m, w, (r, i, v) => { out[i * w.rows + r] = v; })) computeInJs();
 * ```
 */
export function multiBitFloatWasm(x: ArrayLike<number>, m: number, w: MultiBitMatrix, emit: (r: number, i: number, v: number) => void): boolean {
  if (!useWasm() || m === 0 || w.rows === 0 || w.cols === 0) return false;
  return multiBitRowsWasm(x, m, weightRows(w), emit);
}

/**
 * Inference conv2d of float32 NCHW `x` with a multi-bit weight `[O, K]` whose column k is
 * `columns?.[k] ?? k` of the im2col patch matrix (rows (c, kh, kw)), on the wasm kernels; the
 * `[N, O, Ho, Wo]` result, or `undefined` on the JS backend or without WebAssembly.
 *
 * @example
 * ```ts
 * const y = multiBitConv2dWasm(x, 500, 1, 28, 28, win, w, null) ?? jsPath();
 * ```
 */
export function multiBitConv2dWasm(x: Float32Array, n: number, c: number, h: number, wd: number, win: Win, w: MultiBitMatrix, columns: Int32Array | null): Float32Array | undefined {
  if (!useWasm() || n === 0 || w.rows === 0 || w.cols === 0) return undefined;
  const out = new Float32Array(n * w.rows * win.ho * win.wo);
  const rows = weightRows(w, columns);
  // The dense conv's wasm pass with pair lists in place of the float weight: no bias, no pool.
  return conv2dWasmInto(out, x, n, c, h, wd, win, rows, rows.rows, undefined) ? out : undefined;
}
