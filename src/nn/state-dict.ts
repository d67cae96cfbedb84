/**
 * PyTorch-style state dicts: named tensors in and out of a params tree. `loadStateDict` fills
 * a tree (from `model.init`) with tensors named the way `torch.nn.Module.state_dict()` names
 * them (`conv1.weight`, `fc2.bias`), and reports missing, unexpected and shape-mismatched names
 * the way `load_state_dict(strict=True)` does; `stateDict` is the inverse, for export.
 *
 * edgegrad's layers already use PyTorch's layouts (linear `[out, in]`, conv `[out, in/groups,
 * kh, kw]`), so tensors copy over without transposes; only the names differ (a sequential
 * model's tree is indexed by layer position: `0.weight`, `3.weight`, …), which `rename` maps.
 *
 * @module
 */
import { NumError, describe, fmtShape } from '../errors.js';
import type { LoadedTree, SavedLeaf } from '../io/format.js';
import { astype } from '../tensor/ops/elementwise.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params, Tree } from '../tree.js';
import { entries, isPlainObject, mapWithPath } from '../tree.js';

/**
 * Name mapping between a checkpoint and a params tree. A record maps checkpoint *prefixes* (whole
 * dot-separated segments; the longest match wins) to params-tree prefixes, e.g.
 * `{ conv1: '0', conv2: '3', fc1: '7', fc2: '9' }` for `nn.lenet5()`. A function maps a full
 * checkpoint name to a params path, or to `null` to drop that tensor silently (neither loaded nor
 * reported as unexpected, e.g. BatchNorm's `num_batches_tracked`).
 */
export type StateDictRename = Readonly<Record<string, string>> | ((name: string) => string | null);

/** Options of {@link loadStateDict}. */
export interface LoadStateDictOptions {
  /** Checkpoint names → params paths (default: names are params paths). */
  rename?: StateDictRename | undefined;
  /**
   * As in PyTorch: when true (the default), any missing or unexpected name is an error. Shape
   * mismatches are errors either way.
   */
  strict?: boolean | undefined;
}

/** What {@link loadStateDict} returns: the filled tree and, as PyTorch's `_IncompatibleKeys`, the names not matched. */
export interface LoadStateDictResult<P extends Params> {
  /** A new tree of `params`' structure; leaves not in the checkpoint are `params`' own tensors. */
  params: P;
  /** Params paths the checkpoint did not provide (empty when `strict`). */
  missingKeys: string[];
  /** Checkpoint names (as written, before renaming) that match no params path (empty when `strict`). */
  unexpectedKeys: string[];
}

const OP_LOAD = 'nn.loadStateDict';
const OP_SAVE = 'nn.stateDict';

function renamer(op: string, rename: StateDictRename | undefined): (name: string) => string | null {
  if (rename === undefined) return (n) => n;
  if (typeof rename === 'function') {
    return (n) => {
      const r = rename(n);
      if (r !== null && typeof r !== 'string') throw new NumError('INVALID_ARGUMENT', op, `rename returned a non-string for ${JSON.stringify(n)}`, 'string | null', describe(r));
      return r;
    };
  }
  if (!isPlainObject(rename)) throw new NumError('INVALID_ARGUMENT', op, 'rename must be a record of name prefixes or a function', 'Record<string, string> | (name) => string | null', describe(rename));
  for (const [k, v] of Object.entries(rename)) {
    if (typeof v !== 'string') throw new NumError('INVALID_ARGUMENT', op, `rename[${JSON.stringify(k)}] must be a string`, 'string', describe(v));
  }
  const prefixes = Object.keys(rename).sort((a, b) => b.length - a.length);
  return (n) => {
    for (const p of prefixes) {
      if (n === p || n.startsWith(`${p}.`)) {
        const to = rename[p]!;
        const rest = n.slice(p.length + 1);
        return rest === '' ? to : to === '' ? rest : `${to}.${rest}`;
      }
    }
    return n;
  };
}

/** The named tensors of a `loadTree` result, its `.tree`, or a flat `{ name: Tensor }` record. */
function namedTensors(source: unknown): [string, unknown][] {
  const tree = isPlainObject(source) && 'tree' in source && 'metadata' in source ? (source as unknown as LoadedTree).tree : source;
  if (tree === null || typeof tree !== 'object') {
    throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'tensors must be a loadTree result, its tree, or a record of named tensors', 'LoadedTree | Tree<Tensor>', describe(source));
  }
  return entries(tree as Tree<SavedLeaf>);
}

/**
 * Fills `params` with the tensors of a PyTorch-style state dict (from `loadTree` of a
 * `.safetensors` file written by Python's `safetensors.torch.save_file(model.state_dict(), …)`).
 * Each tensor is cast to the dtype of the leaf it replaces. The input tree is not modified.
 *
 * @throws {NumError} `STRUCTURE_MISMATCH` listing every missing and unexpected name (when
 *   `strict`) and every shape mismatch, in one message; `INVALID_ARGUMENT` for bad options or a
 *   non-tensor entry that maps to a param.
 * @example
 * ```ts
 * const model = nn.lenet5();
 * const { params } = model.init(key(0), [1, 28, 28]);
 * const rename = { conv1: '0', conv2: '3', fc1: '7', fc2: '9' };
 * const bytes = saveTree(nn.stateDict(params, { rename })); // stands in for a PyTorch file
 * const ckpt = loadTree(bytes);   // conv1.weight, conv1.bias, conv2.*, fc1.*, fc2.*
 * const r = nn.loadStateDict(params, ckpt, { rename: { conv1: '0', conv2: '3', fc1: '7', fc2: '9' } });
 * r.params;                       // the model's tree with the checkpoint's tensors
 * ```
 */
