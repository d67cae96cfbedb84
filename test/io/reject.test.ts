// Each malformed-file case as a named test: loadTree must throw NumError FORMAT with a message
// that says what is wrong (and never allocate tensor storage for a bad header).
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { loadTree, saveTree } from '../../src/io/index.js';
import { buildFile, buildRaw, expectNumError, splitFile, writeLength } from './util.js';

const F32 = (offsets: [number, number], shape: unknown = [offsets[1] / 4 - offsets[0] / 4]): object => ({ dtype: 'F32', shape, data_offsets: offsets });
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const rejects = (bytes: Uint8Array, fragment: string): void => expectNumError(() => loadTree(bytes), 'FORMAT', fragment);

/** A valid edgegrad file and a way to rewrite its header / tree description. */
function ours(): { header: Record<string, unknown>; data: Uint8Array; desc: { version: number; tree: unknown } } {
  const { header, data } = splitFile(saveTree({ w: tensor([1, 2]), b: tensor([true, false]), step: 3 }, { note: 'x' }));
  const meta = header['__metadata__'] as Record<string, string>;
  return { header, data, desc: JSON.parse(meta['edgegrad.tree']!) as { version: number; tree: unknown } };
}
function withDesc(desc: unknown): Uint8Array {
  const { header, data } = ours();
  (header['__metadata__'] as Record<string, string>)['edgegrad.tree'] = typeof desc === 'string' ? desc : JSON.stringify(desc);
  return buildFile(header, data);
}

