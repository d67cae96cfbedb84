// Training state (parameters, batch-norm statistics, optimizer state, loop counters) round-trips
// through saveTree/loadTree, and a `fit` run interrupted at any step, saved, reloaded and
// continued equals the uninterrupted run bit for bit.
import { describe, expect, it } from 'vitest';
import {
  adam, chain, clipByGlobalNorm, fit, initTrain, injectHyperparams, key, loadTree, momentum, nn, normal, randint, saveTree, schedules,
  tree, type GradientTransformation, type Params, type Tensor, type TrainState,
} from '../../src/index.js';

const ds = { x: normal(key(1), [48, 1, 8, 8]), y: randint(key(2), [48], 0, 3) };
const model = nn.sequential(
  nn.conv2d(4, 3, { padding: 1 }), nn.batchNorm2d(), nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.dropout(0.25), nn.linear(3),
);

function run<S>(opt: GradientTransformation<S>, interruptions: number[] = []): TrainState<S> {
  const init = model.init(key(0), [1, 8, 8]);
  let st = initTrain(init.params, init.state, opt);
  const opts = { optimizer: opt, model, train: ds, batchSize: 20, epochs: 3, key: key(9) };
  let done = 0;
  for (const at of interruptions) {
    st = fit(st, { ...opts, maxSteps: at - done }).state;
    done = at;
    const loaded = loadTree(saveTree(st as unknown as Parameters<typeof saveTree>[0], { note: 'mid-run' }));
    expect(loaded.metadata.note).toBe('mid-run');
    st = loaded.tree as unknown as TrainState<S>;
  }
  return fit(st, opts).state;
}

const bits = (p: Params) => tree.leaves(p).map((t: Tensor) => Array.from(new Uint8Array(t.toTyped().buffer)));

describe('checkpoints of the training loop', () => {
  const opts: [string, () => GradientTransformation<unknown>][] = [
    ['adam', () => adam(1e-2) as GradientTransformation<unknown>],
    ['momentum + clipping', () => chain(clipByGlobalNorm(1), momentum(0.05, 0.9, { nesterov: true })) as GradientTransformation<unknown>],
    ['injected cosine schedule', () => injectHyperparams((a: { learningRate: number }) => adam(a.learningRate))({ learningRate: schedules.cosine(1e-2, { decaySteps: 6 }) }) as GradientTransformation<unknown>],
  ];
  for (const [name, make] of opts) {
    it(`${name}: interrupted mid-epoch and at an epoch boundary, saved, reloaded and continued = uninterrupted, bit for bit`, () => {
      const full = run(make());
      // 3 batches per epoch: step 2 is mid-epoch 0, step 3 the boundary, step 7 mid-epoch 2.
      const resumed = run(make(), [2, 3, 7]);
      expect(full.step).toBe(9);
      expect(resumed.step).toBe(9);
      expect(bits(resumed.params)).toEqual(bits(full.params));
      expect(bits(resumed.modelState)).toEqual(bits(full.modelState));
      expect(tree.paths(resumed.params)).toEqual(tree.paths(full.params));
    });
  }

  it('the run actually depends on the interruption bookkeeping (a reset batch counter changes the result)', () => {
    const opt = adam(1e-2);
    const init = model.init(key(0), [1, 8, 8]);
    const o = { optimizer: opt, model, train: ds, batchSize: 20, epochs: 3, key: key(9) };
    const half = fit(initTrain(init.params, init.state, opt), { ...o, maxSteps: 2 }).state;
    const wrong = fit({ ...half, batch: 0 }, o).state;
    expect(bits(wrong.params)).not.toEqual(bits(run(opt).params));
  });
});
