/**
 * Sparse matrix structures: compressed sparse rows ({@link Csr}) and its row-balanced form
 * ({@link RowBalancedCsr}), their structural checks, and canonicalisation (`sumDuplicates`,
 * `eliminateZeros`, `csrTranspose`). No Tensor here: everything works on typed arrays, so the
 * module can be tested and benchmarked bare.
 *
 * Safety model. A kernel indexes `indices`/`data` through `indptr` and reads dense operands at
 * `indices[p]`; bad structure would read out of bounds. Every public entry point therefore runs
 * the O(1) checks (lengths, `indptr[0]`, `indptr[m]`) on each call and the O(nnz) content scan
 * (monotone `indptr`, indices sorted and in range) the first time it meets a structure. Verified
 * structures are remembered by their `indices` array (a WeakMap, so nothing leaks), which makes
 * `{ ...csr, data: newValues }` free to pass around. Structure arrays are treated as immutable
 * once used; after editing them in place call `checkCsr(csr, { full: true })`, which always scans.
 *
 * @module
 */
import { NumError, describe } from '../errors.js';

/**
 * A sparse matrix in compressed sparse row form (scipy's layout). Row `i` holds the columns
 * `indices[indptr[i] .. indptr[i+1])` with values `data[…]`. Canonical: within a row the
 * columns are strictly increasing (sorted, no duplicates). Every constructor here returns
 * canonical matrices; `sumDuplicates` canonicalises a hand-built one.
 */
export interface Csr {
  readonly shape: readonly [number, number];
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/**
 * Row-balanced CSR: every row keeps exactly `rowNnz` entries (DRESS's row-based sparsity), so
 * row `i` is `indices[i·rowNnz .. (i+1)·rowNnz)`: a fixed stride instead of an `indptr`, and
 * equal work per row. Columns strictly increasing within a row.
 */
export interface RowBalancedCsr {
  readonly shape: readonly [number, number];
  readonly rowNnz: number;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/** Either sparse layout; every kernel and op in `sparse` accepts both. */
export type SparseMatrix = Csr | RowBalancedCsr;

/**
 * The structure of a sparse matrix without its values: what the differentiable ops take next to
 * a Tensor of values. Any {@link Csr} or {@link RowBalancedCsr} is one.
 */
export type SparsePattern =
  | { readonly shape: readonly [number, number]; readonly indptr: Int32Array; readonly indices: Int32Array }
  | { readonly shape: readonly [number, number]; readonly rowNnz: number; readonly indices: Int32Array };

/**
 * A pattern as the kernels see it: row `i` spans `[start(i), start(i+1))` where
 * `start(i) = indptr[i]`, or `i·rowNnz` when `indptr` is null. @internal
 */
export interface SparseRows {
  readonly m: number;
  readonly k: number;
  readonly indptr: Int32Array | null;
  readonly rowNnz: number;
  readonly indices: Int32Array;
  readonly nnz: number;
}

/** Options of {@link checkCsr}. */
export interface CheckCsrOptions {
  /** Scan the contents (monotone indptr, indices sorted and in range). Default false: O(1) checks. */
  full?: boolean | undefined;
}

interface Verified {
  readonly indptr: Int32Array | null;
  readonly rowNnz: number;
  readonly m: number;
  readonly n: number;
}

// Created on first use so that importing the module runs nothing.
let verified: WeakMap<Int32Array, Verified> | undefined;

function fail(op: string, what: string, expected: string, got: string): never {
  throw new NumError('FORMAT', op, what, expected, got);
}

function isBalanced(s: SparsePattern): s is { readonly shape: readonly [number, number]; readonly rowNnz: number; readonly indices: Int32Array } {
  return (s as { rowNnz?: unknown }).rowNnz !== undefined;
}

/** O(1) structural checks; returns the pattern as kernel rows. */
function structure(op: string, s: unknown, needData: boolean): SparseRows {
  if (typeof s !== 'object' || s === null) fail(op, 'expected a sparse matrix', '{shape, indptr | rowNnz, indices, data}', describe(s));
  const o = s as { shape?: unknown; indptr?: unknown; rowNnz?: unknown; indices?: unknown; data?: unknown };
  const shape = o.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) {
    fail(op, 'shape must be two non-negative integers', '[m, n]', describe(shape));
  }
  const [m, n] = shape as [number, number];
  if (!(o.indices instanceof Int32Array)) fail(op, 'indices must be an Int32Array', 'Int32Array', describe(o.indices));
  const indices = o.indices;
  const nnz = indices.length;
  if (needData || o.data !== undefined) {
    if (!(o.data instanceof Float32Array)) fail(op, 'data must be a Float32Array', 'Float32Array', describe(o.data));
    if (o.data.length !== nnz) fail(op, 'data and indices differ in length', `data.length == indices.length (${nnz})`, String(o.data.length));
  }
  if (o.rowNnz !== undefined) {
    const r = o.rowNnz;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > n) fail(op, 'rowNnz must be an integer in [0, n]', `0..${n}`, describe(r));
    if (nnz !== m * r) fail(op, 'indices length disagrees with rows × rowNnz', `${m} × ${r} = ${m * r}`, String(nnz));
    return { m, k: n, indptr: null, rowNnz: r, indices, nnz };
  }
  if (!(o.indptr instanceof Int32Array)) fail(op, 'indptr must be an Int32Array (or give rowNnz for a row-balanced matrix)', 'Int32Array', describe(o.indptr));
  const indptr = o.indptr;
  if (indptr.length !== m + 1) fail(op, 'indptr must have one entry per row plus one', `length ${m + 1}`, `length ${indptr.length}`);
  if (indptr[0] !== 0) fail(op, 'indptr must start at 0', '0', String(indptr[0]));
  if (indptr[m] !== nnz) fail(op, 'indptr[m] must equal the number of stored entries', `${nnz}`, String(indptr[m]));
  return { m, k: n, indptr, rowNnz: 0, indices, nnz };
}

