// PyTorch-style state dicts: nn.loadStateDict fills a params tree from named tensors (here a
// LeNet5 state_dict written by test/fixtures/make_torch_lenet5.py in the safetensors format) and
// reports what does not match like load_state_dict(strict=True); nn.stateDict exports it back.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNumError, key, loadTree, nn, normal, saveTree, tensor, tree, type Params, type Tensor } from '../../src/index.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'lenet5-torch.safetensors');
const RENAME = { conv1: '0', conv2: '3', fc1: '7', fc2: '9' };
const model = nn.lenet5();
const fresh = (): Params => model.init(key(0), [1, 28, 28]).params;
const bits = (t: Tensor): number[] => Array.from(t.toTyped());

function error(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isNumError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('nn.loadStateDict', () => {
  const ckpt = loadTree(readFileSync(FIXTURE));

  it('loads the Python-written LeNet5 state_dict into nn.lenet5 with a prefix rename', () => {
    const params = fresh();
    const r = nn.loadStateDict(params, ckpt, { rename: RENAME });
    expect(r.missingKeys).toEqual([]);
    expect(r.unexpectedKeys).toEqual([]);
    const named = new Map(tree.entries(ckpt.tree as Params));
    expect([...named.keys()].sort()).toEqual(['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
    const loaded = new Map(tree.entries(r.params));
    expect(bits(loaded.get('0.weight')!)).toEqual(bits(named.get('conv1.weight')!));
    expect(bits(loaded.get('9.bias')!)).toEqual(bits(named.get('fc2.bias')!));
    // The bytes are PyTorch's default init U(±1/sqrt(fan_in)) for fc1 (fan_in 800).
    expect(bits(loaded.get('7.weight')!).reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(1 / Math.sqrt(800));
    // The model runs on it, and the input tree is untouched.
    const y = model.apply(r.params as Params[], normal(key(3), [2, 1, 28, 28]), { training: false, state: [] });
    expect(y.shape).toEqual([2, 10]);
    expect(bits(tree.entries(params)[0]![1])).not.toEqual(bits(loaded.get('0.weight')!));
  });

  it('strict: missing, unexpected and shape-mismatched names in one STRUCTURE_MISMATCH, params unchanged', () => {
    const params = fresh();
    const before = tree.entries(params).map(([, t]) => bits(t));
    const sd = { ...nn.stateDict(loadTreeParams(ckpt), { rename: RENAME }) };
    delete sd['fc2.bias'];
    sd['fc3.weight'] = tensor([1]);
    sd['conv1.bias'] = tensor([1, 2, 3]);
    const e = error(() => nn.loadStateDict(params, sd, { rename: RENAME }));
    expect(e.code).toBe('STRUCTURE_MISMATCH');
    expect(e.message).toContain('missing key(s): "9.bias"');
    expect(e.message).toContain('unexpected key(s): "fc3.weight"');
    expect(e.message).toContain('size mismatch for "0.bias" ("conv1.bias"): the checkpoint has [3], the model [20]');
    expect(tree.entries(params).map(([, t]) => bits(t))).toEqual(before);
    // Non-strict: missing and unexpected are reported, not thrown; shape mismatches still throw.
    delete sd['conv1.bias'];
    const r = nn.loadStateDict(params, sd, { rename: RENAME, strict: false });
    expect(r.missingKeys).toEqual(['0.bias', '9.bias']);
    expect(r.unexpectedKeys).toEqual(['fc3.weight']);
    expect(bits(tree.entries(r.params).find(([p]) => p === '0.bias')![1])).toEqual(before[1]);
    sd['conv1.bias'] = tensor([1, 2, 3]);
    expect(error(() => nn.loadStateDict(params, sd, { rename: RENAME, strict: false })).code).toBe('STRUCTURE_MISMATCH');
  });

  it('casts to the dtype of the leaf it replaces; a rename function can drop names', () => {
    const params = { fc: { weight: tensor([[0, 0]], { dtype: 'float64' }), bias: tensor([0]) } };
    const r = nn.loadStateDict(params, { 'net.fc.weight': tensor([[0.1, 0.2]]), 'net.fc.bias': tensor([3]), 'net.fc.num_batches_tracked': tensor([7]) }, {
      rename: (n) => (n.endsWith('num_batches_tracked') ? null : n.replace(/^net\./, '')),
    });
    expect(r.params.fc.weight.dtype).toBe('float64');
    expect(bits(r.params.fc.weight)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(r.unexpectedKeys).toEqual([]);
  });

  it('bad inputs are INVALID_ARGUMENT', () => {
    const p = { w: tensor([1]) };
    expect(error(() => nn.loadStateDict(p, 3 as never)).code).toBe('INVALID_ARGUMENT');
    expect(error(() => nn.loadStateDict(p, { w: 5 })).code).toBe('INVALID_ARGUMENT');
    expect(error(() => nn.loadStateDict(p, { w: tensor([1]) }, { strict: 'yes' as never })).code).toBe('INVALID_ARGUMENT');
    expect(error(() => nn.loadStateDict(p, { w: tensor([1]) }, { rename: { a: 1 as never } })).code).toBe('INVALID_ARGUMENT');
    expect(error(() => nn.loadStateDict(p, { a: tensor([1]), b: tensor([1]) }, { rename: () => 'w' })).code).toBe('STRUCTURE_MISMATCH');
  });
});

/** The fixture's tensors as a flat `{ name: Tensor }` record. */
function loadTreeParams(ckpt: ReturnType<typeof loadTree>): Params {
  return Object.fromEntries(tree.entries(ckpt.tree as Params));
}

describe('nn.stateDict', () => {
  it('is the inverse of loadStateDict and writes a file Python reads back by name', () => {
    const ckpt = loadTree(readFileSync(FIXTURE));
    const params = nn.loadStateDict(fresh(), ckpt, { rename: RENAME }).params;
    const sd = nn.stateDict(params, { rename: RENAME });
    expect(Object.keys(sd)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const back = nn.loadStateDict(fresh(), loadTree(saveTree(sd)), { rename: RENAME }).params;
    expect(tree.entries(back).map(([p, t]) => [p, bits(t)])).toEqual(tree.entries(params).map(([p, t]) => [p, bits(t)]));
    // Python's side: parse the header by hand (as safetensors does) and compare names, shapes and a checksum.
    const file = join(mkdtempSync(join(tmpdir(), 'eg-sd-')), 'out.safetensors');
    writeFileSync(file, saveTree(sd));
    const py = `
import json, struct, sys
b = open(sys.argv[1], 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); base = 8 + n
out = {}
for k, v in h.items():
    if k == '__metadata__': continue
    s, e = v['data_offsets']; vals = struct.unpack('<%df' % ((e - s) // 4), b[base + s:base + e])
    out[k] = [v['dtype'], v['shape'], round(sum(vals), 3)]
print(json.dumps(out, sort_keys=True))`;
    const got = JSON.parse(execFileSync('python3', ['-c', py, file], { encoding: 'utf8' })) as Record<string, [string, number[], number]>;
    for (const [name, t] of Object.entries(sd)) {
      expect(got[name]![0]).toBe('F32');
      expect(got[name]![1]).toEqual(t.shape);
      expect(got[name]![2]).toBeCloseTo(bits(t).reduce((a, v) => a + v, 0), 2);
    }
  });

  it('rejects two paths exported under one name', () => {
    expect(error(() => nn.stateDict({ a: tensor([1]), b: tensor([2]) }, { rename: () => 'x' })).code).toBe('STRUCTURE_MISMATCH');
  });
});
