import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backend, fromTyped, key, nn } from '../../src/index';
import type { Params, Tensor } from '../../src/index';
import type { Layer } from '../../src/nn/layers';
import { fusable } from '../../src/nn/fuse';
import { lcgFloats } from '../helpers.js';

const initial = backend.get();
afterEach(() => { backend.set(initial); });

const values = (len: number, seed: number): Float32Array => lcgFloats(len, seed, 256);

/** The layers one after the other (no fusion: each layer on its own). */
function layerByLayer(layers: readonly Layer<Params>[], params: Params[], x: Tensor): Tensor {
  let h = x;
  layers.forEach((l, i) => { h = l.apply(params[i]!, h, { training: false }); });
  return h;
}

describe.runIf(backend.available())('inference fusion of conv → max pool (→ relu) in nn.sequential', () => {
  it('gives the bits of running the layers one by one (fast-check over geometry, relu placement, bias)', () => {
    backend.set('wasm');
    fc.assert(fc.property(fc.record({
      n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 7 }),
      h: fc.integer({ min: 4, max: 12 }), k: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 1 }),
      pool: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }), relu: fc.constantFrom('after', 'before', 'none'),
      bias: fc.boolean(), seed: fc.integer({ min: 0, max: 1e9 }),
    }), (g) => {
      if (g.h + 2 * g.padding - g.k + 1 < g.pool) return;
      const conv = nn.conv2d(g.o, g.k, { padding: g.padding, bias: g.bias }) as Layer<Params>;
      const pool = nn.maxPool2d(g.pool, { stride: g.stride });
      const layers = g.relu === 'after' ? [conv, pool, nn.relu()] : g.relu === 'before' ? [conv, nn.relu(), pool] : [conv, pool];
      const model = nn.sequential(...layers);
      const init = model.init(key(g.seed), [g.c, g.h, g.h]);
      expect(fusable(layers, 0).span).toBe(layers.length);
      const x = fromTyped(values(g.n * g.c * g.h * g.h, g.seed), [g.n, g.c, g.h, g.h]);
      const fused = model.apply(init.params, x, { training: false }).toTyped();
      expect(fused).toEqual(layerByLayer(layers, init.params, x).toTyped());
    }), { numRuns: 80 });
  });

  it('LeNet5 logits equal the layer-by-layer forward, with NaN and ±0 inputs too', () => {
    backend.set('wasm');
    const model = nn.lenet5();
    const init = model.init(key(3), [1, 28, 28]);
    const v = values(5 * 28 * 28, 4);
    v[7] = NaN; v[100] = -0; v[101] = 0; v[900] = NaN;
    const x = fromTyped(v, [5, 1, 28, 28]);
    expect(model.apply(init.params, x, { training: false }).toTyped())
      .toEqual(layerByLayer(model.info!.layers!, init.params as Params[], x).toTyped());
  });

  it('fuses only layers built by nn (a copy of the info does not fuse)', () => {
    const conv = nn.conv2d(2, 3) as Layer<Params>;
    const fake: Layer<Params> = { info: conv.info, init: conv.init, apply: conv.apply };
    expect(fusable([fake, nn.maxPool2d(2)], 0).span).toBe(0);
    expect(fusable([conv, nn.maxPool2d(2)], 0).span).toBe(2);
  });
});
