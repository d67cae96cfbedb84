/**
 * Saving and loading trees of tensors (parameters, optimizer state) in the
 * [safetensors](https://github.com/huggingface/safetensors) layout:
 *
 * ```text
 * [u64 little-endian N] [N bytes of UTF-8 JSON header, space-padded] [data buffer]
 * ```
 *
 * The header maps tensor names to `{dtype, shape, data_offsets}` (offsets relative to the data
 * buffer) plus an optional `"__metadata__"` map of strings. edgegrad stores the exact tree (its
 * structure and its non-tensor leaves) as JSON under `__metadata__["edgegrad.tree"]`; files from
 * other writers are rebuilt from their dotted names. See docs/io.md.
 */
import { NumError, describe, isNumError } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { isPlainObject } from '../tree.js';
import { decodeHalf } from './half.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

/** Leaves {@link saveTree} can store: tensors and JSON-like scalars. */
export type SavedLeaf = Tensor | number | boolean | string;

/** What {@link loadTree} returns. */
export interface LoadedTree {
  /** The tree: tensors plus numbers, booleans, strings, `null`/`undefined`, arrays, objects. */
  tree: Tree<SavedLeaf>;
  /** The user metadata (string → string), without edgegrad's reserved `"edgegrad.tree"` key. */
  metadata: Record<string, string>;
}

/** `__metadata__` key holding edgegrad's tree description. */
const TREE_KEY = 'edgegrad.tree';
/** safetensors' reserved header key. */
const META_KEY = '__metadata__';
/** Name of the tensor when the whole tree is one tensor (its path is `""`). */
const ROOT_NAME = 'tensor';
/** Largest header accepted (the reference reader's limit). */
const MAX_HEADER = 100_000_000;
/** Deepest tree (levels below the root) saved or loaded; bounds recursion. */
const MAX_DEPTH = 512;
/** Version of the `edgegrad.tree` description. */
const TREE_VERSION = 1;
const TWO_32 = 4294967296;

const OP_SAVE = 'saveTree';
const OP_LOAD = 'loadTree';

// ---- dtypes ------------------------------------------------------------------------------------

const WRITE_DTYPE: { readonly [D in DType]: string } = {
  float32: 'F32', float64: 'F64', int32: 'I32', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

interface ReadSpec {
  readonly dtype: DType;
  readonly size: number;
  readonly kind: 'native' | 'bool' | 'F16' | 'BF16';
}

const READABLE = 'F32 | F64 | I32 | I8 | U8 | BOOL | F16 | BF16';

function readSpec(name: string): ReadSpec | undefined {
  switch (name) {
    case 'F32': return { dtype: 'float32', size: 4, kind: 'native' };
    case 'F64': return { dtype: 'float64', size: 8, kind: 'native' };
    case 'I32': return { dtype: 'int32', size: 4, kind: 'native' };
    case 'I8': return { dtype: 'int8', size: 1, kind: 'native' };
    case 'U8': return { dtype: 'uint8', size: 1, kind: 'native' };
    case 'BOOL': return { dtype: 'bool', size: 1, kind: 'bool' };
    case 'F16': return { dtype: 'float32', size: 2, kind: 'F16' };
    case 'BF16': return { dtype: 'float32', size: 2, kind: 'BF16' };
    default: return undefined;
  }
}

/** safetensors dtypes that exist but that edgegrad has no tensor type for. */
const UNSUPPORTED = /^(?:I16|U16|U32|I64|U64|F8_E5M2|F8_E4M3|F8_E8M0|F4|F6_E2M3|F6_E3M2|C64)$/;

function byteSize(dtype: DType): number {
  switch (dtype) {
    case 'float64': return 8;
    case 'float32': case 'int32': return 4;
    default: return 1;
  }
}

let littleEndianCache: boolean | undefined;
/** True on little-endian hosts (all mainstream ones); computed lazily, no top-level work. */
function littleEndian(): boolean {
  littleEndianCache ??= new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return littleEndianCache;
}

// ---- small helpers -----------------------------------------------------------------------------

/** Defines an own enumerable property (safe for keys like `"__proto__"`). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A name for messages: JSON-quoted, shortened. */
function quote(name: string): string {
  const q = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  return q;
}

function shapeText(shape: readonly number[]): string {
  return shape.length > 16 ? `[${shape.slice(0, 16).join(', ')}, … (${shape.length} dims)]` : `[${shape.join(', ')}]`;
}

function joinPath(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

/**
 * JSON text with any lone surrogate escaped as `\uXXXX`, so it always has a UTF-8 encoding
 * (engines without ES2019 well-formed `JSON.stringify` leave them raw).
 */
function wellFormedJson(json: string): string {
  if (!/[\ud800-\udfff]/.test(json)) return json;
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < json.length) {
      const d = json.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += json.slice(i, i + 2);
        i++;
        continue;
      }
    }
    out += c >= 0xd800 && c <= 0xdfff ? `\\u${c.toString(16)}` : json.charAt(i);
  }
  return out;
}

