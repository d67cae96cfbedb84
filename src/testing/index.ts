/**
 * `edgegrad/testing`: fast-check arbitraries for shapes and tensors, `allClose`, and a
 * `toBeAllClose` matcher for vitest/jest (`expect.extend({ toBeAllClose })`).
 * Requires the optional peer dependency `fast-check`.
 * @packageDocumentation
 */
import fc from 'fast-check';
import { NumError, describe, fmtShape } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { allocate, isFloat } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { permute, slice } from '../tensor/ops/movement.js';
import type { SparseMatrix } from '../sparse/csr.js';
import { csrFromMask, rowBalancedFromMask } from '../sparse/build.js';

/** Options of {@link arbShape}. */
export interface ArbShapeOptions {
  /** Fewest dimensions. Default 0. */
  minDims?: number;
  /** Most dimensions. Default 4. */
  maxDims?: number;
  /** Smallest size of one dimension. Default 1 (use 0 to include empty tensors). */
  minSide?: number;
  /** Largest size of one dimension. Default 5. */
  maxSide?: number;
}

/**
 * Shapes as arrays of dimensions.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbShape({ maxDims: 3 }), (s) => zeros(s).size === s.reduce((a, b) => a * b, 1)));
 * ```
 */
export function arbShape(opts?: ArbShapeOptions): fc.Arbitrary<number[]> {
  const minSide = opts?.minSide ?? 1;
  const maxSide = opts?.maxSide ?? 5;
  return fc.array(fc.integer({ min: minSide, max: maxSide }), {
    minLength: opts?.minDims ?? 0,
    maxLength: opts?.maxDims ?? 4,
  });
}

/** How an arbitrary tensor is laid out in memory. */
export type Layout = 'contiguous' | 'transposed' | 'strided' | 'offset';

/** Options of {@link arbTensor}. */
export interface ArbTensorOptions {
  /** Exact shape; default: drawn from {@link arbShape}. */
  shape?: readonly number[];
  /** Element type; default float32. */
  dtype?: DType;
  /** Smallest value (inclusive). Default -10 (0 for uint8/bool). */
  min?: number;
  /** Largest value (inclusive). Default 10 (1 for bool). */
  max?: number;
  /**
   * Also produce non-contiguous views (transposed, strided with step 2, or offset into a
   * larger buffer) so kernels see every layout. Default false.
   */
  views?: boolean;
}

function valueArb(dtype: DType, min: number, max: number): fc.Arbitrary<number> {
  if (dtype === 'bool') return fc.integer({ min: 0, max: 1 });
  if (!isFloat(dtype)) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  const d = fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return dtype === 'float32' ? d.map((v) => Math.min(max, Math.max(min, Math.fround(v)))) : d;
}

function build(dtype: DType, values: readonly number[], shape: readonly number[]): Tensor {
  const data = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i]!;
  return new Tensor(data, shape.slice(), dtype);
}

function laidOut(dtype: DType, shape: readonly number[], layout: Layout, vals: fc.Arbitrary<number>): fc.Arbitrary<Tensor> {
  const n = sizeOf(shape);
  switch (layout) {
    case 'contiguous':
      return fc.array(vals, { minLength: n, maxLength: n }).map((v) => build(dtype, v, shape));
    case 'offset':
      return fc.array(vals, { minLength: n + 3, maxLength: n + 3 }).map((v) => {
        const base = build(dtype, v, [v.length]);
        return new Tensor(base.data, shape.slice(), dtype, undefined, 3);
      });
    case 'transposed': {
      const rev = shape.slice().reverse();
      const axes = shape.map((_, i) => shape.length - 1 - i);
      return fc.array(vals, { minLength: n, maxLength: n }).map((v) => permute(build(dtype, v, rev), axes));
    }
    default: {
      const big = shape.map((d) => 2 * d);
      const m = sizeOf(big);
      return fc.array(vals, { minLength: m, maxLength: m }).map((v) =>
        slice(build(dtype, v, big), shape.map(() => 1), big, shape.map(() => 2)));
    }
  }
}

/**
 * Tensors of a given or drawn shape and dtype, optionally as non-contiguous views.
 * Values are finite; float32 values are exact float32 numbers.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbTensor({ shape: [3, 4], views: true }), (t) =>
 *   allClose(add(t, 0), t)));
 * ```
 */
export function arbTensor(opts?: ArbTensorOptions): fc.Arbitrary<Tensor> {
  const dtype = opts?.dtype ?? 'float32';
  const min = opts?.min ?? (dtype === 'uint8' || dtype === 'bool' ? 0 : -10);
  const max = opts?.max ?? (dtype === 'bool' ? 1 : 10);
  if (!(min <= max)) throw new NumError('INVALID_ARGUMENT', 'arbTensor', 'min must not exceed max', 'min <= max', `${min} > ${max}`);
  const vals = valueArb(dtype, min, max);
  const layouts: Layout[] = opts?.views ? ['contiguous', 'transposed', 'strided', 'offset'] : ['contiguous'];
  const shapeArb = opts?.shape !== undefined ? fc.constant(opts.shape.slice()) : arbShape();
  return shapeArb.chain((s) => fc.constantFrom(...layouts).chain((l) => laidOut(dtype, s, l, vals)));
}

/** Options of {@link arbCsr}. */
export interface ArbCsrOptions {
  /** Fraction of stored entries, 0..1; default: drawn from 0, 0.01, 0.5, 1 and anything between. */
  density?: number;
  /** Largest number of rows / columns. Default 8 (0 rows or columns are included). */
  maxSide?: number;
  /** Produce row-balanced matrices (same count in every row). Default false. */
  rowBalanced?: boolean;
}

