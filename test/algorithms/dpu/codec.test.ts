// The update wire format: exact round trips, the CRC-32 known answer, Rice-coded positions close
// to the §9 Golomb estimate, the §9 cost table, and the edge's checks (wrong base model, replayed
// round, missing w_init, malformed in-memory updates).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cost, dpu, key, loadTree, permutation, saveTree, type Params } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { toyModel, treeBits } from './helpers.js';

const sameUpdate = (a: dpu.Update, b: dpu.Update): void => {
  const { indices, values, dense, ...head } = a;
  const { indices: i2, values: v2, dense: d2, ...head2 } = b;
  expect(head2).toEqual(head);
  expect(Array.from(i2)).toEqual(Array.from(indices));
  expect(Array.from(new Uint32Array(v2.buffer, v2.byteOffset, v2.length))).toEqual(Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length)));
  expect(Array.from(new Uint32Array(d2.buffer, d2.byteOffset, d2.length))).toEqual(Array.from(new Uint32Array(dense.buffer, dense.byteOffset, dense.length)));
};

const arbHex = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 16, maxLength: 16 }).map((c) => c.join(''));
const arbF32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) });
const arbUpdate: fc.Arbitrary<dpu.Update> = fc.integer({ min: 1, max: 3000 }).chain((size) => fc.record({
  round: fc.nat({ max: 0xfffffffe }),
  base: fc.constantFrom<dpu.UpdateBase>('deployed', 'init', 'zeros'),
  seed: fc.nat({ max: 0xffffffff }),
  baseFingerprint: arbHex,
  resultFingerprint: arbHex,
  size: fc.constant(size),
  picks: fc.oneof(fc.uniqueArray(fc.nat({ max: size - 1 }), { maxLength: 60 }), fc.constant(Array.from({ length: size }, (_, i) => i))),
  vals: fc.array(arbF32, { minLength: size, maxLength: size }),
  dense: fc.array(arbF32, { maxLength: 20 }),
})).map((r) => {
  const indices = Int32Array.from(r.picks).sort();
  return {
    round: r.round, base: r.base, seed: r.base === 'init' ? r.seed : 0, baseFingerprint: r.baseFingerprint, resultFingerprint: r.resultFingerprint,
    size: r.size, indices, values: Float32Array.from(indices, (_, j) => r.vals[j]!), dense: Float32Array.from(r.dense),
  };
});

describe('encodeUpdate / decodeUpdate', () => {
  it('round-trips every well-formed update exactly', () => {
    fc.assert(fc.property(arbUpdate, (u) => {
      const bytes = dpu.encodeUpdate(u);
      sameUpdate(dpu.decodeUpdate(bytes), u);
      expect(cost.payloadBits(bytes)).toBe(8 * bytes.length);
    }), { numRuns: 200 });
  });

  it('Rice-coded positions cost about the §9 Golomb estimate for random positions', () => {
    const I = 100_000;
    for (const p of [0.005, 0.01, 0.05]) {
      const S = Math.floor(p * I);
      const indices = (permutation(key(Math.round(p * 1000)), I).toTyped() as Int32Array).slice(0, S).sort();
      const u: dpu.Update = { round: 0, base: 'deployed', seed: 0, baseFingerprint: '0'.repeat(16), resultFingerprint: '1'.repeat(16), size: I, indices, values: new Float32Array(S), dense: new Float32Array(0) };
      const bytes = dpu.encodeUpdate(u);
      const streamBits = 8 * (bytes.length - 52 - 4 * S);
      const estimate = cost.golombPositionBits(I, S);
      expect(streamBits).toBeLessThan(estimate * 1.03 + 8);
      expect(streamBits).toBeGreaterThan(cost.entropyPositionBits(I, S) * 0.97);
    }
  });

  it('encodes a full update without an index stream', () => {
    const u: dpu.Update = { round: 1, base: 'deployed', seed: 0, baseFingerprint: 'a'.repeat(16), resultFingerprint: 'b'.repeat(16), size: 5, indices: Int32Array.from([0, 1, 2, 3, 4]), values: new Float32Array(5), dense: new Float32Array(2) };
    expect(dpu.encodeUpdate(u).length).toBe(48 + 20 + 8 + 4);
  });

  it('rejects malformed updates with INVALID_ARGUMENT', () => {
    const ok: dpu.Update = { round: 1, base: 'deployed', seed: 0, baseFingerprint: 'a'.repeat(16), resultFingerprint: 'b'.repeat(16), size: 5, indices: Int32Array.from([1, 3]), values: new Float32Array(2), dense: new Float32Array(1) };
    expect(errorCode(() => dpu.encodeUpdate(ok))).toBeUndefined();
    for (const bad of [
      { indices: Int32Array.from([3, 1]) }, { indices: Int32Array.from([1, 1]) }, { indices: Int32Array.from([1, 5]) },
      { values: new Float32Array(3) }, { values: Float32Array.from([0, NaN]) }, { dense: Float32Array.from([Infinity]) },
      { seed: 3 }, { base: 'other' }, { round: -1 }, { round: 2 ** 32 - 1 }, { baseFingerprint: 'xyz' }, { size: 0 },
    ]) expect(errorCode(() => dpu.encodeUpdate({ ...ok, ...bad } as dpu.Update)), JSON.stringify(Object.keys(bad))).toBe('INVALID_ARGUMENT');
  });

  it('rejects truncated, foreign and corrupted bytes with FORMAT', () => {
    const u: dpu.Update = { round: 1, base: 'deployed', seed: 0, baseFingerprint: 'a'.repeat(16), resultFingerprint: 'b'.repeat(16), size: 50, indices: Int32Array.from([1, 30]), values: new Float32Array(2), dense: new Float32Array(1) };
    const bytes = dpu.encodeUpdate(u);
    for (let n = 0; n < bytes.length; n++) expect(errorCode(() => dpu.decodeUpdate(bytes.slice(0, n)))).toBe('FORMAT');
    const foreign = bytes.slice();
    foreign[0] = 0x50;
    expect(errorCode(() => dpu.decodeUpdate(foreign))).toBe('FORMAT');
    expect(errorCode(() => dpu.decodeUpdate(new Uint8Array(0)))).toBe('FORMAT');
    expect(errorCode(() => dpu.decodeUpdate([1, 2] as unknown as Uint8Array))).toBe('INVALID_ARGUMENT');
  });
});

