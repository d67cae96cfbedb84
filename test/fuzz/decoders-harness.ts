// Decoder fuzzing harness: a decoder is a byte-consuming entry point plus valid sample encodings;
// each case mutates one sample (truncate, extend, flip bits, write boundary bytes and u32/u64
// fields, rewrite header numbers, splice headers of two samples, mutate the decoded tree and
// re-encode it with its checksum recomputed) and checks the contract: the decoder returns or
// throws a NumError with one of its documented codes, nothing else; the caller's model is
// unchanged after a rejection; unchanged bytes decode to exactly the original; a value it
// accepts holds no more typed-array bytes than its budget for the input length allows.
import { Tensor, isNumError, loadTree, saveTree } from '../../src/index.js';
import type { LoadedTree } from '../../src/index.js';
import { isPlainObject } from '../../src/tree.js';
import { treeDiff } from '../io/util.js';
import type { Watchdog } from './watchdog.js';

/** First difference between two decoded values (typed arrays by bytes, tensors exactly), or undefined. */
export function valueDiff(a: unknown, b: unknown, path = '<root>'): string | undefined {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) || a.constructor !== b.constructor) return `${path}: typed array kind`;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, j) => v === y[j]) ? undefined : `${path}: typed array bytes`;
  }
  if (a instanceof Tensor || b instanceof Tensor) return treeDiff(a, b, path);
  if (Array.isArray(a) || isPlainObject(a)) {
    if (Array.isArray(a) !== Array.isArray(b) || !(Array.isArray(b) || isPlainObject(b))) return `${path}: container kind`;
    const o = a as Record<string, unknown>, p = b as Record<string, unknown>;
    const ka = Object.keys(o), kb = Object.keys(p);
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys`;
    for (const k of ka) { const d = valueDiff(o[k], p[k], `${path}.${k}`); if (d !== undefined) return d; }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
}

/** A seeded generator (mulberry32): cases replay from (seed, decoder, index) alone. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}

/** Hash of a name into a seed (FNV-1a). */
export function seedOf(seed: number, name: string, i: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const c of `${name}#${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export interface Decoder {
  name: string;
  samples: readonly Uint8Array[];
  /** The entry point under test. */
  decode(bytes: Uint8Array): unknown;
  /** NumError codes the decoder documents (FORMAT, plus e.g. STATE_MISMATCH for a wrong model). */
  codes: readonly string[];
  /** Recomputes the checksum of (possibly mutated) bytes, when the format has one. */
  reseal?: (bytes: Uint8Array) => Uint8Array;
  /** Whether the bytes are a safetensors container (enables header-aware and tree mutations). */
  container?: boolean;
  /** Re-encodes a decoded tree with the format's metadata (checksum included). */
  encodeTree?: (loaded: LoadedTree) => Uint8Array;
  /** Fingerprint of the caller's model: must not change when a case is rejected. */
  guard?: () => string;
  /** Typed-array bytes an accepted value may hold for an input of `n` bytes. */
  budget: (n: number) => number;
}

export interface Tally { cases: number; accepted: number; exact: number; rejected: Record<string, number>; byMutation: Record<string, number> }

const U32S = [0, 1, 2, 7, 8, 0x7f, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const NUMS = [0, 1, -1, 2, 3, 0.5, 7, 8, 255, 256, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -(2 ** 31)];

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => { const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o; };

function headerText(b: Uint8Array): { n: number; text: string } | undefined {
  if (b.length < 8) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  const n = dv.getUint32(0, true);
  if (dv.getUint32(4, true) !== 0 || 8 + n > b.length) return undefined;
  try { return { n, text: new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + n)) }; } catch { return undefined; }
}

function withHeader(b: Uint8Array, n: number, text: string): Uint8Array {
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + (b.length - 8 - n));
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(b.subarray(8 + n), 8 + h.length);
  return out;
}

