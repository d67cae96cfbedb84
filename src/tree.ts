/**
 * Trees: nested arrays and plain objects whose leaves are anything else (tensors, numbers,
 * typed arrays). Parameters, gradients and optimizer states are all trees. `null` and
 * `undefined` are empty subtrees (no leaves), so optional state can sit in a tree.
 *
 * Leaves come in a fixed order: arrays by index, objects by key insertion order.
 */
import { NumError, describe } from './errors.js';
import { tooDeep } from './depth.js';
import type { Tensor } from './tensor/tensor.js';

/** A nested structure of arrays and plain objects with leaves of type T. */
export type Tree<T> = T | readonly Tree<T>[] | { readonly [key: string]: Tree<T> } | null | undefined;

/** A tree of tensors: parameters, gradients, cotangents. */
export type Params = Tree<Tensor>;

/** The shape of a tree without its leaves; pass it to {@link unflatten}. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'none'; readonly value: null | undefined }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

/**
 * True for plain objects (`{}` literals or `Object.create(null)`). @internal
 * @example
 * ```ts
 * tree.isPlainObject({ a: 1 }); // true
 * tree.isPlainObject([1]); // false
 * tree.isPlainObject(tensor([1])); // false
 * ```
 */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * True when `x` is a leaf (not an array, a plain object, null or undefined).
 * @example
 * ```ts
 * tree.isLeaf(tensor([1])); // true
 * tree.isLeaf({ w: tensor([1]) }); // false
 * tree.isLeaf(null); // false
 * ```
 */
export function isLeaf(x: unknown): boolean {
  return x !== null && x !== undefined && !Array.isArray(x) && !isPlainObject(x);
}

/**
 * The leaves of a tree, in order.
 *
 * @example
 * ```ts
 * tree.leaves({ w: 1, b: [2, 3] }); // [1, 2, 3]
 * ```
 */
export function leaves<T>(t: Tree<T>): T[] {
  const out: T[] = [];
  walk(t, '', (leaf) => out.push(leaf as T));
  return out;
}

/**
 * Dotted, PyTorch-style names of the leaves, in leaf order (`"features.0.weight"`).
 * A tree that is a single leaf has the name `""`.
 *
 * @example
 * ```ts
 * tree.paths([{ weight: ones([2]), bias: zeros([1]) }]); // ['0.weight', '0.bias']
 * ```
 */
export function paths(t: Tree<unknown>): string[] {
  const out: string[] = [];
  walk(t, '', (_leaf, path) => out.push(path));
  return out;
}

/**
 * `[name, leaf]` pairs in leaf order.
 *
 * @example
 * ```ts
 * tree.entries({ a: { b: 1 } }); // [['a.b', 1]]
 * ```
 */
export function entries<T>(t: Tree<T>): [string, T][] {
  const out: [string, T][] = [];
  walk(t, '', (leaf, path) => out.push([path, leaf as T]));
  return out;
}