/** The O(nnz) scan. `sorted` demands strictly increasing columns within each row. */
function scan(op: string, rows: SparseRows, sorted: boolean): void {
  const { m, k, indptr, rowNnz, indices } = rows;
  for (let i = 0; i < m; i++) {
    const s = indptr === null ? i * rowNnz : indptr[i]!;
    const e = indptr === null ? s + rowNnz : indptr[i + 1]!;
    if (e < s) fail(op, `indptr must be non-decreasing (row ${i})`, `indptr[${i + 1}] >= ${s}`, String(e));
    let prev = -1;
    for (let p = s; p < e; p++) {
      const c = indices[p]!;
      if (c < 0 || c >= k) fail(op, `column index out of range in row ${i}`, `0 <= index < ${k}`, String(c));
      if (sorted && c <= prev) {
        fail(op, `columns must be strictly increasing within a row (row ${i}); sumDuplicates canonicalises`, `> ${prev}`, String(c));
      }
      prev = c;
    }
  }
}

/**
 * Validates a pattern for use by a kernel: O(1) checks every call, the full scan the first time
 * this structure is seen. Returns the kernel's view of it. @internal
 */
export function sparseRows(op: string, s: unknown, needData = false): SparseRows {
  const rows = structure(op, s, needData);
  const cache = (verified ??= new WeakMap());
  const v = cache.get(rows.indices);
  if (v !== undefined && v.indptr === rows.indptr && v.rowNnz === rows.rowNnz && v.m === rows.m && v.n === rows.k) return rows;
  scan(op, rows, true);
  cache.set(rows.indices, { indptr: rows.indptr, rowNnz: rows.rowNnz, m: rows.m, n: rows.k });
  return rows;
}

/** Marks a structure this module built as verified (it is canonical by construction). @internal */
export function trusted<S extends SparseMatrix>(s: S): S {
  const rows = isBalanced(s) ? { indptr: null, rowNnz: s.rowNnz } : { indptr: s.indptr, rowNnz: 0 };
  (verified ??= new WeakMap()).set(s.indices, { ...rows, m: s.shape[0], n: s.shape[1] });
  return s;
}

/**
 * Checks a sparse matrix's structure and returns it. By default only the O(1) checks run
 * (shape, array types, `indptr` length and end points, equal lengths of `indices` and `data`);
 * with `{ full: true }` the contents are scanned too: `indptr` non-decreasing, every column index
 * in `[0, n)` and strictly increasing within its row (canonical). Accepts both layouts.
 *
 * @throws {NumError} `FORMAT` naming the first problem found.
 * @example
 * ```ts
 * const a = { shape: [2, 3] as const, indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1),
 *             data: Float32Array.of(1, 2, 3) };
 * checkCsr(a, { full: true }); // ok: row 0 = {2: 1}, row 1 = {0: 2, 1: 3}
 * ```
 */
export function checkCsr<S extends SparseMatrix>(csr: S, opts?: CheckCsrOptions): S {
  const rows = structure('checkCsr', csr, true);
  if (opts?.full === true) {
    verified?.delete(rows.indices);
    scan('checkCsr', rows, true);
    (verified ??= new WeakMap()).set(rows.indices, { indptr: rows.indptr, rowNnz: rows.rowNnz, m: rows.m, n: rows.k });
  }
  return csr;
}

