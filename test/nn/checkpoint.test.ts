// Training state (parameters, batch-norm statistics, optimizer state) round-trips through
// saveTree/loadTree, and training resumed from the checkpoint equals uninterrupted training
// bit for bit.
import { describe, expect, it } from 'vitest';
import {
  adam, batches, chain, clipByGlobalNorm, injectHyperparams, key, loadTree, momentum, nn, normal, randint, saveTree, schedules,
  tree, trainStep, type GradientTransformation, type Params, type TrainState, type Tensor,
} from '../../src/index.js';

function data() {
  return { x: normal(key(1), [48, 1, 8, 8]), y: randint(key(2), [48], 0, 3) };
}

function run<S>(opt: GradientTransformation<S>, resumeAt?: number): Params {
  const model = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.batchNorm2d(), nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.linear(3));
  const init = model.init(key(0), [1, 8, 8]);
  const step = trainStep(model, opt);
  let st: TrainState<S> = { params: init.params, modelState: init.state, optState: opt.init(init.params), step: 0 };
  const ds = data();
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const b of batches(ds, 16, { key: key(10 + epoch) })) {
      if (st.step === resumeAt) {
        const bytes = saveTree(st as unknown as Parameters<typeof saveTree>[0], { note: 'mid-run' });
        const loaded = loadTree(bytes);
        expect(loaded.metadata.note).toBe('mid-run');
        st = loaded.tree as unknown as TrainState<S>;
      }
      st = step(st, b).state;
    }
  }
  return { params: st.params, modelState: st.modelState };
}

const bits = (p: Params) => tree.leaves(p).map((t: Tensor) => Array.from(new Uint8Array(t.toTyped().buffer)));

describe('checkpoints', () => {
  const opts: [string, () => GradientTransformation<unknown>][] = [
    ['adam', () => adam(1e-2) as GradientTransformation<unknown>],
    ['momentum + clipping', () => chain(clipByGlobalNorm(1), momentum(0.05, 0.9, { nesterov: true })) as GradientTransformation<unknown>],
    ['injected cosine schedule', () => injectHyperparams((a: { learningRate: number }) => adam(a.learningRate))({ learningRate: schedules.cosine(1e-2, { decaySteps: 6 }) }) as GradientTransformation<unknown>],
  ];
  for (const [name, make] of opts) {
    it(`${name}: resumed training equals uninterrupted training bit for bit`, () => {
      const full = run(make());
      const resumed = run(make(), 3);
      expect(bits(resumed)).toEqual(bits(full));
      expect(tree.paths(resumed)).toEqual(tree.paths(full));
    });
  }
});
