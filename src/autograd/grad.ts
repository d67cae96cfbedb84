/**
 * Functional reverse-mode autodiff in the style of JAX: `grad`, `valueAndGrad`, `vjp`,
 * `customVjp`, `stopGradient`, `noGrad`. Inputs and outputs are trees of tensors.
 *
 * How it works: `vjp` wraps each differentiated input in a fresh traced leaf, runs `f` with
 * recording on, and the pullback walks the recorded graph backwards from the outputs to those
 * leaves, applying the rules of `rules.ts`. Because the rules are ordinary ops, the pullback
 * records its own graph whenever an outer trace is active; that is all higher-order
 * differentiation needs. Outside any trace nothing is recorded and ops run at full speed.
 */
import { fnArg } from '../validate.js';
import { NumError, describe, fmtShape } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { add, astype } from '../tensor/ops/elementwise.js';
import { ones, zeros } from '../tensor/create.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { flatten, map, unflatten } from '../tree.js';
import { NO_PARAMS, attach, peekNextId, record, setTraceDepth, traceDepth } from '../tensor/tape.js';
import { vjpRules } from './rules.js';
import type { VjpRule } from './rules.js';
import type { Prim } from '../tensor/tape.js';


function detach(t: Tensor): Tensor {
  return t._node === undefined ? t : new Tensor(t.data, t.shape, t.dtype, t.strides, t.offset);
}

/**
 * Cuts the gradient: the result has the same values (sharing storage) but is a constant to
 * `grad`. Works on trees.
 *
 * @example
 * ```ts
 * grad((x: Tensor) => mul(x, stopGradient(x)).sum())(tensor([3])); // [3], not [6]
 * ```
 */
export function stopGradient<T extends Tree<Tensor>>(x: T): T {
  if (x instanceof Tensor) return detach(x) as T;
  return map((t: Tensor) => (t instanceof Tensor ? detach(t) : t), x) as T;
}

/**
 * Runs `fn` with gradient recording switched off (for evaluation inside a training step, or
 * for updates that must not be differentiated).
 *
 * @example
 * ```ts
 * const w = tensor([2]);
 * const y = noGrad(() => mul(w, w)); // no tape is recorded inside
 * y.toArray(); // [4]
 * ```
 */
export function noGrad<R>(fn: () => R): R {
  fnArg('noGrad', 'fn', fn);
  const prev = setTraceDepth(0);
  try {
    return fn();
  } finally {
    setTraceDepth(prev);
  }
}

/** Tape walk from `outputs` (with cotangents) back to `targets`. */
function backward(outputs: readonly Tensor[], cts: readonly Tensor[], targets: readonly Tensor[], startId: number): Tensor[] {
  const targetSet = new Set(targets);
  // Iterative post-order DFS; tensors created before this trace began cannot depend on its targets.
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const o of outputs) {
    if (seen.has(o) || o._node === undefined || o._node.id < startId) continue;
    seen.add(o);
    stack.push([o, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [t, i] = top;
      const inputs = targetSet.has(t) ? [] : t._node!.inputs;
      if (i < inputs.length) {
        top[1] = i + 1;
        const c = inputs[i]!;
        if (!seen.has(c) && c._node !== undefined && c._node.id >= startId) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        order.push(t);
      }
    }
  }
  const relevant = new Set<Tensor>();
  for (const t of order) {
    if (targetSet.has(t) || t._node!.inputs.some((c) => relevant.has(c))) relevant.add(t);
  }
  const acc = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    if (!sameShape(g.shape, t.shape)) {
      throw new NumError('SHAPE_MISMATCH', 'grad', `cotangent shape differs from its primal (${t._node?.prim ?? 'input'})`, fmtShape(t.shape), fmtShape(g.shape));
    }
    const gc = g.dtype === t.dtype ? g : astype(g, t.dtype);
    const prev = acc.get(t);
    acc.set(t, prev === undefined ? gc : add(prev, gc));
  };
  outputs.forEach((o, i) => { if (relevant.has(o)) accumulate(o, cts[i]!); });
  for (let j = order.length - 1; j >= 0; j--) {
    const t = order[j]!;
    if (targetSet.has(t)) continue;
    const g = acc.get(t);
    if (g === undefined) continue;
    acc.delete(t);
    const node = t._node!;
    const needs = node.inputs.map((c) => relevant.has(c));
    const rule = vjpRules[node.prim] as VjpRule<Prim>;
    const gs = rule(g, node.inputs, t, node.params, needs);
    node.inputs.forEach((c, i) => {
      const gi = gs[i];
      if (needs[i] && gi) accumulate(c, gi);
    });
  }
  return targets.map((t) => acc.get(t) ?? zeros(t.shape, { dtype: t.dtype }));
}

