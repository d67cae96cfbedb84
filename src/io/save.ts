/**
 * Saving: a tree of tensors and scalars to safetensors bytes, with the exact tree description
 * under `__metadata__["edgegrad.tree"]`.
 */
import { NumError, describe } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { isPlainObject } from '../tree.js';
import { encodeUtf8 } from './utf8.js';
import { MAX_DEPTH, META_KEY, OP_SAVE, ROOT_NAME, TREE_KEY, TREE_VERSION, TWO_32, WRITE_DTYPE, byteSize, joinPath, jsonText, littleEndian, quote } from './format.js';

/** JSON description of one tree node (see docs/io.md, "The tree description"). */
type Desc =
  | null | string | boolean | number | Desc[]
  | { tensor: string } | { number: string } | { undefined: true } | { object: [string, Desc][] };

interface Pending {
  readonly name: string;
  readonly tensor: Tensor;
}

function describeTree(root: unknown): { desc: Desc; tensors: Pending[] } {
  const tensors: Pending[] = [];
  const used = new Set<string>([META_KEY]);
  const uniqueName = (path: string): string => {
    const base = path === '' ? ROOT_NAME : path;
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}~${k}`;
    used.add(name);
    return name;
  };
  const go = (x: unknown, path: string, depth: number): Desc => {
    if (depth > MAX_DEPTH) {
      throw new NumError('INVALID_ARGUMENT', OP_SAVE, `tree is nested too deeply (or cyclic) at ${quote(path)}`, `at most ${MAX_DEPTH} levels`, `more than ${MAX_DEPTH}`);
    }
    if (x === null) return null;
    if (x === undefined) return { undefined: true };
    if (Array.isArray(x)) {
      const out: Desc[] = [];
      for (let i = 0; i < x.length; i++) out.push(i in x ? go(x[i], joinPath(path, i), depth + 1) : { undefined: true });
      return out;
    }
    if (isPlainObject(x)) {
      return { object: Object.keys(x).map((k): [string, Desc] => [k, go(x[k], joinPath(path, k), depth + 1)]) };
    }
    if (x instanceof Tensor) {
      const name = uniqueName(path);
      tensors.push({ name, tensor: x });
      return { tensor: name };
    }
    if (typeof x === 'number') {
      if (Number.isFinite(x) && !Object.is(x, -0)) return x;
      return { number: Object.is(x, -0) ? '-0' : String(x) };
    }
    if (typeof x === 'boolean' || typeof x === 'string') return x;
    throw new NumError('INVALID_ARGUMENT', OP_SAVE, `unsupported leaf at ${path === '' ? 'the root' : quote(path)}`,
      'Tensor | number | boolean | string | null | undefined | array | plain object', describe(x));
  };
  const desc = go(root, '', 0);
  return { desc, tensors };
}

function checkMetadata(m: unknown): [string, string][] {
  if (m === undefined) return [];
  if (!isPlainObject(m)) {
    throw new NumError('INVALID_ARGUMENT', OP_SAVE, 'metadata must be a plain object of strings', 'Record<string, string>', describe(m));
  }
  return Object.keys(m).map((k): [string, string] => {
    if (k === TREE_KEY) {
      throw new NumError('INVALID_ARGUMENT', OP_SAVE, `metadata key ${quote(k)} is reserved for the tree description`, 'a key other than this one', quote(k));
    }
    const v = m[k];
    if (typeof v !== 'string') {
      throw new NumError('INVALID_ARGUMENT', OP_SAVE, `metadata value for ${quote(k)} must be a string`, 'string', describe(v));
    }
    return [k, v];
  });
}

function writeTensor(out: Uint8Array, at: number, t: Tensor): void {
  const src: TypedArray = t.toTyped({ copy: false });
  if (t.dtype === 'bool') {
    for (let i = 0; i < src.length; i++) out[at + i] = src[i] !== 0 ? 1 : 0;
    return;
  }
  if (src.BYTES_PER_ELEMENT === 1 || littleEndian()) {
    out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    return;
  }
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    if (t.dtype === 'float64') dv.setFloat64(at + 8 * i, v, true);
    else if (t.dtype === 'float32') dv.setFloat32(at + 4 * i, v, true);
    else dv.setInt32(at + 4 * i, v, true);
  }
}

/**
 * Serialises a tree of tensors (model parameters, optimizer state, …) to safetensors bytes.
 *
 * Tensors are named by their dotted tree path (`"0.weight"`, `"layers.1.bias"`); a tree that is
 * a single tensor stores it as `"tensor"`. Colliding paths (e.g. keys `"a.b"` and `a: {b}`) get a
 * `~1`, `~2`, … suffix. Views and non-contiguous tensors are written contiguously. The whole tree
 * (structure and non-tensor leaves: numbers incl. NaN/±Infinity/−0, booleans, strings, `null`,
 * `undefined`, empty arrays/objects) is recorded in `__metadata__["edgegrad.tree"]`, so
 * {@link loadTree} gives it back exactly.
 *
 * @param tree Nested arrays / plain objects with leaves `Tensor | number | boolean | string`
 *   (and `null`/`undefined`).
 * @param metadata Optional string → string map stored in `__metadata__` (the key
 *   `"edgegrad.tree"` is reserved).
 * @throws {NumError} `INVALID_ARGUMENT` for any other leaf (typed arrays, functions, class
 *   instances), a tree deeper than 512 levels (or cyclic), non-string metadata values or the
 *   reserved metadata key.
 * @example
 * ```ts
 * const params = { w: ones([3]) }, firstMoments = { w: zeros([3]) };
 * const bytes = saveTree({ params, opt: { step: 10, m: firstMoments } }, { epoch: '3' });
 * // Node: fs.writeFileSync('model.safetensors', bytes)
 * const { tree, metadata } = loadTree(bytes);
 * ```
 */
export function saveTree(tree: unknown, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const meta = checkMetadata(metadata);
  const { desc, tensors } = describeTree(tree);
  meta.push([TREE_KEY, jsonText({ version: TREE_VERSION, tree: desc })]);

  const parts: string[] = [`${jsonText(META_KEY)}:{${meta.map(([k, v]) => `${jsonText(k)}:${jsonText(v)}`).join(',')}}`];
  const layout: { tensor: Tensor; begin: number }[] = [];
  let offset = 0;
  for (const { name, tensor: t } of tensors) {
    const nbytes = t.size * byteSize(t.dtype);
    parts.push(`${jsonText(name)}:{"dtype":"${WRITE_DTYPE[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + nbytes}]}`);
    layout.push({ tensor: t, begin: offset });
    offset += nbytes;
  }
  const header = encodeUtf8(`{${parts.join(',')}}`, OP_SAVE);
  const headerLen = header.length + ((8 - (header.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer, out.byteOffset, 8);
  dv.setUint32(0, headerLen % TWO_32, true);
  dv.setUint32(4, Math.floor(headerLen / TWO_32), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + headerLen);
  const dataStart = 8 + headerLen;
  for (const { tensor: t, begin } of layout) writeTensor(out, dataStart + begin, t);
  return out;
}
