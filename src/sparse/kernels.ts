/**
 * Sparse × dense kernels on typed arrays. `A` is the sparse matrix (m × k) given by its rows and
 * a values array `v`; dense operands are row-major and contiguous. Kernels trust their inputs
 * (the public entry points validated them) and overwrite `out`.
 *
 * The products the library needs, named by what they compute:
 * - `spmmInto`            out[m×n] = A · B        (B k×n)     SpMM, sparse conv forward
 * - `spmmTransposedInto`  out[k×n] = Aᵀ · B       (B m×n)     scatter; backward of the above
 * - `denseSpmmTInto`      out[p×m] = B · Aᵀ       (B p×k)     pruned linear layer y = x·Wᵀ
 * - `denseSpmmInto`       out[p×k] = B · A        (B p×m)     scatter; backward of the above
 * - `sddmmInto`           out[q]   = Σ_j X[i_q, j] · Z[k_q, j] sampled dense-dense product
 *                          (the gradient w.r.t. the stored values).
 *
 * On the `'wasm'` backend the two forward products (`spmmInto`, `denseSpmmTInto`) with float32
 * operands and at least 8 dense columns run on WebAssembly SIMD (src/backend/spmm.ts; float32
 * sums); `spmmJsInto` / `denseSpmmTJsInto` are the JS kernels, their reference twins.
 *
 * Speed (Node 20, 2-core EPYC; docs/benchmarks.md): the forward kernels copy 8 columns of the
 * dense operand at a time into a contiguous k×8 panel of doubles, then every sparse row keeps 8
 * accumulators in locals while walking its non-zeros once, so a non-zero costs two loads of its
 * own plus one load and one multiply-add per accumulator. Measured: 30 % faster than walking B
 * in place (row-major B makes each non-zero touch a scattered half cache line), while 4 or 16
 * accumulators, or unrolling the non-zero loop by 2, were slower or no better. Time is
 * proportional to nnz · (columns of the dense side) plus the O(k · columns) panel copies.
 *
 * @module
 */
import { useWasm } from '../backend/index.js';
import { SPMM_WASM_MIN_COLUMNS, denseSpmmTWasmInto, spmmWasmInto } from '../backend/spmm.js';
import type { SparseRows } from './csr.js';

/**
 * What a kernel reads of a pattern: {@link SparseRows}, or a row-balanced pattern whose rows are
 * the first `rowNnz` of rows stored `stride` apart (DRESS's packed subnets: subnet j is a prefix
 * of every row), with column indices in any integer array and in any order within a row. The
 * kernels never assume sorted columns.
 */
export type KernelRows = Omit<SparseRows, 'indices'> & {
  readonly indices: Int32Array | Uint16Array | Uint32Array;
  /** Row-balanced only: distance between row starts; default `rowNnz`. */
  readonly stride?: number | undefined;
};

/**
 * Orientation of a sparse × dense product with sparse A (m×k) and dense B:
 * `AB` = A·B, `AtB` = Aᵀ·B, `BAt` = B·Aᵀ, `BA` = B·A.
 */
export type SpmmMode = 'AB' | 'AtB' | 'BAt' | 'BA';

/** A dense float array a kernel reads or writes. */
export type FloatArray = Float32Array | Float64Array;

/** Columns (or rows of B) per block: 8 accumulators stay in registers. */
const NB = 8;

// One panel of B as a plain JS array of doubles: V8 reads it with fewer instructions than a typed
// array (see kernels/gemm.ts), and a k×8 panel stays in L1/L2 while every sparse row walks it.
// Module-level, created on first use and grown only when a call needs more room.
let panel: number[] = [];

function panelFor(k: number): number[] {
  if (panel.length < k * NB) panel = new Array<number>(k * NB).fill(0);
  return panel;
}

/**
 * out[m×n] = A · B with B dense k×n: the WebAssembly kernel on the `'wasm'` backend for float32
 * operands with n ≥ 8, else {@link spmmJsInto}.
 * @example
 * ```ts
 * spmmInto(out, rows, csr.data, b, n);
 * ```
 */
