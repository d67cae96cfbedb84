/**
 * Reverse-mode rules, one per primitive. Each rule is written in differentiable ops on the taped
 * tensors (forward outputs are the recorded `out` tensor, never a detached copy), so the
 * backward pass itself records a graph when an outer trace is active and `grad(grad(f))` works
 * for every primitive.
 */
import type { Tensor } from '../tensor/tensor.js';
import { add, astype, div, equal, greater, less, mul, neg, pow, reluGrad, sign, sub, where, log } from '../tensor/ops/elementwise.js';
import { broadcastTo, gather, mT, permute, reshape, scatterAdd, slice, unslice } from '../tensor/ops/movement.js';
import { sum, sumTo } from '../tensor/ops/reduce.js';
import { matmul } from '../tensor/ops/matmul.js';
import { col2im, im2col } from '../tensor/ops/conv.js';
import { sddmm, sddmmColumns, spmm } from '../sparse/primitives.js';
import type { Prim, PrimParams } from '../tensor/tape.js';

/**
 * A VJP rule: given the output cotangent `ct`, the primitive's inputs, its output and params,
 * returns one cotangent per input (null where none is needed, per `needs`).
 */
export type VjpRule<P extends Prim> = (
  ct: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  params: PrimParams[P],
  needs: readonly boolean[],
) => readonly (Tensor | null | undefined)[];


function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** 1 where the first operand wins, 0.5 at ties, 0 elsewhere (a constant mask). */
function winMask(a: Tensor, b: Tensor, first: (x: Tensor, y: Tensor) => Tensor, dtype: Tensor['dtype']): Tensor {
  return add(astype(first(a, b), dtype), mul(astype(equal(a, b), dtype), 0.5));
}

/**
 * True for a 2-D product whose `b` is a transposed view (a linear layer's `x · Wᵀ`): its cotangent
 * is then computed as `(ctᵀ a)ᵀ`, the same sums laid out like `b`, so the weight's gradient
 * arrives contiguous in the weight's own layout and the optimizer reads it in order.
 */
function columnMajor(a: Tensor, b: Tensor): boolean {
  return a.ndim === 2 && b.ndim === 2 && b.strides[0] === 1 && b.strides[1] === b.shape[0] && b.shape[1] !== 1;
}

