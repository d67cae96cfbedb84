// End to end: a binarized MLP trained on the MNIST split with STE, exported bit-packed and run
// with xnorGemm, predicts exactly like the float-simulated model on all 2,000 test images, and
// its payload bytes equal what cost.summary reports.
import { describe, expect, it } from 'vitest';
import { runBnn } from '../../examples/bnn-mnist.js';

describe('binarized MLP, packed', () => {
  it('trains, exports, and runs with xnorGemm with identical predictions', () => {
    const r = runBnn({ epochs: 2, hidden: 256, log: () => undefined });
    expect(r.packed.length).toBe(2000);
    expect(Array.from(r.packed)).toEqual(Array.from(r.simulated));
    expect(Array.from(r.reloaded)).toEqual(Array.from(r.packed));
    expect(r.packedBytes).toBe(r.summaryBytes);
    expect(r.testAccuracy).toBeGreaterThan(0.85);
  }, 240_000);
});