export function spmmInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, n: number): void {
  if (n >= SPMM_WASM_MIN_COLUMNS && out instanceof Float32Array && v instanceof Float32Array && b instanceof Float32Array
    && useWasm() && spmmWasmInto(out, a, v, b, n)) return;
  spmmJsInto(out, a, v, b, n);
}

/**
 * The JS kernel behind {@link spmmInto} (the reference twin of the wasm one): B is copied 8
 * columns at a time into a contiguous k×8 panel, and every sparse row accumulates its 8 outputs
 * in registers while walking its non-zeros.
 * @example
 * ```ts
 * spmmJsInto(out, rows, csr.data, b, n);
 * ```
 */
export function spmmJsInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, n: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  const pb = panelFor(k);
  const n8 = n - (n % NB);
  for (let j = 0; j < n8; j += NB) {
    for (let c = 0; c < k; c++) {
      const s = c * n + j, d = c * NB;
      pb[d] = b[s]!; pb[d + 1] = b[s + 1]!; pb[d + 2] = b[s + 2]!; pb[d + 3] = b[s + 3]!;
      pb[d + 4] = b[s + 4]!; pb[d + 5] = b[s + 5]!; pb[d + 6] = b[s + 6]!; pb[d + 7] = b[s + 7]!;
    }
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * st : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let p = s; p < e; p++) {
        const w = v[p]!;
        const q = idx[p]! * NB;
        c0 += w * pb[q]!; c1 += w * pb[q + 1]!; c2 += w * pb[q + 2]!; c3 += w * pb[q + 3]!;
        c4 += w * pb[q + 4]!; c5 += w * pb[q + 5]!; c6 += w * pb[q + 6]!; c7 += w * pb[q + 7]!;
      }
      const o = i * n + j;
      out[o] = c0; out[o + 1] = c1; out[o + 2] = c2; out[o + 3] = c3;
      out[o + 4] = c4; out[o + 5] = c5; out[o + 6] = c6; out[o + 7] = c7;
    }
  }
  for (let j = n8; j < n; j++) {
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * st : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      let c = 0;
      for (let p = s; p < e; p++) c += v[p]! * b[idx[p]! * n + j]!;
      out[i * n + j] = c;
    }
  }
}

/**
 * out[p×m] = B · Aᵀ with B dense p×k: row t of the output is `A · B[t]`. This is a pruned
 * linear layer `y = x · Wᵀ` with W sparse. The WebAssembly kernel on the `'wasm'` backend for
 * float32 operands with p ≥ 8, else {@link denseSpmmTJsInto}.
 * @example
 * ```ts
 * denseSpmmTInto(out, rows, w.data, x, batch);
 * ```
 */
export function denseSpmmTInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, p: number): void {
  if (p >= SPMM_WASM_MIN_COLUMNS && out instanceof Float32Array && v instanceof Float32Array && b instanceof Float32Array
    && useWasm() && denseSpmmTWasmInto(out, a, v, b, p)) return;
  denseSpmmTJsInto(out, a, v, b, p);
}

/**
 * The JS kernel behind {@link denseSpmmTInto} (the wasm kernel's reference twin). Eight rows of B
 * are interleaved into a k×8 panel, so the same register-blocked walk as {@link spmmJsInto}
 * serves both.
 * @example
 * ```ts
 * denseSpmmTJsInto(out, rows, w.data, x, batch);
 * ```
 */
export function denseSpmmTJsInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, p: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  const pb = panelFor(k);
  const p8 = p - (p % NB);
  for (let t = 0; t < p8; t += NB) {
    for (let u = 0; u < NB; u++) {
      const s = (t + u) * k;
      for (let c = 0; c < k; c++) pb[c * NB + u] = b[s + c]!;
    }
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * st : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let q = s; q < e; q++) {
        const w = v[q]!;
        const c = idx[q]! * NB;
        c0 += w * pb[c]!; c1 += w * pb[c + 1]!; c2 += w * pb[c + 2]!; c3 += w * pb[c + 3]!;
        c4 += w * pb[c + 4]!; c5 += w * pb[c + 5]!; c6 += w * pb[c + 6]!; c7 += w * pb[c + 7]!;
      }
      const o = t * m + i;
      out[o] = c0; out[o + m] = c1; out[o + 2 * m] = c2; out[o + 3 * m] = c3;
      out[o + 4 * m] = c4; out[o + 5 * m] = c5; out[o + 6 * m] = c6; out[o + 7 * m] = c7;
    }
  }
  for (let t = p8; t < p; t++) {
    const bt = t * k, o = t * m;
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * st : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      let c = 0;
      for (let q = s; q < e; q++) c += v[q]! * b[bt + idx[q]!]!;
      out[o + i] = c;
    }
  }
}

