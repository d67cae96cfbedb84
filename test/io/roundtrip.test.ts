// saveTree/loadTree round trips: random trees of tensors (every dtype, 0-d, empty, views) mixed
// with numbers/strings/nulls/empty containers; metadata; naming; layout details of the output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, fromTyped, tensor, tree, zeros } from '../../src/index.js';
import { loadTree, saveTree } from '../../src/io/index.js';
import { arbKey, arbSaveTree, expectNumError, expectSameTree, splitFile, treeDiff } from './util.js';

const tensorNames = (bytes: Uint8Array): string[] => Object.keys(splitFile(bytes).header).filter((k) => k !== '__metadata__');

describe('saveTree/loadTree round trip', () => {
  it('gives back any tree exactly (fast-check)', () => {
    fc.assert(fc.property(arbSaveTree(), (t) => {
      const bytes = saveTree(t);
      const back = loadTree(bytes);
      const d = treeDiff(back.tree, t);
      expect(d, d).toBeUndefined();
      expect(back.metadata).toEqual({});
    }), { numRuns: 300 });
  });

  it('metadata round-trips (fast-check)', () => {
    const arbMeta = fc.dictionary(arbKey.filter((k) => k !== 'edgegrad.tree'), fc.oneof(arbKey, fc.string({ unit: 'binary' })), { maxKeys: 6, noNullPrototype: true });
    fc.assert(fc.property(arbSaveTree({ maxDepth: 2 }), arbMeta, (t, meta) => {
      const back = loadTree(saveTree(t, meta));
      expectSameTree(back.tree, t);
      expect(Object.keys(back.metadata)).toEqual(Object.keys(meta));
      for (const k of Object.keys(meta)) expect(back.metadata[k]).toBe(meta[k]);
    }), { numRuns: 200 });
  });

  it('names tensors by tree.paths when paths are distinct', () => {
    fc.assert(fc.property(arbSaveTree({ maxDepth: 3 }), (t) => {
      const ps = tree.entries(t as tree.Tree<unknown>).filter(([, l]) => l instanceof Tensor).map(([p]) => (p === '' ? 'tensor' : p));
      fc.pre(new Set(ps).size === ps.length && !ps.includes('__metadata__'));
      // (JSON.parse reorders integer-like keys, so check the set of names and the data order.)
      const bytes = saveTree(t);
      expect(tensorNames(bytes).sort()).toEqual(ps.slice().sort());
      const header = splitFile(bytes).header as Record<string, { data_offsets: [number, number] }>;
      ps.forEach((p, i) => { if (i > 0) expect(header[p]!.data_offsets[0]).toBe(header[ps[i - 1]!]!.data_offsets[1]); });
    }), { numRuns: 200 });
  });

  it('uses PyTorch-style names and leaf order for a model tree', () => {
    const params = { features: [{ weight: zeros([2, 3]), bias: zeros([2]) }, {}, { weight: zeros([1]) }], head: { w: zeros([3], { dtype: 'float64' }) } };
    const bytes = saveTree(params);
    expect(tensorNames(bytes)).toEqual(['features.0.weight', 'features.0.bias', 'features.2.weight', 'head.w']);
    const h = splitFile(bytes).header;
    expect(h['features.0.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(h['features.0.bias']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [24, 32] });
    expect(h['head.w']).toEqual({ dtype: 'F64', shape: [3], data_offsets: [36, 60] });
    expectSameTree(loadTree(bytes).tree, params);
  });

  it('a single-tensor tree is stored as "tensor" and comes back bare', () => {
    const t = tensor([[1, 2], [3, 4]]);
    const bytes = saveTree(t);
    expect(tensorNames(bytes)).toEqual(['tensor']);
    expectSameTree(loadTree(bytes).tree, t);
  });

  it('disambiguates colliding paths with ~k suffixes', () => {
    const t = { 'a.b': tensor([1]), a: { b: tensor([2]) }, __metadata__: tensor([3]), 'a.b~1': tensor([4]) };
    const bytes = saveTree(t);
    expect(tensorNames(bytes)).toEqual(['a.b', 'a.b~1', '__metadata__~1', 'a.b~1~1']);
    expectSameTree(loadTree(bytes).tree, t);
  });

  it('saves optimizer state: numbers, booleans, strings, null/undefined, empty containers', () => {
    const state = {
      step: 10, lr: 1e-3, beta: [0.9, 0.999], amsgrad: false, name: 'adam', schedule: null, clip: undefined,
      special: [NaN, Infinity, -Infinity, -0], empty: { a: [], b: {} },
      m: [tensor([1, 2]), null, { w: tensor([[1]], { dtype: 'float64' }) }],
    };
    const back = loadTree(saveTree({ params: { w: tensor([0.5]) }, state }));
    expectSameTree(back.tree, { params: { w: tensor([0.5]) }, state });
    expect('clip' in (back.tree as { state: object }).state).toBe(true);
  });

  it('round-trips empty trees', () => {
    for (const t of [null, undefined, [], {}, [[], {}], 0, 'x']) expectSameTree(loadTree(saveTree(t)).tree, t);
  });

  it('writes views and non-contiguous tensors contiguously', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
    const v = base.transpose().slice([0, 0], [3, 2], [2, 1]);
    const bytes = saveTree({ v });
    expect(splitFile(bytes).header['v']).toEqual({ dtype: 'I32', shape: [2, 2], data_offsets: [0, 16] });
    const back = loadTree(bytes).tree as { v: Tensor };
    expect(back.v.toArray()).toEqual([[1, 4], [3, 6]]);
    expect(back.v.isContiguous()).toBe(true);
  });

  it('keeps float bit patterns (NaN, -0, ±Infinity, subnormals) and integer extremes', () => {
    const f32 = tensor(new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]));
    const f64 = tensor(new Float64Array([NaN, -0, 5e-324, Number.MAX_VALUE]));
    const i32 = tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1]));
    const i8 = tensor(new Int8Array([-128, 127]));
    const u8 = tensor(new Uint8Array([0, 255]));
    const t = [f32, f64, i32, i8, u8];
    expectSameTree(loadTree(saveTree(t)).tree, t);
  });

  it('normalises bool storage to 0/1', () => {
    const b = fromTyped(new Uint8Array([0, 2, 255, 1]), [4], { dtype: 'bool' });
    const back = loadTree(saveTree(b)).tree as Tensor;
    expect(back.dtype).toBe('bool');
    expect(Array.from(back.data)).toEqual([0, 1, 1, 1]);
  });

  it('aligns the data buffer to 8 bytes with space padding', () => {
    fc.assert(fc.property(arbSaveTree({ maxDepth: 2 }), (t) => {
      const bytes = saveTree(t);
      const { n, headerText } = splitFile(bytes);
      expect((8 + n) % 8).toBe(0);
      expect(headerText.startsWith('{')).toBe(true);
      expect(headerText).toBe(headerText.trimEnd() + ' '.repeat(headerText.length - headerText.trimEnd().length));
      expect(headerText.length - headerText.trimEnd().length).toBeLessThan(8);
    }), { numRuns: 100 });
  });

  it('loads from an ArrayBuffer and from a Uint8Array at an odd byte offset', () => {
    const t = { w: tensor([1.5, -2], { dtype: 'float64' }), i: tensor([7], { dtype: 'int32' }) };
    const bytes = saveTree(t);
    expectSameTree(loadTree(bytes.slice().buffer).tree, t);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const back = loadTree(big.subarray(3)).tree as { w: Tensor };
    expectSameTree(back, t);
    expect(back.w.data.byteOffset % 8).toBe(0);
    big.fill(0); // the loaded tensors do not alias the input
    expectSameTree(back, t);
  });

  it('rejects unsupported leaves, cycles and bad metadata with INVALID_ARGUMENT', () => {
    expectNumError(() => saveTree({ a: new Float32Array(2) }), 'INVALID_ARGUMENT', "unsupported leaf at \"a\"");
    expectNumError(() => saveTree([() => 1]), 'INVALID_ARGUMENT', 'unsupported leaf at "0"');
    expectNumError(() => saveTree(new Date(0)), 'INVALID_ARGUMENT', 'unsupported leaf at the root');
    const cyc: Record<string, unknown> = {};
    cyc['self'] = cyc;
    expectNumError(() => saveTree(cyc), 'INVALID_ARGUMENT', 'nested too deeply (or cyclic)');
    expectNumError(() => saveTree({}, { a: 1 } as unknown as Record<string, string>), 'INVALID_ARGUMENT', 'metadata value for "a" must be a string');
    expectNumError(() => saveTree({}, { 'edgegrad.tree': '{}' }), 'INVALID_ARGUMENT', 'reserved');
    expectNumError(() => saveTree({}, [] as unknown as Record<string, string>), 'INVALID_ARGUMENT', 'metadata must be a plain object');
  });

  it('rejects non-byte input to loadTree with INVALID_ARGUMENT', () => {
    expectNumError(() => loadTree('abc' as unknown as Uint8Array), 'INVALID_ARGUMENT', 'Uint8Array or an ArrayBuffer');
  });
});
