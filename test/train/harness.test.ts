// The shared harness: keys per purpose, per-sample mean loss, the objective hook, the event
// fields every driver emits, and cost figures that equal src/cost's functions called directly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KEY_TAGS, adam, alq, cost, crossEntropy, dpu, fit, foldIn, initTrain, key, mul, nn, normal, purposeKey, randint, sgd, tree,
  type Dataset, type Objective, type Params, type RunEvent, type Tensor,
} from '../../src/index.js';
import { run as pruneRun } from '../../examples/magnitude-pruning.js';
import { toyData, toyInput, toyModel } from '../algorithms/dpu/helpers.js';

const words = (k: Tensor): number[] => Array.from(k.toTyped());
const FIELDS = ['method', 'phase', 'kind', 'round', 'epoch', 'step', 'metrics', 'elapsedMs', 'cost'] as const;

function checkEvent(e: RunEvent, method: string): void {
  for (const f of FIELDS) expect(e).toHaveProperty(f);
  expect(e.method).toBe(method);
  for (const c of [e.round, e.epoch, e.step]) expect(Number.isInteger(c) && c >= 0).toBe(true);
  expect(e.elapsedMs).toBeGreaterThanOrEqual(0);
  for (const v of Object.values(e.metrics)) expect(typeof v).toBe('number');
}

describe('keys per purpose', () => {
  it('shuffle, dropout, init and method streams are distinct and documented', () => {
    const root = key(3);
    expect(KEY_TAGS).toEqual({ shuffle: 1, dropout: 2, init: 3, method: 16 });
    const all = (['shuffle', 'dropout', 'init', 'method'] as const).flatMap((p) => [0, 1, 2].map((i) => words(purposeKey(root, p, i)).join(',')));
    expect(new Set(all).size).toBe(all.length);
    expect(words(purposeKey(root, 'dropout', 5))).toEqual(words(foldIn(foldIn(root, 2), 5)));
  });
});

describe('fit', () => {
  const ds: Dataset = { x: normal(key(1), [10, 4]), y: randint(key(2), [10], 0, 3) };
  const model = nn.mlp([3]) as nn.Layer<Params>;
  const init = model.init(key(0), [4]);

  it('reports the per-sample mean training loss (uneven last batch)', () => {
    const seen: number[][] = [];
    const objective: Objective = (p, b, ctx) => {
      const l = crossEntropy(model.apply(p, b.x, ctx), b.y);
      seen.push([l.item(), b.y.shape[0]!]);
      return l;
    };
    const opt = sgd(0);
    const { epochs } = fit(initTrain(init.params, init.state, opt), { optimizer: opt, objective, train: ds, batchSize: 4, epochs: 1, key: key(5) });
    const expected = seen.reduce((a, [l, n]) => a + l! * n!, 0) / 10;
    expect(seen.map(([, n]) => n)).toEqual([4, 4, 2]);
    expect(epochs[0]!.trainLoss).toBeCloseTo(expected, 12);
    expect(epochs[0]!.trainLoss).not.toBeCloseTo(seen.reduce((a, [l]) => a + l!, 0) / 3, 6);
  });

  it('the objective hook receives counters and a per-step method key; the optimizer its Extra', () => {
    const steps: number[] = [], keys: string[] = [], extras: unknown[] = [];
    const objective: Objective = (p, b, ctx) => {
      steps.push(ctx.step);
      keys.push(words(ctx.methodKey).join(','));
      // Σ α_j L_j over two "views": the hook is where DRESS-style objectives plug in.
      return crossEntropy(model.apply(p, b.x, ctx), b.y).add(mul(crossEntropy(model.apply(p, b.x, ctx), b.y), 0.5));
    };
    const inner = adam(1e-2);
    const opt = { init: inner.init, update: (u: Params, s: ReturnType<typeof inner.init>, p?: Params, x?: { loss?: number; step?: number; tag?: string }) => { extras.push(x); return inner.update(u, s, p); } };
    fit(initTrain(init.params, init.state, opt), { optimizer: opt, objective, train: ds, batchSize: 5, epochs: 2, key: key(5), extra: (st, loss) => ({ loss, step: st.step, tag: 'x' }) });
    expect(steps).toEqual([0, 1, 2, 3]);
    expect(new Set(keys).size).toBe(4);
    expect(keys[2]).toBe(words(purposeKey(key(5), 'method', 2)).join(','));
    expect(extras.map((x) => (x as { step: number }).step)).toEqual([0, 1, 2, 3]);
    expect((extras[0] as { tag: string }).tag).toBe('x');
  });

  it('rejects a missing model and objective, and a state not built by initTrain', () => {
    const opt = sgd(0.1);
    expect(() => fit(initTrain(init.params, init.state, opt), { optimizer: opt, train: ds, batchSize: 4, epochs: 1, key: key(0) })).toThrow(/need a model/);
    expect(() => fit({ params: init.params } as never, { optimizer: opt, model, train: ds, batchSize: 4, epochs: 1, key: key(0) })).toThrow(/initTrain/);
  });
});