/** The rule table. Its type makes a primitive without a rule a compile error. */
export const vjpRules: { readonly [P in Prim]: VjpRule<P> } = {
  identity: (ct) => [ct],
  neg: (ct) => [neg(ct)],
  exp: (ct, _x, out) => [mul(ct, out)],
  log: (ct, [x]) => [div(ct, x!)],
  sqrt: (ct, _x, out) => [div(mul(ct, 0.5), out)],
  abs: (ct, [x]) => [mul(ct, sign(x!))],
  relu: (ct, [x]) => [reluGrad(x!, ct)],
  // Linear in ct, piecewise constant in x (whose derivative is 0 almost everywhere).
  reluGrad: (ct, [x]) => [null, reluGrad(x!, ct)],
  sigmoid: (ct, _x, out) => [mul(ct, mul(out, sub(1, out)))],
  tanh: (ct, _x, out) => [mul(ct, sub(1, mul(out, out)))],

  add: (ct, [a, b]) => [sumTo(ct, a!.shape), sumTo(ct, b!.shape)],
  sub: (ct, [a, b], _o, _p, needs) => [sumTo(ct, a!.shape), needs[1] ? sumTo(neg(ct), b!.shape) : null],
  mul: (ct, [a, b], _o, _p, needs) => [
    needs[0] ? sumTo(mul(ct, b!), a!.shape) : null,
    needs[1] ? sumTo(mul(ct, a!), b!.shape) : null,
  ],
  div: (ct, [a, b], out, _p, needs) => [
    needs[0] ? sumTo(div(ct, b!), a!.shape) : null,
    needs[1] ? sumTo(neg(div(mul(ct, out), b!)), b!.shape) : null,
  ],
  pow: (ct, [a, b], out, _p, needs) => [
    needs[0] ? sumTo(mul(ct, mul(b!, pow(a!, sub(b!, 1)))), a!.shape) : null,
    // log(a) only where a > 0: elsewhere the derivative in b is taken as 0 (as JAX does at a = 0).
    needs[1] ? sumTo(mul(ct, mul(out, log(where(greater(a!, 0), a!, 1)))), b!.shape) : null,
  ],
  maximum: (ct, [a, b], _o, _p, needs) => {
    const m = winMask(a!, b!, greater, ct.dtype);
    return [needs[0] ? sumTo(mul(ct, m), a!.shape) : null, needs[1] ? sumTo(mul(ct, sub(1, m)), b!.shape) : null];
  },
  minimum: (ct, [a, b], _o, _p, needs) => {
    const m = winMask(a!, b!, less, ct.dtype);
    return [needs[0] ? sumTo(mul(ct, m), a!.shape) : null, needs[1] ? sumTo(mul(ct, sub(1, m)), b!.shape) : null];
  },
  where: (ct, [c, a, b], _o, _p, needs) => [
    null,
    needs[1] ? sumTo(where(c!, ct, 0), a!.shape) : null,
    needs[2] ? sumTo(where(c!, 0, ct), b!.shape) : null,
  ],

  sum: (ct, [x], _o, { axes, keepdims }) => {
    const g = keepdims ? ct : reshape(ct, keptShape(x!.shape, axes));
    return [broadcastTo(g, x!.shape)];
  },
  max: (ct, [x], out, { axes, keepdims }) => {
    const kept = keptShape(x!.shape, axes);
    const o = keepdims ? out : reshape(out, kept);
    const mask = astype(equal(x!, o), ct.dtype);
    const count = sum(mask, { axis: axes, keepdims: true });
    const g = keepdims ? ct : reshape(ct, kept);
    return [mul(mask, div(g, count))];
  },

  reshape: (ct, [x]) => [reshape(ct, x!.shape)],
  permute: (ct, _x, _o, { axes }) => {
    const inv = new Array<number>(axes.length);
    axes.forEach((a, i) => { inv[a] = i; });
    return [permute(ct, inv)];
  },
  broadcast: (ct, [x]) => [sumTo(ct, x!.shape)],
  slice: (ct, [x], _o, { starts, steps }) => [unslice(ct, x!.shape, starts, steps)],
  unslice: (ct, [x], _o, { starts, steps }) => [
    slice(ct, starts, starts.map((s, i) => s + (x!.shape[i]! - 1) * steps[i]! + 1), steps),
  ],
  concat: (ct, inputs, _o, { axis }, needs) => {
    let start = 0;
    return inputs.map((t, i) => {
      const len = t.shape[axis]!;
      const begin = start;
      start += len;
      if (!needs[i]) return null;
      const starts = t.shape.map((_, j) => (j === axis ? begin : 0));
      const ends = t.shape.map((_d, j) => (j === axis ? begin + len : ct.shape[j]!));
      return slice(ct, starts, ends);
    });
  },
  gather: (ct, [x, idx], _o, { axis }) => [scatterAdd(ct, idx!, { axis, size: x!.shape[axis]! }), null],
  scatterAdd: (ct, [, idx], _o, { axis }) => [gather(ct, idx!, { axis }), null],

  matmul: (ct, [a, b], _o, _p, needs) => [
    needs[0] ? sumTo(matmul(ct, mT(b!)), a!.shape) : null,
    needs[1] ? (columnMajor(a!, b!) ? mT(matmul(mT(ct), a!)) : sumTo(matmul(mT(a!), ct), b!.shape)) : null,
  ],
  cast: (ct, [x]) => [astype(ct, x!.dtype)],
  im2col: (ct, [x], _o, { win }) => [col2im(ct, x!.shape, win)],
  col2im: (ct, _x, _o, { win }) => [im2col(ct, win, 0)],
  // A is the sparse matrix (pattern, values = input 0); B the dense input 1. Each orientation's
  // cotangents are the product in the adjoint orientation and a sampled product on the pattern.
  spmm: (ct, [v, b], _o, { mode, pattern }, needs) => {
    switch (mode) {
      case 'AB': return [needs[0] ? sddmm(pattern, ct, b!) : null, needs[1] ? spmm('AtB', pattern, v!, ct) : null];
      case 'AtB': return [needs[0] ? sddmm(pattern, b!, ct) : null, needs[1] ? spmm('AB', pattern, v!, ct) : null];
      case 'BAt': return [needs[0] ? sddmmColumns(pattern, ct, b!) : null, needs[1] ? spmm('BA', pattern, v!, ct) : null];
      case 'BA': return [needs[0] ? sddmmColumns(pattern, b!, ct) : null, needs[1] ? spmm('BAt', pattern, v!, ct) : null];
    }
  },
  sddmm: (ct, [x, z], _o, { pattern }, needs) => [
    needs[0] ? spmm('AB', pattern, ct, z!) : null,
    needs[1] ? spmm('AtB', pattern, ct, x!) : null,
  ],
  custom: (ct, _x, _o, { bwd }) => bwd(ct),
};
