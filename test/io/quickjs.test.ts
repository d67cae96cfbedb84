// Runtime neutrality: src/io bundled on its own runs inside QuickJS (no TextEncoder/TextDecoder,
// no BigInt, no Node), round-trips a tree with non-ASCII and lone-surrogate strings, decodes F16,
// and rejects a malformed file with NumError FORMAT, giving the same bytes as Node.
import { build } from 'esbuild';
import { join } from 'node:path';
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';
import { loadTree, saveTree } from '../../src/io/index.js';
import { tensor } from '../../src/index.js';

const root = join(import.meta.dirname, '..', '..');

const program = `
  var io = globalThis.__io;
  var t = { w: io.tensor([[1, -2.5], [3, 4]]), s: ['é€😀', 'lone \\ud800', ''], n: [NaN, -0, null, undefined], k: { 'a.b': io.tensor([1, 0], { dtype: 'int8' }) } };
  var bytes = io.saveTree(t, { author: 'ü' });
  var back = io.loadTree(bytes);
  var h = new Uint8Array([32,0,0,0,0,0,0,0]);
  var hdr = '{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}';
  while ((hdr.length) % 8 !== 0) hdr += ' ';
  var f = new Uint8Array(8 + hdr.length + 4);
  f[0] = hdr.length;
  for (var i = 0; i < hdr.length; i++) f[8 + i] = hdr.charCodeAt(i);
  f.set([0x01, 0x00, 0x00, 0x3c], 8 + hdr.length);
  var half = io.loadTree(f).tree.x;
  var err = null;
  try { io.loadTree(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0, 1])); } catch (e) { err = e.name + ' ' + e.code; }
  JSON.stringify({
    hasTextEncoder: typeof TextEncoder !== 'undefined',
    bytes: Array.prototype.slice.call(bytes),
    w: back.tree.w.toArray(), s: back.tree.s, n: [String(back.tree.n[0]), String(1 / back.tree.n[1]), back.tree.n[2], back.tree.n.length, 3 in back.tree.n && back.tree.n[3] === undefined],
    k: back.tree.k['a.b'].toArray(), meta: back.metadata, half: Array.prototype.slice.call(half.data), err: err,
  });
`;

describe('io in QuickJS', () => {
  it('saves and loads without TextEncoder/BigInt, byte-identical to Node', async () => {
    const r = await build({
      stdin: { contents: "import { saveTree, loadTree } from './src/io/index.ts'; import { tensor } from './src/tensor/create.ts'; globalThis.__io = { saveTree, loadTree, tensor };", resolveDir: root, loader: 'ts' },
      bundle: true, write: false, format: 'iife', platform: 'neutral', target: 'es2020', logLevel: 'silent',
    });
    const code = r.outputFiles[0]!.text;
    expect(code).not.toMatch(/TextEncoder|TextDecoder|BigInt/);
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      const res = vm.evalCode(`${code}\n${program}`, 'io.js');
      if (res.error) {
        const err: unknown = vm.dump(res.error);
        res.error.dispose();
        throw new Error(`QuickJS: ${JSON.stringify(err)}`);
      }
      const out = JSON.parse(vm.getString(res.value)) as Record<string, unknown>;
      res.value.dispose();
      expect(out['hasTextEncoder']).toBe(false);
      expect(out['w']).toEqual([[1, -2.5], [3, 4]]);
      expect(out['s']).toEqual(['é€😀', 'lone \ud800', '']);
      expect(out['n']).toEqual(['NaN', '-Infinity', null, 4, true]);
      expect(out['k']).toEqual([1, 0]);
      expect(out['meta']).toEqual({ author: 'ü' });
      expect(out['half']).toEqual([2 ** -24, 1]);
      expect(out['err']).toBe('NumError FORMAT');
      const t = { w: tensor([[1, -2.5], [3, 4]]), s: ['é€😀', 'lone \ud800', ''], n: [NaN, -0, null, undefined], k: { 'a.b': tensor([1, 0], { dtype: 'int8' }) } };
      const nodeBytes = saveTree(t, { author: 'ü' });
      expect(out['bytes']).toEqual(Array.from(nodeBytes));
      expect(loadTree(nodeBytes).metadata).toEqual({ author: 'ü' });
    } finally {
      vm.dispose();
    }
  });
});
