/**
 * Elementwise ops with numpy broadcasting. Differentiable ones record a primitive on the tape.
 */
import { NO_PARAMS, record } from '../tape.js';
import type { Prim } from '../tape.js';
import { NumError, describe } from '../../errors.js';
import type { DType } from '../dtype.js';
import { allocate, arithmeticType, floatType, isDType, isFloat, promoteTypes } from '../dtype.js';
import * as k from '../kernels/elementwise.js';
import * as f from '../kernels/elementwise-f32.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorLike } from '../tensor.js';
import { scalar } from '../create.js';
import { useWasm } from '../../backend/index.js';
import { ELEMENTWISE_MIN, elementwiseRowsWasmInto, elementwiseWasmInto, reluGradWasmInto, reluWasmInto } from '../../backend/elementwise.js';

/** Converts a number or tensor operand; numbers take `like`'s dtype. @internal */
export function asTensor(op: string, arg: string, x: unknown, like?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalar(x, like ?? 'float32');
  if (typeof x === 'boolean') return scalar(x ? 1 : 0, like ?? 'bool');
  throw new NumError('INVALID_ARGUMENT', op, `argument '${arg}' must be a Tensor or a number`, 'Tensor | number', describe(x));
}

/** Both operands as tensors, with plain numbers taking the other side's dtype. @internal */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, asTensor(op, 'b', b, a.dtype)];
  const tb = asTensor(op, 'b', b);
  return [asTensor(op, 'a', a, tb.dtype), tb];
}

/** One row of a unary op: the float32 twin where it covers the case, else the general kernel. */
function unaryRow(code: number, n: number, a: k.NumArray, ai: number, as: number, o: k.NumArray, oi: number): void {
  if (!(a instanceof Float32Array && o instanceof Float32Array && f.unaryRowF32(code, n, a, ai, as, o, oi))) k.unaryRow(code, n, a, ai, as, o, oi);
}

/** One row of a binary op or comparison, dispatched like {@link unaryRow}. */
function binaryRow(code: number, n: number, a: k.NumArray, ai: number, as: number, b: k.NumArray, bi: number, bs: number, o: k.NumArray, oi: number): void {
  if (a instanceof Float32Array && b instanceof Float32Array &&
    (o instanceof Float32Array ? f.binaryRowF32(code, n, a, ai, as, b, bi, bs, o, oi) : o instanceof Uint8Array && f.compareRowF32(code, n, a, ai, as, b, bi, bs, o, oi))) return;
  k.binaryRow(code, n, a, ai, as, b, bi, bs, o, oi);
}

/**
 * The float32 arrays of an add/sub/mul/div of at least `ELEMENTWISE_MIN` elements on the
 * WebAssembly backend, else undefined (the JS kernels run).
 */
function wasmOperands(code: number, a: Tensor, b: Tensor, out: k.NumArray): [Float32Array, Float32Array, Float32Array] | undefined {
  const ad = a.data, bd = b.data;
  return a.size >= ELEMENTWISE_MIN && code <= k.B_DIV && code !== k.B_IMUL &&
    ad instanceof Float32Array && bd instanceof Float32Array && out instanceof Float32Array && useWasm() ? [ad, bd, out] : undefined;
}

/** A contiguous `a` ∘ a contiguous `b` (`bs` = 1) or a scalar `b` (`bs` = 0) on WebAssembly; false (nothing done) otherwise. */
function wasmBinary(code: number, a: Tensor, b: Tensor, bs: number, out: k.NumArray): boolean {
  const w = wasmOperands(code, a, b, out);
  return w !== undefined && elementwiseWasmInto(code, a.size, w[0], a.offset, w[1], b.offset, bs, w[2]);
}

/** A contiguous block ∘ a row vector (a bias over a batch) on WebAssembly; false otherwise. */
function rowBroadcast(code: number, a: Tensor, b: Tensor, shape: readonly number[], out: k.NumArray): boolean {
  const n = shape[shape.length - 1] ?? 1;
  if (!(b.size === n && b.shape[b.ndim - 1] === n && b.isContiguous() && a.isContiguous() && sameShape(a.shape, shape))) return false;
  const w = wasmOperands(code, a, b, out);
  return w !== undefined && elementwiseRowsWasmInto(code, a.size / n, n, w[0], a.offset, w[1], b.offset, w[2]);
}

function unaryKernel(code: number, x: Tensor, dtype: DType): Tensor {
  const out = allocate(dtype, x.size);
  if (x.isContiguous()) {
    if (!(code === k.U_RELU && x.size >= ELEMENTWISE_MIN && x.data instanceof Float32Array && out instanceof Float32Array && useWasm() &&
      reluWasmInto(x.size, x.data, x.offset, out))) unaryRow(code, x.size, x.data, x.offset, 1, out, 0);
  } else {
    const inner = x.strides[x.ndim - 1] ?? 1;
    k.forEachRow(x.shape, [x.offset], [x.strides], (o, oo, n) => unaryRow(code, n, x.data, o[0]!, inner, out, oo));
  }
  return new Tensor(out, x.shape, dtype);
}

