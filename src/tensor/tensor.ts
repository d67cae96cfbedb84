/**
 * The Tensor: a dtype, a shape and a strided view (strides + offset) over a typed array.
 * Views share storage; tensors are immutable to users (only explicit `*Into` functions write).
 * Methods are defined here in the class body and forward to the free functions in `ops/`.
 */
import type { Node } from './tape.js';
import { NumError, fmtShape } from '../errors.js';
import type { DType, TypedArray } from './dtype.js';
import { allocate } from './dtype.js';
import { copyStrided } from './kernels/elementwise.js';
import { contiguousStrides, isContiguousLayout, sizeOf } from './shape.js';
import * as ew from './ops/elementwise.js';
import * as mv from './ops/movement.js';
import * as rd from './ops/reduce.js';
import * as mm from './ops/matmul.js';

/** Nested JS arrays as returned by {@link Tensor.toArray}. */
export type NestedArray = number | boolean | NestedArray[];

/** Options of reductions and the softmax family. */
export interface AxisOptions {
  /** Axis or axes to reduce (negative counts from the end). Default: all (reductions) or -1 (softmax family). */
  axis?: number | readonly number[] | undefined;
  /** Keep reduced axes with size 1. Default false. */
  keepdims?: boolean | undefined;
}

/** A tensor or a plain number (which takes the other operand's dtype). */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array. Create with {@link tensor}, {@link zeros}, {@link fromTyped}, …
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * x.shape;                    // [2, 2]
 * x.transpose().toArray();    // [[1, 3], [2, 4]]
 * x.add(1).sum().item();      // 14
 * ```
 */
export class Tensor {
  /** Element type. */
  readonly dtype: DType;
  /** Dimensions. */
  readonly shape: readonly number[];
  /** Element strides of each axis into `data`. */
  readonly strides: readonly number[];
  /** Element offset of index [0, …, 0] into `data`. */
  readonly offset: number;
  /** The backing typed array (shared by views). */
  readonly data: TypedArray;
  /** Number of elements. */
  readonly size: number;
  /** Autograd tape entry; undefined for constants. @internal */
  _node: Node | undefined;

  /** Low-level constructor; prefer {@link tensor} or {@link fromTyped}. No validation. @internal */
  constructor(data: TypedArray, shape: readonly number[], dtype: DType, strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = shape;
    this.dtype = dtype;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.size = sizeOf(shape);
    this._node = undefined;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True when the view is row-major contiguous starting at `offset`. */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  /**
   * This tensor if already contiguous, else a contiguous copy (gradients flow through).
   *
   * @example
   * ```ts
   * const t = tensor([[1, 2], [3, 4]]).transpose().contiguous();
   * t.strides; // [2, 1]
   * ```
   */
  contiguous(): Tensor {
    return mv.contiguous(this);
  }

  /**
   * Values as nested JS arrays (booleans for `bool`).
   *
   * @example
   * ```ts
   * eye(2).toArray(); // [[1, 0], [0, 1]]
   * ```
   */
  toArray(): NestedArray {
    const flat = this.toTyped();
    const isBool = this.dtype === 'bool';
    const build = (dim: number, base: number): NestedArray => {
      if (dim === this.shape.length) {
        const v = flat[base]!;
        return isBool ? v !== 0 : v;
      }
      const n = this.shape[dim]!;
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, base + i * step);
      return out;
    };
    return build(0, 0);
  }

  /**
   * The single value of a one-element tensor, as a number.
   *
   * @example
   * ```ts
   * tensor([[3]]).item(); // 3
   * ```
   */
  item(): number {
    if (this.size !== 1) {
      throw new NumError('SHAPE_MISMATCH', 'item', 'tensor must have exactly one element', '1 element', `shape ${fmtShape(this.shape)}`);
    }
    return this.data[this.offset]!;
  }

  /**
   * The elements in row-major order as a typed array of this dtype. Copies unless
   * `{copy: false}` and the view is contiguous and covers its whole buffer.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).transpose().toTyped(); // Float32Array [1, 3, 2, 4]
   * ```
   */
  toTyped(opts?: { copy?: boolean }): TypedArray {
    if (opts?.copy === false && this.offset === 0 && this.data.length === this.size && this.isContiguous()) return this.data;
    const out = allocate(this.dtype, this.size);
    if (this.isContiguous()) out.set(this.data.subarray(this.offset, this.offset + this.size));
    else copyStrided(this.data, this.offset, this.shape, this.strides, out);
    return out;
  }

  /** Short description, e.g. `Tensor(float32, [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype}, ${fmtShape(this.shape)})`;
  }

  // ---- elementwise -------------------------------------------------------------------------
  /** {@link add} */ add(b: TensorLike): Tensor { return ew.add(this, b); }
  /** {@link sub} */ sub(b: TensorLike): Tensor { return ew.sub(this, b); }
  /** {@link mul} */ mul(b: TensorLike): Tensor { return ew.mul(this, b); }
  /** {@link div} */ div(b: TensorLike): Tensor { return ew.div(this, b); }
  /** {@link pow} */ pow(b: TensorLike): Tensor { return ew.pow(this, b); }
  /** {@link maximum} */ maximum(b: TensorLike): Tensor { return ew.maximum(this, b); }
  /** {@link minimum} */ minimum(b: TensorLike): Tensor { return ew.minimum(this, b); }
  /** {@link neg} */ neg(): Tensor { return ew.neg(this); }
  /** {@link exp} */ exp(): Tensor { return ew.exp(this); }
  /** {@link log} */ log(): Tensor { return ew.log(this); }
  /** {@link sqrt} */ sqrt(): Tensor { return ew.sqrt(this); }
  /** {@link square} */ square(): Tensor { return ew.square(this); }
  /** {@link abs} */ abs(): Tensor { return ew.abs(this); }
  /** {@link sign} */ sign(): Tensor { return ew.sign(this); }
  /** {@link relu} */ relu(): Tensor { return ew.relu(this); }
  /** {@link sigmoid} */ sigmoid(): Tensor { return ew.sigmoid(this); }
  /** {@link tanh} */ tanh(): Tensor { return ew.tanh(this); }
  /** {@link clip} */ clip(lo: TensorLike, hi: TensorLike): Tensor { return ew.clip(this, lo, hi); }
  /** {@link greater} */ greater(b: TensorLike): Tensor { return ew.greater(this, b); }
  /** {@link greaterEqual} */ greaterEqual(b: TensorLike): Tensor { return ew.greaterEqual(this, b); }
  /** {@link less} */ less(b: TensorLike): Tensor { return ew.less(this, b); }
  /** {@link lessEqual} */ lessEqual(b: TensorLike): Tensor { return ew.lessEqual(this, b); }
  /** {@link equal} */ equal(b: TensorLike): Tensor { return ew.equal(this, b); }
  /** {@link notEqual} */ notEqual(b: TensorLike): Tensor { return ew.notEqual(this, b); }
  /** {@link astype} */ astype(dtype: DType): Tensor { return ew.astype(this, dtype); }

  // ---- reductions and the softmax family ---------------------------------------------------
  /** {@link sum} */ sum(opts?: AxisOptions): Tensor { return rd.sum(this, opts); }
  /** {@link mean} */ mean(opts?: AxisOptions): Tensor { return rd.mean(this, opts); }
  /** {@link max} */ max(opts?: AxisOptions): Tensor { return rd.max(this, opts); }
  /** {@link min} */ min(opts?: AxisOptions): Tensor { return rd.min(this, opts); }
  /** {@link argmax} */ argmax(opts?: { axis?: number; keepdims?: boolean }): Tensor { return rd.argmax(this, opts); }
  /** {@link argmin} */ argmin(opts?: { axis?: number; keepdims?: boolean }): Tensor { return rd.argmin(this, opts); }
  /** {@link logsumexp} */ logsumexp(opts?: AxisOptions): Tensor { return rd.logsumexp(this, opts); }
  /** {@link softmax} */ softmax(opts?: AxisOptions): Tensor { return rd.softmax(this, opts); }
  /** {@link logSoftmax} */ logSoftmax(opts?: AxisOptions): Tensor { return rd.logSoftmax(this, opts); }

  // ---- movement (views share storage) ------------------------------------------------------
  /** {@link reshape} */ reshape(shape: readonly number[]): Tensor { return mv.reshape(this, shape); }
  /** {@link transpose} */ transpose(axes?: readonly number[]): Tensor { return mv.transpose(this, axes); }
  /** {@link permute} */ permute(axes: readonly number[]): Tensor { return mv.permute(this, axes); }
  /** {@link slice} */ slice(starts: readonly number[], ends?: readonly number[], steps?: readonly number[]): Tensor { return mv.slice(this, starts, ends, steps); }
  /** {@link broadcastTo} */ broadcastTo(shape: readonly number[]): Tensor { return mv.broadcastTo(this, shape); }
  /** {@link expandDims} */ expandDims(axis: number): Tensor { return mv.expandDims(this, axis); }
  /** {@link squeeze} */ squeeze(axis?: number | readonly number[]): Tensor { return mv.squeeze(this, axis); }
  /** {@link flatten} */ flatten(): Tensor { return mv.reshape(this, [-1]); }
  /** {@link pad} */ pad(widths: readonly (readonly [number, number])[], value?: number): Tensor { return mv.pad(this, widths, value); }
  /** {@link gather} */ gather(indices: Tensor | readonly number[], opts?: { axis?: number }): Tensor { return mv.gather(this, indices, opts); }

  // ---- linear algebra ----------------------------------------------------------------------
  /** {@link matmul} */ matmul(b: Tensor): Tensor { return mm.matmul(this, b); }
}