/**
 * Number of stored entries.
 * @example
 * ```ts
 * nnz(csrFromDense(tensor([[0, 1], [2, 0]]))); // 2
 * ```
 */
export function nnz(s: SparsePattern): number {
  if (!ArrayBuffer.isView((s as Partial<SparsePattern> | null | undefined)?.indices)) throw new NumError('INVALID_ARGUMENT', 'sparse.nnz', 'the argument must be a sparse pattern (CSR)', '{indptr, indices}', describe(s));
  return s.indices.length;
}

/** Start of row `i` (row-balanced or CSR). @internal */
export function rowStart(rows: SparseRows, i: number): number {
  return rows.indptr === null ? i * rows.rowNnz : rows.indptr[i]!;
}

/**
 * Builds a canonical CSR from a row-major dense array, keeping entries with `|x| > threshold`
 * (with the default threshold 0: every non-zero, and NaN too, so nothing is silently dropped).
 * @internal
 */
export function csrFromDenseArray(x: ArrayLike<number>, m: number, n: number, threshold: number, keep?: ArrayLike<number>): Csr {
  const indptr = new Int32Array(m + 1);
  let count = 0;
  for (let i = 0; i < m * n; i++) if (keep === undefined ? !(Math.abs(x[i]!) <= threshold) : keep[i] !== 0) count++;
  const indices = new Int32Array(count);
  const data = new Float32Array(count);
  let p = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = x[i * n + j]!;
      if (keep === undefined ? !(Math.abs(v) <= threshold) : keep[i * n + j] !== 0) {
        indices[p] = j;
        data[p++] = v;
      }
    }
    indptr[i + 1] = p;
  }
  return trusted({ shape: [m, n], indptr, indices, data });
}

/**
 * Row-balanced matrix keeping, in every row, the `rowNnz` entries of largest magnitude (ties go
 * to the lower column), stored in column order. @internal
 */
export function rowBalancedFromDenseArray(x: ArrayLike<number>, m: number, n: number, rowNnz: number): RowBalancedCsr {
  const indices = new Int32Array(m * rowNnz);
  const data = new Float32Array(m * rowNnz);
  const order = new Int32Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) order[j] = j;
    const base = i * n;
    // NaN sorts first so that it is kept, never silently dropped.
    const mag = (j: number): number => { const a = Math.abs(x[base + j]!); return a !== a ? Infinity : a; };
    order.sort((a, b) => mag(b) - mag(a) || a - b);
    const row = order.subarray(0, rowNnz).sort();
    for (let t = 0; t < rowNnz; t++) {
      indices[i * rowNnz + t] = row[t]!;
      data[i * rowNnz + t] = x[base + row[t]!]!;
    }
  }
  return trusted({ shape: [m, n], rowNnz, indices, data });
}

/**
 * The row-balanced form of a CSR matrix whose rows all hold the same number of entries.
 *
 * @throws {NumError} `INVALID_ARGUMENT` when the rows hold different numbers of entries.
 * @example
 * ```ts
 * const rb = rowBalancedFromCsr(csrFromDense(tensor([[1, 0], [0, 2]]))); // rowNnz 1
 * ```
 */
export function rowBalancedFromCsr(csr: Csr): RowBalancedCsr {
  const op = 'rowBalancedFromCsr';
  const rows = sparseRows(op, csr, true);
  if (rows.indptr === null) return csr as unknown as RowBalancedCsr;
  const r = rows.m === 0 ? 0 : rows.indptr[1]!;
  for (let i = 0; i < rows.m; i++) {
    const len = rows.indptr[i + 1]! - rows.indptr[i]!;
    if (len !== r) throw new NumError('INVALID_ARGUMENT', op, `rows hold different numbers of entries (row ${i})`, `${r} entries`, String(len));
  }
  return trusted({ shape: [rows.m, rows.k], rowNnz: r, indices: csr.indices, data: csr.data });
}

/**
 * The CSR form of either layout (a row-balanced matrix gets an explicit `indptr`; the arrays are
 * shared, not copied).
 * @example
 * ```ts
 * const w = tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]);
 * Array.from(toCsr(rowBalancedFromDense(w, { rowNnz: 4 })).indptr); // [0, 4, 8]
 * ```
 */
export function toCsr(s: SparseMatrix): Csr {
  const rows = sparseRows('toCsr', s, true);
  if (rows.indptr !== null) return s as Csr;
  const indptr = new Int32Array(rows.m + 1);
  for (let i = 0; i <= rows.m; i++) indptr[i] = i * rows.rowNnz;
  return trusted({ shape: [rows.m, rows.k], indptr, indices: s.indices, data: s.data });
}

