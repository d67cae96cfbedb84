/**
 * The closed set of differentiable primitives and the tape that records them.
 *
 * Every differentiable op in the library lowers to one of these; composite ops (softmax,
 * logsumexp, clip, mean, …) are built from them and need no rule of their own. The rule table in
 * `rules.ts` is typed `{[P in Prim]: VjpRule<P>}`, so adding a primitive here without a rule
 * fails to compile.
 */
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Window } from '../tensor/kernels/conv.js';
import type { SparseRows } from '../sparse/csr.js';
import type { SpmmMode } from '../sparse/kernels.js';

/** Parameters recorded with each primitive (what its VJP rule needs beyond the inputs). */
export interface PrimParams {
  identity: Record<string, never>;
  neg: Record<string, never>;
  exp: Record<string, never>;
  log: Record<string, never>;
  sqrt: Record<string, never>;
  abs: Record<string, never>;
  relu: Record<string, never>;
  /** relu's VJP in one pass: `x > 0 ? ct : 0` (inputs x, ct). */
  reluGrad: Record<string, never>;
  sigmoid: Record<string, never>;
  tanh: Record<string, never>;
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  div: Record<string, never>;
  pow: Record<string, never>;
  maximum: Record<string, never>;
  minimum: Record<string, never>;
  where: Record<string, never>;
  sum: { readonly axes: readonly number[]; readonly keepdims: boolean };
  max: { readonly axes: readonly number[]; readonly keepdims: boolean };
  reshape: Record<string, never>;
  permute: { readonly axes: readonly number[] };
  broadcast: Record<string, never>;
  slice: { readonly starts: readonly number[]; readonly steps: readonly number[] };
  unslice: { readonly shape: readonly number[]; readonly starts: readonly number[]; readonly steps: readonly number[] };
  concat: { readonly axis: number };
  gather: { readonly axis: number };
  scatterAdd: { readonly axis: number; readonly size: number };
  matmul: Record<string, never>;
  cast: { readonly dtype: DType };
  im2col: { readonly win: Window; readonly padValue: number };
  col2im: { readonly win: Window; readonly shape: readonly number[] };
  spmm: { readonly mode: SpmmMode; readonly pattern: SparseRows };
  sddmm: { readonly pattern: SparseRows };
  custom: { readonly bwd: (ct: Tensor) => readonly (Tensor | null | undefined)[] };
}

/** A primitive's name. */
export type Prim = keyof PrimParams;

/** What the tape stores on a tensor produced by a recorded primitive. */
export interface Node<P extends Prim = Prim> {
  readonly prim: P;
  readonly params: PrimParams[P];
  readonly inputs: readonly Tensor[];
  /** Creation order; a tensor can only depend on tensors with a smaller id. */
  readonly id: number;
}

let depth = 0;
let nextId = 1;

/** Number of `vjp`/`grad` traces currently running their function. @internal */
export function traceDepth(): number {
  return depth;
}

/** Sets the trace depth and returns the previous one. @internal */
export function setTraceDepth(d: number): number {
  const prev = depth;
  depth = d;
  return prev;
}

/** Next node id (monotone). @internal */
export function peekNextId(): number {
  return nextId;
}

/**
 * Records `out = prim(inputs)` on the tape when a trace is active and some input is traced.
 * Non-float outputs are never recorded: they carry no gradient.
 * @internal
 */
export function record<P extends Prim>(prim: P, params: PrimParams[P], inputs: readonly Tensor[], out: Tensor): Tensor {
  if (depth === 0) return out;
  if (out.dtype !== 'float32' && out.dtype !== 'float64') return out;
  for (const t of inputs) {
    if (t._node !== undefined) {
      out._node = { prim, params, inputs, id: nextId++ } as Node;
      return out;
    }
  }
  return out;
}

/** Attaches a node unconditionally (used for trace leaves). @internal */
export function attach<P extends Prim>(prim: P, params: PrimParams[P], inputs: readonly Tensor[], out: Tensor): Tensor {
  out._node = { prim, params, inputs, id: nextId++ } as Node;
  return out;
}

/** An empty params record. @internal */
export const NO_PARAMS: Record<string, never> = {};
