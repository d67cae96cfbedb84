// p-Meta's entry points and exported building blocks at their boundary (issue 20): inputs the API
// fuzzer found throwing TypeErrors, each now a NumError naming the op; valid calls still work.
import { describe, expect, it } from 'vitest';
import { astype, key, normal, pmeta, randint, tensor, zeros } from '../../src/index.js';
import { numError } from '../helpers.js';

const net = pmeta.mlpNet(3, [5, 4]);
const learner = pmeta.metaLearner({ net, loss: 'crossEntropy', supportSize: 8, steps: 2 });
const st = learner.init(key(0));
const cfg = learner.config;
const set = (n: number) => ({ x: normal(key(1), [n, 3]), y: astype(randint(key(2), [n], 0, 4), 'int32') });

describe('p-Meta boundary checks', () => {
  it('public entry points reject missing or wrong-typed arguments with NumError', () => {
    const cases: [() => unknown, string, string][] = [
      [() => pmeta.metaLearner(undefined as never), 'pmeta.metaLearner', 'INVALID_ARGUMENT'],
      [() => pmeta.metaLearner({ net: {} } as never), 'pmeta.metaLearner', 'INVALID_ARGUMENT'],
      [() => pmeta.metaLearner({ net, loss: 'mse', supportSize: 4, metaLr: Number.NaN }), 'pmeta.metaLearner', 'INVALID_ARGUMENT'],
      [() => pmeta.metaLearner({ net, loss: 'mse', supportSize: 4, firstOrder: 'yes' as never }), 'pmeta.metaLearner', 'INVALID_ARGUMENT'],
      [() => pmeta.adapt({ config: {} } as never, st.meta, set(8)), 'pmeta.adapt', 'INVALID_ARGUMENT'],
      [() => pmeta.adapt(learner, st.meta, set(8), null as never), 'pmeta.adapt', 'INVALID_ARGUMENT'],
      [() => pmeta.adapt(learner, st.meta, set(8), { steps: 0 }), 'pmeta.adapt', 'INVALID_ARGUMENT'],
      [() => pmeta.metaStep(learner, undefined as never, [{ support: set(8), query: set(8) }]), 'pmeta.metaStep', 'STATE_MISMATCH'],
      [() => pmeta.metaStep(learner, { ...st, step: -1 }, [{ support: set(8), query: set(8) }]), 'pmeta.metaStep', 'STATE_MISMATCH'],
      [() => pmeta.adaptationMemory(learner, undefined, { batch: 1.5 }), 'pmeta.adaptationMemory', 'INVALID_ARGUMENT'],
      [() => pmeta.adaptationMemory(7 as never), 'pmeta.adaptationMemory', 'INVALID_ARGUMENT'],
      [() => pmeta.run({ learner, train: () => ({ support: set(8), query: set(8) }), test: () => ({ support: set(8), query: set(8) }), key: 3 as never, iterations: 0, metaBatch: 1 }), 'pmeta.run', 'INVALID_ARGUMENT'],
      [() => pmeta.run({ learner, train: () => ({ support: set(8), query: set(8) }), test: () => ({ support: set(8), query: set(8) }), key: key(0), iterations: 0, metaBatch: 1, state: {} as never }), 'pmeta.run', 'STATE_MISMATCH'],
    ];
    for (const [f, op, code] of cases) expect(numError(f)).toMatchObject({ op, code });
  });

  it('exported building blocks check their config, layer index, tensors and attention parameters', () => {
    const cases: [() => unknown, string][] = [
      [() => pmeta.forwardDense(undefined as never, st.meta.theta, st.meta.bnStats, zeros([2, 3])), 'pmeta.forwardDense'],
      [() => pmeta.forwardDense(cfg, [], st.meta.bnStats, zeros([2, 3])), 'pmeta.forwardDense'],
      [() => pmeta.forwardDense(cfg, st.meta.theta, st.meta.bnStats, undefined as never), 'pmeta.forwardDense'],
      [() => pmeta.alphaAt(cfg, st.meta.a, 0, 7), 'pmeta.alphaAt'],
      [() => pmeta.layerRho(cfg, -1), 'pmeta.layerRho'],
      [() => pmeta.keptOf(null as never, 0), 'pmeta.keptOf'],
      [() => pmeta.layerChannels(undefined as never, 0), 'pmeta.layerChannels'],
      [() => pmeta.costOps(net, [true], [[1, 1]], false), 'pmeta.costOps'],
      [() => pmeta.attentionWidth(Number.NaN), 'pmeta.attentionWidth'],
      [() => pmeta.attend(undefined as never, zeros([2, 3]), 0.5), 'pmeta.attend'],
      [() => pmeta.attentionLogits(pmeta.initAttention(key(0), 3), zeros([3]), 'mean'), 'pmeta.attentionLogits'],
      [() => pmeta.gammaOf(tensor([1, 2]), [0] as never), 'pmeta.gammaOf'],
      [() => pmeta.topIndices(undefined as never, 1), 'pmeta.topIndices'],
      [() => pmeta.topIndices([1, 2], -1), 'pmeta.topIndices'],
      [() => pmeta.meanCi(3 as never), 'pmeta.meanCi'],
      [() => pmeta.ratePenalty(cfg, zeros([2, 9])), 'pmeta.ratePenalty'],
      [() => pmeta.batchStatistics(cfg, st.meta.theta, undefined as never, zeros([2, 3])), 'pmeta.batchStatistics'],
      [() => pmeta.innerLoopDense(cfg, {} as never, set(8)), 'pmeta.adapt'],
      [() => pmeta.metaObjective(cfg, st.meta, 1 as never, []), 'pmeta.metaStep'],
      [() => pmeta.learnables(cfg, undefined as never), 'pmeta.learnables'],
      [() => pmeta.checkMeta(undefined as never, cfg, {} as never), 'pmeta.checkMeta'],
      [() => pmeta.evaluateQuery(learner, st.meta, undefined as never, set(4)), 'pmeta.evaluateQuery'],
      [() => pmeta.finalize(undefined as never, st.meta), 'pmeta.finalize'],
      [() => pmeta.taskLoss({} as never, zeros([2, 4]), zeros([2])), 'pmeta.taskLoss'],
    ];
    for (const [f, op] of cases) expect(numError(f).op).toBe(op);
  });

  it('valid calls still work', () => {
    const r = pmeta.adapt(learner, st.meta, set(8), { steps: 1 });
    expect(r.theta).toHaveLength(net.ops.length);
    expect(pmeta.metaStep(learner, st, [{ support: set(8), query: set(8) }]).state.step).toBe(1);
    expect(pmeta.adaptationMemory(learner, st.meta, { batch: 2 }).peakBytes).toBeGreaterThan(0);
    expect(pmeta.meanCi([1, 3]).mean).toBe(2);
    expect([...pmeta.topIndices([0.1, 0.5, 0.5, -1], 2)]).toEqual([1, 2]);
    expect(pmeta.layerRho(cfg, 0)).toEqual([cfg.rho.fw, cfg.rho.bw]);
    expect(pmeta.forwardDense(cfg, st.meta.theta, st.meta.bnStats, zeros([2, 3])).shape).toEqual([2, 4]);
  });
});