function join(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

function walk(t: unknown, path: string, visit: (leaf: unknown, path: string) => void, depth = 0): void {
  if (t === null || t === undefined) return;
  tooDeep('tree.leaves', depth);
  if (Array.isArray(t)) {
    t.forEach((c, i) => walk(c, join(path, i), visit, depth + 1));
  } else if (isPlainObject(t)) {
    for (const key of Object.keys(t)) walk(t[key], join(path, key), visit, depth + 1);
  } else visit(t, path);
}

/**
 * Splits a tree into its leaves and a {@link TreeDef} that rebuilds it.
 *
 * @example
 * ```ts
 * const [ls, def] = tree.flatten({ a: 1, b: [2] });
 * tree.unflatten(def, ls.map((x) => x * 10)); // { a: 10, b: [20] }
 * ```
 */
export function flatten<T>(t: Tree<T>): [T[], TreeDef] {
  const out: T[] = [];
  const def = (x: unknown, depth: number): TreeDef => {
    if (x === null || x === undefined) return { kind: 'none', value: x };
    tooDeep('tree.flatten', depth);
    if (Array.isArray(x)) return { kind: 'array', children: x.map((c) => def(c, depth + 1)) };
    if (isPlainObject(x)) {
      const keys = Object.keys(x);
      return { kind: 'object', keys, children: keys.map((k) => def(x[k], depth + 1)) };
    }
    out.push(x as T);
    return { kind: 'leaf' };
  };
  const d = def(t, 0);
  return [out, d];
}

/**
 * Number of leaves a TreeDef holds.
 * @example
 * ```ts
 * const [, def] = tree.flatten({ w: tensor([1]), b: [tensor([2]), null] });
 * tree.numLeaves(def); // 2
 * ```
 */
export function numLeaves(def: TreeDef): number {
  return countLeaves('tree.numLeaves', def, 0);
}

/** Leaf count of a TreeDef that arrived from outside: every node is checked as it is counted. */
function countLeaves(op: string, def: unknown, depth: number): number {
  tooDeep(op, depth);
  const d = def as { kind?: unknown; children?: unknown; keys?: unknown } | null;
  const kind = d !== null && typeof d === 'object' ? d.kind : undefined;
  if (kind === 'leaf') return 1;
  if (kind === 'none') return 0;
  if ((kind === 'array' || kind === 'object') && Array.isArray(d!.children)
    && (kind === 'array' || (Array.isArray(d!.keys) && d!.keys.length === d!.children.length && d!.keys.every((k) => typeof k === 'string')))) {
    let n = 0;
    for (const c of d!.children as unknown[]) n += countLeaves(op, c, depth + 1);
    return n;
  }
  throw new NumError('STRUCTURE_MISMATCH', op, 'not a TreeDef (from tree.flatten)', "{ kind: 'leaf' | 'none' | 'array' | 'object', ... }", describe(def));
}

/**
 * Rebuilds a tree from a {@link TreeDef} and leaves (the inverse of {@link flatten}).
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` when the number of leaves differs.
 * @example
 * ```ts
 * const [, def] = tree.flatten([0, { x: 0 }]);
 * tree.unflatten(def, ['a', 'b']); // ['a', { x: 'b' }]
 * ```
 */
export function unflatten<T>(def: TreeDef, ls: readonly T[]): Tree<T> {
  const need = countLeaves('tree.unflatten', def, 0);
  if (!Array.isArray(ls)) throw new NumError('INVALID_ARGUMENT', 'tree.unflatten', 'leaves must be an array', 'array', describe(ls));
  if (need !== ls.length) {
    throw new NumError('STRUCTURE_MISMATCH', 'tree.unflatten', 'wrong number of leaves', String(need), String(ls.length));
  }
  let i = 0;
  const build = (d: TreeDef): Tree<T> => {
    switch (d.kind) {
      case 'leaf': return ls[i++] as T;
      case 'none': return d.value;
      case 'array': return d.children.map(build);
      default: {
        const o: Record<string, Tree<T>> = {};
        d.keys.forEach((k, j) => { o[k] = build(d.children[j]!); });
        return o;
      }
    }
  };
  return build(def);
}

/**
 * Applies `fn` to corresponding leaves of one or more trees with the same structure, and
 * returns a tree of the results.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` naming the first path where the trees differ.
 * @example
 * ```ts
 * tree.map((x: number) => x * 2, { a: 1, b: [2, 3] });            // { a: 2, b: [4, 6] }
 * const params = { w: tensor([1, 2]) }, grads = { w: tensor([10, 10]) };
 * tree.leaves(tree.map((p: Tensor, g: Tensor) => sub(p, mul(0.1, g)), params, grads))[0]!.toArray(); // [0, 1]
 * ```
 */
export function map<T, R>(fn: (...leaves: T[]) => R, t: Tree<T>, ...rest: Tree<T>[]): Tree<R> {
  if (typeof fn !== 'function') throw new NumError('INVALID_ARGUMENT', 'tree.map', 'fn must be a function', 'function', describe(fn));
  return mapWithPath((_path, ...ls) => fn(...ls), t, ...rest);
}

/**
 * Like {@link map}, with the leaf's dotted path as the first argument.
 *
 * @example
 * ```ts
 * tree.mapWithPath((path, x: number) => `${path}=${x}`, { a: [1] }); // { a: ['a.0=1'] }
 * ```
 */
export function mapWithPath<T, R>(fn: (path: string, ...leaves: T[]) => R, t: Tree<T>, ...rest: Tree<T>[]): Tree<R> {
  if (typeof fn !== 'function') throw new NumError('INVALID_ARGUMENT', 'tree.map', 'fn must be a function', 'function', describe(fn));
  const go = (x: unknown, others: unknown[], path: string, depth = 0): unknown => {
    tooDeep('tree.map', depth);
    if (x === null || x === undefined) {
      for (const o of others) {
        if (o !== null && o !== undefined) mismatch(path, 'an empty subtree', o);
      }
      return x;
    }
    if (Array.isArray(x)) {
      for (const o of others) {
        if (!Array.isArray(o) || o.length !== x.length) mismatch(path, `an array of length ${x.length}`, o);
      }
      return x.map((c, i) => go(c, others.map((o) => (o as unknown[])[i]), join(path, i), depth + 1));
    }
    if (isPlainObject(x)) {
      const keys = Object.keys(x);
      for (const o of others) {
        if (!isPlainObject(o)) mismatch(path, `an object with keys {${keys.join(', ')}}`, o);
        const ok = Object.keys(o);
        if (ok.length !== keys.length || ok.some((k) => !(k in x))) mismatch(path, `keys {${keys.join(', ')}}`, `keys {${ok.join(', ')}}`);
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = go(x[k], others.map((o) => (o as Record<string, unknown>)[k]), join(path, k), depth + 1);
      return out;
    }
    for (const o of others) {
      if (!isLeaf(o)) mismatch(path, 'a leaf', o);
    }
    return fn(path, x as T, ...(others as T[]));
  };
  return go(t, rest, '') as Tree<R>;
}

function mismatch(path: string, expected: string, got: unknown): never {
  const where = path === '' ? 'at the root' : `at '${path}'`;
  throw new NumError('STRUCTURE_MISMATCH', 'tree.map', `trees differ ${where}`, expected, typeof got === 'string' ? got : describe(got));
}

/**
 * True when two trees have the same structure (same nesting, keys and number of leaves).
 *
 * @example
 * ```ts
 * tree.sameStructure({ a: 1 }, { a: 'x' }); // true
 * ```
 */
export function sameStructure(a: Tree<unknown>, b: Tree<unknown>): boolean {
  return JSON.stringify(flatten(a)[1]) === JSON.stringify(flatten(b)[1]);
}