/** Broadcasting binary kernel into a fresh contiguous tensor. @internal */
export function binaryKernel(op: string, code: number, a: Tensor, b: Tensor, dtype: DType): Tensor {
  if (sameShape(a.shape, b.shape) && a.isContiguous() && b.isContiguous()) {
    const out = allocate(dtype, a.size);
    if (!wasmBinary(code, a, b, 1, out)) binaryRow(code, a.size, a.data, a.offset, 1, b.data, b.offset, 1, out, 0);
    return new Tensor(out, a.shape, dtype);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = allocate(dtype, shapeSize(shape));
  if (b.size === 1 && a.isContiguous() && sameShape(a.shape, shape)) {
    if (!wasmBinary(code, a, b, 0, out)) binaryRow(code, a.size, a.data, a.offset, 1, b.data, b.offset, 0, out, 0);
    return new Tensor(out, shape, dtype);
  }
  if (rowBroadcast(code, a, b, shape, out)) return new Tensor(out, shape, dtype);
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  const ia = sa[sa.length - 1] ?? 0;
  const ib = sb[sb.length - 1] ?? 0;
  k.forEachRow(shape, [a.offset, b.offset], [sa, sb], (o, oo, n) =>
    binaryRow(code, n, a.data, o[0]!, ia, b.data, o[1]!, ib, out, oo));
  return new Tensor(out, shape, dtype);
}

function shapeSize(s: readonly number[]): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

function unaryFloat(prim: Prim & ('neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh'), code: number, x: unknown, keepInt = false): Tensor {
  const t = asTensor(prim, 'x', x);
  const dtype = keepInt ? arithmeticType(t.dtype) : floatType(t.dtype);
  return record(prim, NO_PARAMS, [t], unaryKernel(code, t, dtype));
}

function binaryArith(prim: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum', code: number, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(prim, a, b);
  let dtype = arithmeticType(promoteTypes(ta.dtype, tb.dtype));
  if (prim === 'div') dtype = floatType(dtype);
  const c = code === k.B_MUL && dtype === 'int32' ? k.B_IMUL : code;
  return record(prim, NO_PARAMS, [ta, tb], binaryKernel(prim, c, ta, tb, dtype));
}

function compare(op: string, code: number, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(op, a, b);
  return binaryKernel(op, code, ta, tb, 'bool');
}

/**
 * `a + b` with broadcasting.
 * @example
 * ```ts
 * add(tensor([1, 2]), 10).toArray(); // [11, 12]
 * ```
 */
export function add(a: TensorLike, b: TensorLike): Tensor { return binaryArith('add', k.B_ADD, a, b); }
/**
 * `a - b` with broadcasting.
 * @example
 * ```ts
 * sub(tensor([[1], [2]]), tensor([1, 2])).toArray(); // [[0, -1], [1, 0]]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor { return binaryArith('sub', k.B_SUB, a, b); }
/**
 * `a * b` with broadcasting (int32 products wrap like C).
 * @example
 * ```ts
 * mul(tensor([1, 2]), tensor([3, 4])).toArray(); // [3, 8]
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor { return binaryArith('mul', k.B_MUL, a, b); }
/**
 * `a / b` with broadcasting; integer operands give float32.
 * @example
 * ```ts
 * div(tensor([1, 2], { dtype: 'int32' }), 2).toArray(); // [0.5, 1]
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor { return binaryArith('div', k.B_DIV, a, b); }
/**
 * `a ** b` with broadcasting.
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export function pow(a: TensorLike, b: TensorLike): Tensor { return binaryArith('pow', k.B_POW, a, b); }
/**
 * Elementwise maximum (NaN propagates; at ties the gradient is split evenly).
 * @example
 * ```ts
 * maximum(tensor([1, 5]), 3).toArray(); // [3, 5]
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor { return binaryArith('maximum', k.B_MAX, a, b); }
/**
 * Elementwise minimum (NaN propagates; at ties the gradient is split evenly).
 * @example
 * ```ts
 * minimum(tensor([1, 5]), 3).toArray(); // [1, 3]
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor { return binaryArith('minimum', k.B_MIN, a, b); }

/**
 * `-x`.
 * @example
 * ```ts
 * neg(tensor([1, -2])).toArray(); // [-1, 2]
 * ```
 */
export function neg(x: Tensor): Tensor { return unaryFloat('neg', k.U_NEG, x, true); }
/**
 * `e^x`.
 * @example
 * ```ts
 * exp(tensor([0])).item(); // 1
 * ```
 */
export function exp(x: Tensor): Tensor { return unaryFloat('exp', k.U_EXP, x); }
/**
 * Natural logarithm (NaN for negative inputs, -Infinity at 0, as IEEE).
 * @example
 * ```ts
 * log(tensor([1])).item(); // 0
 * ```
 */
export function log(x: Tensor): Tensor { return unaryFloat('log', k.U_LOG, x); }
/**
 * Square root.
 * @example
 * ```ts
 * sqrt(tensor([4, 9])).toArray(); // [2, 3]
 * ```
 */
export function sqrt(x: Tensor): Tensor { return unaryFloat('sqrt', k.U_SQRT, x); }
/**
 * Absolute value (gradient `sign(x)`, 0 at 0).
 * @example
 * ```ts
 * abs(tensor([-2, 3])).toArray(); // [2, 3]
 * ```
 */
export function abs(x: Tensor): Tensor { return unaryFloat('abs', k.U_ABS, x, true); }
/**
 * Rectified linear unit `max(x, 0)`; its gradient is 1 where x > 0 and 0 elsewhere (also at 0).
 * @example
 * ```ts
 * relu(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export function relu(x: Tensor): Tensor { return unaryFloat('relu', k.U_RELU, x, true); }

/**
 * `x > 0 ? ct : 0` elementwise for two tensors of one shape: relu's VJP as one primitive, so the
 * backward pass makes one pass and no bool mask (`where(greater(x, 0), ct, 0)` made two). The
 * result has `ct`'s dtype; a NaN or infinite `ct` where x ≤ 0 still gives 0, as with `where`.
 *
 * @internal
 * @example
 * ```ts
 * reluGrad(tensor([-1, 2]), tensor([5, 6])).toArray(); // [0, 6]
 * ```
 */
export function reluGrad(x: Tensor, ct: Tensor): Tensor {
  const xs = x.toTyped({ copy: false }), cs = ct.toTyped({ copy: false });
  const out = allocate(ct.dtype, ct.size);
  if (xs instanceof Float32Array && cs instanceof Float32Array && out instanceof Float32Array) {
    if (!(out.length >= ELEMENTWISE_MIN && useWasm() && reluGradWasmInto(out.length, xs, cs, out))) f.reluGradF32(out.length, xs, cs, out);
  }
  else for (let i = 0; i < out.length; i++) out[i] = xs[i]! > 0 ? cs[i]! : 0;
  return record('reluGrad', NO_PARAMS, [x, ct], new Tensor(out, ct.shape, ct.dtype));
}
/**
 * Logistic sigmoid, evaluated without overflow for large |x|.
 * @example
 * ```ts
 * sigmoid(tensor([0])).item(); // 0.5
 * ```
 */
export function sigmoid(x: Tensor): Tensor { return unaryFloat('sigmoid', k.U_SIGMOID, x); }
/**
 * Hyperbolic tangent.
 * @example
 * ```ts
 * tanh(tensor([0])).item(); // 0
 * ```
 */
export function tanh(x: Tensor): Tensor { return unaryFloat('tanh', k.U_TANH, x); }
/**
 * `x * x`.
 * @example
 * ```ts
 * square(tensor([3])).item(); // 9
 * ```
 */
export function square(x: Tensor): Tensor { return mul(x, x); }

/**
 * Sign of each element: -1, 0 or +1 (numpy convention; not differentiable, gradient 0).
 * For the bit-packing convention `sign(0) = +1` use the quantizers.
 * @example
 * ```ts
 * sign(tensor([-2, 0, 3])).toArray(); // [-1, 0, 1]
 * ```
 */
export function sign(x: Tensor): Tensor {
  const t = asTensor('sign', 'x', x);
  return unaryKernel(k.U_SIGN, t, arithmeticType(t.dtype));
}

/**
 * Largest integer ≤ x (not differentiable).
 * @example
 * ```ts
 * floor(tensor([1.5, -1.5])).toArray(); // [1, -2]
 * ```
 */
export function floor(x: Tensor): Tensor {
  const t = asTensor('floor', 'x', x);
  return unaryKernel(k.U_FLOOR, t, t.dtype === 'bool' ? 'int32' : t.dtype);
}

/**
 * Clamps every element into `[lo, hi]` (`minimum(maximum(x, lo), hi)`).
 * @example
 * ```ts
 * clip(tensor([-2, 0.5, 3]), 0, 1).toArray(); // [0, 0.5, 1]
 * ```
 */
export function clip(x: Tensor, lo: TensorLike, hi: TensorLike): Tensor {
  return minimum(maximum(x, lo), hi);
}

/**
 * `cond ? a : b` elementwise, broadcasting all three. `cond` is read as nonzero = true.
 * @example
 * ```ts
 * where(tensor([true, false]), tensor([1, 2]), 0).toArray(); // [1, 0]
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const op = 'where';
  const c = asTensor(op, 'cond', cond);
  const [ta, tb] = operands(op, a, b);
  const shape = broadcastShapes(op, broadcastShapes(op, c.shape, ta.shape), tb.shape);
  const dtype = promoteTypes(ta.dtype, tb.dtype);
  const out = allocate(dtype, shapeSize(shape));
  const sc = broadcastStrides(c.shape, c.strides, shape);
  const sa = broadcastStrides(ta.shape, ta.strides, shape);
  const sb = broadcastStrides(tb.shape, tb.strides, shape);
  const last = shape.length - 1;
  const cd = c.data, ad = ta.data, bd = tb.data;
  const fast = cd instanceof Uint8Array && ad instanceof Float32Array && bd instanceof Float32Array && out instanceof Float32Array;
  k.forEachRow(shape, [c.offset, ta.offset, tb.offset], [sc, sa, sb], (o, oo, n) => {
    if (fast) f.whereRowF32(n, cd, o[0]!, sc[last] ?? 0, ad, o[1]!, sa[last] ?? 0, bd, o[2]!, sb[last] ?? 0, out, oo);
    else k.whereRow(n, cd, o[0]!, sc[last] ?? 0, ad, o[1]!, sa[last] ?? 0, bd, o[2]!, sb[last] ?? 0, out, oo);
  });
  return record('where', NO_PARAMS, [c, ta, tb], new Tensor(out, shape, dtype));
}

/** `a > b` as bool. @example ```ts greater(tensor([1, 3]), 2).toArray(); // [false, true] ``` */
export function greater(a: TensorLike, b: TensorLike): Tensor { return compare('greater', k.B_GT, a, b); }
/** `a >= b` as bool. @example ```ts greaterEqual(tensor([2]), 2).toArray(); // [true] ``` */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor { return compare('greaterEqual', k.B_GE, a, b); }
/** `a < b` as bool. @example ```ts less(tensor([1, 3]), 2).toArray(); // [true, false] ``` */
export function less(a: TensorLike, b: TensorLike): Tensor { return compare('less', k.B_LT, a, b); }
/** `a <= b` as bool. @example ```ts lessEqual(tensor([2]), 2).toArray(); // [true] ``` */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor { return compare('lessEqual', k.B_LE, a, b); }
/** `a == b` as bool. @example ```ts equal(tensor([1, 2]), 2).toArray(); // [false, true] ``` */
export function equal(a: TensorLike, b: TensorLike): Tensor { return compare('equal', k.B_EQ, a, b); }
/** `a != b` as bool. @example ```ts notEqual(tensor([1, 2]), 2).toArray(); // [true, false] ``` */
export function notEqual(a: TensorLike, b: TensorLike): Tensor { return compare('notEqual', k.B_NE, a, b); }
/** Logical and (nonzero = true). @example ```ts logicalAnd(tensor([true, true]), tensor([true, false])).toArray(); // [true, false] ``` */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return compare('logicalAnd', k.B_AND, a, b); }
/** Logical or (nonzero = true). @example ```ts logicalOr(tensor([false, true]), 0).toArray(); // [false, true] ``` */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return compare('logicalOr', k.B_OR, a, b); }
/** Logical not (nonzero = true). @example ```ts logicalNot(tensor([0, 2])).toArray(); // [true, false] ``` */
export function logicalNot(x: Tensor): Tensor { return unaryKernel(k.U_NOT, asTensor('logicalNot', 'x', x), 'bool'); }
/** True where x is NaN. @example ```ts isnan(tensor([NaN, 1])).toArray(); // [true, false] ``` */
export function isnan(x: Tensor): Tensor { return unaryKernel(k.U_ISNAN, asTensor("isnan", "x", x), "bool"); }

/**
 * Converts to another dtype (a copy). Floats to integers truncate toward zero and wrap like the
 * target typed array; anything to bool is `x != 0`. Float-to-float casts are differentiable.
 * @example
 * ```ts
 * astype(tensor([1.7, -1.7]), 'int32').toArray(); // [1, -1]
 * ```
 */
export function astype(x: Tensor, dtype: DType): Tensor {
  const t = asTensor('astype', 'x', x);
  if (!isDType(dtype)) {
    throw new NumError('DTYPE_MISMATCH', 'astype', 'unknown dtype', 'float32 | float64 | int32 | int8 | uint8 | bool', describe(dtype));
  }
  if (t.dtype === dtype) return t;
  const out = unaryKernel(dtype === 'bool' ? k.U_NONZERO : k.U_COPY, t, dtype);
  return isFloat(t.dtype) ? record('cast', { dtype }, [t], out) : out;
}
