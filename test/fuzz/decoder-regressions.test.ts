// Inputs that broke a decoder's contract, kept as plain tests: each must throw NumError FORMAT
// (found by probing header-declared sizes with the checksum recomputed).
import { describe, expect, it } from 'vitest';
import { alq, dress, fromTyped, isNumError, key, loadTree, nn, quant, saveTree } from '../../src/index.js';
import type { Params } from '../../src/index.js';
import { crc32 } from '../../src/io/checksum.js';

const code = (f: () => unknown): string | undefined => {
  try { f(); } catch (e) { expect(isNumError(e), String(e)).toBe(true); return (e as { code: string }).code; }
  return undefined;
};
const hex = (b: Uint8Array): string => crc32(b).toString(16).padStart(8, '0');

describe('decoder regressions', () => {
  it('dress.decodePacked: a layer declaring 2^40 columns for one value is FORMAT, not RangeError', () => {
    const model = nn.sequential(nn.linear(4) as nn.Layer<Params>) as nn.Layer<Params>;
    const init = model.init(key(3), [6]);
    const masks = dress.nestedMasks(init.params, { denseLevel: true });
    const l = loadTree(dress.encodePacked(dress.toSparse(dress.trainable(init.params, masks), masks)));
    const t = l.tree as { levels: number[]; layers: Record<string, unknown>[] };
    const wide = (cols: number): Uint8Array => {
      t.layers[0] = { ...t.layers[0], shape: [1, cols], rows: 1, cols, counts: t.levels.map(() => 1), indexBytes: 4, values: fromTyped(new Float32Array(1), [1]), columns: fromTyped(new Uint8Array(4), [4]) };
      return saveTree(t, { ...l.metadata, 'edgegrad.dress.crc32': hex(saveTree(t)) });
    };
    expect(code(() => dress.decodePacked(wide(2 ** 40)))).toBe('FORMAT');
    // a sparse but legal width decodes (the repeat check no longer allocates by cols)
    expect(dress.decodePacked(wide(2 ** 24)).layers[0]!.cols).toBe(2 ** 24);
  });

  it('alq.toMultiBit: non-integer or oversized sizes are FORMAT', () => {
    const p = nn.mlp([8, 3]).init(key(5), [16]).params;
    const leaf = (alq.pack(p, alq.quantize(p, { maxBits: 3 })) as { weight: alq.PackedAlqLeaf }[])[0]!.weight;
    const empty = { counts: fromTyped(new Uint8Array(0), [0]), bits: fromTyped(new Int32Array(0), [0]), alphas: fromTyped(new Float32Array(0), [0]) };
    for (const bad of [{ ...leaf, ...empty, rows: 2 ** 40, cols: 0, planes: 0 }, { ...leaf, rows: 1.5 }, { ...leaf, groupSize: -1 }, { ...leaf, rows: '2' }]) {
      expect(code(() => alq.toMultiBit(bad as alq.PackedAlqLeaf))).toBe('FORMAT');
    }
    expect(alq.toMultiBit(leaf).rows).toBe(8);
  });

  it('quant.toBitMatrix: sizes that disagree with the words are FORMAT', () => {
    const p = nn.mlp([8, 3]).init(key(5), [16]).params;
    const leaf = (quant.exportPacked(p, quant.steSign()) as { weight: quant.PackedBinary }[])[0]!.weight;
    for (const bad of [{ ...leaf, rows: leaf.rows + 1 }, { ...leaf, cols: 1000 }, { ...leaf, rows: -1 }]) {
      expect(code(() => quant.toBitMatrix(bad))).toBe('FORMAT');
    }
    expect(quant.toBitMatrix(leaf).words.length).toBe(leaf.rows * Math.ceil(leaf.cols / 32));
  });
});
