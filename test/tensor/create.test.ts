// Creation functions, dtype inference, toArray/item/toTyped, and the NumError contract.
import { describe, expect, it } from 'vitest';
import {
  NumError, add, arange, eye, fromTyped, full, isNumError, matmul, ones, reshape, sum, tensor, zeros, permute, type Tensor,
} from '../../src/index.js';
import { thrown } from '../helpers.js';

describe('creation', () => {
  it('infers shape and dtype from nested arrays and typed arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect([t.dtype, t.shape, t.strides, t.size, t.ndim]).toEqual(['float32', [2, 3], [3, 1], 6, 2]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(new Int8Array([1, -2])).dtype).toBe('int8');
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([[1, 2], [3, 4]], { dtype: 'float64' }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float32Array(6), { shape: [2, 3] }).shape).toEqual([2, 3]);
    expect(tensor([]).shape).toEqual([0]);
  });

  it('copies typed arrays in tensor() but aliases them in fromTyped()', () => {
    const buf = new Float32Array([1, 2, 3, 4]);
    const copy = tensor(buf);
    const view = fromTyped(buf, [2, 2]);
    buf[0] = 9;
    expect(copy.toArray()).toEqual([1, 2, 3, 4]);
    expect(view.toArray()).toEqual([[9, 2], [3, 4]]);
    expect(fromTyped(new Uint8Array([0, 1]), [2], { dtype: 'bool' }).toArray()).toEqual([false, true]);
  });

  it('zeros, ones, full, arange, eye', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([2], { dtype: 'int8' }).toArray()).toEqual([1, 1]);
    expect(full([2, 1], 1.5).toArray()).toEqual([[1.5], [1.5]]);
    expect(arange(3).dtype).toBe('int32');
    expect(arange(1, 2, 0.5).toArray()).toEqual([1, 1.5]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });

  it('toTyped copies unless asked not to', () => {
    const t = tensor([1, 2]);
    expect(t.toTyped()).not.toBe(t.data);
    expect(t.toTyped({ copy: false })).toBe(t.data);
    expect(Array.from(permute(tensor([[1, 2], [3, 4]]), [1, 0]).toTyped())).toEqual([1, 3, 2, 4]);
  });
});

describe('NumError', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['ragged nested arrays', () => tensor([[1, 2], [3]]), 'SHAPE_MISMATCH', /^tensor: ragged nested array at depth 1; expected length 2, got length 1$/],
    ['ragged depth', () => tensor([[1, 2], 3] as never), 'SHAPE_MISMATCH', /^tensor: ragged nested array/],
    ['non-numeric entry', () => tensor(['a'] as never), 'INVALID_ARGUMENT', /^tensor: entries must be numbers or booleans/],
    ['unknown dtype', () => zeros([2], { dtype: 'float16' as never }), 'DTYPE_MISMATCH', /^full: unknown dtype; expected float32 \| float64/],
    ['bad shape', () => zeros([2, -1]), 'INVALID_ARGUMENT', /^full: shape has an invalid dimension/],
    ['shape mismatch in add', () => add(zeros([2, 3]), zeros([4])), 'SHAPE_MISMATCH',
      /^add: shapes cannot be broadcast together; expected compatible shapes, got \[2, 3\] and \[4\]$/],
    ['matmul inner dims', () => matmul(zeros([2, 3]), zeros([4, 5])), 'SHAPE_MISMATCH',
      /^matmul: inner dimensions differ; expected a.shape\[1\] \(3\) == b.shape\[0\] \(4\), got \[2, 3\] and \[4, 5\]$/],
    ['bad axis', () => sum(zeros([2, 3]), { axis: 2 }), 'OUT_OF_RANGE', /^sum: axis out of range; expected an integer in \[-2, 1\], got 2$/],
    ['bad reshape', () => reshape(zeros([2, 3]), [4, 2]), 'SHAPE_MISMATCH', /^reshape: sizes differ; expected 6 elements \(from \[2, 3\]\), got \[4, 2\] \(8 elements\)$/],
    ['item of many', () => zeros([2]).item(), 'SHAPE_MISMATCH', /^item: tensor must have exactly one element/],
    ['fromTyped size', () => fromTyped(new Float32Array(3), [2, 2]), 'SHAPE_MISMATCH', /^fromTyped: shape does not match the array length/],
    ['not a tensor', () => add('x' as unknown as Tensor, 1), 'INVALID_ARGUMENT', /^add: argument 'b' must be a Tensor or a number|^add: argument 'a'/],
  ];
  for (const [name, fn, code, msg] of cases) {
    it(`${name} → ${code}`, () => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(NumError);
      expect(isNumError(e)).toBe(true);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(msg);
      expect(e.name).toBe('NumError');
    });
  }
});