/** Leaf slots of a loaded tree (parent, key), tensors included. */
function slots(t: unknown, out: [Record<string | number, unknown>, string | number][] = [], depth = 0): typeof out {
  if (depth > 12) return out;
  if (Array.isArray(t) || isPlainObject(t)) {
    const o = t as Record<string | number, unknown>;
    for (const k of Object.keys(o)) { out.push([o, Array.isArray(t) ? Number(k) : k]); slots(o[k], out, depth + 1); }
  }
  return out;
}

function mutateValue(r: Rng, v: unknown): unknown {
  if (v instanceof Tensor) {
    const d = v.toTyped();
    const choice = r.int(4);
    if (choice === 0 && d.length > 0) return new Tensor(d.slice(0, r.int(d.length)), [r.int(d.length)], v.dtype);
    if (choice === 1) return v.dtype === 'float32' ? new Tensor(Int32Array.from(d), v.shape.slice(), 'int32') : new Tensor(Float32Array.from(d), v.shape.slice(), 'float32');
    if (choice === 2) { const e = d.slice(); if (e.length > 0) e[r.int(e.length)] = r.pick([0, 1, 255, -1, 2 ** 31 - 1, 70000]); return new Tensor(e, v.shape.slice(), v.dtype); }
    return new Tensor(d.slice(), [...v.shape, 1], v.dtype);
  }
  if (typeof v === 'number') return r.pick(NUMS);
  if (typeof v === 'string') return r.pick(['', 'x', 'row', 'rank', v + 'x', 'alq-multibit', 'bits']);
  if (typeof v === 'boolean') return !v;
  if (Array.isArray(v)) {
    const a = v.slice();
    if (r.int(2) === 0 && a.length > 0) a.splice(r.int(a.length), 1);
    else if (a.length > 0) a.push(a[r.int(a.length)]);
    else a.push(r.pick(NUMS));
    return a;
  }
  if (v === null) return r.pick(NUMS);
  return r.pick([null, 0, 'x', [], {}]);
}

/** One mutated input and the name of its mutation. */
export function mutate(r: Rng, d: Decoder, i: number): { bytes: Uint8Array; kind: string } {
  const src = d.samples[i % d.samples.length]!;
  let b: Uint8Array = src.slice();
  const kinds = ['identity', 'truncate', 'extend', 'flip', 'byte', 'u32', 'splice'];
  if (d.container) kinds.push('u64-length', 'header-number', 'header-number', 'tree', 'tree', 'tree');
  if (d.reseal) kinds.push('u32', 'flip');
  const kind = r.pick(kinds);
  switch (kind) {
    case 'identity': break;
    case 'truncate': b = b.slice(0, r.int(b.length)); break;
    case 'extend': { const e = new Uint8Array(1 + r.int(64)); for (let j = 0; j < e.length; j++) e[j] = r.int(256); b = concat(b, e); break; }
    case 'flip': { const k = 1 + r.int(8); for (let j = 0; j < k && b.length > 0; j++) { const p = r.int(b.length * 8); b[p >>> 3]! ^= 1 << (p & 7); } break; }
    case 'byte': if (b.length > 0) b[r.int(Math.min(b.length, r.int(2) === 0 ? 64 : b.length))] = r.pick([0, 1, 0x7f, 0x80, 0xff]); break;
    case 'u32': if (b.length >= 4) new DataView(b.buffer).setUint32(r.int(Math.min(b.length - 3, r.int(2) === 0 ? 64 : b.length - 3)), r.pick([...U32S, b.length, b.length - 1]) >>> 0, true); break;
    case 'splice': {
      const other = d.samples[r.int(d.samples.length)]!;
      const cut = r.int(Math.min(b.length, other.length) + 1);
      b = concat(other.slice(0, cut), b.slice(r.int(2) === 0 ? cut : r.int(b.length + 1)));
      break;
    }
    case 'u64-length': if (b.length >= 8) { const dv = new DataView(b.buffer); dv.setUint32(0, r.pick([...U32S, b.length - 8, b.length]) >>> 0, true); dv.setUint32(4, r.pick([0, 0, 0, 1, 0xffffffff]), true); } break;
    case 'header-number': {
      const h = headerText(b);
      if (h === undefined) break;
      const nums = [...h.text.matchAll(/-?\d+(\.\d+)?/g)];
      if (nums.length === 0) break;
      const m = r.pick(nums);
      const text = h.text.slice(0, m.index) + String(r.pick([...NUMS, Number(m[0]) + 1, Number(m[0]) - 1, Number(m[0]) * 2])) + h.text.slice(m.index + m[0].length);
      b = withHeader(b, h.n, text);
      break;
    }
    case 'tree': {
      let loaded: LoadedTree;
      try { loaded = loadTree(b); } catch { break; }
      const all = slots(loaded.tree);
      if (all.length === 0) break;
      for (let k = 1 + r.int(2); k > 0; k--) {
        const [parent, key] = r.pick(all);
        if (r.int(6) === 0 && !Array.isArray(parent)) delete parent[key];
        else parent[key] = mutateValue(r, parent[key]);
      }
      try { b = d.encodeTree ? d.encodeTree(loaded) : saveTree(loaded.tree, loaded.metadata); } catch { /* not encodable: keep the original */ }
      return { bytes: b, kind };
    }
  }
  if (d.reseal && kind !== 'identity' && r.int(4) !== 0) b = d.reseal(b);
  return { bytes: b, kind };
}