describe('loadTree rejects malformed files with FORMAT', () => {
  it('sanity: the base file loads', () => {
    const { header, data } = ours();
    expect(() => loadTree(buildFile(header, data))).not.toThrow();
  });

  it('fewer than 8 bytes', () => {
    rejects(new Uint8Array(0), 'file too short');
    rejects(new Uint8Array(7), 'expected at least 8 bytes, got 7 bytes');
  });

  it('header length past the end of the file', () => {
    rejects(buildFile('{}', [], { length: 9 }), 'header length runs past the end of the file');
  });

  it('absurd header length: > 100 MB or a high 32-bit half', () => {
    const b = new Uint8Array(16);
    writeLength(b, 100_000_001);
    rejects(b, 'header length is too large; expected at most 100000000 bytes, got 100000001');
    writeLength(b, 0, 1);
    rejects(b, 'got 0x100000000');
    writeLength(b, 0xffffffff, 0xffffffff);
    rejects(b, 'got 0xffffffffffffffff');
  });

  it('empty header', () => rejects(buildRaw([]), "header does not start with '{'"));

  it('non-UTF-8 header bytes', () => {
    rejects(buildRaw([0x7b, 0xff, 0x7d]), 'header is not valid UTF-8 (invalid lead byte)');
    rejects(buildRaw([0x7b, 0xc0, 0x80, 0x7d]), 'invalid lead byte'); // overlong NUL
    rejects(buildRaw([0x7b, 0xe0, 0x80, 0x80, 0x7d]), 'overlong encoding');
    rejects(buildRaw([0x7b, 0xed, 0xa0, 0x80, 0x7d]), 'encoded surrogate');
    rejects(buildRaw([0x7b, 0xf4, 0x90, 0x80, 0x80, 0x7d]), 'past U+10FFFF');
    rejects(buildRaw([0x7b, 0x80, 0x7d]), 'unexpected continuation byte');
    rejects(buildRaw([0x7b, 0xe2, 0x82]), 'truncated sequence');
    rejects(buildRaw([0x7b, 0xe2, 0x28, 0xa1, 0x7d]), 'truncated sequence');
  });

  it('header not starting with {', () => {
    rejects(buildFile('[]'), "header does not start with '{'");
    rejects(buildFile(' {}', [], { pad: false }), "header does not start with '{'");
  });

  it('non-JSON header', () => {
    rejects(buildFile('{"a": '), 'header is not valid JSON');
    rejects(buildFile('{} x'), 'header is not valid JSON');
    rejects(buildFile('{}\u0000'), 'header is not valid JSON');
  });

  it('deeply nested JSON', () => {
    rejects(buildFile(`{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), 'tensor "x": header entry is not an object');
  });

  it('entry that is not an object', () => rejects(buildFile({ x: [1, 2] }), 'tensor "x": header entry is not an object'));

  it('entry missing dtype / shape / data_offsets', () => {
    rejects(buildFile({ x: { shape: [1], data_offsets: [0, 4] } }, zeros(4)), 'tensor "x": missing or non-string dtype');
    rejects(buildFile({ x: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, zeros(4)), 'missing or non-string dtype');
    rejects(buildFile({ x: { dtype: 'F32', data_offsets: [0, 4] } }, zeros(4)), 'tensor "x": missing or non-array shape');
    rejects(buildFile({ x: { dtype: 'F32', shape: [1] } }, zeros(4)), 'tensor "x": missing or malformed data_offsets');
  });

  it('unknown dtype', () => {
    rejects(buildFile({ x: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, zeros(4)), 'tensor "x": unknown dtype "F33"');
    rejects(buildFile({ x: { dtype: '__proto__', shape: [1], data_offsets: [0, 4] } }, zeros(4)), 'unknown dtype "__proto__"');
    rejects(buildFile({ x: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, zeros(4)), 'unknown dtype "f32"');
  });

  it('unsupported dtype', () => rejects(buildFile({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, zeros(8)), 'tensor "x": unsupported dtype I64'));

  it('shape with negative, fractional, huge or non-number dimensions', () => {
    rejects(buildFile({ x: F32([0, 4], [-1]) }, zeros(4)), 'tensor "x": shape has an invalid dimension; expected non-negative integers, got -1');
    rejects(buildFile({ x: F32([0, 4], [1.5]) }, zeros(4)), 'got 1.5');
    rejects(buildFile({ x: F32([0, 4], [1e300]) }, zeros(4)), 'invalid dimension');
    rejects(buildFile({ x: F32([0, 4], ['1']) }, zeros(4)), 'invalid dimension');
    rejects(buildFile({ x: F32([0, 4], 4) }, zeros(4)), 'missing or non-array shape');
  });

  it('shape size × itemsize ≠ end − begin', () => {
    rejects(buildFile({ x: F32([0, 8], [3]) }, zeros(8)), 'tensor "x": byte length does not match shape and dtype; expected 12 bytes (F32 [3]), got data_offsets [0, 8] (8 bytes)');
    rejects(buildFile({ x: F32([0, 8], [2 ** 52, 2 ** 52, 0]) }, zeros(8)), 'expected 0 bytes');
    rejects(buildFile({ x: F32([0, 8], [2 ** 40, 2 ** 40]) }, zeros(8)), 'expected more than 9007199254740991 bytes');
  });

  it('data_offsets of the wrong form or out of range', () => {
    rejects(buildFile({ x: F32([0, 4, 8] as unknown as [number, number], [1]) }, zeros(4)), 'missing or malformed data_offsets');
    rejects(buildFile({ x: F32([4, 0], [1]) }, zeros(4)), 'data_offsets must be integers with 0 <= begin <= end');
    rejects(buildFile({ x: F32([-4, 0], [1]) }, zeros(4)), '0 <= begin <= end');
    rejects(buildFile({ x: F32([0.5, 4.5], [1]) }, zeros(8)), '0 <= begin <= end');
    rejects(buildFile({ x: F32([0, 8], [2]) }, zeros(4)), 'tensor "x": data_offsets out of range; expected end <= 4 (data buffer size), got [0, 8]');
  });

  it('overlapping tensors', () => {
    rejects(buildFile({ x: F32([0, 8]), y: F32([4, 12]) }, zeros(12)), 'tensor "y" overlaps another tensor');
    rejects(buildFile({ x: F32([0, 4]), y: F32([0, 4]) }, zeros(4)), 'overlaps another tensor');
  });

  it('a hole in the data buffer', () => {
    rejects(buildFile({ x: F32([0, 4]), y: F32([8, 12]) }, zeros(12)), 'hole in the data buffer before tensor "y"');
    rejects(buildFile({ y: F32([4, 8]) }, zeros(8)), 'hole in the data buffer');
  });

  it('trailing bytes after the last tensor', () => {
    rejects(buildFile({ x: F32([0, 4]) }, zeros(5)), 'data buffer is not fully covered by the tensors (trailing bytes); expected 4 bytes of data, got 5 bytes');
    rejects(buildFile({}, zeros(1)), 'not fully covered');
  });

  it('__metadata__ that is not an object of strings', () => {
    rejects(buildFile({ __metadata__: ['a'] }), '__metadata__ is not an object');
    rejects(buildFile({ __metadata__: null }), '__metadata__ is not an object');
    rejects(buildFile({ __metadata__: { a: 1 } }), '__metadata__ value for "a" is not a string');
  });

  it('BOOL bytes other than 0/1', () => {
    rejects(buildFile({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 0, 2]), 'tensor "m": BOOL element 2 is neither 0 nor 1');
  });

  it('edgegrad.tree that is not JSON', () => rejects(withDesc('{"version":1,'), 'edgegrad.tree is not valid JSON'));

  it('edgegrad.tree with the wrong envelope or version', () => {
    rejects(withDesc({ tree: null }), 'edgegrad.tree is malformed');
    rejects(withDesc([1]), 'edgegrad.tree is malformed');
    rejects(withDesc({ version: 2, tree: null, x: 1 }), 'edgegrad.tree is malformed');
    const { desc } = ours();
    rejects(withDesc({ ...desc, version: 2 }), 'edgegrad.tree has an unsupported version; expected 1, got 2');
  });

  it('edgegrad.tree with malformed nodes', () => {
    const withTree = (tree: unknown): Uint8Array => withDesc({ version: 1, tree: { object: [['w', { tensor: 'w' }], ['b', { tensor: 'b' }], ['x', tree]] } });
    expect(() => loadTree(withTree(null))).not.toThrow();
    rejects(withTree({}), 'a node object must have exactly one tag');
    rejects(withTree({ number: 'NaN', undefined: true }), 'exactly one tag');
    rejects(withTree({ weird: 1 }), 'unknown node tag "weird"');
    rejects(withTree({ number: 'nan' }), 'unknown special number');
    rejects(withTree({ undefined: 1 }), 'undefined tag must be true');
    rejects(withTree({ object: {} }), 'object node must hold [key, node] pairs');
    rejects(withTree({ object: [['k']] }), 'object entry must be a [key, node] pair');
    rejects(withTree({ object: [[1, null]] }), 'object entry must be a [key, node] pair');
    rejects(withTree({ object: [['k', 1], ['k', 2]] }), 'duplicate object key "k"');
    rejects(withTree({ tensor: 5 }), 'tensor reference is not a string');
  });

  it('edgegrad.tree that disagrees with the tensors', () => {
    const mk = (pairs: unknown[]): Uint8Array => withDesc({ version: 1, tree: { object: pairs } });
    rejects(mk([['w', { tensor: 'w' }], ['b', { tensor: 'zz' }]]), 'edgegrad.tree disagrees with the tensors: it references "zz", which is not in the header');
    rejects(mk([['w', { tensor: 'w' }], ['b', { tensor: 'w' }]]), 'it references "w" twice');
    rejects(mk([['w', { tensor: 'w' }]]), 'tensor "b" is not in the tree');
  });

  it('edgegrad.tree nested too deeply', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    rejects(withDesc({ version: 1, tree: { object: [['w', { tensor: 'w' }], ['b', { tensor: 'b' }], ['d', deep]] } }), 'edgegrad.tree is nested too deeply');
  });

  it('never throws anything but NumError for odd inputs', () => {
    for (const bytes of [buildFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', zeros(4)), buildFile({ constructor: F32([0, 4]) }, zeros(4))]) {
      const { tree } = loadTree(bytes);
      expect(Object.keys(tree as object)).toHaveLength(1);
    }
  });
});
