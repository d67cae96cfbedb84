// ALQ representation and initialisation (spec §1, invariants 1–3): group layouts and their
// permutation, reconstruction, structured sketching, guards and errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alq, isNumError, loadTree, saveTree, tensor, zeros, type Tensor } from '../../../src/index.js';
import { solveSymmetric } from '../../../src/algorithms/alq/sketch.js';
import { convGrouping, convParams, reconstructByHand } from './helpers.js';

const code = (f: () => unknown): string => {
  try { f(); } catch (e) { return isNumError(e) ? e.code : `not a NumError: ${String(e)}`; }
  return 'no error';
};

describe('group layouts', () => {
  it('have the spec sizes', () => {
    const conv = [8, 3, 5, 5];
    expect(alq.groupLayout(conv, alq.kernelwise())).toMatchObject({ groupSize: 25, groups: 24, groupsPerRow: 3 });
    expect(alq.groupLayout(conv, alq.pixelwise())).toMatchObject({ groupSize: 3, groups: 200, groupsPerRow: 25 });
    expect(alq.groupLayout(conv, alq.channelwise())).toMatchObject({ groupSize: 75, groups: 8, groupsPerRow: 1 });
    expect(alq.groupLayout([500, 800], alq.subchannelwise(2))).toMatchObject({ groupSize: 400, groups: 1000, groupsPerRow: 2 });
  });

  it('pixelwise groups are the channel vectors W[k, :, h, w]', () => {
    const l = alq.groupLayout([2, 3, 1, 2], alq.pixelwise());
    expect(Array.from(l.perm)).toEqual([0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11]);
  });

  it('perm is a permutation and toGroups/fromGroups round-trip (all groupings)', () => {
    const arb = fc.record({
      co: fc.integer({ min: 1, max: 4 }), ci: fc.integer({ min: 1, max: 4 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
      kind: fc.constantFrom('kernelwise', 'pixelwise', 'channelwise', 'subchannelwise'),
    });
    fc.assert(fc.property(arb, ({ co, ci, kh, kw, kind }) => {
      const shape = [co, ci, kh, kw];
      const g = kind === 'kernelwise' ? alq.kernelwise() : kind === 'pixelwise' ? alq.pixelwise()
        : kind === 'channelwise' ? alq.channelwise() : alq.subchannelwise(ci);
      const l = alq.groupLayout(shape, g);
      const n = co * ci * kh * kw;
      expect(Array.from(l.perm).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(l.groups * l.groupSize).toBe(n);
      const x = Float64Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      expect(Array.from(alq.fromGroups(l, alq.toGroups(l, x)))).toEqual(Array.from(x));
      expect(Array.from(alq.toGroups(l, alq.fromGroups(l, x)))).toEqual(Array.from(x));
      // groups never straddle rows
      for (let q = 0; q < n; q++) expect(Math.floor(l.perm[q]! / l.cols)).toBe(Math.floor(Math.floor(q / l.groupSize) / l.groupsPerRow));
    }), { seed: 11, numRuns: 60 });
  });

  it('rejects groupings that do not fit', () => {
    expect(code(() => alq.groupLayout([4, 10], alq.subchannelwise(3)))).toBe('SHAPE_MISMATCH');
    expect(code(() => alq.groupLayout([4, 10], alq.pixelwise()))).toBe('SHAPE_MISMATCH');
    expect(code(() => alq.groupLayout([4, 10], alq.kernelwise()))).toBe('SHAPE_MISMATCH');
    expect(code(() => alq.groupLayout([10], alq.channelwise()))).toBe('SHAPE_MISMATCH');
    expect(code(() => alq.subchannelwise(0))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.groupLayout([4, 10], { kind: 'rowwise', splits: 1 } as unknown as alq.Grouping))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.quantize({ w: zeros([4, 10]) }, { grouping: { w: alq.subchannelwise(4) } }))).toBe('SHAPE_MISMATCH');
    expect(code(() => alq.quantize({ w: zeros([4, 10]) }, { grouping: { v: alq.subchannelwise(2) } }))).toBe('STRUCTURE_MISMATCH');
    expect(code(() => alq.quantize({ w: zeros([4, 10]) }, { maxBits: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.quantize({ w: zeros([4, 10]) }, { maxBits: 17 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.quantize({ w: tensor([[1, NaN]]) }))).toBe('INVALID_ARGUMENT');
    expect(code(() => alq.quantize({ w: zeros([2, 2], { dtype: 'int32' }) }))).toBe('DTYPE_MISMATCH');
  });
});

describe('structured sketching', () => {
  const arbGroup = fc.record({
    // subnormal inputs are covered by the mean|w| test; here they would only test the test's own arithmetic
    w: fc.array(fc.double({ min: -4, max: 4, noNaN: true }).map((v) => (Math.abs(v) < 1e-150 ? 0 : v)), { minLength: 1, maxLength: 40 }),
    maxBits: fc.integer({ min: 1, max: 8 }),
  });

  it('residuals never increase, α > 0 ascending, I ≤ min(n, Imax), early stop only below 1e-6', () => {
    fc.assert(fc.property(arbGroup, ({ w, maxBits }) => {
      const s = alq.sketch(w, maxBits);
      const n = w.length;
      const wn = w.reduce((a, v) => a + v * v, 0);
      expect(s.bits).toBeLessThanOrEqual(Math.min(n, maxBits));
      for (let k = 1; k < s.residuals.length; k++) expect(s.residuals[k]!).toBeLessThanOrEqual(s.residuals[k - 1]! * (1 + 1e-9) + 1e-12);
      for (let i = 0; i < s.bits; i++) {
        expect(s.alpha[i]!).toBeGreaterThan(0);
        if (i > 0) expect(s.alpha[i]!).toBeGreaterThanOrEqual(s.alpha[i - 1]!);
      }
      if (wn > 0 && s.bits < Math.min(n, maxBits)) expect(s.residuals.at(-1)! / wn).toBeLessThan(1e-6 * (1 + 1e-9));
      // the reconstruction's residual is the last recorded residual
      let r2 = 0;
      for (let j = 0; j < n; j++) {
        let v = w[j]!;
        for (let i = 0; i < s.bits; i++) v -= s.alpha[i]! * s.basis[i * n + j]!;
        r2 += v * v;
      }
      if (s.bits > 0) expect(r2).toBeCloseTo(s.residuals.at(-1)!, 9);
    }), { seed: 3, numRuns: 200 });
  });

  it('is least-squares optimal after every step: B_kᵀ(w − B_k a) ≈ 0, bases independent', () => {
    fc.assert(fc.property(arbGroup, ({ w, maxBits }) => {
      const n = w.length;
      for (let k = 1; k <= maxBits; k++) {
        const s = alq.sketch(w, k); // the first k greedy steps (then folded and sorted)
        const r = w.map((v, j) => v - Array.from({ length: s.bits }, (_, i) => s.alpha[i]! * s.basis[i * n + j]!).reduce((a, b) => a + b, 0));
        const scale = Math.sqrt(n * w.reduce((a, v) => a + v * v, 0)) + 1e-300;
        for (let i = 0; i < s.bits; i++) {
          const dot = r.reduce((a, v, j) => a + v * s.basis[i * n + j]!, 0);
          expect(Math.abs(dot) / scale).toBeLessThan(1e-9);
        }
        const gram = new Float64Array(s.bits * s.bits);
        for (let a = 0; a < s.bits; a++) for (let b = 0; b < s.bits; b++) {
          for (let j = 0; j < n; j++) gram[a * s.bits + b]! += s.basis[a * n + j]! * s.basis[b * n + j]!;
        }
        expect(solveSymmetric(gram, new Float64Array(s.bits), s.bits, new Float64Array(s.bits))).toBe(true);
      }
    }), { seed: 5, numRuns: 60 });
  });

  it('one basis gives α = mean|w| and sign(0) = +1', () => {
    const s = alq.sketch([0, 1, -2, 0, 0.5], 1);
    expect(s.bits).toBe(1);
    expect(s.alpha[0]).toBeCloseTo(3.5 / 5, 14);
    expect(Array.from(s.basis)).toEqual([1, 1, -1, 1, 1]);
    fc.assert(fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 30 }), (w) => {
      const s1 = alq.sketch(w, 1);
      const mean = w.reduce((a, v) => a + Math.abs(v), 0) / w.length;
      if (mean === 0) expect(s1.bits).toBe(0);
      else expect(s1.alpha[0]!).toBeCloseTo(mean, 12);
    }), { seed: 9, numRuns: 100 });
  });

  it('an all-zero group gets no basis and no NaN', () => {
    const s = alq.sketch([0, 0, 0, -0], 4);
    expect(s.bits).toBe(0);
    const state = alq.quantize({ w: tensor([[0, 0, 0, 0], [1, -2, 3, 0.5]]) }, { maxBits: 3 });
    const l = state.layers[0]!;
    expect(Array.from(l.mask.toTyped()).slice(0, 3)).toEqual([0, 0, 0]);
    expect(Array.from(l.alpha.toTyped()).slice(0, 3)).toEqual([0, 0, 0]);
    const w = alq.reconstruct(l).toTyped();
    expect(Array.from(w).every(Number.isFinite)).toBe(true);
    expect(Array.from(w.slice(0, 4))).toEqual([0, 0, 0, 0]);
  });
});

describe('quantize and reconstruct', () => {
  const params = convParams(1);
  const state = alq.quantize(params, { maxBits: 3, grouping: convGrouping() });

  it('selects the grouped leaves, in leaf order, with the spec layout', () => {
    expect(state.count).toBe(0);
    expect(state.layers.map((l) => [l.path, l.groupSize, l.groups])).toEqual([
      ['0.weight', 9, 12], ['1.weight', 4, 20], ['2.weight', 5, 6], ['3.weight', 4, 9],
    ]);
    for (const l of state.layers) {
      expect([l.basis.dtype, l.alpha.dtype, l.mask.dtype]).toEqual(['int8', 'float32', 'uint8']);
      expect(l.basis.shape).toEqual([l.groups, 3, l.groupSize]);
      const m = l.mask.toTyped(), a = l.alpha.toTyped(), B = l.basis.toTyped();
      for (let g = 0; g < l.groups; g++) {
        let seenInvalid = false;
        for (let i = 0; i < 3; i++) {
          const s = g * 3 + i;
          if (m[s] === 0) {
            seenInvalid = true;
            expect(a[s]).toBe(0);
            for (let j = 0; j < l.groupSize; j++) expect(B[s * l.groupSize + j]).toBe(0);
          } else {
            expect(seenInvalid).toBe(false); // valid slots come first
            expect(a[s]!).toBeGreaterThan(0);
            for (let j = 0; j < l.groupSize; j++) expect(Math.abs(B[s * l.groupSize + j]!)).toBe(1);
          }
        }
      }
    }
  });

  it('reconstruct = Σ mask·α·β mapped back through the permutation', () => {
    for (const l of state.layers) {
      expect(alq.reconstruct(l)).toBeAllClose(tensor(reconstructByHand(l), { shape: l.shape }), { rtol: 1e-6, atol: 1e-7 });
    }
    // the pixelwise layer, by its definition W[k, c, h, w] = Σ_i α[(k,h,w), i]·B[(k,h,w), i, c]
    const l = state.layers[1]!;
    const w = alq.reconstruct(l).toTyped();
    const B = l.basis.toTyped(), a = l.alpha.toTyped(), m = l.mask.toTyped();
    for (let k = 0; k < 5; k++) for (let c = 0; c < 4; c++) for (let s = 0; s < 4; s++) {
      const g = k * 4 + s;
      let v = 0;
      for (let i = 0; i < 3; i++) v += m[g * 3 + i]! * a[g * 3 + i]! * B[(g * 3 + i) * 4 + c]!;
      expect(w[k * 16 + c * 4 + s]!).toBeCloseTo(v, 6);
    }
  });

  it('the view replaces quantized leaves exactly, keeps the rest, and passes gradients straight through', () => {
    const v = alq.view({ maxBits: 3, grouping: convGrouping() });
    const out = v.apply(params, state) as { weight: Tensor; bias?: Tensor }[];
    state.layers.forEach((l, i) => expect(Array.from(out[i]!.weight.toTyped())).toEqual(Array.from(alq.reconstruct(l).toTyped())));
    expect(out[0]!.bias).toBe((params as { bias: Tensor }[])[0]!.bias);
    expect(code(() => v.apply({ other: zeros([2]) }, state))).toBe('STATE_MISMATCH');
    expect(code(() => v.apply(params, { count: 0 } as unknown as alq.AlqState))).toBe('STATE_MISMATCH');
  });

  it('the state round-trips through saveTree/loadTree', () => {
    const loaded = loadTree(saveTree(state)).tree as unknown as alq.AlqState;
    expect(loaded.count).toBe(0);
    loaded.layers.forEach((l, i) => {
      const o = state.layers[i]!;
      expect([l.path, l.shape, l.grouping, l.groupSize, l.groups, l.maxBits, l.shadow]).toEqual([o.path, o.shape, o.grouping, o.groupSize, o.groups, o.maxBits, null]);
      expect(l.basis.dtype).toBe('int8');
      expect(l.mask.dtype).toBe('uint8');
      expect(Array.from(l.basis.toTyped())).toEqual(Array.from(o.basis.toTyped()));
      expect(Array.from(alq.reconstruct(l).toTyped())).toEqual(Array.from(alq.reconstruct(o).toTyped()));
    });
  });

  it('labels mark the quantized leaves for partition', () => {
    const labels = alq.labels({ grouping: convGrouping() })(params);
    expect(labels).toEqual([{ weight: 'alq', bias: 'float' }, { weight: 'alq', bias: 'float' }, { weight: 'alq' }, { weight: 'alq', bias: 'float' }]);
    expect(alq.labels()({ w: zeros([3, 4]), b: zeros([3]) })).toEqual({ w: 'alq', b: 'float' });
  });
});
