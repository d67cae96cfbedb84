/**
 * Loading: validates every header entry, offset and byte before building anything, then rebuilds
 * the tree from edgegrad's description or, for files from other writers, from dotted names.
 */
import { NumError, describe, isNumError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { isPlainObject } from '../tree.js';
import { decodeHalf } from './half.js';
import { decodeUtf8 } from './utf8.js';
import type { LoadedTree, ReadSpec, SavedLeaf } from './format.js';
import { MAX_DEPTH, MAX_HEADER, META_KEY, OP_LOAD, READABLE, TREE_KEY, TREE_VERSION, UNSUPPORTED, hasOwn, isJsonObject, littleEndian, quote, readSpec, setOwn, shapeText } from './format.js';

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
 * const bytes = saveTree({ layers: [{ weight: ones([2, 2]), bias: zeros([2]) }] }, { epoch: '3' }); // or fetched bytes
 * const { tree, metadata } = loadTree(bytes);
 * metadata.epoch; // '3'
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