interface Traced {
  args: unknown[];
  /** Per differentiated arg: its leaves (traced wrappers) and its treedef. */
  wrapped: Map<number, { leaves: unknown[]; def: ReturnType<typeof flatten>[1] }>;
}

function traceArgs(op: string, args: readonly unknown[], argnums: readonly number[]): Traced {
  const wrapped: Traced['wrapped'] = new Map();
  const out = args.slice();
  for (const a of argnums) {
    if (!Number.isInteger(a) || a < 0 || a >= args.length) {
      throw new NumError('OUT_OF_RANGE', op, 'argnums entry out of range', `an integer in [0, ${args.length - 1}]`, String(a));
    }
    if (wrapped.has(a)) continue;
    const [ls, def] = flatten(args[a] as Tree<unknown>);
    const leaves = ls.map((l, i) => {
      if (!(l instanceof Tensor)) {
        throw new NumError('INVALID_ARGUMENT', op, `argument ${a} must be a tree of Tensors (leaf ${i})`, 'Tensor', describe(l));
      }
      if (!isFloat(l.dtype)) {
        throw new NumError('NOT_DIFFERENTIABLE', op, `argument ${a} leaf ${i} has an integer dtype`, 'float32 | float64', l.dtype);
      }
      return attach('identity', NO_PARAMS, [l], new Tensor(l.data, l.shape, l.dtype, l.strides, l.offset));
    });
    wrapped.set(a, { leaves, def });
    out[a] = unflatten(def, leaves);
  }
  return { args: out, wrapped };
}

/** Runs f under a new trace; returns its result and a pullback over the given argnums. */
function trace<R>(op: string, f: (...args: never[]) => R, args: readonly unknown[], argnums: readonly number[]):
  [R, (outLeaves: Tensor[], ctLeaves: Tensor[]) => Map<number, Tree<Tensor>>, number] {
  if (typeof f !== 'function') throw new NumError('INVALID_ARGUMENT', op, 'f must be a function', 'function', describe(f));
  const startId = peekNextId();
  const traced = traceArgs(op, args, argnums);
  const outer = traceDepth();
  setTraceDepth(outer + 1);
  let out: R;
  try {
    out = (f as (...a: unknown[]) => R)(...traced.args);
  } finally {
    setTraceDepth(outer);
  }
  const pull = (outLeaves: Tensor[], ctLeaves: Tensor[]): Map<number, Tree<Tensor>> => {
    const targets: Tensor[] = [];
    for (const w of traced.wrapped.values()) targets.push(...(w.leaves as Tensor[]));
    const gs = backward(outLeaves, ctLeaves, targets, startId);
    const res = new Map<number, Tree<Tensor>>();
    let k = 0;
    for (const [a, w] of traced.wrapped) {
      res.set(a, unflatten(w.def, gs.slice(k, k + w.leaves.length)));
      k += w.leaves.length;
    }
    return res;
  };
  return [out, pull, outer];
}

/**
 * Vector-Jacobian product: evaluates `f(...primals)` and returns its output and a pullback that
 * maps an output cotangent (same tree structure as the output) to cotangents of every primal.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH`/`SHAPE_MISMATCH` when the cotangent does not match the output.
 * @example
 * ```ts
 * const [y, pullback] = vjp((x: Tensor) => mul(x, x), tensor([1, 2]));
 * const [dx] = pullback(ones([2]));   // [2, 4]
 * ```
 */
