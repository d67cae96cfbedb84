// Inputs `npm run fuzz` (seeds 20260–20262, 60 runs) found throwing TypeErrors or overflowing the
// stack, one per export that left test/fuzz/open.ts: each must now throw a NumError naming its op.
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { numError } from '../helpers.js';

const cyclic = (): Record<string, unknown> => {
  const a: Record<string, unknown> = { w: lib.zeros([2]) };
  a['self'] = a;
  return a;
};
const u = undefined as never;
const n = null as never;
const rctNet = lib.rct.mlp(2, [4, 3]);
const rctCfg = lib.rct.config(rctNet, { learningRate: 0.1 });
const rctSt = lib.rct.init(rctCfg, rctNet.float.init(lib.key(0), [2]).params);

// [what, call, op the error must name]
const CASES: [string, () => unknown, string][] = [
  ['adamw(lr, null)', () => lib.adamw(0.1, n), 'scaleByAdam'],
  ['trace()', () => lib.trace(u), 'trace'],
  ['alq.defaultGrouping()', () => lib.alq.defaultGrouping(u, u), 'alq.defaultGrouping'],
  ['alq.toGroups()', () => lib.alq.toGroups(u, u), 'alq.toGroups'],
  ['alq.fromGroups(null)', () => lib.alq.fromGroups(n, [1]), 'alq.fromGroups'],
  ['alq.labels(null)', () => lib.alq.labels(n), 'alq.labels'],
  ['alq.packedApply(tensor)', () => lib.alq.packedApply(lib.tensor([1]) as never, {} as never, lib.zeros([1, 2])), 'alq.packedApply'],
  ['alq.packedApply(model, cyclic)', () => lib.alq.packedApply(lib.nn.linear(2) as never, cyclic() as never, lib.zeros([1, 2])), 'alq.packedApply'],
  ['alq.packedPredict(model, p, s) without data', () => lib.alq.packedPredict(lib.nn.linear(2) as never, {} as never, u, u), 'alq.packedPredict'],
  ['alq.packedBytes(cyclic)', () => lib.alq.packedBytes(cyclic() as never), 'alq.packedModel'],
  ['batchNorm(x) without options', () => lib.batchNorm(lib.zeros([2, 2]), u), 'batchNorm'],
  ['classifierObjective(tensor)', () => lib.classifierObjective(lib.tensor(1) as never), 'classifierObjective'],
  ['classifierObjective(model)(p)', () => lib.classifierObjective(lib.nn.linear(2) as never)({}, u, {} as never), 'classifierObjective'],
  ['col2im(t) without shape', () => lib.col2im(lib.tensor([1, 2]), u, u), 'col2im'],
  ['im2col(x) without window', () => lib.im2col(lib.zeros([1, 1, 4, 4]), u, 0), 'im2col'],
  ['cost.formatSummary()', () => lib.cost.formatSummary(u), 'cost.formatSummary'],
  ['cost.keptChannels(obj, …)', () => lib.cost.keptChannels(Object.create(null) as never, 3), 'cost.keptChannels'],
  ['cost.multiBitStorage([null])', () => lib.cost.multiBitStorage([n]), 'cost.multiBitStorage'],
  ['dorefa()', () => lib.quant.dorefa(u), 'dorefa'],
  ['fixedPoint()', () => lib.quant.fixedPoint(u), 'fixedPoint'],
  ['uniformQuantize(null)', () => lib.quant.uniformQuantize(n), 'uniformQuantize'],
  ['quant.foldBatchNorm()', () => lib.quant.foldBatchNorm(u, u), 'quant.foldBatchNorm'],
  ['quant.packedBytes(cyclic)', () => lib.quant.packedBytes(cyclic() as never), 'quant.packedBytes'],
  ['quantizedView(select → junk).apply', () => lib.quant.quantizedView((() => 3) as never).apply({ w: lib.zeros([2, 2]) }, {}), 'quantizedView'],
  ['dpu.globalContributionUpdating(null)', () => lib.dpu.globalContributionUpdating(n), 'dpu.globalContributionUpdating'],
  ['dpu.initialWeights(tensor)', () => lib.dpu.initialWeights(lib.tensor(1) as never, [2], 1), 'dpu.initialWeights'],
  ['dpu.isSelectable()', () => lib.dpu.isSelectable(u), 'dpu.isSelectable'],
  ['nn.batchNorm1d().init(k, [1e9, 1e9, 1e9])', () => lib.nn.batchNorm1d().init(lib.key(0), [1e9, 1e9, 1e9]), 'nn.batchNorm2d'],
  ['nn.batchNorm1d().init(k)', () => lib.nn.batchNorm1d().init(lib.key(0), u), 'nn.batchNorm2d'],
  ['nn.conv2d(2, 42n)', () => lib.nn.conv2d(2, 42n as never), 'nn.conv2d'],
  ['nn.conv4()', () => lib.nn.conv4(u), 'nn.conv4'],
  ['nn.dropout(symbol)', () => lib.nn.dropout(Symbol.iterator as never), 'nn.dropout'],
  ['dropout(k, x, symbol)', () => lib.dropout(lib.key(0), lib.zeros([2]), Symbol.iterator as never), 'dropout'],
  ['nn.linear(2).apply()', () => lib.nn.linear(2).apply(u, u), 'nn.linear'],
  ['phaseOptimizer()', () => lib.phaseOptimizer(u, u), 'phaseOptimizer'],
  ['purposeKey(k, object)', () => lib.purposeKey(lib.key(0), Object.create(null) as never), 'purposeKey'],
  ['recorder(m, 3)', () => lib.recorder('m', 3 as never), 'recorder'],
  ['recorder(m).emit()', () => lib.recorder('m').emit(u, u, u, u), 'recorder'],
  ['recorder(m).phase(name)', () => lib.recorder('m').phase('p', u), 'recorder'],
  ['slice(x)', () => lib.slice(lib.tensor([1, 2]), u), 'slice'],
  ['Tensor.slice()', () => lib.tensor([1, 2]).slice(u), 'slice'],
  ['unslice(x, shape, key)', () => lib.unslice(lib.tensor([1, 2]), [2], lib.key(0) as never, u), 'unslice'],
  ['sparse.nnz()', () => lib.sparse.nnz(u), 'sparse.nnz'],
  ['rct.bitwidthController(null)', () => lib.rct.bitwidthController(n), 'rct.bitwidthController'],
  ['rct controller.boundary()', () => lib.rct.bitwidthController().boundary(u, u, u), 'rct.bitwidthController'],
  ['rct controller.afterStep(qp, 3, 3)', () => lib.rct.bitwidthController().afterStep(rctSt.params, 3 as never, 3 as never), 'rct.bitwidthController'],
  ['rct.config()', () => lib.rct.config(u, u), 'rct.config'],
  ['rct.dequantize()', () => lib.rct.dequantize(u), 'rct.dequantize'],
  ['rct.init()', () => lib.rct.init(u, u), 'rct.init'],
  ['rct.mlp(tensor, 1.5)', () => lib.rct.mlp(lib.tensor(1) as never, 1.5 as never), 'rct.mlp'],
  ['rct.network([1], key)', () => lib.rct.network([1] as never, lib.key(0) as never), 'rct.network'],
  ['rct.saveState()', () => lib.rct.saveState(u), 'rct.stateTree'],
  ['rct.trainStep()', () => lib.rct.trainStep(u, u, u, u), 'rct.trainStep'],
  ['rct.trainStep(cfg, st) without a batch', () => lib.rct.trainStep(rctCfg, rctSt, u, lib.key(0)), 'rct.trainStep'],
  ['rct.evaluate(cfg, params, Map)', () => lib.rct.evaluate(rctCfg, rctSt.params, new Map([[1, 2]]) as never), 'rct.evaluate'],
  ['rct.trainInteger()', () => lib.rct.trainInteger(u, u, u), 'rct.trainInteger'],
  // seeds 20263–20285
  ['valueAndGrad(f, {argnums: tensor})', () => lib.valueAndGrad((() => 0) as never, { argnums: lib.tensor(0) as never }), 'valueAndGrad'],
  ['grad(f, {argnums: tensor})', () => lib.grad((() => 0) as never, { argnums: lib.tensor(0) as never }), 'grad'],
  ['dpu.selectWeights(cyclic)', () => lib.dpu.selectWeights(cyclic() as never, 1), 'dpu.selectWeights'],
  ['dpu.complement(cyclic)', () => lib.dpu.complement(cyclic() as never), 'dpu.complement'],
  ['dpu.stepDecay()(…, symbol)', () => lib.dpu.stepDecay(0.1)(1, Symbol.iterator as never), 'dpu.stepDecay'],
  ['rct.fakeQuantize(x, object)', () => lib.rct.fakeQuantize(lib.tensor([1]), Object.create(null) as never), 'rct.fakeQuantize'],
  ['rct.floatBuffers(x, object)', () => lib.rct.floatBuffers(lib.tensor(1.5), Object.create(null) as never), 'rct.floatBuffers'],
  ['nn.sequential().apply([], x, null)', () => lib.nn.sequential().apply([], lib.tensor(1.5), n), 'nn.sequential'],
  ['quant.viewPrecision(q)()', () => lib.quant.viewPrecision(lib.quant.steSign())(u, u), 'viewPrecision'],
  ['sgd(lr, null)', () => lib.sgd(0.1, n), 'sgd'],
  ['momentum(lr, 0, null)', () => lib.momentum(0.1, 0, n), 'momentum'],
  ['bitpack.bitMatrix(2^31, 2^31)', () => lib.bitpack.bitMatrix(2 ** 31, 2 ** 31), 'bitMatrix'],
  ['split(k, 2^31) (used to exhaust the heap)', () => lib.split(lib.key(0), 2 ** 31), 'split'],
];

