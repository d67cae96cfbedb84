/**
 * Integer GEMM with exact int32 accumulation: `C (=|+=) A·B` for int8 or int16 A (m×k) and B
 * (k×n, or n×k with `transB`), C an m×n Int32Array. Products and sums are int32 arithmetic modulo
 * 2^32 (JS: `Math.imul` and `| 0`; WebAssembly: `i32x4.dot_i16x8_s`, whose additions wrap too),
 * so every backend and every blocking gives the same bits, and the result is the exact integer
 * whenever the true sum fits in int32 (always when k·max|a|·max|b| < 2^31).
 *
 * @module
 */
import { NumError, describe } from '../../errors.js';
import { useWasm } from '../../backend/index.js';
import { wasmKernels } from '../../backend/runtime.js';
import { intGemmWasmInto } from '../../backend/intgemm.js';

/** An int8 or int16 operand. */
export type SmallIntArray = Int8Array | Int16Array;

/** Options of {@link intGemmInto}. */
export interface IntGemmOptions {
  /** B is stored n×k row-major (a weight matrix `[out, in]`): C = A·Bᵀ. Default false. */
  transB?: boolean | undefined;
  /** Add into `out` instead of overwriting it. Default false. */
  accumulate?: boolean | undefined;
}

function check(op: string, out: unknown, a: unknown, b: unknown, m: number, n: number, k: number): void {
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new NumError('INVALID_ARGUMENT', op, `${name} must be a non-negative integer`, 'integer >= 0', describe(v));
  }
  if (!(out instanceof Int32Array)) throw new NumError('DTYPE_MISMATCH', op, 'out must be an Int32Array', 'Int32Array', describe(out));
  for (const [name, v, len] of [['a', a, m * k], ['b', b, k * n]] as const) {
    if (!(v instanceof Int8Array || v instanceof Int16Array)) throw new NumError('DTYPE_MISMATCH', op, `${name} must be an Int8Array or Int16Array`, 'Int8Array | Int16Array', describe(v));
    if (v.length !== len) throw new NumError('SHAPE_MISMATCH', op, `${name} has the wrong length`, `${len}`, `${v.length}`);
  }
  if (out.length !== m * n) throw new NumError('SHAPE_MISMATCH', op, 'out has the wrong length', `${m * n}`, `${out.length}`);
}

/**
 * `out (=|+=) a·b` (or `a·bᵀ` with `transB`) in int32: a is m×k row-major, b k×n (or n×k),
 * out m×n. Runs on the WebAssembly SIMD kernel when the backend is `'wasm'`, else on
 * {@link intGemmJsInto}; both give identical bits.
 *
 * @returns `out`
 * @throws NumError `DTYPE_MISMATCH` for other array types, `SHAPE_MISMATCH` for wrong lengths,
 *   `INVALID_ARGUMENT` for bad dimensions.
 * @example
 * ```ts
 * const a = new Int16Array([1, 2, 3, 4]);       // [[1, 2], [3, 4]]
 * const w = new Int8Array([1, 0, 0, 1, 1, 1]);  // 3×2 weight, used transposed
 * intGemmInto(new Int32Array(6), a, w, 2, 3, 2, { transB: true }); // [1, 2, 3, 3, 4, 7]
 * ```
 */
export function intGemmInto(out: Int32Array, a: SmallIntArray, b: SmallIntArray, m: number, n: number, k: number, opts?: IntGemmOptions): Int32Array {
  check('intGemmInto', out, a, b, m, n, k);
  const transB = opts?.transB === true, acc = opts?.accumulate === true;
  if (m === 0 || n === 0) return out;
  if (k === 0) {
    if (!acc) out.fill(0);
    return out;
  }
  if (useWasm()) intGemmWasmInto(wasmKernels()!, out, a, b, m, n, k, transB, acc);
  else intGemmJsInto(out, a, b, m, n, k, transB, acc);
  return out;
}

/**
 * The plain-JS twin of the WebAssembly integer GEMM (inputs trusted): row-times-matrix loops
 * with `Math.imul` and int32 wrap-around, bit-identical to it.
 *
 * @example
 * ```ts
 * intGemmJsInto(new Int32Array(1), new Int8Array([2, 3]), new Int8Array([4, 5]), 1, 1, 2, false, false); // [23]
 * ```
 */
export function intGemmJsInto(out: Int32Array, a: SmallIntArray, b: SmallIntArray, m: number, n: number, k: number, transB: boolean, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ao = i * k, co = i * n;
    if (transB) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bo = j * k;
        for (let p = 0; p < k; p++) s = (s + Math.imul(a[ao + p]!, b[bo + p]!)) | 0;
        out[co + j] = (out[co + j]! + s) | 0;
      }
    } else {
      for (let p = 0; p < k; p++) {
        const x = a[ao + p]!;
        if (x === 0) continue;
        const bo = p * n;
        for (let j = 0; j < n; j++) out[co + j] = (out[co + j]! + Math.imul(x, b[bo + j]!)) | 0;
      }
    }
  }
}
