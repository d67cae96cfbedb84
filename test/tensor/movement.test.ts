// Movement ops against index-arithmetic references over fast-check shapes and views.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as eg from '../../src/index.js';
import { arbShape, arbTensor } from '../../src/testing/index.js';
import { at, atBroadcast, bshape, indices } from '../helpers.js';

const RUNS = { numRuns: 80 };
const arbX = arbShape({ minDims: 1, maxDims: 4, maxSide: 5 }).chain((s) => arbTensor({ shape: s, views: true }));

describe('movement ops (properties)', () => {
  it('slice matches python slicing on every axis', () => {
    const arb = arbX.chain((x) => fc.tuple(fc.constant(x),
      fc.tuple(...x.shape.map((d) => fc.tuple(fc.integer({ min: -d - 1, max: d + 1 }), fc.integer({ min: -d - 1, max: d + 1 }), fc.integer({ min: 1, max: 3 }))))));
    fc.assert(fc.property(arb, ([x, spec]) => {
      const y = eg.slice(x, spec.map((s) => s[0]), spec.map((s) => s[1]), spec.map((s) => s[2]));
      // Python's range semantics per axis.
      const ranges = x.shape.map((d, i) => {
        const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        const [s0, e0, st] = spec[i]!;
        const s = norm(s0), e = Math.max(norm(e0), s);
        const r: number[] = [];
        for (let v = s; v < e; v += st) r.push(v);
        return r;
      });
      expect(y.shape).toEqual(ranges.map((r) => r.length));
      if (y.size > 0) expect(y.data).toBe(x.data);
      for (const idx of indices(y.shape)) {
        if (at(y, idx) !== at(x, idx.map((v, i) => ranges[i]![v]!))) return false;
      }
      return true;
    }), RUNS);
  });

  it('permute moves axes and transpose reverses them', () => {
    const arb = arbX.chain((x) => fc.tuple(fc.constant(x), fc.shuffledSubarray(x.shape.map((_, i) => i), { minLength: x.ndim, maxLength: x.ndim })));
    fc.assert(fc.property(arb, ([x, axes]) => {
      const y = eg.permute(x, axes);
      for (const idx of indices(y.shape)) {
        const src = new Array<number>(x.ndim);
        axes.forEach((a, i) => { src[a] = idx[i]!; });
        if (at(y, idx) !== at(x, src)) return false;
      }
      return eg.transpose(eg.transpose(x)).toArray().toString() === x.toArray().toString();
    }), RUNS);
  });

  it('broadcastTo and where follow numpy broadcasting', () => {
    const arb = arbShape({ minDims: 1, maxDims: 3, maxSide: 4 }).chain((s) => fc.tuple(
      arbTensor({ shape: s.map((d, i) => (i % 2 ? 1 : d)), views: true }),
      arbTensor({ shape: s, dtype: 'bool' }),
      arbTensor({ shape: s.slice(1), views: true }),
    ));
    fc.assert(fc.property(arb, ([a, c, b]) => {
      const s = bshape(bshape(a.shape, c.shape), b.shape);
      const w = eg.where(c, a, b);
      expect(w.shape).toEqual(s);
      const bt = eg.broadcastTo(a, s);
      for (const idx of indices(s)) {
        const want = atBroadcast(c, idx) ? atBroadcast(a, idx) : atBroadcast(b, idx);
        if (at(w, idx) !== want || at(bt, idx) !== atBroadcast(a, idx)) return false;
      }
      return true;
    }), RUNS);
  });

  it('pad places x inside a constant frame', () => {
    const arb = arbX.chain((x) => fc.tuple(fc.constant(x),
      fc.tuple(...x.shape.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))), fc.integer({ min: -3, max: 3 })));
    fc.assert(fc.property(arb, ([x, widths, value]) => {
      const y = eg.pad(x, widths, value);
      for (const idx of indices(y.shape)) {
        const src = idx.map((v, i) => v - widths[i]![0]);
        const inside = src.every((v, i) => v >= 0 && v < x.shape[i]!);
        if (at(y, idx) !== (inside ? at(x, src) : value)) return false;
      }
      return true;
    }), RUNS);
  });

  it('gather is numpy take and scatterAdd is its transpose', () => {
    const arb = arbX.chain((x) => fc.integer({ min: 0, max: x.ndim - 1 }).chain((axis) => fc.tuple(
      fc.constant(x), fc.constant(axis),
      fc.array(fc.integer({ min: 0, max: x.shape[axis]! - 1 }), { minLength: 0, maxLength: 6 }))));
    fc.assert(fc.property(arb, ([x, axis, idx]) => {
      const y = eg.gather(x, idx, { axis });
      for (const i of indices(y.shape)) {
        const src = [...i.slice(0, axis), idx[i[axis]!]!, ...i.slice(axis + 1)];
        if (at(y, i) !== at(x, src)) return false;
      }
      // <gather(x), y'> == <x, scatterAdd(y')> for the all-ones y'
      const ones = eg.ones(y.shape);
      const back = eg.scatterAdd(ones, idx, { axis, size: x.shape[axis]! });
      return Math.abs(eg.sum(y).item() - eg.sum(eg.mul(x, back)).item()) < 1e-3;
    }), RUNS);
  });

  it('rejects bad arguments with NumError', () => {
    const x = eg.zeros([2, 3]);
    expect(() => eg.permute(x, [0, 0])).toThrow(/^permute: axes must be a permutation/);
    expect(() => eg.slice(x, [0], [1], [0])).toThrow(/^slice: step on axis 0 must be positive/);
    expect(() => eg.broadcastTo(x, [3, 3])).toThrow(/^broadcastTo: shapes cannot be broadcast together/);
    expect(() => eg.gather(x, [3], { axis: 0 })).toThrow(/^gather: index 0 out of range; expected 0 <= index < 2, got 3$/);
    expect(() => eg.gather(x, eg.tensor([0.5]))).toThrow(/^gather: indices must be integers; expected int32 \| int8 \| uint8, got float32$/);
    expect(() => eg.concat([x, eg.zeros([2, 2])], 0)).toThrow(/^concat: tensors\[1\] does not match along the other axes/);
    expect(() => eg.pad(x, [[1, 1]])).toThrow(/^pad: widths must give/);
    expect(() => eg.squeeze(x, 0)).toThrow(/^squeeze: axis 0 is not of size 1/);
  });
});