describe('boundary regressions (npm run fuzz)', () => {
  it.each(CASES.map(([what, , op], i) => [what, op, i] as const))('%s → NumError from %s', (_what, op, i) => {
    const e = numError(CASES[i]![1]);
    expect(e.op).toBe(op);
    expect(e.message.startsWith(`${op}: `)).toBe(true);
  });

  it('the checks leave valid calls working', () => {
    expect(lib.cost.keptChannels(0.5, 32)).toBe(16);
    expect(lib.slice(lib.tensor([1, 2, 3]), [1]).toArray()).toEqual([2, 3]);
    expect(lib.unslice(lib.ones([2]), [5], [1], [2]).toArray()).toEqual([0, 1, 0, 1, 0]);
    expect(lib.quant.dorefa({ bits: 2 }).apply(lib.tensor([-1, 2])).toArray()).toEqual([0, 1]);
    expect(lib.sparse.nnz(lib.sparse.csrFromDense(lib.tensor([[0, 1], [2, 0]])))).toBe(2);
    expect(lib.purposeKey(lib.key(0), 'shuffle', 1).shape).toEqual([2]);
    const r = lib.rct.trainStep(rctCfg, { ...rctSt }, { x: lib.zeros([2, 2]), y: lib.tensor([0, 1], { dtype: 'int32' }) }, lib.key(1));
    expect(Number.isFinite(r.loss)).toBe(true);
  });
});
