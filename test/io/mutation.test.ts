// Mutation property: start from valid files (edgegrad's own and foreign-style ones), apply random
// damage — truncation, bit flips, byte writes, rewritten header lengths (incl. huge u64 values),
// random JSON spliced into the header, header fields replaced by random or near-valid values,
// a rewritten tree description, appended garbage — and check that loadTree either rejects with
// NumError FORMAT or decodes to a tree that re-encodes to a valid file with the same content.
// Never another exception type, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNumError } from '../../src/index.js';
import { loadTree, saveTree } from '../../src/io/index.js';
import { arbSaveTree, buildFile, splitFile, treeDiff, writeLength } from './util.js';

type Mutation = { kind: string; apply: (b: Uint8Array) => Uint8Array };

const u16le = (xs: number[]): number[] => xs.flatMap((x) => [x & 0xff, x >> 8]);

/** Files as other writers produce them (no edgegrad.tree): F16/BF16/BOOL/I8 with dotted names. */
const FOREIGN: Uint8Array[] = [
  buildFile({
    __metadata__: { format: 'pt' },
    'layers.0.weight': { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
    'layers.1.weight': { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
    'layers.1.mask': { dtype: 'BOOL', shape: [3], data_offsets: [12, 15] },
    'head.q': { dtype: 'I8', shape: [1], data_offsets: [15, 16] },
    'head.e': { dtype: 'F32', shape: [0], data_offsets: [16, 16] },
    'head.s': { dtype: 'F64', shape: [], data_offsets: [16, 24] },
  }, [...u16le([0x3c00, 0xc100, 0x0001, 0x7c00, 0x3f80, 0x7fc0]), 1, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]),
  buildFile({ 0: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, 1: { dtype: 'I32', shape: [1], data_offsets: [2, 6] } }, [1, 2, 3, 4, 5, 6]),
];

const arbBase: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.tuple(arbSaveTree({ maxSide: 3, maxDepth: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }))
    .filter(([, m]) => !('edgegrad.tree' in m)).map(([t, m]) => saveTree(t, m)), weight: 3 },
  { arbitrary: fc.constantFrom(...FOREIGN), weight: 1 },
);

const copy = (b: Uint8Array): Uint8Array => b.slice();

/** Header text and data of a file whose header still parses (test side), else undefined. */
function parts(b: Uint8Array): { text: string; header: Record<string, unknown>; data: Uint8Array } | undefined {
  try {
    const { headerText, header, data } = splitFile(b);
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? { text: headerText, header, data } : undefined;
  } catch {
    return undefined;
  }
}

const DTYPES = ['F32', 'F64', 'I32', 'I8', 'U8', 'BOOL', 'F16', 'BF16', 'I64', 'U16', 'f32', '', 'F32 '];
const SAME_SIZE: Record<string, string> = { F32: 'I32', I32: 'F32', U8: 'I8', I8: 'BOOL', BOOL: 'U8', F16: 'BF16', BF16: 'F16', F64: 'F64' };