function typedBytes(v: unknown, seen = new Set<unknown>()): number {
  if (v === null || typeof v !== 'object' || seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof Tensor) return v.data.byteLength;
  let n = 0;
  for (const x of Object.values(v as Record<string, unknown>)) n += typedBytes(x, seen);
  return n;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, j) => x === b[j]);

/** Per-case time bound (generous: CI shares two cores with other jobs). */
export const CASE_MS = 2000;

/** Runs `n` cases of one decoder; throws (with the seed and case index) on the first violation. */
export function runDecoder(d: Decoder, n: number, seed: number, tally: Tally, expected: readonly unknown[], dog?: Watchdog): void {
  for (let i = 0; i < n; i++) {
    const r = new Rng(seedOf(seed, d.name, i));
    const { bytes, kind } = mutate(r, d, i);
    const where = `${d.name} case ${i} (seed ${seed}, ${kind}, ${bytes.length} bytes)`;
    const before = d.guard?.();
    const t0 = performance.now();
    let out: unknown, err: unknown, threw = false;
    dog?.enter(where);
    try { out = d.decode(bytes); } catch (e) { err = e; threw = true; }
    dog?.leave();
    const ms = performance.now() - t0;
    if (ms > CASE_MS) throw new Error(`${where}: took ${ms.toFixed(0)} ms`);
    tally.cases++;
    tally.byMutation[kind] = (tally.byMutation[kind] ?? 0) + 1;
    if (threw) {
      if (!isNumError(err)) throw new Error(`${where}: threw a non-NumError: ${String(err)}`, { cause: err });
      if (!d.codes.includes(err.code)) throw new Error(`${where}: NumError ${err.code} is not one of ${d.codes.join(', ')}: ${err.message}`);
      if (d.guard && d.guard() !== before) throw new Error(`${where}: the caller's model changed although the input was rejected`);
      tally.rejected[err.code] = (tally.rejected[err.code] ?? 0) + 1;
      continue;
    }
    tally.accepted++;
    const src = d.samples[i % d.samples.length]!;
    if (sameBytes(bytes, src)) {
      const diff = valueDiff(out, expected[i % d.samples.length]);
      if (diff !== undefined) throw new Error(`${where}: unchanged bytes decoded differently: ${diff}`);
      tally.exact++;
    }
    const held = typedBytes(out);
    if (held > d.budget(bytes.length)) throw new Error(`${where}: accepted value holds ${held} bytes, budget ${d.budget(bytes.length)}`);
  }
}
