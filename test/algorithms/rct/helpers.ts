// Shared fixtures for the RCT tests: Gaussian blobs and a small integer-trained MLP.
import { fromTyped, key, normal, randint, rct, type Dataset, type Key } from '../../../src/index.js';

/** Three Gaussian blobs in 2-D, centres on a circle of radius 2, σ = 0.5. */
export function blobs(n: number, k: Key): Dataset {
  const y = randint(k, [n], 0, 3);
  const labels = y.toTyped() as Int32Array;
  const noise = normal(key(99), [n, 2]).toTyped();
  const x = new Float32Array(2 * n);
  labels.forEach((c, i) => {
    x[2 * i] = 2 * Math.cos((2 * Math.PI * c) / 3) + 0.5 * noise[2 * i]!;
    x[2 * i + 1] = 2 * Math.sin((2 * Math.PI * c) / 3) + 0.5 * noise[2 * i + 1]!;
  });
  return { x: fromTyped(x, [n, 2]), y };
}

/** A 2-16-3 MLP with its RCT config (interval 5 so boundaries happen in short tests). */
export function smallRun(opts: Partial<rct.ConfigOptions> = {}): { net: rct.RctNet; cfg: rct.RctConfig; st: rct.RctState } {
  const net = rct.mlp(2, [16, 3]);
  const cfg = rct.config(net, { learningRate: 0.1, ...opts, controller: { interval: 5, ...opts.controller } });
  const st = rct.init(cfg, net.float.init(key(0), [2]).params);
  return { net, cfg, st };
}