function jsonText(x: unknown): string {
  return wellFormedJson(JSON.stringify(x));
}

// ---- saving ------------------------------------------------------------------------------------

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
      throw new NumError('INVALID_ARGUMENT', OP_SAVE, `metadata key ${quote(k)} is reserved for the tree description`, 'any other key', quote(k));
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

// ---- loading -----------------------------------------------------------------------------------

function fail(what: string, expected?: string, received?: string): never {
  throw new NumError('FORMAT', OP_LOAD, what, expected, received);
}

interface Info {
  readonly name: string;
  readonly spec: ReadSpec;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseEntry(name: string, v: unknown, dataLen: number): Info {
  const where = `tensor ${quote(name)}`;
  if (!isJsonObject(v)) fail(`${where}: header entry is not an object`, 'an object with dtype, shape and data_offsets', describe(v));
  const dt = hasOwn(v, 'dtype') ? v['dtype'] : undefined;
  if (typeof dt !== 'string') fail(`${where}: missing or non-string dtype`, 'a dtype string such as "F32"', describe(dt));
  const spec = readSpec(dt);
  if (spec === undefined) {
    fail(UNSUPPORTED.test(dt) ? `${where}: unsupported dtype ${dt}` : `${where}: unknown dtype ${quote(dt)}`, READABLE, quote(dt));
  }
  const shape = hasOwn(v, 'shape') ? v['shape'] : undefined;
  if (!Array.isArray(shape)) fail(`${where}: missing or non-array shape`, 'an array of dimensions', describe(shape));
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`${where}: shape has an invalid dimension`, 'non-negative integers', typeof d === 'number' ? String(d) : describe(d));
    }
  }
  const dims = (shape as number[]).slice();
  const offs = hasOwn(v, 'data_offsets') ? v['data_offsets'] : undefined;
  if (!Array.isArray(offs) || offs.length !== 2) fail(`${where}: missing or malformed data_offsets`, '[begin, end]', describe(offs));
  const [begin, end] = offs as unknown[];
  if (typeof begin !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
    fail(`${where}: data_offsets must be integers with 0 <= begin <= end`, '[begin, end]', `[${String(begin)}, ${String(end)}]`);
  }
  if (end > dataLen) fail(`${where}: data_offsets out of range`, `end <= ${dataLen} (data buffer size)`, `[${begin}, ${end}]`);
  // Size check without precision loss: stop once the product leaves the safe-integer range.
  let bytes = dims.includes(0) ? 0 : spec.size;
  if (bytes !== 0) {
    for (const d of dims) {
      bytes *= d;
      if (bytes > Number.MAX_SAFE_INTEGER) break;
    }
  }
  if (bytes !== end - begin) {
    const need = bytes > Number.MAX_SAFE_INTEGER ? `more than ${Number.MAX_SAFE_INTEGER}` : String(bytes);
    fail(`${where}: byte length does not match shape and dtype`, `${need} bytes (${dt} ${shapeText(dims)})`, `data_offsets [${begin}, ${end}] (${end - begin} bytes)`);
  }
  return { name, spec, shape: dims, begin, end };
}

