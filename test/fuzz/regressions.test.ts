// Inputs the API fuzzer (and issue 20) found throwing something other than NumError, kept as
// plain regression tests: each must now throw NumError with the expected code and op.
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { numError } from '../helpers.js';
import { checkReference } from './api-reference.js';

const cyclic = (): Record<string, unknown> => {
  const a: Record<string, unknown> = { w: lib.zeros([1]) };
  a['self'] = a;
  return a;
};

describe('API fuzz regressions', () => {
  it('refuses oversized allocations before making a typed array', () => {
    expect(numError(() => lib.zeros([2 ** 31, 2 ** 31]))).toMatchObject({ code: 'OUT_OF_RANGE', op: 'full' });
    expect(numError(() => lib.eye(2 ** 31))).toMatchObject({ code: 'OUT_OF_RANGE', op: 'eye' });
    expect(numError(() => lib.arange(2 ** 53))).toMatchObject({ code: 'OUT_OF_RANGE', op: 'arange' });
    expect(numError(() => lib.normal(lib.key(0), [2 ** 31]))).toMatchObject({ code: 'OUT_OF_RANGE' });
    expect(lib.zeros([0, 2 ** 40]).size).toBe(0);
  });

  it('checks TreeDefs and callbacks in tree functions', () => {
    expect(numError(() => lib.tree.unflatten(0 as never, []))).toMatchObject({ code: 'STRUCTURE_MISMATCH', op: 'tree.unflatten' });
    expect(numError(() => lib.tree.numLeaves(7 as never))).toMatchObject({ code: 'STRUCTURE_MISMATCH', op: 'tree.numLeaves' });
    expect(numError(() => lib.tree.unflatten({ kind: 'leaf' }, 3 as never))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(numError(() => lib.tree.map(3 as never, { a: 1 }))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'tree.map' });
    expect(lib.tree.unflatten(lib.tree.flatten({ a: [1, 2] })[1], [3, 4])).toEqual({ a: [3, 4] });
  });

  it('rejects cyclic trees instead of overflowing the stack', () => {
    for (const f of [() => lib.tree.leaves(cyclic() as never), () => lib.tree.flatten(cyclic() as never), () => lib.tree.sameStructure(cyclic() as never, {}),
      () => lib.tree.map((x: unknown) => x, cyclic() as never), () => lib.stopGradient(cyclic() as never)]) {
      expect(numError(f).code).toBe('STRUCTURE_MISMATCH');
    }
  });

  it('never crashes inside the message formatter', () => {
    const e = numError(() => lib.nn.batchNorm1d().init(lib.key(0), (() => 1) as never));
    expect(e.message.startsWith(`${e.op}: `)).toBe(true);
    const s = Symbol('s');
    expect(numError(() => lib.expandDims(lib.zeros([2]), s as never)).code).toBe('OUT_OF_RANGE');
  });

  it('converts or rejects odd argument types', () => {
    expect(numError(() => lib.gather(lib.zeros([3]), new BigInt64Array(2) as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'gather' });
    expect(numError(() => lib.popcount32(Object.create(null) as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'popcount32' });
    expect(lib.popcount32(-1)).toBe(32);
    expect(numError(() => lib.noGrad(7 as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'noGrad' });
    expect(numError(() => lib.contiguous({} as never))).toMatchObject({ op: 'contiguous' });
    expect(numError(() => lib.sumTo({} as never, [1]))).toMatchObject({ op: 'sumTo' });
    expect(numError(() => lib.scatterAdd(lib.zeros([2]), [0, 1], undefined as never))).toMatchObject({ op: 'scatterAdd' });
    expect(numError(() => lib.makeWindow(lib.zeros([1]) as never, 4, 4, 0, {}))).toMatchObject({ op: 'makeWindow' });
    expect(numError(() => lib.makeWindow('conv', 4n as never, 4, 2, {}))).toMatchObject({ op: 'conv' });
  });

  it('checks the sizes of the DRESS row ranker', () => {
    const order = new Int32Array(4);
    expect(numError(() => lib.dress.rankRowsInto(order, [1, 2], 2 ** 40, 2, 1))).toMatchObject({ code: 'SHAPE_MISMATCH', op: 'dress.rankRowsInto' });
    expect(numError(() => lib.dress.rankRowsRef(order, [1, 2], 1, 2, 3))).toMatchObject({ code: 'OUT_OF_RANGE' });
    lib.dress.rankRowsInto(order, [1, 2, 4, 3], 2, 2, 1);
    expect([...order.subarray(0, 2)]).toEqual([1, 0]);
  });

  it('checks option bags, transforms and cyclic trees in the optimizer and DPU entry points (npm run fuzz, 60 runs)', () => {
    expect(numError(() => lib.injectHyperparams((() => 0) as never, null as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'injectHyperparams' });
    expect(numError(() => lib.injectHyperparams(7 as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'injectHyperparams' });
    const bad = lib.injectHyperparams((() => 0) as never)({ learningRate: 0.1 } as never);
    expect(numError(() => bad.init({ w: lib.zeros([1]) }))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'injectHyperparams' });
    expect(numError(() => lib.dpu.combineContributions(undefined as never, 0 as never, null as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'dpu.combineContributions' });
    expect(numError(() => lib.dpu.partialUpdate(cyclic() as never))).toMatchObject({ code: 'STRUCTURE_MISMATCH', op: 'dpu.partialUpdate' });
    expect(numError(() => lib.cost.paramCount(cyclic() as never))).toMatchObject({ code: 'STRUCTURE_MISMATCH', op: 'paramCount' });
    expect(numError(() => lib.nn.lenet5().init(lib.key(0), undefined as never))).toMatchObject({ code: 'SHAPE_MISMATCH', op: 'nn.sequential' });
    expect(numError(() => lib.nn.linear(2).init(lib.key(0), undefined as never))).toMatchObject({ code: 'SHAPE_MISMATCH', op: 'nn.linear' });
    expect(numError(() => lib.nn.flatten().apply({}, undefined as never))).toMatchObject({ code: 'INVALID_ARGUMENT', op: 'nn.flatten' });
    for (const f of [() => lib.chain(lib.tensor(1) as never, lib.adam(0.5)), () => lib.masked(3 as never, true), () => lib.partition({ a: 1 } as never, 'a'),
      () => lib.partition(null as never, 'a'), () => lib.dpu.trackLocalContribution(null as never)]) {
      expect(numError(f).code).toBe('INVALID_ARGUMENT');
    }
    const opt = lib.chain(lib.adam(0.1));
    expect(numError(() => opt.init(cyclic() as never)).code).toBe('STRUCTURE_MISMATCH');
    expect(lib.cost.paramCount({ w: lib.zeros([2, 3]), b: [lib.zeros([4])] })).toBe(10);
  });

  it("the fuzzer's reference twins accept right results and catch wrong ones", () => {
    const a = lib.tensor([[1, -2, 3], [4, 5, -6]]), b = lib.tensor([[0.5, 2], [-1, 3]], { dtype: 'float64' });
    expect(checkReference('add', [a, a.transpose().transpose()], lib.add(a, a))).toBe('agrees');
    expect(checkReference('matmul', [b, b], lib.matmul(b, b))).toBe('agrees');
    expect(checkReference('sum', [a], lib.sum(a))).toBe('agrees');
    expect(checkReference('add', [a, a], lib.mul(a, a))).toMatchObject({ diff: expect.stringContaining('at [0, 0]') });
    expect(checkReference('exp', [a], lib.exp(a.transpose()))).toMatchObject({ diff: expect.stringContaining('shape') });
    expect(checkReference('add', [lib.tensor([1], { dtype: 'int32' }), 1], lib.tensor([2], { dtype: 'int32' }))).toBe('skipped');
  });
});
