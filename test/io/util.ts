// Shared helpers for the io tests: exact tree comparison, hand-built safetensors files,
// and an arbitrary for trees mixing tensors of every dtype/layout with JSON-like leaves.
import fc from 'fast-check';
import { expect } from 'vitest';
import { Tensor, isNumError, type DType } from '../../src/index.js';
import { arbShape, arbTensor } from '../../src/testing/index.js';
import { isPlainObject } from '../../src/tree.js';

/** Describes the first difference between two trees (tensors by dtype, shape and exact values), or undefined. */
export function treeDiff(a: unknown, b: unknown, path = '<root>'): string | undefined {
  if (a instanceof Tensor || b instanceof Tensor) {
    if (!(a instanceof Tensor && b instanceof Tensor)) return `${path}: tensor vs non-tensor`;
    if (a.dtype !== b.dtype) return `${path}: dtype ${a.dtype} vs ${b.dtype}`;
    if (a.shape.join(',') !== b.shape.join(',')) return `${path}: shape [${a.shape.join(',')}] vs [${b.shape.join(',')}]`;
    const x = a.toTyped();
    const y = b.toTyped();
    const norm = (v: number): number => (a.dtype === 'bool' ? (v !== 0 ? 1 : 0) : v);
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(norm(x[i]!), norm(y[i]!))) return `${path}: element ${i}: ${x[i]} vs ${y[i]}`;
    }
    return undefined;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return `${path}: array vs non-array`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = treeDiff(a[i], b[i], `${path}.${i}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!(isPlainObject(a) && isPlainObject(b))) return `${path}: object vs non-object`;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (JSON.stringify(ka) !== JSON.stringify(kb)) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
    for (const k of ka) {
      const d = treeDiff(a[k], b[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
}

/** Asserts two trees are equal in structure, leaf values and tensor contents. */
export function expectSameTree(actual: unknown, expected: unknown): void {
  const d = treeDiff(actual, expected);
  expect(d, d).toBeUndefined();
}

/** Little-endian u64 header length from two 32-bit halves. */
export function writeLength(out: Uint8Array, lo: number, hi = 0): void {
  const dv = new DataView(out.buffer, out.byteOffset, 8);
  dv.setUint32(0, lo >>> 0, true);
  dv.setUint32(4, hi >>> 0, true);
}

/**
 * A file as another writer would produce it: u64 header length, header text (space-padded to
 * 8-byte alignment unless `pad: false`), then `data`.
 */
export function buildFile(header: string | object, data: ArrayLike<number> = [], opts?: { pad?: boolean; length?: number }): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  let h = new TextEncoder().encode(text);
  if (opts?.pad !== false) {
    while ((8 + h.length) % 8 !== 0) { text += ' '; h = new TextEncoder().encode(text); }
  }
  const out = new Uint8Array(8 + h.length + data.length);
  writeLength(out, opts?.length ?? h.length);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

/** A file with raw header bytes (for invalid UTF-8). */
export function buildRaw(headerBytes: ArrayLike<number>, data: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  writeLength(out, headerBytes.length);
  out.set(Array.from(headerBytes), 8);
  out.set(Array.from(data), 8 + headerBytes.length);
  return out;
}

/** Header length, header JSON and data buffer of a file (test-side parser, no validation). */
export function splitFile(bytes: Uint8Array): { n: number; header: Record<string, unknown>; headerText: string; data: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true);
  const headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  return { n, header: JSON.parse(headerText) as Record<string, unknown>, headerText, data: bytes.subarray(8 + n) };
}

/** Runs fn and returns what it threw (fails when nothing is thrown). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Asserts fn throws a NumError with the given code whose message contains `fragment`. */
export function expectNumError(fn: () => unknown, code: string, fragment: string): void {
  const e = thrownBy(fn);
  expect(isNumError(e), String(e)).toBe(true);
  const err = e as Error & { code: string };
  expect(err.code, err.message).toBe(code);
  expect(err.message).toContain(fragment);
}

const DTYPE_LIST: readonly DType[] = ['float32', 'float64', 'int32', 'int8', 'uint8', 'bool'];

/** Tensors of every dtype and layout, including 0-d and empty ones. */
export function arbAnyTensor(maxSide = 4): fc.Arbitrary<Tensor> {
  return fc.constantFrom(...DTYPE_LIST).chain((dtype) =>
    arbShape({ minDims: 0, maxDims: 3, minSide: 0, maxSide }).chain((shape) =>
      arbTensor({ dtype, shape, views: true, ...(dtype === 'int8' ? { min: -128, max: 127 } : dtype === 'uint8' ? { min: 0, max: 255 } : {}) })));
}

/** Strings including awkward ones: dots, empty, reserved-looking names, lone surrogates. */
export const arbKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('a', 'b', '0', '1', '2', 'weight', 'bias', 'a.b', '', '.', '__proto__', '__metadata__', 'tensor', 'a~1', 'edgegrad.tree', '\ud800', 'é€😀'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);

/** Non-tensor leaves: every kind of number, strings, booleans, null, undefined. */
export const arbScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53),
  fc.boolean(),
  arbKey,
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constant(null),
  fc.constant(undefined),
);

/** Trees mixing tensors, scalars, empty containers, nested arrays and objects. */
export function arbSaveTree(opts?: { maxSide?: number; maxDepth?: number }): fc.Arbitrary<unknown> {
  const tensorArb = arbAnyTensor(opts?.maxSide ?? 4);
  return fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: opts?.maxDepth ?? 4, withCrossShrink: true },
      tensorArb,
      arbScalar,
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(arbKey, tie('node'), { maxKeys: 4 }),
      fc.constantFrom([], {}),
    ),
  })).node;
}