/** Placeholder for a tensor while the tree description is validated. */
class TensorRef {
  constructor(readonly name: string) {}
}

function parseDescription(text: string, byName: ReadonlyMap<string, Info>): unknown {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    fail(`${TREE_KEY} is not valid JSON`);
  }
  if (!isJsonObject(j) || Object.keys(j).length !== 2 || !hasOwn(j, 'version') || !hasOwn(j, 'tree')) {
    fail(`${TREE_KEY} is malformed`, '{"version": 1, "tree": …}', describe(j));
  }
  if (j['version'] !== TREE_VERSION) fail(`${TREE_KEY} has an unsupported version`, String(TREE_VERSION), describe(j['version']));
  const used = new Set<string>();
  const bad = (what: string, got?: unknown): never => fail(`${TREE_KEY} is malformed: ${what}`, undefined, got === undefined ? undefined : describe(got));
  const go = (x: unknown, depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`${TREE_KEY} is nested too deeply`, `at most ${MAX_DEPTH} levels`, `more than ${MAX_DEPTH}`);
    if (x === null || typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number') return x;
    if (Array.isArray(x)) return x.map((c) => go(c, depth + 1));
    if (!isJsonObject(x)) return bad('unexpected value', x);
    const keys = Object.keys(x);
    const tag = keys[0];
    if (keys.length !== 1 || tag === undefined) return bad('a node object must have exactly one tag', `keys {${keys.slice(0, 5).join(', ')}}`);
    const v = x[tag];
    switch (tag) {
      case 'tensor': {
        if (typeof v !== 'string') return bad('tensor reference is not a string', v);
        if (!byName.has(v)) fail(`${TREE_KEY} disagrees with the tensors: it references ${quote(v)}, which is not in the header`);
        if (used.has(v)) fail(`${TREE_KEY} disagrees with the tensors: it references ${quote(v)} twice`);
        used.add(v);
        return new TensorRef(v);
      }
      case 'number':
        switch (v) {
          case 'NaN': return NaN;
          case 'Infinity': return Infinity;
          case '-Infinity': return -Infinity;
          case '-0': return -0;
          default: return bad('unknown special number', v);
        }
      case 'undefined':
        return v === true ? undefined : bad('undefined tag must be true', v);
      case 'object': {
        if (!Array.isArray(v)) return bad('object node must hold [key, node] pairs', v);
        const o: Record<string, unknown> = {};
        const seen = new Set<string>();
        for (const pair of v as unknown[]) {
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') return bad('object entry must be a [key, node] pair', pair);
          const key = pair[0];
          if (seen.has(key)) return bad(`duplicate object key ${quote(key)}`);
          seen.add(key);
          setOwn(o, key, go(pair[1], depth + 1));
        }
        return o;
      }
      default:
        return bad(`unknown node tag ${quote(tag)}`);
    }
  };
  const tree = go(j['tree'], 0);
  if (used.size !== byName.size) {
    for (const name of byName.keys()) {
      if (!used.has(name)) fail(`${TREE_KEY} disagrees with the tensors: tensor ${quote(name)} is not in the tree`);
    }
  }
  return tree;
}

/** Replaces TensorRef placeholders (in place; the skeleton is freshly built and depth-bounded). */
function fillTensors(x: unknown, tensors: ReadonlyMap<string, Tensor>): unknown {
  if (x instanceof TensorRef) return tensors.get(x.name);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = fillTensors(x[i], tensors);
  } else if (isPlainObject(x)) {
    for (const k of Object.keys(x)) setOwn(x, k, fillTensors(x[k], tensors));
  }
  return x;
}

type Branch = Map<string, Branch | Tensor>;

