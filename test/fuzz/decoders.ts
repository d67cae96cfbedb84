// The byte decoders of the package with small valid samples of each, for decoders.test.ts and
// `npm run fuzz`. A decoder that reads into a caller's model (nn.loadStateDict, dpu.applyUpdate)
// carries a guard: the model's fingerprint, which must not change when bytes are rejected.
import {
  alq, dpu, dress, fromTyped, key, loadTree, nn, normal, quant, rct, saveTree, tensor, tree, zeros,
} from '../../src/index.js';
import type { LoadedTree, Params, Tensor } from '../../src/index.js';
import { crc32 } from '../../src/io/checksum.js';
import { decodeFashionCache, encodeFashionCache, fnv1a } from '../../src/node/fashion-cache.js';
import { isPlainObject } from '../../src/tree.js';
import { buildFile } from '../io/util.js';
import type { Decoder } from './decoders-harness.js';

/** FNV-1a over every tensor's bytes of a tree: changes when any weight changes. */
export function fingerprint(t: unknown): string {
  let h = 0x811c9dc5;
  for (const leaf of tree.leaves(t as Params)) {
    const d = (leaf as Tensor).toTyped();
    const u = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

const linear = (n: number): ((b: number) => number) => (b) => 2 * b + n;
const u16le = (xs: number[]): number[] => xs.flatMap((x) => [x & 0xff, x >> 8]);

function safetensors(): Decoder {
  const samples = [
    saveTree({
      w: normal(key(1), [3, 4]), b: zeros([4], { dtype: 'int32' }), e: zeros([0, 2]), s: tensor(2.5, { dtype: 'float64' }),
      nested: [{ m: tensor([true, false]), n: 3, name: 'x' }, null],
    }, { note: 'a' }),
    saveTree([tensor([1, -2, 3], { dtype: 'int8' }), { u: tensor([1, 2], { dtype: 'uint8' }) }]),
    buildFile({
      __metadata__: { format: 'pt' },
      'layers.0.weight': { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
      'layers.1.weight': { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
      'head.q': { dtype: 'I8', shape: [1], data_offsets: [12, 13] },
    }, [...u16le([0x3c00, 0xc100, 0x0001, 0x7c00, 0x3f80, 0x7fc0]), 0x80]),
  ];
  return { name: 'loadTree', samples, decode: (b) => loadTree(b), codes: ['FORMAT'], container: true, budget: linear(4096) };
}

function stateDict(): Decoder {
  const params = nn.mlp([6, 3]).init(key(0), [4]).params;
  return {
    name: 'nn.loadStateDict', samples: [saveTree(params), saveTree({ 0: { weight: normal(key(2), [6, 4]) } })],
    decode: (b) => nn.loadStateDict(params, loadTree(b), { strict: false }).params,
    // the container's FORMAT, then the documented mismatch codes of a well-formed but wrong file
    codes: ['FORMAT', 'STRUCTURE_MISMATCH', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'INVALID_ARGUMENT'],
    container: true, guard: () => fingerprint(params), budget: (n) => 2 * n + 4096 + 4 * 64,
  };
}

const withCrc = (b: Uint8Array): Uint8Array => {
  if (b.length >= 4) new DataView(b.buffer, b.byteOffset, b.length).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  return b;
};

function dpuSetup(): { edge: dpu.EdgeModel; regenerate: (s: number) => dpu.ModelWeights; samples: Uint8Array[] } {
  const model = nn.mlp([12, 3]) as nn.Layer<Params>;
  const regenerate = (seed: number): dpu.ModelWeights => dpu.initialWeights(model, [10], seed);
  const init = regenerate(1);
  const bump = (w: dpu.ModelWeights, by: number, every: number): dpu.ModelWeights => ({
    params: tree.map((t: Tensor) => {
      const d = Float32Array.from(t.toTyped() as Float32Array);
      for (let i = 0; i < d.length; i += every) d[i] = d[i]! + by;
      return fromTyped(d, [...t.shape]);
    }, w.params) as Params,
    modelState: w.modelState,
  });
  const edge = dpu.edgeModel(init);
  const samples = [
    dpu.encodeUpdate(dpu.createUpdate({ round: 0, deployed: edge, next: bump(init, 0.5, 9) })),
    dpu.encodeUpdate(dpu.createUpdate({ round: 1, deployed: edge, next: bump(init, 0.25, 3), base: 'init', init, seed: 1 })),
    dpu.encodeUpdate(dpu.createUpdate({ round: 2, deployed: edge, next: bump(init, -1, 1), full: true })),
  ];
  return { edge, regenerate, samples };
}

function dpuDecoders(): Decoder[] {
  const { edge, regenerate, samples } = dpuSetup();
  const modelBytes = tree.leaves(edge.params).reduce((a, t) => a + (t as Tensor).data.byteLength, 0);
  return [
    { name: 'dpu.decodeUpdate', samples, decode: (b) => dpu.decodeUpdate(b), codes: ['FORMAT'], reseal: withCrc, budget: linear(4096) },
    {
      name: 'dpu.applyUpdate', samples, decode: (b) => dpu.applyUpdate(edge, b, { init: regenerate }), codes: ['FORMAT', 'STATE_MISMATCH'],
      reseal: withCrc, guard: () => `${fingerprint(edge.params)}/${edge.round}`, budget: (n) => 2 * n + 2 * modelBytes + 4096,
    },
  ];
}

const DRESS_KEY = 'edgegrad.dress.crc32';
const hex = (b: Uint8Array): string => crc32(b).toString(16).padStart(8, '0');
const dressEncode = (l: LoadedTree): Uint8Array => saveTree(l.tree, { ...l.metadata, [DRESS_KEY]: hex(saveTree(l.tree)) });

function dressDecoder(): Decoder {
  const model = nn.sequential(nn.conv2d(3, 3) as nn.Layer<Params>, nn.relu(), nn.flatten(), nn.linear(4) as nn.Layer<Params>) as nn.Layer<Params>;
  const init = model.init(key(3), [2, 5, 5]);
  const masks = dress.nestedMasks(init.params, { denseLevel: true });
  const packed = dress.toSparse(dress.trainable(init.params, masks), masks);
  const packedRank = dress.toSparse(dress.trainable(init.params, masks), masks, { layout: 'rank' });
  return {
    name: 'dress.decodePacked', samples: [dress.encodePacked(packed), dress.encodePacked(packedRank)],
    decode: (b) => dress.decodePacked(b), codes: ['FORMAT'], container: true, encodeTree: dressEncode,
    reseal: (b) => { try { return dressEncode(loadTree(b)); } catch { return b; } },
    budget: linear(4096),
  };
}

function rctDecoder(): Decoder {
  const net = rct.mlp(2, [6, 3]);
  const cfg = rct.config(net, { learningRate: 0.1, controller: { interval: 5 } });
  const st = rct.init(cfg, net.float.init(key(0), [2]).params);
  return { name: 'rct.loadState', samples: [rct.saveState(st)], decode: (b) => rct.loadState(b), codes: ['FORMAT', 'STATE_MISMATCH'], container: true, budget: linear(4096) };
}

function walkPacked(t: unknown, visit: (x: Record<string, unknown>) => unknown, out: unknown[] = [], depth = 0): unknown[] {
  if (depth > 16) return out;
  if (isPlainObject(t) || Array.isArray(t)) {
    if (isPlainObject(t) && (t['format'] === 'alq-multibit' || t['format'] === 'bits')) out.push(visit(t));
    else for (const v of Object.values(t as Record<string, unknown>)) walkPacked(v, visit, out, depth + 1);
  }
  return out;
}

function packedDecoders(): Decoder[] {
  const params = nn.mlp([8, 3]).init(key(5), [16]).params;
  const state = alq.quantize(params, { maxBits: 3 });
  const alqBytes = saveTree(alq.pack(params, state));
  const bitsBytes = saveTree(quant.exportPacked(params, quant.steSign()));
  return [
    {
      // The deployment loader of an ALQ model: loadTree, then every packed leaf expanded.
      name: 'alq.toMultiBit(loadTree)', samples: [alqBytes], codes: ['FORMAT'], container: true, budget: linear(65536),
      decode: (b) => { const t = loadTree(b).tree; return { t, m: walkPacked(t, (x) => (alq.isPackedLeaf(x) ? alq.toMultiBit(x) : x)) }; },
    },
    {
      name: 'quant.toBitMatrix(loadTree)', samples: [bitsBytes], codes: ['FORMAT'], container: true, budget: linear(4096),
      decode: (b) => { const t = loadTree(b).tree; return { t, m: walkPacked(t, (x) => (quant.isPackedBinary(x) ? quant.toBitMatrix(x) : x)) }; },
    },
  ];
}

function fashionDecoder(): Decoder {
  const n = 3;
  const labels = Uint8Array.from([0, 9, 4]);
  const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) & 0xff);
  const reseal = (b: Uint8Array): Uint8Array => {
    if (b.length >= 16) new DataView(b.buffer, b.byteOffset, b.length).setUint32(12, fnv1a(b, 16), true);
    return b;
  };
  return { name: 'decodeFashionCache', samples: [encodeFashionCache({ labels, pixels, fingerprint: 77 })], decode: (b) => decodeFashionCache(b), codes: ['FORMAT'], reseal, budget: linear(64) };
}

/** Every byte decoder, in a fixed order. */
export function decoders(): Decoder[] {
  return [safetensors(), stateDict(), ...dpuDecoders(), dressDecoder(), rctDecoder(), ...packedDecoders(), fashionDecoder()];
}