const arbWeirdNumber = fc.oneof(fc.integer({ min: -3, max: 64 }), fc.constantFrom(-1, 0.5, 1e300, 2 ** 53, 2 ** 32, NaN), fc.double());
const arbFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...DTYPES),
  fc.array(arbWeirdNumber, { maxLength: 4 }),
  fc.tuple(arbWeirdNumber, arbWeirdNumber),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutations: fc.Arbitrary<Mutation>[] = [
  fc.nat().map((k) => ({ kind: 'truncate', apply: (b) => b.slice(0, k % (b.length + 1)) })),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((flips) => ({
    kind: 'flip bits', apply: (b) => {
      const c = copy(b);
      for (const [p, bit] of flips) if (c.length > 0) c[p % c.length]! ^= 1 << bit;
      return c;
    },
  })),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((writes) => ({
    kind: 'write bytes', apply: (b) => {
      const c = copy(b);
      for (const [p, v] of writes) if (c.length > 0) c[p % c.length] = v;
      return c;
    },
  })),
  fc.tuple(
    fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 7, 8, 16, 100_000_000, 100_000_001, 0xffffffff), fc.integer({ min: -16, max: 16 }).map((d) => -d - 1000)),
    fc.oneof(fc.constant(0), fc.constant(0), fc.constantFrom(1, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff })),
  ).map(([lo, hi]) => ({
    kind: 'header length', apply: (b) => {
      const c = copy(b);
      if (c.length < 8) return c;
      // Negative `lo` encodes "current length + small delta".
      const cur = new DataView(c.buffer, c.byteOffset, 8).getUint32(0, true);
      writeLength(c, lo < -900 ? Math.max(0, cur + (-lo - 1000)) : lo, hi);
      return c;
    },
  })),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }).map((j) => JSON.stringify(j)), fc.nat(), fc.nat({ max: 12 }), fc.boolean()).map(([json, at, del, fix]) => ({
    kind: 'splice json', apply: (b) => {
      const p = parts(b);
      if (p === undefined) return b;
      const i = at % (p.text.length + 1);
      const text = p.text.slice(0, i) + json + p.text.slice(i + del);
      const out = buildFile(text, p.data);
      if (!fix) writeLength(out, p.text.length === 0 ? 0 : new TextEncoder().encode(p.text).length);
      return out;
    },
  })),
  fc.tuple(fc.nat(), fc.constantFrom('dtype', 'shape', 'data_offsets', 'entry', 'delete', 'sameSize', 'reverseShape', 'swapOffsets'), arbFieldValue).map(([k, field, value]) => ({
    kind: `field ${field}`, apply: (b) => {
      const p = parts(b);
      if (p === undefined) return b;
      const names = Object.keys(p.header).filter((n) => n !== '__metadata__');
      if (names.length === 0) return b;
      const name = names[k % names.length]!;
      const other = names[(k + 1) % names.length]!;
      const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
      const e = p.header[name];
      const o = p.header[other];
      if (!isObj(e) || !isObj(o)) return b; // an earlier mutation replaced the entry
      switch (field) {
        case 'entry': p.header[name] = value; break;
        case 'delete': delete p.header[name]; break;
        case 'sameSize': e['dtype'] = SAME_SIZE[String(e['dtype'])] ?? value; break;
        case 'reverseShape': if (Array.isArray(e['shape'])) e['shape'] = (e['shape'] as unknown[]).slice().reverse(); break;
        case 'swapOffsets': [e['data_offsets'], o['data_offsets']] = [o['data_offsets'], e['data_offsets']]; break;
        default: e[field] = value;
      }
      return buildFile(p.header, p.data);
    },
  })),
  fc.tuple(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, [], {}, { tensor: 'w' }, { number: '-0' }, { undefined: true }, { object: [] })), fc.nat(), fc.boolean()).map(([node, at, wrap]) => ({
    kind: 'tree description', apply: (b) => {
      const p = parts(b);
      if (p === undefined) return b;
      const meta = p.header['__metadata__'] as Record<string, unknown> | undefined;
      const desc = typeof meta?.['edgegrad.tree'] === 'string' ? (meta['edgegrad.tree'] as string) : undefined;
      if (meta === undefined || desc === undefined) return b;
      if (wrap) meta['edgegrad.tree'] = JSON.stringify({ version: 1, tree: node });
      else {
        const i = at % (desc.length + 1);
        meta['edgegrad.tree'] = desc.slice(0, i) + JSON.stringify(node) + desc.slice(i + (at % 7));
      }
      return buildFile(p.header, p.data);
    },
  })),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((g) => ({
    kind: 'append garbage', apply: (b) => {
      const c = new Uint8Array(b.length + g.length);
      c.set(b);
      c.set(g, b.length);
      return c;
    },
  })),
  fc.uint8Array({ maxLength: 64 }).map((r) => ({ kind: 'random bytes', apply: () => r })),
];

/** Header-field edits come in 8 flavours and tree-description edits are deep: weight them up. */
const arbMutation = fc.oneof(...mutations.map((arbitrary, i) => ({ arbitrary, weight: i === 5 ? 4 : i === 6 ? 2 : 1 })));

describe('loadTree under random mutations', () => {
  it('rejects with FORMAT or decodes to something that re-encodes faithfully (≥ 1,000 cases)', () => {
    const outcomes = { rejected: 0, decoded: 0 };
    const kinds = new Map<string, number>();
    fc.assert(fc.property(arbBase, fc.array(arbMutation, { minLength: 1, maxLength: 3 }), (base, muts) => {
      let bytes = base;
      for (const m of muts) {
        bytes = m.apply(bytes);
        kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
      }
      let loaded: ReturnType<typeof loadTree>;
      try {
        loaded = loadTree(bytes);
      } catch (e) {
        expect(isNumError(e), String(e)).toBe(true);
        const err = e as Error & { code: string };
        expect(err.code, err.message).toBe('FORMAT');
        expect(err.message.startsWith('loadTree: ')).toBe(true);
        expect(err.message).not.toContain('unexpected failure');
        outcomes.rejected++;
        return;
      }
      outcomes.decoded++;
      const again = loadTree(saveTree(loaded.tree, loaded.metadata));
      const d = treeDiff(again.tree, loaded.tree);
      expect(d, d).toBeUndefined();
      expect(again.metadata).toEqual(loaded.metadata);
    }), { numRuns: 1500 });
    if (process.env["IO_MUTATION_STATS"]) console.log(outcomes, Object.fromEntries(kinds));
    // Both outcomes are exercised, and every mutation kind ran many times.
    expect(outcomes.rejected).toBeGreaterThan(500);
    expect(outcomes.decoded).toBeGreaterThan(40);
    expect(kinds.size).toBe(16);
    for (const [, n] of kinds) expect(n).toBeGreaterThan(20);
  });

  it('unmutated bases decode exactly', () => {
    fc.assert(fc.property(arbSaveTree({ maxSide: 3, maxDepth: 3 }), (t) => {
      const d = treeDiff(loadTree(saveTree(t)).tree, t);
      expect(d, d).toBeUndefined();
    }), { numRuns: 100 });
    for (const f of FOREIGN) expect(() => loadTree(f)).not.toThrow();
  });
});