/**
 * Nested tree from dotted names (files from other writers). A level whose keys are exactly
 * `0..n-1` becomes an array; otherwise an object. When names conflict (`"a"` and `"a.b"`), or a
 * name is deeper than the depth limit, the result is a flat object keyed by the full names.
 */
function nestByName(order: readonly Info[], tensors: ReadonlyMap<string, Tensor>): Tree<SavedLeaf> {
  const root: Branch = new Map();
  const flat = (): Tree<SavedLeaf> => {
    const o: Record<string, Tensor> = {};
    for (const info of order) setOwn(o, info.name, tensors.get(info.name));
    return o;
  };
  for (const info of order) {
    const parts = info.name.split('.');
    if (parts.length > MAX_DEPTH) return flat();
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = node.get(p);
      if (next === undefined) {
        const m: Branch = new Map();
        node.set(p, m);
        node = m;
      } else if (next instanceof Map) node = next;
      else return flat();
    }
    const last = parts[parts.length - 1]!;
    if (node.has(last)) return flat();
    node.set(last, tensors.get(info.name)!);
  }
  const build = (b: Branch): Tree<SavedLeaf> => {
    const n = b.size;
    const arr: Tree<SavedLeaf>[] = new Array<Tree<SavedLeaf>>(n);
    let isArray = n > 0;
    for (const k of b.keys()) {
      const i = Number(k);
      if (!(Number.isInteger(i) && i >= 0 && i < n && String(i) === k)) {
        isArray = false;
        break;
      }
    }
    if (isArray) {
      for (const [k, c] of b) arr[Number(k)] = c instanceof Map ? build(c) : c;
      return arr;
    }
    const o: Record<string, Tree<SavedLeaf>> = {};
    for (const [k, c] of b) setOwn(o, k, c instanceof Map ? build(c) : c);
    return o;
  };
  return build(root);
}

function decodeTensor(bytes: Uint8Array, dataStart: number, info: Info): Tensor {
  const { spec } = info;
  const at = dataStart + info.begin;
  const nbytes = info.end - info.begin;
  const count = nbytes / spec.size;
  let data: TypedArray;
  if (spec.kind === 'F16' || spec.kind === 'BF16') {
    data = decodeHalf(bytes, at, count, spec.kind);
  } else {
    data = allocate(spec.dtype, count);
    if (spec.size === 1 || littleEndian()) {
      new Uint8Array(data.buffer, data.byteOffset, nbytes).set(bytes.subarray(at, at + nbytes));
    } else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < count; i++) {
        if (spec.dtype === 'float64') data[i] = dv.getFloat64(at + 8 * i, true);
        else if (spec.dtype === 'float32') data[i] = dv.getFloat32(at + 4 * i, true);
        else data[i] = dv.getInt32(at + 4 * i, true);
      }
    }
    if (spec.kind === 'bool') {
      for (let i = 0; i < count; i++) {
        const v = data[i]!;
        if (v > 1) fail(`tensor ${quote(info.name)}: BOOL element ${i} is neither 0 nor 1`, '0 or 1', String(v));
      }
    }
  }
  return new Tensor(data, info.shape, spec.dtype);
}

