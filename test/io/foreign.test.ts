// Files from other safetensors writers: hand-built bytes (header JSON + little-endian data),
// F16/BF16 decoding (known values and all 65 536 bit patterns), and name → nested tree rebuilding.
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src/index.js';
import { loadTree, saveTree } from '../../src/io/index.js';
import { bf16BitsToF32Bits, f16BitsToF32Bits } from '../../src/io/half.js';
import { buildFile, expectNumError, expectSameTree } from './util.js';

/** Little-endian bytes of u16 values. */
const u16le = (xs: number[]): number[] => xs.flatMap((x) => [x & 0xff, x >> 8]);
const f32le = (xs: number[]): number[] => Array.from(new Uint8Array(new Float32Array(xs).buffer));
const f64le = (xs: number[]): number[] => Array.from(new Uint8Array(new Float64Array(xs).buffer));
const i32le = (xs: number[]): number[] => Array.from(new Uint8Array(new Int32Array(xs).buffer));
const bitsOf = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;

describe('files from other writers', () => {
  it('decodes F16 and BF16 known values to float32, with other dtypes alongside', () => {
    // F16: 1.0, -2.5, 65504 (max), 2^-24 (smallest subnormal), 1023·2^-24 (largest subnormal), +inf, -inf, NaN, -0
    const f16 = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000];
    // BF16: 1.0, -2.5, 65280, smallest subnormal 2^-133, max finite, +inf, NaN, -0
    const bf16 = [0x3f80, 0xc020, 0x477f, 0x0001, 0x7f7f, 0x7f80, 0x7fc0, 0x8000];
    const data = [
      ...u16le(f16), // [0, 18)
      ...u16le(bf16), // [18, 34)
      ...f32le([0.5, -1]), // [34, 42)
      ...f64le([Math.PI]), // [42, 50)
      ...i32le([-7, 123456]), // [50, 58)
      1, 0, // BOOL [58, 60)
      0xff, 0x80, // I8 [60, 62)
      200, // U8 [62, 63)
    ];
    // Header keys deliberately not in data order; __metadata__ as PyTorch writes it.
    const file = buildFile({
      'b.i32': { dtype: 'I32', shape: [2], data_offsets: [50, 58] },
      __metadata__: { format: 'pt' },
      'h.f16': { dtype: 'F16', shape: [9], data_offsets: [0, 18] },
      'h.bf16': { dtype: 'BF16', shape: [2, 4], data_offsets: [18, 34] },
      'b.f32': { dtype: 'F32', shape: [1, 2], data_offsets: [34, 42] },
      'b.f64': { dtype: 'F64', shape: [], data_offsets: [42, 50] },
      'b.bool': { dtype: 'BOOL', shape: [2], data_offsets: [58, 60] },
      'b.i8': { dtype: 'I8', shape: [2], data_offsets: [60, 62] },
      'b.u8': { dtype: 'U8', shape: [1], data_offsets: [62, 63] },
      'b.empty': { dtype: 'F16', shape: [0, 3], data_offsets: [63, 63] },
    }, data);
    const { tree, metadata } = loadTree(file);
    expect(metadata).toEqual({ format: 'pt' });
    const t = tree as { h: Record<string, Tensor>; b: Record<string, Tensor> };
    expect(Object.keys(t)).toEqual(['h', 'b']); // data-offset order
    expect(Object.keys(t.b)).toEqual(['f32', 'f64', 'i32', 'bool', 'i8', 'u8', 'empty']);

    const h = t.h['f16']!;
    expect(h.dtype).toBe('float32');
    expect(h.shape).toEqual([9]);
    const hv = Array.from(h.data);
    expect(hv.slice(0, 7)).toEqual([1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity]);
    expect(Number.isNaN(hv[7])).toBe(true);
    expect(Object.is(hv[8], -0)).toBe(true);

    const b = t.h['bf16']!;
    expect(b.shape).toEqual([2, 4]);
    const bv = Array.from(b.data);
    expect(bv.slice(0, 6)).toEqual([1, -2.5, 65280, 2 ** -133, 3.3895313892515355e38, Infinity]);
    expect(Number.isNaN(bv[6])).toBe(true);
    expect(Object.is(bv[7], -0)).toBe(true);
    expect(bitsOf(bv[6]!)).toBe(0x7fc00000);

    expect(t.b['f32']!.toArray()).toEqual([[0.5, -1]]);
    expect(t.b['f64']!.dtype).toBe('float64');
    expect(t.b['f64']!.item()).toBe(Math.PI);
    expect(t.b['i32']!.toArray()).toEqual([-7, 123456]);
    expect(t.b['bool']!.toArray()).toEqual([true, false]);
    expect(t.b['i8']!.toArray()).toEqual([-1, -128]);
    expect(t.b['u8']!.toArray()).toEqual([200]);
    expect(t.b['empty']!.shape).toEqual([0, 3]);
    expect(t.b['empty']!.dtype).toBe('float32');

    // The decoded tree re-saves and re-loads (F16/BF16 become F32).
    expectSameTree(loadTree(saveTree(tree, metadata)).tree, tree);
  });

  it('F16 decode is bit-exact for all 65 536 patterns', () => {
    for (let h = 0; h < 0x10000; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      const bits = f16BitsToF32Bits(h);
      if (e === 0x1f && m !== 0) {
        // NaN: sign and payload kept in the top mantissa bits.
        expect(bits).toBe(((h & 0x8000) << 16 | 0x7f800000 | (m << 13)) >>> 0);
        continue;
      }
      const v = e === 0x1f ? sign * Infinity : e === 0 ? sign * m * 2 ** -24 : sign * (1 + m / 1024) * 2 ** (e - 15);
      if (bits !== bitsOf(v)) expect(`0x${h.toString(16)} → 0x${bits.toString(16)}`).toBe(`0x${h.toString(16)} → 0x${bitsOf(v).toString(16)}`);
    }
  });

  it('BF16 decode is the top half of float32 for all 65 536 patterns', () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x10000; h++) if (bf16BitsToF32Bits(h) !== h * 65536) bad.push(h);
    expect(bad).toEqual([]);
  });

  it('rebuilds nested trees from dotted names (arrays for 0..n-1 levels)', () => {
    const names = ['model.embed.weight', 'model.layers.0.attn.q', 'model.layers.1.attn.q', 'model.layers.0.mlp', 'model.norm.weight', 'lm_head.weight', 'features.0.w', 'features.3.w'];
    const header: Record<string, unknown> = {};
    names.forEach((n, i) => { header[n] = { dtype: 'F32', shape: [], data_offsets: [4 * i, 4 * i + 4] }; });
    const file = buildFile(header, f32le(names.map((_, i) => i)));
    const v = (x: number): Tensor => tensor(x);
    expectSameTree(loadTree(file).tree, {
      model: { embed: { weight: v(0) }, layers: [{ attn: { q: v(1) }, mlp: v(3) }, { attn: { q: v(2) } }], norm: { weight: v(4) } },
      lm_head: { weight: v(5) },
      features: { 0: { w: v(6) }, 3: { w: v(7) } }, // keys 0 and 3 are not 0..n-1: an object
    });
  });

  it('a top level of 0..n-1 becomes an array; a single name becomes a one-key object', () => {
    const two = buildFile({ 1: { dtype: 'U8', shape: [], data_offsets: [1, 2] }, 0: { dtype: 'U8', shape: [], data_offsets: [0, 1] } }, [5, 6]);
    expectSameTree(loadTree(two).tree, [tensor(5, { dtype: 'uint8' }), tensor(6, { dtype: 'uint8' })]);
    const one = buildFile({ tensor: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [9]);
    expectSameTree(loadTree(one).tree, { tensor: tensor([9], { dtype: 'uint8' }) });
    expectSameTree(loadTree(buildFile({})).tree, {});
  });

  it('falls back to a flat object when a name is both a tensor and a prefix', () => {
    const file = buildFile({ a: { dtype: 'U8', shape: [], data_offsets: [0, 1] }, 'a.b': { dtype: 'U8', shape: [], data_offsets: [1, 2] } }, [1, 2]);
    expectSameTree(loadTree(file).tree, { a: tensor(1, { dtype: 'uint8' }), 'a.b': tensor(2, { dtype: 'uint8' }) });
  });

  it('accepts an unpadded header, trailing header whitespace and extra entry fields', () => {
    const file = buildFile('{"x":{"dtype":"I8","shape":[2],"data_offsets":[0,2],"extra":1}} \n\t', [1, 255], { pad: false });
    expectSameTree(loadTree(file).tree, { x: tensor([1, -1], { dtype: 'int8' }) });
  });

  it('names unsupported safetensors dtypes in a FORMAT error', () => {
    for (const dt of ['I64', 'U16', 'I16', 'U32', 'U64', 'F8_E4M3']) {
      const file = buildFile({ x: { dtype: dt, shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0));
      expectNumError(() => loadTree(file), 'FORMAT', `unsupported dtype ${dt}`);
    }
  });
});