export function vjp<A extends readonly Tree<Tensor>[], R extends Tree<Tensor>>(
  f: (...args: A) => R,
  ...primals: A
): [R, (ct: R) => A] {
  const argnums = primals.map((_, i) => i);
  const [out, pull, outer] = trace('vjp', f as unknown as (...a: never[]) => R, primals, argnums);
  const [outLeaves, outDef] = flatten(out);
  const pullback = (ct: R): A => {
    const [ctLeaves, ctDef] = flatten(ct);
    if (JSON.stringify(ctDef) !== JSON.stringify(outDef)) {
      throw new NumError('STRUCTURE_MISMATCH', 'vjp', 'cotangent tree differs from the output tree', `${outLeaves.length} leaves like the output`, `${ctLeaves.length} leaves`);
    }
    ctLeaves.forEach((c, i) => {
      const o = outLeaves[i]!;
      if (!(c instanceof Tensor) || !sameShape(c.shape, o.shape)) {
        throw new NumError('SHAPE_MISMATCH', 'vjp', `cotangent leaf ${i} does not match the output`, fmtShape(o.shape), c instanceof Tensor ? fmtShape(c.shape) : describe(c));
      }
    });
    const gs = pull(outLeaves, ctLeaves);
    return argnums.map((a) => gs.get(a)) as unknown as A;
  };
  return [(outer === 0 ? stopGradient(out) : out) as R, pullback];
}

/** Options of {@link grad} and {@link valueAndGrad}. */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[], Aux extends boolean = boolean> {
  /** Which argument(s) to differentiate: a number gives one gradient, an array a tuple. Default 0. */
  argnums?: N;
  /** `f` returns `[value, aux]`; aux is passed through undifferentiated. Default false. */
  hasAux?: Aux;
}

/** The gradient type for `argnums` N over argument types A. */
export type GradsOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: N[K] extends number ? A[N[K]] : never }
    : A[0];

function scalarOut(op: string, v: unknown): Tensor {
  if (!(v instanceof Tensor) || v.size !== 1 || !isFloat(v.dtype)) {
    throw new NumError('INVALID_ARGUMENT', op, 'f must return a scalar float tensor', 'a float tensor with one element',
      v instanceof Tensor ? `${v.dtype} ${fmtShape(v.shape)}` : describe(v));
  }
  return v;
}

function splitAux(op: string, r: unknown, hasAux: boolean): [Tensor, unknown] {
  if (!hasAux) return [scalarOut(op, r), undefined];
  if (!Array.isArray(r) || r.length !== 2) {
    throw new NumError('INVALID_ARGUMENT', op, 'with hasAux, f must return [value, aux]', 'a 2-element array', describe(r));
  }
  return [scalarOut(op, r[0]), r[1]];
}

function valueAndGradImpl(op: string, f: (...a: never[]) => unknown, opts: GradOptions | undefined) {
  const argnums = opts?.argnums ?? 0;
  if (typeof argnums !== 'number' && !Array.isArray(argnums)) throw new NumError('INVALID_ARGUMENT', op, 'argnums must be an index or an array of indices', 'number | number[]', describe(argnums));
  const list = typeof argnums === 'number' ? [argnums] : [...(argnums as readonly number[])];
  const hasAux = opts?.hasAux === true;
  return (...args: unknown[]): [Tensor, unknown, unknown] => {
    const [out, pull, outer] = trace(op, f, args, list);
    const [value, aux] = splitAux(op, out, hasAux);
    const gs = pull([value], [ones(value.shape, { dtype: value.dtype })]);
    const grads = typeof argnums === 'number' ? gs.get(argnums) : list.map((a) => gs.get(a));
    const keep = outer > 0;
    return [keep ? value : detach(value), keep || aux === undefined ? aux : stopGradient(aux as Tree<Tensor>), grads];
  };
}

/**
 * The gradient of a scalar function. `grad(f)(x)` returns the gradient for argument 0;
 * `argnums: [0, 1]` returns an array of gradients; with `hasAux: true`, `f` returns
 * `[value, aux]` and the result is `[grads, aux]`. Arguments are trees of float tensors.
 * Nests: `grad(grad(f))` gives second derivatives for every primitive.
 *
 * @throws {NumError} `INVALID_ARGUMENT` if `f` does not return a one-element float tensor,
 *   `NOT_DIFFERENTIABLE` for integer inputs.
 * @example
 * ```ts
 * const f = (x: Tensor) => tanh(x).sum();
 * grad(f)(tensor([0.5]));          // 1 - tanh(0.5)^2
 * grad((x: Tensor) => grad(f)(x).sum())(tensor([0.5])); // second derivative
 * ```
 */