/**
 * out[k×n] = Aᵀ · B with B dense m×n (each non-zero scatters a row of B).
 * @example
 * ```ts
 * spmmTransposedInto(dB, rows, values, dY, n); // gradient of A·B w.r.t. B
 * ```
 */
export function spmmTransposedInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, n: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  out.fill(0, 0, k * n);
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * st : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    const bi = i * n;
    for (let q = s; q < e; q++) {
      const w = v[q]!;
      const o = idx[q]! * n;
      for (let j = 0; j < n; j++) out[o + j] = out[o + j]! + w * b[bi + j]!;
    }
  }
}

/**
 * out[p×k] = B · A with B dense p×m (row t of the output is `Aᵀ · B[t]`).
 * @example
 * ```ts
 * denseSpmmInto(dX, rows, w.data, dY, batch); // gradient of x·Wᵀ w.r.t. x
 * ```
 */
export function denseSpmmInto(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, p: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  out.fill(0, 0, p * k);
  for (let t = 0; t < p; t++) {
    const bt = t * m, o = t * k;
    for (let i = 0; i < m; i++) {
      const x = b[bt + i]!;
      if (x === 0) continue;
      const s = ptr === null ? i * st : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      for (let q = s; q < e; q++) {
        const c = o + idx[q]!;
        out[c] = out[c]! + x * v[q]!;
      }
    }
  }
}

/**
 * Sampled dense-dense product on A's pattern: out[q] = X[i_q] · Z[k_q] (row dot products),
 * X m×n, Z k×n, where entry q sits in row i_q and column k_q.
 * @example
 * ```ts
 * sddmmInto(dValues, rows, dY, b, n); // gradient of A·B w.r.t. A's values
 * ```
 */
export function sddmmInto(out: FloatArray, a: KernelRows, x: FloatArray, z: FloatArray, n: number): void {
  const { m, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * st : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    const xi = i * n;
    for (let q = s; q < e; q++) {
      const zk = idx[q]! * n;
      let c = 0;
      for (let j = 0; j < n; j++) c += x[xi + j]! * z[zk + j]!;
      out[q] = c;
    }
  }
}

/**
 * out[m] = A · x. The matrix-vector product (SpMV): one pass over the non-zeros.
 * @example
 * ```ts
 * spmvInto(y, rows, csr.data, x);
 * ```
 */
export function spmvInto(out: FloatArray, a: KernelRows, v: FloatArray, x: FloatArray): void {
  const { m, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * st : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    let c = 0;
    for (let q = s; q < e; q++) c += v[q]! * x[idx[q]!]!;
    out[i] = c;
  }
}

/**
 * Reference twin of the forward kernels: the plain definition over the rows, one output element
 * at a time, with no blocking. `transB` false: out[m×n] = A·B (B k×n); true: out[p×m] = B·Aᵀ
 * (B p×k, `n` = p). The test oracle for {@link spmmInto} and {@link denseSpmmTInto}.
 * @example
 * ```ts
 * spmmRef(ref, rows, v, b, n, false);
 * ```
 */
export function spmmRef(out: FloatArray, a: KernelRows, v: FloatArray, b: FloatArray, n: number, transB: boolean): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const st = a.stride ?? r;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * st : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let q = s; q < e; q++) c += v[q]! * (transB ? b[j * k + idx[q]!]! : b[idx[q]! * n + j]!);
      out[transB ? j * m + i : i * n + j] = c;
    }
  }
}