/**
 * Canonical sparse matrices (CSR, or row-balanced on request) with exact float32 values in
 * [-10, 10], including empty rows and empty matrices; each entry is stored with probability
 * `density`. Built through `csrFromMask`, so the pattern may hold explicit zeros.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbCsr({ rowBalanced: true }), (a) =>
 *   allClose(csrToDense(csrTranspose(csrTranspose(a))), csrToDense(a))));
 * ```
 */
export function arbCsr(opts?: ArbCsrOptions): fc.Arbitrary<SparseMatrix> {
  const side = fc.integer({ min: 0, max: opts?.maxSide ?? 8 });
  const density = opts?.density !== undefined ? fc.constant(opts.density) : fc.oneof(fc.constantFrom(0, 0.01, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));
  const vals = valueArb('float32', -10, 10);
  return fc.tuple(side, side, density).chain(([m, n, d]): fc.Arbitrary<SparseMatrix> => {
    const size = m * n;
    const values = fc.array(vals, { minLength: size, maxLength: size });
    if (opts?.rowBalanced === true) {
      return fc.tuple(values, fc.integer({ min: 0, max: n }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: size, maxLength: size }))
        .map(([v, r, keys]) => {
          const mask = new Uint8Array(size);
          for (let i = 0; i < m; i++) {
            const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => keys[i * n + a]! - keys[i * n + b]! || a - b);
            for (const j of order.slice(0, r)) mask[i * n + j] = 1;
          }
          return rowBalancedFromMask(build('float32', v, [m, n]), new Tensor(mask, [m, n], 'bool'));
        });
    }
    const keep = fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: size, maxLength: size });
    return fc.tuple(values, keep).map(([v, k]) =>
      csrFromMask(build('float32', v, [m, n]), new Tensor(Uint8Array.from(k, (u) => (u < d ? 1 : 0)), [m, n], 'bool')));
  });
}

/** Tolerances of {@link allClose}. */
export interface CloseOptions {
  /** Relative tolerance. Default 1e-5. */
  rtol?: number;
  /** Absolute tolerance. Default 1e-8. */
  atol?: number;
  /** Treat NaN as equal to NaN. Default false. */
  equalNan?: boolean;
}

type Closeable = Tensor | number | ArrayLike<number> | readonly unknown[];

function toFlat(x: Closeable): { values: ArrayLike<number>; shape: readonly number[] } {
  if (x instanceof Tensor) return { values: x.toTyped(), shape: x.shape };
  if (typeof x === 'number') return { values: [x], shape: [] };
  if (Array.isArray(x)) {
    const flat = (x as unknown[]).flat(Infinity) as unknown[];
    return { values: flat.map((v) => (typeof v === 'boolean' ? Number(v) : (v as number))), shape: [flat.length] };
  }
  const a = x as ArrayLike<number>;
  return { values: a, shape: [a.length] };
}

/** The first element that is not close, or undefined when everything matches. */
function firstMismatch(actual: Closeable, expected: Closeable, opts?: CloseOptions): string | undefined {
  const rtol = opts?.rtol ?? 1e-5;
  const atol = opts?.atol ?? 1e-8;
  const a = toFlat(actual);
  const b = toFlat(expected);
  if (actual instanceof Tensor && expected instanceof Tensor && fmtShape(a.shape) !== fmtShape(b.shape)) {
    return `shapes differ: ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`;
  }
  if (a.values.length !== b.values.length) return `sizes differ: ${a.values.length} vs ${b.values.length}`;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i]!;
    const y = b.values[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (opts?.equalNan && Number.isNaN(x) && Number.isNaN(y)) continue;
      return `element ${i}: ${x} vs ${y}`;
    }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      return `element ${i}: ${x} vs ${y} (|diff| ${Math.abs(x - y)} > ${atol} + ${rtol}·|${y}|)`;
    }
  }
  return undefined;
}

/**
 * numpy-style closeness: every `|a − b| <= atol + rtol·|b|` (and equal shapes for tensors).
 * Accepts tensors, numbers, typed arrays and nested arrays.
 *
 * @example
 * ```ts
 * allClose(tensor([1, 2]), [1, 2.000001]); // true
 * ```
 */
export function allClose(actual: Closeable, expected: Closeable, opts?: CloseOptions): boolean {
  return firstMismatch(actual, expected, opts) === undefined;
}

/**
 * A vitest/jest matcher: `expect(x).toBeAllClose(y, {rtol, atol})`. Register once with
 * `expect.extend({ toBeAllClose })`, and declare its type (see docs/testing.md).
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * import { toBeAllClose } from 'edgegrad/testing';
 * expect.extend({ toBeAllClose }); // then `expect(x).toBeAllClose(y)`, once declared on vitest's Matchers (docs/testing.md)
 * toBeAllClose(softmax(tensor([0, 0])), [0.5, 0.5]).pass; // true
 * toBeAllClose(tensor([1]), [1.1]).pass; // false
 * ```
 */
export function toBeAllClose(received: unknown, expected: unknown, opts?: CloseOptions): { pass: boolean; message: () => string } {
  const ok = (v: unknown): v is Closeable => v instanceof Tensor || typeof v === 'number' || Array.isArray(v) || ArrayBuffer.isView(v);
  if (!ok(received) || !ok(expected)) {
    return { pass: false, message: () => `toBeAllClose: expected tensors or arrays, got ${describe(received)} and ${describe(expected)}` };
  }
  const why = firstMismatch(received, expected, opts);
  return {
    pass: why === undefined,
    message: () => (why === undefined ? 'expected values not to be all close, but they are' : `expected values to be all close: ${why}`),
  };
}

export { checkQuantizerLaws, quantizerLaws, stochasticRoundingUnbiased } from './quantizer-laws.js';
export type { Law, LawOptions } from './quantizer-laws.js';