describe('§9 communication cost table', () => {
  it.each([
    [0.005, 0.045415, 9.0829, 7, 9.1117, 0.006424],
    [0.01, 0.080793, 8.0793, 6, 8.1079, 0.012534],
    [0.05, 0.286397, 5.7279, 4, 5.7861, 0.059041],
    [0.1, 0.468996, 4.6900, 3, 4.7558, 0.114862],
  ])('p = %f', (p, h, hPerIndex, bStar, golomb, ratio) => {
    expect(cost.binaryEntropy(p)).toBeCloseTo(h, 6);
    expect(cost.binaryEntropy(p) / p).toBeCloseTo(hPerIndex, 4);
    expect(cost.golombParameter(p)).toBe(bStar);
    expect(cost.golombBitsPerIndex(p)).toBeCloseTo(golomb, 4);
    const I = 1_000_000;
    const S = Math.round(p * I);
    expect(cost.partialUpdateBits(I, S) / cost.fullUpdateBits(I)).toBeCloseTo(ratio, 6);
    expect(cost.entropyPositionBits(I, S)).toBeCloseTo(I * h, -1);
  });

  it('full update = 32·I; the other position codes; argument checks', () => {
    expect(cost.fullUpdateBits(266_200)).toBe(8_518_400);
    expect(cost.bitmaskPositionBits(1000, 10)).toBe(1000);
    expect(cost.indexPositionBits(1000, 10)).toBe(100);
    expect(cost.golombPositionBits(1000, 0)).toBe(0);
    expect(cost.golombParameter(1)).toBe(0);
    expect(cost.partialUpdateBits(1000, 10, { valueBits: 8, positions: cost.indexPositionBits })).toBe(180);
    expect(errorCode(() => cost.partialUpdateBits(10, 11))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => cost.binaryEntropy(1.5))).toBe('OUT_OF_RANGE');
    expect(errorCode(() => cost.fullUpdateBits(-1))).toBe('INVALID_ARGUMENT');
  });
});

describe('applyUpdate: the edge checks', () => {
  const model = toyModel();
  const regenerate = (seed: number): dpu.ModelWeights => dpu.initialWeights(model, [10], seed);
  const init = regenerate(1);
  const edge0 = dpu.edgeModel(init);
  const bump = (w: dpu.ModelWeights, by: number): dpu.ModelWeights => ({
    // only the first layer's weights change, so an update leaves the last layer to the base
    params: (w.params as { weight?: unknown }[]).map((l, i) => (i !== 0 ? l : { ...l, weight: (l.weight as ReturnType<typeof key>).add(by) })) as Params,
    modelState: w.modelState,
  });
  const next = bump(init, 0.5);
  const u1 = dpu.createUpdate({ round: 0, deployed: edge0, next });
  const bytes1 = dpu.encodeUpdate(u1);
  const edge1 = dpu.applyUpdate(edge0, bytes1, { init: regenerate });

  it('rebuilds the server model bit for bit and records the round', () => {
    expect(edge1.round).toBe(0);
    expect(treeBits(edge1.params)).toEqual(treeBits(next.params));
    expect(dpu.fingerprint(edge1, 0)).toBe(u1.resultFingerprint);
  });

  it('refuses a replayed round, a wrong base model and a missing w_init, keeping the model', () => {
    const before = treeBits(edge1.params);
    expect(errorCode(() => dpu.applyUpdate(edge1, bytes1))).toBe('STATE_MISMATCH');
    const other = dpu.edgeModel(regenerate(2));
    expect(errorCode(() => dpu.applyUpdate(other, bytes1))).toBe('STATE_MISMATCH');
    const reinit = dpu.encodeUpdate(dpu.createUpdate({ round: 1, deployed: edge1, next: bump(init, 0.25), base: 'init', init, seed: 1 }));
    expect(errorCode(() => dpu.applyUpdate(edge1, reinit))).toBe('STATE_MISMATCH');
    expect(errorCode(() => dpu.applyUpdate(edge1, reinit, { init: () => regenerate(3) }))).toBe('STATE_MISMATCH');
    expect(treeBits(dpu.applyUpdate(edge1, reinit, { init: regenerate }).params)).toEqual(treeBits(bump(init, 0.25).params));
    expect(treeBits(edge1.params)).toEqual(before);
  });

  it('the edge state is a plain record that round-trips through saveTree/loadTree', () => {
    const loaded = loadTree(saveTree(edge1)).tree as unknown as dpu.EdgeModel;
    expect(loaded.round).toBe(0);
    expect(dpu.fingerprint(loaded, loaded.round)).toBe(dpu.fingerprint(edge1, edge1.round));
    const u2 = dpu.encodeUpdate(dpu.createUpdate({ round: 3, deployed: edge1, next: bump(edge1, 0.1) }));
    expect(treeBits(dpu.applyUpdate(loaded, u2).params)).toEqual(treeBits(dpu.applyUpdate(edge1, u2).params));
  });
});
