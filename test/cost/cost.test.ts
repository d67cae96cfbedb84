import { describe, expect, it } from 'vitest';
import { defaultPrecision, formatSummary, paramCount, storageBits, storageBytes, summary } from '../../src/cost/index.js';
import type { PrecisionSpec } from '../../src/cost/index.js';
import { zeros } from '../../src/tensor/create.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

// 500 + 20 + 4000 + 10 = 4530 elements.
const params = {
  conv: { weight: zeros([20, 1, 5, 5]), bias: zeros([20]) },
  fc: [zeros([10, 400]), zeros([10], { dtype: 'float64' })],
  empty: null,
};

describe('paramCount / storageBits / storageBytes', () => {
  it('counts by hand with the dtype defaults', () => {
    expect(paramCount(params)).toBe(4530);
    expect(paramCount(zeros([3, 4]))).toBe(12);
    expect(paramCount({})).toBe(0);
    const bits = storageBits(params);
    expect(bits.byPath).toEqual({ 'conv.weight': 16000, 'conv.bias': 640, 'fc.0': 128000, 'fc.1': 640 });
    expect(bits.total).toBe(16000 + 640 + 128000 + 640);
    expect(storageBytes(params).total).toBe(2000 + 80 + 16000 + 80);
    expect(['float32', 'float64', 'int32', 'int8', 'uint8', 'bool'].map((d) => defaultPrecision(d as 'int8')))
      .toEqual([32, 64, 32, 8, 8, 8]);
    expect(storageBits(zeros([5], { dtype: 'bool' })).byPath).toEqual({ '': 40 });
  });

  it('takes a precision tree: numbers cover subtrees, missing entries keep the default', () => {
    const spec: PrecisionSpec = { conv: { weight: 1 }, fc: [3] };
    const bits = storageBits(params, spec);
    // 1-bit matrices count as packed rows of 32-bit words: 20 rows × 32 bits (25 used).
    expect(bits.byPath).toEqual({ 'conv.weight': 640, 'conv.bias': 640, 'fc.0': 12000, 'fc.1': 640 });
    const bytes = storageBytes(params, spec);
    expect(bytes.byPath).toEqual({ 'conv.weight': 80, 'conv.bias': 80, 'fc.0': 1500, 'fc.1': 80 });
    expect(bytes.total).toBe(80 + 80 + 1500 + 80);
    // 1-D leaves at 1 bit are plain bit strings: 20 + 10; matrices packed: 640 + 10·32·13.
    expect(storageBits(params, 1).total).toBe(640 + 20 + 4160 + 10);
    expect(storageBits(params, { conv: 3 }).byPath['conv.weight']).toBe(1500);
    expect(storageBits(params, { conv: 2, fc: null }).byPath['conv.bias']).toBe(40);
  });

  it('takes a precision function of (path, tensor)', () => {
    const seen: string[] = [];
    const bits = storageBits(params, (path, t) => {
      seen.push(path);
      return t.ndim > 1 ? 1 : undefined;
    });
    expect(seen).toEqual(['conv.weight', 'conv.bias', 'fc.0', 'fc.1']);
    expect(bits.byPath).toEqual({ 'conv.weight': 640, 'conv.bias': 640, 'fc.0': 4160, 'fc.1': 640 });
  });

  it('rounds fractional precisions up to whole bits per leaf', () => {
    expect(storageBits(zeros([3]), 0.1).total).toBe(1); // 0.30000000000000004 -> 1
    expect(storageBits(zeros([10]), 0.1).total).toBe(1); // 1.0000000000000002 -> 1 (rounding noise)
    expect(storageBits(zeros([10]), 2.45).total).toBe(25); // 24.5 -> 25
    expect(storageBytes(zeros([10]), 2.45).total).toBe(4);
  });

  it('validates', () => {
    expect(code(() => storageBits(params, { conv: { wieght: 1 } }))).toBe('STRUCTURE_MISMATCH');
    expect(code(() => storageBits(params, { fc: [1, 2, 3] }))).toBe('STRUCTURE_MISMATCH');
    expect(code(() => storageBits(params, { conv: [1] }))).toBe('STRUCTURE_MISMATCH');
    expect(code(() => storageBits(params, { conv: { weight: { x: 1 } } }))).toBe('STRUCTURE_MISMATCH');
    expect(code(() => storageBits(params, -1))).toBe('INVALID_ARGUMENT');
    expect(code(() => storageBits(params, () => Number.NaN))).toBe('INVALID_ARGUMENT');
    expect(code(() => paramCount({ a: 3 } as never))).toBe('INVALID_ARGUMENT');
  });
});

describe('summary / formatSummary', () => {
  const spec: PrecisionSpec = { conv: { weight: 1 }, fc: [2] };
  const s = summary(params, spec);

  it('has one row per leaf and totals equal to the sums of the rows', () => {
    expect(s.rows.map((r) => r.path)).toEqual(['conv.weight', 'conv.bias', 'fc.0', 'fc.1']);
    expect(s.rows[0]).toEqual({ path: 'conv.weight', shape: [20, 1, 5, 5], dtype: 'float32', count: 500, precision: 1, bits: 640, bytes: 80 });
    expect(s.rows[3]).toMatchObject({ dtype: 'float64', precision: 64, bits: 640, bytes: 80 });
    const sum = (f: 'count' | 'bits' | 'bytes'): number => s.rows.reduce((a, r) => a + r[f], 0);
    expect(s.totals).toMatchObject({ tensors: 4, count: sum('count'), bits: sum('bits'), bytes: sum('bytes') });
    for (const f of ['count', 'bits', 'bytes'] as const) {
      expect(s.groups.reduce((a, g) => a + g[f], 0)).toBe(s.totals[f]);
    }
    expect(s.groups.map((g) => [g.precision, g.tensors, g.count])).toEqual([[64, 1, 10], [32, 1, 20], [2, 1, 4000], [1, 1, 500]]);
    expect(s.totals.float32Bytes).toBe(4 * 4530);
    expect(s.totals.compression).toBeCloseTo((4 * 4530) / (80 + 80 + 1000 + 80), 12);
    expect(summary(params, 1).totals.compression).toBeCloseTo(4 * 4530 / (80 + 3 + 520 + 2), 12);
    expect(summary({}).totals.compression).toBe(1);
  });

  it('formats an aligned table with every path and the totals', () => {
    const text = formatSummary(s);
    for (const p of ['conv.weight', 'conv.bias', 'fc.0', 'fc.1']) expect(text).toContain(p);
    expect(text).toContain('4,530');
    expect(text).toContain('1-bit');
    expect(text).toContain('64-bit');
    expect(text).toContain('compression');
    const lines = text.split('\n');
    const headerWidth = lines[1]!.length; // the rule under the header spans every column
    for (const l of lines.slice(0, 8)) expect(l.length).toBeLessThanOrEqual(headerWidth);
    const bytesCol = lines.slice(2, 6).map((l) => l.length);
    expect(new Set(bytesCol).size).toBe(1); // right-aligned last column
    expect(formatSummary(summary(zeros([2])))).toContain('(root)');
  });
});
