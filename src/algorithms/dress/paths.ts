/**
 * The two ways a packed layer can run, and which one the runner picks.
 *
 * - `'direct'`: the DRESS JS kernels of `kernels.ts` (direct sparse conv from the image, in-place
 *   sparse linear). No work proportional to the dense operand beyond the output, so their time
 *   per non-zero is flat across levels.
 * - `'spmm'`: im2col (convs) and the generic row-balanced kernels of `src/sparse/kernels.ts`,
 *   which on the `'wasm'` backend run WebAssembly SIMD. Faster per multiply-add, but every call
 *   pays for building / copying the dense operand (im2col is `C·P` floats, the wasm kernel copies
 *   its operands into linear memory), a cost that does not shrink with the subnet.
 *
 * On the `'js'` backend `'direct'` is always at least as fast (docs/dress.md). On `'wasm'` the
 * choice follows the measured cost model `spmm ≈ c₀·cols·P + a_wasm·nnz·P` against
 * `direct ≈ a_js·nnz·P` (P = output positions, nnz = rows·count): direct wins while the subnet
 * does few multiply-adds per element of the dense operand, `rows·count / cols`
 * ({@link WASM_DIRECT_MAX_REUSE}, from `bench/dress.bench.ts`). Density alone does not decide it:
 * at 6 % kept, LeNet5's 500-row fc1 is 3.7× faster on the wasm SpMM and its 10-row classifier 4×
 * faster direct.
 *
 * @module
 */
import { useWasm } from '../../backend/index.js';
import { NumError, describe } from '../../errors.js';
import type { KernelRows } from '../../sparse/kernels.js';
import { denseSpmmTInto, spmmInto } from '../../sparse/kernels.js';
import { fromTyped } from '../../tensor/create.js';
import { im2col } from '../../tensor/ops/conv.js';
import { astype } from '../../tensor/ops/elementwise.js';
import { contiguous } from '../../tensor/ops/movement.js';
import type { Window } from '../../tensor/kernels/conv.js';
import type { Tensor } from '../../tensor/tensor.js';
import { sparseConvInto, sparseLinearInto } from './kernels.js';
import type { PackedLayer } from './pack.js';

/** How a packed layer runs: the DRESS direct kernels, or im2col + the row-balanced SpMM. */
export type KernelPath = 'direct' | 'spmm';

/**
 * Largest `rows·count / cols` (multiply-adds per element of the dense operand, per output
 * position) at which the runner uses the direct JS kernels on the `'wasm'` backend; above it, the
 * WebAssembly SpMM. Measured on LeNet5 at batch 64, the crossover lay between 3.1 and 4.8 for the
 * convs and between 2.5 and 5 for the linear layers (docs/dress.md, "Benchmark").
 */
export const WASM_DIRECT_MAX_REUSE = 4;

/**
 * The path the runner takes, on the current backend, for a layer of `rows` rows keeping `count`
 * of its `cols` weights per row.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless all three are positive integers with count ≤ cols.
 * @example
 * ```ts
 * dress.kernelPath(10, 31, 500); // 'direct' (LeNet5's classifier at 93.75 %, on every backend)
 * ```
 */
export function kernelPath(rows: number, count: number, cols: number): KernelPath {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!ok(rows) || !ok(count) || !ok(cols) || count > cols) {
    throw new NumError('INVALID_ARGUMENT', 'dress.kernelPath', 'rows, count and cols must be positive integers with count <= cols', 'positive integers', `${describe(rows)}, ${describe(count)}, ${describe(cols)}`);
  }
  if (!useWasm()) return 'direct';
  return rows * count <= WASM_DIRECT_MAX_REUSE * cols ? 'direct' : 'spmm';
}

/** A float32 view of a tensor's elements, row-major. @internal */
export function flat(t: Tensor): Float32Array {
  const c = contiguous(t.dtype === 'float32' ? t : astype(t, 'float32'));
  return (c.data as Float32Array).subarray(c.offset, c.offset + c.size);
}

/**
 * One packed conv (no bias) at `rows.rowNnz` weights per row: output NCHW float32. `x` is
 * `[n, ci·groups, h, w]`, `win` its window; a grouped conv runs each group's rows on its own
 * channels (spec §6: one product per group), from a contiguous copy of those channels. A
 * row-major layer is assumed (the runner re-lays rank-major ones out once). @internal
 */
export function packedConv(path: KernelPath, l: PackedLayer, rows: KernelRows, x: Tensor, win: Window, groups = 1): Float32Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [, cg, kh, kw] = l.shape as [number, number, number, number];
  const xs = flat(x);
  if (groups === 1) return convGroup(path, l.values, rows, xs, n, c, h, w, kh, kw, win);
  const hw = win.ho * win.wo, rg = rows.m / groups, n1 = l.counts[0]!, plane = h * w;
  const out = new Float32Array(n * rows.m * hw);
  const xg = new Float32Array(n * cg * plane);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < n; b++) xg.set(xs.subarray((b * c + g * cg) * plane, (b * c + (g + 1) * cg) * plane), b * cg * plane);
    const gRows: KernelRows = { ...rows, m: rg, nnz: rg * rows.rowNnz, indices: l.columns.subarray(g * rg * n1, (g + 1) * rg * n1) };
    const y = convGroup(path, l.values.subarray(g * rg * n1, (g + 1) * rg * n1), gRows, xg, n, cg, h, w, kh, kw, win);
    for (let b = 0; b < n; b++) out.set(y.subarray(b * rg * hw, (b + 1) * rg * hw), (b * rows.m + g * rg) * hw);
  }
  return out;
}

/** One group: `rows.m` rows over `ci` input channels, output `[n, rows.m, ho, wo]`. */
function convGroup(
  path: KernelPath, values: Float32Array, rows: KernelRows, x: Float32Array, n: number, ci: number, h: number, w: number, kh: number, kw: number, win: Window,
): Float32Array {
  const hw = win.ho * win.wo;
  const out = new Float32Array(n * rows.m * hw);
  const columns = rows.indices as Uint16Array | Uint32Array;
  if (path === 'direct') {
    const g = { n, ci, h, w, kh, kw, sh: win.sh, sw: win.sw, dh: win.dh, dw: win.dw, pt: win.pt, pl: win.pl, ho: win.ho, wo: win.wo };
    sparseConvInto(out, values, columns, rows.m, rows.stride ?? rows.rowNnz, rows.rowNnz, x, g);
    return out;
  }
  const pos = n * hw;
  const y = new Float32Array(rows.m * pos);
  spmmInto(y, rows, values, flat(im2col(fromTyped(x, [n, ci, h, w]), win, 0)), pos);
  // [R, N·HW] → [N, R, HW]: one contiguous block of HW per (row, image)
  for (let i = 0; i < rows.m; i++) {
    for (let b = 0; b < n; b++) out.set(y.subarray(i * pos + b * hw, i * pos + (b + 1) * hw), (b * rows.m + i) * hw);
  }
  return out;
}

/** One packed linear `x · W_jᵀ` (x is `p × cols`, row-major): output `p × rows`. @internal */
export function packedLinear(path: KernelPath, l: PackedLayer, rows: KernelRows, x: Float32Array, p: number): Float32Array {
  const out = new Float32Array(p * rows.m);
  if (path === 'direct') sparseLinearInto(out, l.values, l.columns, l.rows, l.cols, l.counts[0]!, rows.rowNnz, x, p);
  else denseSpmmTInto(out, rows, l.values, x, p);
  return out;
}