export function grad<A extends readonly unknown[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => Tensor, opts?: GradOptions<N, false>): (...args: A) => GradsOf<A, N>;
export function grad<A extends readonly unknown[], Aux, const N extends number | readonly number[] = 0>(
  f: (...args: A) => readonly [Tensor, Aux], opts: GradOptions<N, true>): (...args: A) => [GradsOf<A, N>, Aux];
export function grad(f: (...a: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  const run = valueAndGradImpl('grad', f, opts);
  return (...args) => {
    const [, aux, grads] = run(...args);
    return opts?.hasAux === true ? [grads, aux] : grads;
  };
}

/**
 * Like {@link grad} but also returns the value: `[value, grads]`, or `[[value, aux], grads]`
 * with `hasAux`.
 *
 * @example
 * ```ts
 * const [loss, g] = valueAndGrad((w: Tensor) => square(w).sum())(tensor([1, 2]));
 * loss.item(); // 5;  g: [2, 4]
 * ```
 */
export function valueAndGrad<A extends readonly unknown[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => Tensor, opts?: GradOptions<N, false>): (...args: A) => [Tensor, GradsOf<A, N>];
export function valueAndGrad<A extends readonly unknown[], Aux, const N extends number | readonly number[] = 0>(
  f: (...args: A) => readonly [Tensor, Aux], opts: GradOptions<N, true>): (...args: A) => [[Tensor, Aux], GradsOf<A, N>];
export function valueAndGrad(f: (...a: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  const run = valueAndGradImpl('valueAndGrad', f, opts);
  return (...args) => {
    const [value, aux, grads] = run(...args);
    return opts?.hasAux === true ? [[value, aux], grads] : [value, grads];
  };
}

/**
 * Defines a function with a hand-written backward pass (straight-through estimators, fused ops).
 * `fwd(...args)` returns `[output, residuals]`; `bwd(residuals, ct)` returns one cotangent per
 * argument (null for none). `bwd` should be written in ops so that it can itself be
 * differentiated when second order is needed.
 *
 * @example
 * ```ts
 * // sign in the forward pass, identity (clipped to |x| <= 1) in the backward pass
 * const steSign = customVjp(
 *   (x: Tensor) => [where(greaterEqual(x, 0), 1, -1).astype(x.dtype), x] as const,
 *   (x: Tensor, ct: Tensor) => [where(lessEqual(abs(x), 1), ct, 0)],
 * );
 * ```
 */
export function customVjp<A extends Tensor[], Res>(
  fwd: (...args: A) => readonly [Tensor, Res],
  bwd: (residuals: Res, ct: Tensor) => readonly (Tensor | null | undefined)[],
): (...args: A) => Tensor {
  const op = 'customVjp';
  if (typeof fwd !== 'function' || typeof bwd !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'fwd and bwd must be functions', 'two functions', `${typeof fwd}, ${typeof bwd}`);
  }
  return (...args: A): Tensor => {
    args.forEach((a, i) => {
      if (!(a instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, `argument ${i} must be a Tensor`, 'Tensor', describe(a));
    });
    const r = fwd(...args);
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] instanceof Tensor)) {
      throw new NumError('INVALID_ARGUMENT', op, 'fwd must return [output, residuals]', '[Tensor, residuals]', describe(r));
    }
    const [y, res] = r;
    const out = new Tensor(y.data, y.shape, y.dtype, y.strides, y.offset);
    const back = (ct: Tensor): readonly (Tensor | null | undefined)[] => {
      const gs = bwd(res, ct);
      if (!Array.isArray(gs) || gs.length !== args.length) {
        throw new NumError('INVALID_ARGUMENT', op, 'bwd must return one cotangent per argument', `${args.length} entries`, describe(gs));
      }
      return gs;
    };
    return record('custom', { bwd: back }, args, out);
  };
}
