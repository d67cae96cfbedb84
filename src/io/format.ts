/**
 * The safetensors layout as edgegrad writes and reads it: dtype names, limits, reserved keys, and
 * the small JSON and naming helpers both directions share. See `safetensors.ts` for the layout.
 * @internal
 */
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';

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
export const TREE_KEY = 'edgegrad.tree';
/** safetensors' reserved header key. */
export const META_KEY = '__metadata__';
/** Name of the tensor when the whole tree is one tensor (its path is `""`). */
export const ROOT_NAME = 'tensor';
/** Largest header accepted (the reference reader's limit). */
export const MAX_HEADER = 100_000_000;
/** Deepest tree (levels below the root) saved or loaded; bounds recursion. */
export const MAX_DEPTH = 512;
/** Version of the `edgegrad.tree` description. */
export const TREE_VERSION = 1;
export const TWO_32 = 4294967296;

export const OP_SAVE = 'saveTree';
export const OP_LOAD = 'loadTree';

// ---- dtypes ------------------------------------------------------------------------------------

export const WRITE_DTYPE: { readonly [D in DType]: string } = {
  float32: 'F32', float64: 'F64', int32: 'I32', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

export interface ReadSpec {
  readonly dtype: DType;
  readonly size: number;
  readonly kind: 'native' | 'bool' | 'F16' | 'BF16';
}

export const READABLE = 'F32 | F64 | I32 | I8 | U8 | BOOL | F16 | BF16';

export function readSpec(name: string): ReadSpec | undefined {
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
export const UNSUPPORTED = /^(?:I16|U16|U32|I64|U64|F8_E5M2|F8_E4M3|F8_E8M0|F4|F6_E2M3|F6_E3M2|C64)$/;

export function byteSize(dtype: DType): number {
  switch (dtype) {
    case 'float64': return 8;
    case 'float32': case 'int32': return 4;
    default: return 1;
  }
}

let littleEndianCache: boolean | undefined;
/** True on little-endian hosts (all mainstream ones); computed lazily, no top-level work. */
export function littleEndian(): boolean {
  littleEndianCache ??= new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return littleEndianCache;
}

// ---- small helpers -----------------------------------------------------------------------------

/** Defines an own enumerable property (safe for keys like `"__proto__"`). */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A name for messages: JSON-quoted, shortened. */
export function quote(name: string): string {
  const q = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  return q;
}

export function shapeText(shape: readonly number[]): string {
  return shape.length > 16 ? `[${shape.slice(0, 16).join(', ')}, … (${shape.length} dims)]` : `[${shape.join(', ')}]`;
}

export function joinPath(prefix: string, key: string | number): string {
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

export function jsonText(x: unknown): string {
  return wellFormedJson(JSON.stringify(x));
}