describe('drivers emit RunEvents whose cost equals src/cost', () => {
  it('ALQ: every event has the documented fields; cost.bytes = cost.multiBitStorage of the state', () => {
    const model = nn.mlp([8, 3]) as nn.Layer<Params>;
    const init = model.init(key(1), [10]);
    const data = toyData(60, 2);
    const events: RunEvent[] = [];
    const schedule: alq.AlqSchedule = { ...alq.lenet5Schedule, maxBits: 3, batchSize: 20, rounds: 1, basisEpochs: 1, coordinateEpochs: 1, steEpochs: 1, postCoordinateEpochs: 1 };
    const r = alq.run({ model, params: init.params, train: data, validation: data, key: key(2), schedule, targetBits: 2, onEvent: (e) => events.push(e) });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) checkEvent(e, 'alq');
    const last = r.history.at(-1)!;
    for (const m of ['accuracy', 'loss', 'trainLoss', 'learningRate', 'averageBits']) expect(last.metrics).toHaveProperty(m);
    const direct = cost.multiBitStorage(r.state.layers.map((l) => ({
      groupSize: l.groupSize, groups: l.groups, maxBits: l.maxBits, validSlots: Array.from(l.mask.toTyped()).filter((v) => v !== 0).length,
    })));
    expect(last.cost).toEqual({ bits: direct.bits, bytes: direct.bytes });
    expect(r.report.cost).toEqual(last.cost);
    expect(r.report.phases.map((p) => p.name)).toEqual(['init', 'basis', 'coordinate', 'prune', 'ste', 'postCoordinate']);
  });

  it('DPU: round events carry bitsSent = cost.payloadBits of the encoded update; full model = cost.fullUpdateBits', () => {
    const events: RunEvent[] = [];
    const res = dpu.simulate({
      model: toyModel(), inputShape: [10], train: toyData(64, 2), validation: toyData(32, 3), test: toyData(32, 4),
      initialSize: 32, increment: 32, training: { epochs: 1, batchSize: 32, learningRate: 0.05 },
      method: dpu.deepPartialUpdating({ ratio: 0.1 }), onEvent: (e) => events.push(e),
    });
    for (const e of events) checkEvent(e, 'dpu');
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['round', 'full', 'masked']));
    for (const r of res.rounds) {
      expect(r.fullModelBits).toBe(cost.fullUpdateBits(156 + 15));
      expect(r.bitsSent).toBe(cost.payloadBits(new Uint8Array(r.payloadBytes)));
    }
    // One round by hand: the event's bits equal cost.payloadBits of the bytes the round produced.
    const input = toyInput();
    const round = dpu.round(input, { ratio: 0.1 });
    const bytes = dpu.encodeUpdate(round.update!);
    expect(cost.payloadBits(bytes)).toBe(8 * bytes.length);
    const roundEvents = events.filter((e) => e.kind === 'round');
    expect(roundEvents.map((e) => e.cost.bitsSent)).toEqual(res.rounds.map((r) => r.bitsSent));
    expect(res.report.cost.bitsSent).toBe(res.totalBitsSent);
  });
});

describe('docs/methods.md worked example', () => {
  it('is the tested file, and prunes to the target sparsity through the harness', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'methods.md'), 'utf8');
    const src = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'magnitude-pruning.ts'), 'utf8');
    expect(doc).toContain(src.trim());
    const model = nn.mlp([16, 3]) as nn.Layer<Params>;
    const init = model.init(key(1), [10]);
    const data = toyData(96, 2);
    const events: RunEvent[] = [];
    const r = pruneRun({ model, params: init.params, modelState: init.state, train: data, validation: data, key: key(3), sparsity: 0.75, epochs: 8, onEvent: (e) => events.push(e) });
    for (const e of events) checkEvent(e, 'prune');
    const weights = tree.leaves(r.params).filter((t: Tensor) => t.ndim === 2);
    for (const w of weights) {
      const zerosCount = Array.from(w.toTyped()).filter((v) => v === 0).length;
      expect(zerosCount / w.size).toBeGreaterThanOrEqual(0.74);
    }
    expect(r.report.phases.map((p) => p.name)).toEqual(['train', 'select', 'finetune']);
    expect(r.report.cost.bytes).toBe(cost.storageBytes(r.params).total);
    expect(r.report.metrics['accuracy']).toBeGreaterThan(0.8);
  });
});
