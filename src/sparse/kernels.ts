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
 * Speed (measured on Node 20, see docs/benchmarks.md): the forward kernels keep 8 float64
 * accumulators in locals and walk a row's non-zeros once per block of 8 output columns (or 8
 * rows of B), so each non-zero costs two loads of its own plus one load and one multiply-add
 * per accumulator. Time is proportional to nnz · (columns of the dense side).
 *
 * @module
 */
import type { SparseRows } from './csr.js';

/** A dense float array a kernel reads or writes. */
export type FloatArray = Float32Array | Float64Array;

/**
 * out[m×n] = A · B with B dense k×n.
 * @example
 * ```ts
 * spmmInto(out, rows, csr.data, b, n);
 * ```
 */
export function spmmInto(out: FloatArray, a: SparseRows, v: FloatArray, b: FloatArray, n: number): void {
  const { m, indptr: ptr, rowNnz: r, indices: idx } = a;
  const n8 = n - (n & 7);
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * r : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    const o = i * n;
    let j = 0;
    for (; j < n8; j += 8) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let p = s; p < e; p++) {
        const w = v[p]!;
        const q = idx[p]! * n + j;
        c0 += w * b[q]!; c1 += w * b[q + 1]!; c2 += w * b[q + 2]!; c3 += w * b[q + 3]!;
        c4 += w * b[q + 4]!; c5 += w * b[q + 5]!; c6 += w * b[q + 6]!; c7 += w * b[q + 7]!;
      }
      out[o + j] = c0; out[o + j + 1] = c1; out[o + j + 2] = c2; out[o + j + 3] = c3;
      out[o + j + 4] = c4; out[o + j + 5] = c5; out[o + j + 6] = c6; out[o + j + 7] = c7;
    }
    for (; j < n; j++) {
      let c = 0;
      for (let p = s; p < e; p++) c += v[p]! * b[idx[p]! * n + j]!;
      out[o + j] = c;
    }
  }
}

/**
 * out[p×m] = B · Aᵀ with B dense p×k: row t of the output is `A · B[t]`. This is a pruned
 * linear layer `y = x · Wᵀ` with W sparse. Blocks of 8 rows of B share each pass over A.
 * @example
 * ```ts
 * denseSpmmTInto(out, rows, w.data, x, batch);
 * ```
 */
export function denseSpmmTInto(out: FloatArray, a: SparseRows, v: FloatArray, b: FloatArray, p: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  const p8 = p - (p & 7);
  let t = 0;
  for (; t < p8; t += 8) {
    const b0 = t * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k, b5 = b4 + k, b6 = b5 + k, b7 = b6 + k;
    const o = t * m;
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * r : ptr[i]!;
      const e = ptr === null ? s + r : ptr[i + 1]!;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (let q = s; q < e; q++) {
        const w = v[q]!;
        const c = idx[q]!;
        c0 += w * b[b0 + c]!; c1 += w * b[b1 + c]!; c2 += w * b[b2 + c]!; c3 += w * b[b3 + c]!;
        c4 += w * b[b4 + c]!; c5 += w * b[b5 + c]!; c6 += w * b[b6 + c]!; c7 += w * b[b7 + c]!;
      }
      out[o + i] = c0; out[o + m + i] = c1; out[o + 2 * m + i] = c2; out[o + 3 * m + i] = c3;
      out[o + 4 * m + i] = c4; out[o + 5 * m + i] = c5; out[o + 6 * m + i] = c6; out[o + 7 * m + i] = c7;
    }
  }
  for (; t < p; t++) {
    const bt = t * k, o = t * m;
    for (let i = 0; i < m; i++) {
      const s = ptr === null ? i * r : ptr[i]!;
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
export function spmmTransposedInto(out: FloatArray, a: SparseRows, v: FloatArray, b: FloatArray, n: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  out.fill(0, 0, k * n);
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * r : ptr[i]!;
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
export function denseSpmmInto(out: FloatArray, a: SparseRows, v: FloatArray, b: FloatArray, p: number): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  out.fill(0, 0, p * k);
  for (let t = 0; t < p; t++) {
    const bt = t * m, o = t * k;
    for (let i = 0; i < m; i++) {
      const x = b[bt + i]!;
      if (x === 0) continue;
      const s = ptr === null ? i * r : ptr[i]!;
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
export function sddmmInto(out: FloatArray, a: SparseRows, x: FloatArray, z: FloatArray, n: number): void {
  const { m, indptr: ptr, rowNnz: r, indices: idx } = a;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * r : ptr[i]!;
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
export function spmvInto(out: FloatArray, a: SparseRows, v: FloatArray, x: FloatArray): void {
  const { m, indptr: ptr, rowNnz: r, indices: idx } = a;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * r : ptr[i]!;
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
export function spmmRef(out: FloatArray, a: SparseRows, v: FloatArray, b: FloatArray, n: number, transB: boolean): void {
  const { m, k, indptr: ptr, rowNnz: r, indices: idx } = a;
  for (let i = 0; i < m; i++) {
    const s = ptr === null ? i * r : ptr[i]!;
    const e = ptr === null ? s + r : ptr[i + 1]!;
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (let q = s; q < e; q++) c += v[q]! * (transB ? b[j * k + idx[q]!]! : b[idx[q]! * n + j]!);
      out[transB ? j * m + i : i * n + j] = c;
    }
  }
}