export function loadStateDict<P extends Params>(params: P, tensors: LoadedTree | Tree<SavedLeaf>, opts?: LoadStateDictOptions): LoadStateDictResult<P> {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'options must be an object', '{ rename?, strict? }', describe(opts));
  const strict = opts?.strict ?? true;
  if (typeof strict !== 'boolean') throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'strict must be a boolean', 'boolean', describe(strict));
  const rename = renamer(OP_LOAD, opts?.rename);
  const targets = new Map(entries(params as Tree<Tensor>));
  for (const [path, leaf] of targets) {
    if (!(leaf instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', OP_LOAD, `params leaf ${JSON.stringify(path)} is not a Tensor`, 'Tensor', describe(leaf));
  }

  const found = new Map<string, Tensor>();
  const unexpected: string[] = [], mismatched: string[] = [];
  for (const [name, value] of namedTensors(tensors)) {
    const path = rename(name);
    if (path === null) continue;
    const target = targets.get(path);
    if (target === undefined) {
      unexpected.push(name);
      continue;
    }
    if (!(value instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', OP_LOAD, `checkpoint entry ${JSON.stringify(name)} is not a tensor`, 'Tensor', describe(value));
    if (found.has(path)) throw new NumError('STRUCTURE_MISMATCH', OP_LOAD, `two checkpoint names map to ${JSON.stringify(path)}`, 'one name per param', name);
    if (value.shape.length !== target.shape.length || value.shape.some((d, i) => d !== target.shape[i])) {
      mismatched.push(`size mismatch for ${JSON.stringify(path)}${path === name ? '' : ` (${JSON.stringify(name)})`}: the checkpoint has ${fmtShape(value.shape)}, the model ${fmtShape(target.shape)}`);
      continue;
    }
    found.set(path, value.dtype === target.dtype ? value : astype(value, target.dtype));
  }
  const missing = [...targets.keys()].filter((p) => !found.has(p) && !mismatched.some((m) => m.startsWith(`size mismatch for ${JSON.stringify(p)}`)));

  const problems: string[] = [];
  if (strict && missing.length > 0) problems.push(`missing key(s): ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
  if (strict && unexpected.length > 0) problems.push(`unexpected key(s): ${unexpected.map((k) => JSON.stringify(k)).join(', ')}`);
  problems.push(...mismatched);
  if (problems.length > 0) {
    throw new NumError('STRUCTURE_MISMATCH', OP_LOAD, `error(s) loading the state dict: ${problems.join('; ')}`,
      `${targets.size} params matched by name and shape`, `${found.size} matched`);
  }
  const out = mapWithPath((path: string, leaf: Tensor) => found.get(path) ?? leaf, params as Tree<Tensor>) as P;
  return { params: out, missingKeys: missing, unexpectedKeys: unexpected };
}

/** Options of {@link stateDict}. */
export interface StateDictOptions {
  /**
   * The same record as given to {@link loadStateDict} (checkpoint prefixes → params prefixes; it
   * is applied in reverse here), or a function from a params path to the exported name.
   */
  rename?: Readonly<Record<string, string>> | ((path: string) => string) | undefined;
}

/**
 * The inverse of {@link loadStateDict}: a flat `{ name: Tensor }` record with PyTorch-style
 * names, in tree order. `saveTree` of it writes a `.safetensors` file that Python's
 * `safetensors.torch.load_file` reads into `model.load_state_dict`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a non-tensor leaf or bad options; `STRUCTURE_MISMATCH` when two paths get one name.
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * const sd = nn.stateDict(params, { rename: { conv1: '0', conv2: '3', fc1: '7', fc2: '9' } });
 * Object.keys(sd)[0];         // 'conv1.weight'
 * const bytes = saveTree(sd);
 * ```
 */
export function stateDict(params: Params, opts?: StateDictOptions): Record<string, Tensor> {
  const r = opts?.rename;
  let name: (path: string) => string;
  if (r === undefined) name = (p) => p;
  else if (typeof r === 'function') name = r;
  else {
    if (!isPlainObject(r)) throw new NumError('INVALID_ARGUMENT', OP_SAVE, 'rename must be a record of name prefixes or a function', 'Record<string, string> | (path) => string', describe(r));
    const inverse: Record<string, string> = {};
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== 'string') throw new NumError('INVALID_ARGUMENT', OP_SAVE, `rename[${JSON.stringify(k)}] must be a string`, 'string', describe(v));
      inverse[v] = k;
    }
    const f = renamer(OP_SAVE, inverse);
    name = (p) => f(p) ?? p;
  }
  const out: Record<string, Tensor> = {};
  for (const [path, leaf] of entries(params as Tree<Tensor>)) {
    if (!(leaf instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', OP_SAVE, `params leaf ${JSON.stringify(path)} is not a Tensor`, 'Tensor', describe(leaf));
    const n = name(path);
    if (typeof n !== 'string') throw new NumError('INVALID_ARGUMENT', OP_SAVE, `rename returned a non-string for ${JSON.stringify(path)}`, 'string', describe(n));
    if (Object.prototype.hasOwnProperty.call(out, n)) throw new NumError('STRUCTURE_MISMATCH', OP_SAVE, `two params paths are exported as ${JSON.stringify(n)}`, 'one name per param', path);
    Object.defineProperty(out, n, { value: leaf, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
