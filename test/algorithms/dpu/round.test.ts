// Server rounds on a tiny problem (spec §11): sparsity of change with bit-identical untouched
// weights (also in a re-init round, against w_init), exact S, the update-or-not rule, edge
// reconstruction bit for bit over several rounds including a re-init round, the baselines
// (RPU quotas, FU sends everything, pruning ships exactly S nonzero weights), masked Adam and
// masked SGD (Nesterov + weight decay) through dpu.partialUpdate, the schedules, and the driver.
import { describe, expect, it } from 'vitest';
import {
  addDecayedWeights, adam, applyUpdates, chain, dpu, key, nn, normal, scaleByLearningRate, sgd, trace, tree, type Params, type RunEvent, type Tensor,
} from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { selectableBits, selectionFlags, toyData, toyInput, toyModel, treeBits } from './helpers.js';

/** Indices where two bit vectors differ. */
const diff = (a: Uint32Array, b: Uint32Array): number[] => Array.from(a).flatMap((v, i) => (v !== b[i] ? [i] : []));

describe('dpu.round', () => {
  const input = toyInput();
  const I = dpu.selectableCount(input.init.params);
  const ratio = 0.1;
  const S = Math.floor(ratio * I);
  const r0 = dpu.round(input, { ratio });

  it('changes at most S = ⌊k·I⌋ selectable weights, all selected; every other weight keeps its exact bits', () => {
    expect(I).toBe(156);
    expect(r0.stats.selected).toBe(S);
    expect(r0.update).not.toBeNull();
    const changed = diff(selectableBits(r0.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, r0.selection);
    expect(changed.length).toBeLessThanOrEqual(S);
    expect(changed.length).toBeGreaterThan(0);
    for (const i of changed) expect(flags[i]).toBe(1);
    expect(Array.from(r0.update!.indices)).toEqual(changed);
    expect(r0.deployed.round).toBe(0);
  });

  it('in a re-init round the new model equals w_init except on ≤ S selected weights', () => {
    const r1 = dpu.round(toyInput({ round: 1, deployed: r0.deployed, reinit: true, train: toyData(192, 2), key: key(8) }), { ratio });
    expect(r1.update?.base).toBe('init');
    expect(r1.restarted).toBe(true);
    const changed = diff(selectableBits(r1.deployed.params), selectableBits(input.init.params));
    const flags = selectionFlags(input.init.params, r1.selection);
    expect(changed.length).toBeLessThanOrEqual(S);
    for (const i of changed) expect(flags[i]).toBe(1);
  });

  it('no-update rule: when neither the rewound model nor any epoch beats the start, nothing is sent and the model stays bit-identical', () => {
    // A good deployed model and a learning rate that can only wreck it.
    const good = dpu.round(toyInput({ training: { epochs: 8, batchSize: 32, learningRate: 0.05 } }), { ratio: 1 });
    const bad = toyInput({ round: 1, deployed: good.deployed, training: { epochs: 2, batchSize: 32, learningRate: 1e4 } });
    const r = dpu.round(bad, { ratio });
    expect(r.stats.valRewind!).toBeLessThan(r.stats.valStart);
    expect(r.update).toBeNull();
    expect(r.stats.bestEpoch).toBeNull();
    expect(r.deployed).toBe(good.deployed);
    expect(treeBits(r.deployed.params)).toEqual(treeBits(good.deployed.params));
    expect(r.stats.valDeployed).toBe(r.stats.valStart);
  });

  it('works with any optimizer: SGD with Nesterov momentum keeps the untouched weights bit-identical too', () => {
    const r = dpu.round(toyInput({ training: { epochs: 2, batchSize: 32, learningRate: 0.1, optimizer: (lr) => sgd(lr, { momentum: 0.9, nesterov: true }) } }), { ratio });
    const changed = diff(selectableBits(r.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, r.selection);
    expect(changed.length).toBeLessThanOrEqual(S);
    for (const i of changed) expect(flags[i]).toBe(1);
    expect(r.stats.lambda).toBe(0.5);
  });

  it('validates its inputs', () => {
    expect(errorCode(() => dpu.round(input, { ratio: 2 }))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => dpu.round({ ...input, round: -1 }, { ratio }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dpu.round({ ...input, training: { epochs: 0 } }, { ratio }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dpu.round(input, { ratio, lambda: -1 }))).toBe('OUT_OF_RANGE');
  });
});

describe('edge reconstruction', () => {
  it('the edge rebuilds every deployed model bit for bit, including a re-init round', () => {
    const model = toyModel();
    const regenerate = (seed: number): dpu.ModelWeights => dpu.initialWeights(model, [10], seed);
    let server = dpu.edgeModel(regenerate(1));
    let edge = dpu.edgeModel(regenerate(1));
    const rounds: [boolean, number][] = [[false, 64], [false, 96], [true, 160]];
    rounds.forEach(([reinit, n], r) => {
      const res = dpu.round(toyInput({ round: r, deployed: server, reinit, train: toyData(n, 2), key: key(40 + r) }), { ratio: 0.05 });
      if (res.update !== null) edge = dpu.applyUpdate(edge, dpu.encodeUpdate(res.update), { init: regenerate });
      server = res.deployed;
      expect(edge.round).toBe(server.round);
      expect(treeBits(edge.params)).toEqual(treeBits(server.params));
      expect(treeBits(edge.modelState)).toEqual(treeBits(server.modelState));
      if (reinit) expect(res.update?.base).toBe('init');
    });
  });
});

describe('batch norm', () => {
  it('BN parameters and running statistics travel in the dense part and are rebuilt exactly', () => {
    const model = nn.sequential(nn.linear(12) as nn.Layer<Params>, nn.batchNorm1d() as nn.Layer<Params>, nn.relu(), nn.linear(3) as nn.Layer<Params>);
    const regenerate = (seed: number): dpu.ModelWeights => dpu.initialWeights(model, [10], seed);
    const init = regenerate(1);
    const r = dpu.round(toyInput({ model, init, deployed: dpu.edgeModel(init) }), { ratio: 0.1 });
    expect(r.update?.dense.length).toBe(12 + 12 + 12 + 3 + 12 + 12); // biases and BN weight/bias, then running mean/var
    const edge = dpu.applyUpdate(dpu.edgeModel(regenerate(1)), dpu.encodeUpdate(r.update!), { init: regenerate });
    expect(treeBits(edge.modelState)).toEqual(treeBits(r.deployed.modelState));
    expect(treeBits(edge.modelState)).not.toEqual(treeBits(init.modelState));
    expect(treeBits(edge.params)).toEqual(treeBits(r.deployed.params));
  });
});

describe('baselines', () => {
  const input = toyInput();
  it('RPU changes only its per-layer random picks (round(k·I_l) per layer)', () => {
    const r = dpu.randomRound(input, { ratio: 0.1 });
    const sel = r.selection as { weight: Tensor; bias: boolean }[];
    const counts = sel.filter((l) => l.weight !== undefined).map((l) => Array.from(l.weight.toTyped()).filter((v) => v !== 0).length);
    expect(counts).toEqual([12, 4]); // round(12.0), round(3.6)
    const changed = diff(selectableBits(r.deployed.params), selectableBits(input.deployed.params));
    const flags = selectionFlags(input.init.params, r.selection);
    for (const i of changed) expect(flags[i]).toBe(1);
  });

  it('FU sends every weight; pruning ships a model with exactly S nonzero selectable weights', () => {
    const fu = dpu.fullRound(input);
    expect(fu.update?.indices.length).toBe(156);
    const pr = dpu.pruningRound(input, { ratio: 0.1 });
    expect(pr.update?.base).toBe('zeros');
    const nonzero = tree.leaves(pr.deployed.params).filter((t) => t.ndim >= 2).reduce((n, t) => n + Array.from(t.toTyped()).filter((v) => v !== 0).length, 0);
    expect(nonzero).toBe(15);
  });
});

describe('masked optimizers through dpu.partialUpdate', () => {
  const params = { w: normal(key(50), [6, 5]), b: normal(key(51), [5]) } as Params;
  const sel = dpu.selectRandom(key(52), params, 0.3);
  const grads = Array.from({ length: 30 }, (_, i) => tree.map((t: Tensor) => normal(key(60 + i), [...t.shape]), params));
  const run = (opt: ReturnType<typeof chain>, p0: Params): Params => {
    let p = p0;
    let s = opt.init(p);
    for (const g of grads) { const [u, s2] = opt.update(g, s, p); p = applyUpdates(p, u); s = s2; }
    return p;
  };
  it.each([
    ['Adam', () => adam(0.05)],
    ['SGD with Nesterov momentum and weight decay', () => chain(addDecayedWeights(1e-4), trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1))],
  ])('%s: masked-out entries never move; masked-in entries follow the unmasked algorithm exactly', (_n, make) => {
    const masked = run(chain(make(), dpu.partialUpdate(sel)), params);
    const plain = run(chain(make()), params);
    const flags = selectionFlags(params, sel);
    const [m, p, s0] = [selectableBits(masked), selectableBits(plain), selectableBits(params)];
    flags.forEach((f, i) => expect(m[i]).toBe(f ? p[i] : s0[i]));
    expect(treeBits((masked as { b: Tensor }).b)).toEqual(treeBits((plain as { b: Tensor }).b));
  });
});

describe('schedules and the driver', () => {
  it('R = 50 for (50000, 1000, 1000); re-init rounds {2, 6, 14, 30}; |D^r| cumulative', () => {
    const sizes = dpu.dataSchedule(50_000, 1000, 1000);
    expect(sizes.length).toBe(50);
    expect(sizes.slice(0, 3)).toEqual([1000, 2000, 3000]);
    expect(sizes[49]).toBe(50_000);
    expect(dpu.reinitRounds(sizes)).toEqual([2, 6, 14, 30]);
    expect(dpu.dataSchedule(8000, 1000, 3000)).toEqual([1000, 4000, 7000, 8000]);
    expect(dpu.shouldReinit(2001, 1000)).toBe(true);
    expect(dpu.shouldReinit(2000, 1000)).toBe(false);
    expect(dpu.stepDecay(1, 0.1)(2, 6)).toBeCloseTo(0.1, 12);
    expect(dpu.stepDecay(1, 0.1)(29, 30)).toBeCloseTo(0.01, 12);
  });

  it('simulate runs server and edge side by side and reports each round', () => {
    const events: RunEvent[] = [];
    const common = {
      model: toyModel(), inputShape: [10], train: toyData(96, 2), validation: toyData(64, 3), test: toyData(64, 4),
      initialSize: 32, increment: 32, training: { epochs: 2, batchSize: 32, learningRate: 0.05 },
    };
    const res = dpu.simulate({ ...common, method: dpu.deepPartialUpdating({ ratio: 0.1 }), onEvent: (e) => events.push(e) });
    const seen = res.rounds;
    const roundEvents = events.filter((e) => e.kind === 'round');
    expect(roundEvents.map((e) => e.metrics['samples'])).toEqual([32, 64, 96]);
    expect(roundEvents.map((e) => e.metrics['testAccuracy'])).toEqual(seen.map((r) => r.testAccuracy));
    expect(roundEvents.map((e) => e.cost.bitsSent)).toEqual(seen.map((r) => r.bitsSent));
    expect(res.report.cost.bitsSent).toBe(res.totalBitsSent);
    expect(seen[2]!.restarted).toBe(seen[2]!.updated); // 96 > 2·32: a restart round
    for (const r of seen) {
      expect(r.bitsSent).toBe(8 * r.payloadBytes);
      expect(r.denseBits).toBe(r.updated ? 32 * 15 : 0);
      expect(r.changed).toBeLessThanOrEqual(15);
      expect(r.fullModelBits).toBe(32 * (156 + 15));
    }
    expect(res.selectableCount).toBe(156);
    const fu = dpu.simulate({ ...common, method: dpu.fullUpdating(), rounds: 1 });
    expect(fu.rounds[0]!.payloadBytes).toBe(48 + 4 * (156 + 15) + 4);
    // A trained model shipped first: round 0 is FU's round 0 for every method, then partial updates.
    const shipped = dpu.simulate({ ...common, method: dpu.deepPartialUpdating({ ratio: 0.1, reinit: false }), initialFullDeployment: true });
    expect(shipped.rounds.map((r) => r.initialDeployment)).toEqual([true, false, false]);
    expect(shipped.rounds[0]!.testAccuracy).toBe(fu.rounds[0]!.testAccuracy);
    expect(shipped.rounds[0]!.changed).toBe(156);
    for (const r of shipped.rounds.slice(1)) expect(r.changed).toBeLessThanOrEqual(15);
  });
});