function decode(bytes: Uint8Array): LoadedTree {
  if (bytes.length < 8) fail('file too short to hold the 8-byte header length', 'at least 8 bytes', `${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER) {
    const got = hi === 0 ? String(lo) : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
    fail('header length is too large', `at most ${MAX_HEADER} bytes`, got);
  }
  const n = lo;
  if (n > bytes.length - 8) fail('header length runs past the end of the file', `at most ${bytes.length - 8} bytes`, String(n));
  const text = decodeUtf8(bytes, 8, 8 + n, OP_LOAD, 'header');
  if (text.charAt(0) !== '{') fail("header does not start with '{'", "'{'", text.length === 0 ? 'an empty header' : quote(text.slice(0, 10)));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail('header is not valid JSON', 'a JSON object', e instanceof Error ? e.message.slice(0, 120) : undefined);
  }
  if (!isJsonObject(header)) fail('header is not a JSON object', 'a JSON object', describe(header));

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const infos: Info[] = [];
  let metaRaw: unknown;
  let hasMeta = false;
  for (const key of Object.keys(header)) {
    if (key === META_KEY) {
      metaRaw = header[key];
      hasMeta = true;
    } else infos.push(parseEntry(key, header[key], dataLen));
  }

  // The data buffer must be covered exactly: sorted by offsets, each tensor starts where the
  // previous one ends, the first at 0, the last at the end of the file.
  const order = infos.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const info of order) {
    if (info.begin < cursor) fail(`tensor ${quote(info.name)} overlaps another tensor`, `data_offsets starting at ${cursor}`, `[${info.begin}, ${info.end}]`);
    if (info.begin > cursor) fail(`hole in the data buffer before tensor ${quote(info.name)}`, `data_offsets starting at ${cursor}`, `[${info.begin}, ${info.end}]`);
    cursor = info.end;
  }
  if (cursor !== dataLen) fail('data buffer is not fully covered by the tensors (trailing bytes)', `${cursor} bytes of data`, `${dataLen} bytes`);

  const metadata: Record<string, string> = {};
  let treeText: string | undefined;
  if (hasMeta) {
    if (!isJsonObject(metaRaw)) fail('__metadata__ is not an object', 'an object of strings', describe(metaRaw));
    for (const k of Object.keys(metaRaw)) {
      const v = metaRaw[k];
      if (typeof v !== 'string') fail(`__metadata__ value for ${quote(k)} is not a string`, 'string', describe(v));
      if (k === TREE_KEY) treeText = v;
      else setOwn(metadata, k, v);
    }
  }

  const byName = new Map(infos.map((i) => [i.name, i] as const));
  const skeleton = treeText === undefined ? undefined : parseDescription(treeText, byName);
  // Everything structural is validated; only now allocate tensor storage (≤ the input size).
  const tensors = new Map<string, Tensor>();
  for (const info of order) tensors.set(info.name, decodeTensor(bytes, dataStart, info));
  const tree = treeText === undefined ? nestByName(order, tensors) : (fillTensors(skeleton, tensors) as Tree<SavedLeaf>);
  return { tree, metadata };
}

/**
 * Reads safetensors bytes back into a tree. Files written by {@link saveTree} give back the exact
 * tree; files from other writers (PyTorch, 🤗 safetensors, …) are rebuilt from their dotted names
 * (`"features.0.weight"` → `{features: [{weight}]}`), in data-offset order. F32, F64, I32, I8, U8
 * and BOOL load natively; F16 and BF16 are decoded (exactly) to float32.
 *
 * Every input is validated before tensor storage is allocated; see docs/io.md for the list.
 *
 * @throws {NumError} `FORMAT` for any malformed, truncated or inconsistent file (never another
 *   error type), `INVALID_ARGUMENT` when `bytes` is not a Uint8Array or ArrayBuffer.
 * @example
 * ```ts
 * const { tree, metadata } = loadTree(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * const params = tree as { layers: { weight: Tensor; bias: Tensor }[] };
 * ```
 */
export function loadTree(bytes: Uint8Array | ArrayBuffer): LoadedTree {
  let b: Uint8Array;
  if (bytes instanceof Uint8Array) b = bytes;
  else if (bytes instanceof ArrayBuffer) b = new Uint8Array(bytes);
  else throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'bytes must be a Uint8Array or an ArrayBuffer', 'Uint8Array | ArrayBuffer', describe(bytes));
  try {
    return decode(b);
  } catch (e) {
    if (isNumError(e)) throw e;
    // Safety net (e.g. a stack overflow inside an engine's JSON.parse): still a FORMAT error.
    return fail(`unexpected failure while decoding (${e instanceof Error ? e.name : typeof e})`);
  }
}