/**
 * Canonicalises a hand-built CSR matrix: sorts each row by column and adds up entries that
 * share a column (scipy's `sum_duplicates`). Explicit zeros are kept (see {@link eliminateZeros}).
 * The input may be unsorted and hold duplicates, but `indptr` must be monotone and every index
 * in range. Returns a new matrix; the input is not modified.
 *
 * @throws {NumError} `FORMAT` for a non-monotone `indptr`, an index out of range or length
 *   disagreements.
 * @example
 * ```ts
 * const c = sumDuplicates({ shape: [1, 3], indptr: Int32Array.of(0, 3), indices: Int32Array.of(2, 0, 2),
 *                           data: Float32Array.of(1, 5, 2) });
 * // c.indices = [0, 2], c.data = [5, 3]
 * ```
 */
export function sumDuplicates(csr: Csr): Csr {
  const op = 'sumDuplicates';
  const rows = structure(op, csr, true);
  scan(op, rows, false);
  const { m, k } = rows;
  const src = csr.data;
  const indptr = new Int32Array(m + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const order: number[] = [];
  for (let i = 0; i < m; i++) {
    const s = rowStart(rows, i), e = rowStart(rows, i + 1);
    order.length = 0;
    for (let p = s; p < e; p++) order.push(p);
    // Stable: duplicates are added in storage order, so the float sum is reproducible.
    order.sort((a, b) => rows.indices[a]! - rows.indices[b]! || a - b);
    let last = -1;
    for (const p of order) {
      const c = rows.indices[p]!;
      if (c === last) val[val.length - 1] = Math.fround(val[val.length - 1]! + src[p]!);
      else { idx.push(c); val.push(src[p]!); last = c; }
    }
    indptr[i + 1] = idx.length;
  }
  return trusted({ shape: [m, k], indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) });
}

/**
 * Drops stored entries whose value is exactly zero (scipy's `eliminate_zeros`). Returns a new
 * CSR matrix (a row-balanced input becomes CSR, since rows may lose different counts).
 * @example
 * ```ts
 * eliminateZeros(csrFromMask(tensor([[0, 1]]), tensor([[true, true]]))).indices; // [1]
 * ```
 */
export function eliminateZeros(s: SparseMatrix): Csr {
  const rows = sparseRows('eliminateZeros', s, true);
  const { m, k, indices } = rows;
  let keep = 0;
  for (let p = 0; p < rows.nnz; p++) if (s.data[p] !== 0) keep++;
  const indptr = new Int32Array(m + 1);
  const idx = new Int32Array(keep);
  const data = new Float32Array(keep);
  let q = 0;
  for (let i = 0; i < m; i++) {
    for (let p = rowStart(rows, i), e = rowStart(rows, i + 1); p < e; p++) {
      const v = s.data[p]!;
      if (v !== 0) { idx[q] = indices[p]!; data[q++] = v; }
    }
    indptr[i + 1] = q;
  }
  return trusted({ shape: [m, k], indptr, indices: idx, data });
}

/**
 * The transpose as a canonical CSR matrix (a counting sort by column: O(nnz + n)).
 * `csrTranspose(csrTranspose(a))` equals `a`.
 * @example
 * ```ts
 * csrTranspose(csrFromDense(tensor([[0, 1], [2, 0]]))).shape; // [2, 2], rows = old columns
 * ```
 */
export function csrTranspose(s: SparseMatrix): Csr {
  const rows = sparseRows('csrTranspose', s, true);
  const t = transposeRows(rows);
  const data = new Float32Array(rows.nnz);
  for (let p = 0; p < rows.nnz; p++) data[t.perm[p]!] = s.data[p]!;
  return trusted({ shape: [rows.k, rows.m], indptr: t.indptr, indices: t.indices, data });
}

/**
 * Transposed structure plus the permutation `perm[p]` = position of entry `p` in the transpose.
 * Scanning rows in order fills each column bucket in row order, so the result is canonical. @internal
 */
export function transposeRows(rows: SparseRows): { indptr: Int32Array; indices: Int32Array; perm: Int32Array } {
  const { m, k, indices, nnz: count } = rows;
  const indptr = new Int32Array(k + 1);
  for (let p = 0; p < count; p++) indptr[indices[p]! + 1]!++;
  for (let c = 0; c < k; c++) indptr[c + 1]! += indptr[c]!;
  const next = indptr.slice(0, k);
  const out = new Int32Array(count);
  const perm = new Int32Array(count);
  for (let i = 0; i < m; i++) {
    for (let p = rowStart(rows, i), e = rowStart(rows, i + 1); p < e; p++) {
      const q = next[indices[p]!]!++;
      out[q] = i;
      perm[p] = q;
    }
  }
  return { indptr, indices: out, perm };
}
