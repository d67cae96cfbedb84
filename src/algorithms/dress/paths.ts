/**
 * The two ways a packed layer can run, and which one the runner picks.
 *
 * - `'direct'`: the DRESS direct kernels (direct sparse conv from the image, in-place sparse
 *   linear): WebAssembly SIMD on the `'wasm'` backend (`src/backend/dress-direct.ts`), the JS
 *   twins of `kernels.ts` on `'js'` or where WebAssembly is missing. No work proportional to the
 *   dense operand beyond the output, so their time per non-zero is flat across levels.
 * - `'spmm'`: im2col (convs) and the generic row-balanced kernels of `src/sparse/kernels.ts`
 *   (WebAssembly SIMD on `'wasm'`), which pay for building / copying the dense operand (im2col is
 *   `C·P` floats) at every level. Kept as a forced option (tests, benchmarks).
 *
 * `dress.kernelPath` picks `'direct'` on both backends: in `bench/dress.bench.ts` it was faster
 * at every LeNet5 layer and level on each (docs/dress.md, "Benchmark"). Before the WebAssembly
 * direct kernels the `'wasm'` backend switched to im2col + SpMM above 4 multiply-adds per element
 * of the dense operand; the WebAssembly direct kernels beat that path at all four levels, fc1 at
 * 50 % included.
 *
 * @module
 */
import { useWasm } from '../../backend/index.js';
import { NumError, describe } from '../../errors.js';
import type { KernelRows } from '../../sparse/kernels.js';
import { denseSpmmTInto, spmmInto } from '../../sparse/kernels.js';
import { fromTyped } from '../../tensor/create.js';
import { im2col } from '../../tensor/ops/conv.js';
import { float32Data } from '../../tensor/ops/movement.js';
import type { Window } from '../../tensor/kernels/conv.js';
import type { Tensor } from '../../tensor/tensor.js';
import { sparseConvWasmInto, sparseLinearWasmInto } from '../../backend/dress-direct.js';
import { convGeometry, sparseConvInto, sparseLinearInto } from './kernels.js';
import type { PackedLayer } from './pack.js';

/** How a packed layer runs: the DRESS direct kernels, or im2col + the row-balanced SpMM. */
export type KernelPath = 'direct' | 'spmm';

/**
 * The path the runner takes, on the current backend, for a layer of `rows` rows keeping `count`
 * of its `cols` weights per row: `'direct'` on both backends (the arguments are validated, and
 * kept so that a measured crossover can come back for other shapes or machines).
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless all three are positive integers with count ≤ cols.
 * @example
 * ```ts
 * dress.kernelPath(500, 50, 800); // 'direct' (LeNet5's fc1 at 93.75 %, on every backend)
 * ```
 */
export function kernelPath(rows: number, count: number, cols: number): KernelPath {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!ok(rows) || !ok(count) || !ok(cols) || count > cols) {
    throw new NumError('INVALID_ARGUMENT', 'dress.kernelPath', 'rows, count and cols must be positive integers with count <= cols', 'positive integers', `${describe(rows)}, ${describe(count)}, ${describe(cols)}`);
  }
  return 'direct';
}

/**
 * One packed conv (no bias) at `rows.rowNnz` weights per row: output NCHW float32. `x` is
 * `[n, ci·groups, h, w]`, `win` its window; a grouped conv runs each group's rows on its own
 * channels (spec §6: one product per group), from a contiguous copy of those channels. A
 * row-major layer is assumed (the runner re-lays rank-major ones out once). @internal
 */
export function packedConv(path: KernelPath, l: PackedLayer, rows: KernelRows, x: Tensor, win: Window, groups = 1): Float32Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const cg = l.shape[1]!;
  const xs = float32Data(x);
  if (groups === 1) return convGroup(path, l.values, rows, xs, n, c, h, w, win);
  const hw = win.ho * win.wo, rg = rows.m / groups, n1 = l.counts[0]!, plane = h * w;
  const out = new Float32Array(n * rows.m * hw);
  const xg = new Float32Array(n * cg * plane);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < n; b++) xg.set(xs.subarray((b * c + g * cg) * plane, (b * c + (g + 1) * cg) * plane), b * cg * plane);
    const gRows: KernelRows = { ...rows, m: rg, nnz: rg * rows.rowNnz, indices: l.columns.subarray(g * rg * n1, (g + 1) * rg * n1) };
    const y = convGroup(path, l.values.subarray(g * rg * n1, (g + 1) * rg * n1), gRows, xg, n, cg, h, w, win);
    for (let b = 0; b < n; b++) out.set(y.subarray(b * rg * hw, (b + 1) * rg * hw), (b * rows.m + g * rg) * hw);
  }
  return out;
}

/** One group: `rows.m` rows over `ci` input channels, output `[n, rows.m, ho, wo]`. */
function convGroup(
  path: KernelPath, values: Float32Array, rows: KernelRows, x: Float32Array, n: number, ci: number, h: number, w: number, win: Window,
): Float32Array {
  const hw = win.ho * win.wo;
  const out = new Float32Array(n * rows.m * hw);
  const columns = rows.indices as Uint16Array | Uint32Array;
  if (path === 'direct') {
    const g = convGeometry(n, ci, h, w, win);
    const stride = rows.stride ?? rows.rowNnz;
    if (!(useWasm() && sparseConvWasmInto(out, values, columns, rows.m, stride, rows.rowNnz, x, g))) sparseConvInto(out, values, columns, rows.m, stride, rows.rowNnz, x, g);
    return out;
  }
  const pos = n * hw;
  const y = new Float32Array(rows.m * pos);
  spmmInto(y, rows, values, float32Data(im2col(fromTyped(x, [n, ci, h, w]), win, 0)), pos);
  // [R, N·HW] → [N, R, HW]: one contiguous block of HW per (row, image)
  for (let i = 0; i < rows.m; i++) {
    for (let b = 0; b < n; b++) out.set(y.subarray(i * pos + b * hw, i * pos + (b + 1) * hw), (b * rows.m + i) * hw);
  }
  return out;
}

/** One packed linear `x · W_jᵀ` (x is `p × cols`, row-major): output `p × rows`. @internal */
export function packedLinear(path: KernelPath, l: PackedLayer, rows: KernelRows, x: Float32Array, p: number): Float32Array {
  const out = new Float32Array(p * rows.m);
  if (path === 'direct') {
    if (!(useWasm() && sparseLinearWasmInto(out, l.values, l.columns, l.rows, l.cols, l.counts[0]!, rows.rowNnz, x, p))) sparseLinearInto(out, l.values, l.columns, l.rows, l.cols, l.counts[0]!, rows.rowNnz, x, p);
  } else denseSpmmTInto(out, rows, l.values, x, p);
  return out;
}
