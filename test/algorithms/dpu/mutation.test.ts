// Mutation property over encoded updates: start from valid payloads (a partial update against
// the deployed model, a re-initialisation update, a sparse update against zeros, a full update),
// damage them — truncation, bit flips, byte writes, header fields rewritten (with and without a
// recomputed checksum), appended garbage, random bytes — and deliver them to the right edge, to an
// edge holding another model (swapped base) or to an edge that already applied them (replay).
// Every case must be rejected with FORMAT or STATE_MISMATCH, leaving the edge's model
// bit-identical, or produce exactly the model the original payload produces.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dpu, fromTyped, isNumError, key, normal, tree, type Params, type Tensor } from '../../../src/index.js';
import { crc32 } from '../../../src/io/checksum.js';
import { toyModel, treeBits } from './helpers.js';

const model = toyModel();
const regenerate = (seed: number): dpu.ModelWeights => dpu.initialWeights(model, [10], seed);
const init = regenerate(1);

/** Changes `count` entries of the first layer's weight and all biases (a sparse update). */
function perturb(w: dpu.ModelWeights, count: number, seed: number): dpu.ModelWeights {
  let leaf = 0;
  const params = tree.map((t: Tensor) => {
    const d = Float32Array.from(t.toTyped() as Float32Array);
    const noise = normal(key(seed * 31 + leaf), [d.length]).toTyped();
    const n = t.ndim >= 2 ? (leaf === 0 ? count : 0) : d.length;
    for (let i = 0; i < n; i++) {
      const j = (i * 7) % d.length;
      d[j] = d[j]! + noise[i]!;
    }
    leaf++;
    return fromTyped(d, [...t.shape]);
  }, w.params) as Params;
  return { params, modelState: w.modelState };
}

// The right edge is at round 2; the swapped-base edge holds another model at round 2; the replay
// edge already applied the update (round 3 for the deployed-base cases).
const server1 = perturb(init, 20, 1);
const edge0 = dpu.edgeModel(init);
const edge1 = dpu.applyUpdate(edge0, dpu.encodeUpdate(dpu.createUpdate({ round: 0, deployed: edge0, next: server1 })));
const edge2 = dpu.applyUpdate(edge1, dpu.encodeUpdate(dpu.createUpdate({ round: 2, deployed: edge1, next: perturb(server1, 15, 2) })));
const otherEdge = dpu.edgeModel(perturb(edge2, 3, 9), 2);

interface Case { name: string; bytes: Uint8Array; target: dpu.EdgeModel; update: dpu.Update }
const BASES: Case[] = (() => {
  const make = (name: string, u: dpu.Update): Case => ({
    name, update: u, bytes: dpu.encodeUpdate(u),
    target: dpu.applyUpdate(edge2, u, { init: regenerate }),
  });
  return [
    make('partial', dpu.createUpdate({ round: 3, deployed: edge2, next: perturb(edge2, 12, 3) })),
    make('re-init', dpu.createUpdate({ round: 4, deployed: edge2, next: perturb(init, 10, 4), base: 'init', init, seed: 1 })),
    make('zeros', dpu.createUpdate({ round: 5, deployed: edge2, next: perturb({ params: tree.map((t: Tensor) => t.mul(0), init.params), modelState: init.modelState }, 9, 5), base: 'zeros' })),
    make('full', dpu.createUpdate({ round: 6, deployed: edge2, next: perturb(edge2, 4, 6), full: true })),
  ];
})();

type Mutation = { kind: string; apply: (b: Uint8Array) => Uint8Array };
const withCrc = (b: Uint8Array): Uint8Array => {
  if (b.length >= 4) new DataView(b.buffer, b.byteOffset, b.length).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
  return b;
};
/** Header fields: [offset, byte width]. */
const FIELDS: [string, number, number][] = [
  ['version', 4, 1], ['base', 5, 1], ['flags', 6, 1], ['rice', 7, 1], ['round', 8, 4], ['seed', 12, 4], ['baseFp', 16, 8], ['resultFp', 24, 8],
  ['I', 32, 4], ['S', 36, 4], ['D', 40, 4], ['L', 44, 4],
];

const mutations: fc.Arbitrary<Mutation>[] = [
  fc.nat().map((k) => ({ kind: 'truncate', apply: (b) => b.slice(0, k % (b.length + 1)) })),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map((flips) => ({
    kind: 'flip bits', apply: (b) => {
      const c = b.slice();
      for (const [p, bit] of flips) if (c.length > 0) c[p % c.length]! ^= 1 << bit;
      return c;
    },
  })),
  fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([writes, fix]) => ({
    kind: fix ? 'write bytes + crc' : 'write bytes', apply: (b) => {
      const c = b.slice();
      for (const [p, v] of writes) if (c.length > 0) c[p % c.length] = v;
      return fix ? withCrc(c) : c;
    },
  })),
  fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: -3, max: 3 })), fc.boolean()).map(([[name, at, width], v, fix]) => ({
    kind: fix ? 'header field + crc' : 'header field', apply: (b) => {
      const c = b.slice();
      if (c.length < at + width) return c;
      const dv = new DataView(c.buffer);
      // small v: nudge the current value; large v: overwrite
      const cur = width === 1 ? dv.getUint8(at) : dv.getUint32(at, true);
      const nv = v >= -3 && v <= 3 ? cur + v : v;
      if (width === 1) dv.setUint8(at, nv & 0xff);
      else dv.setUint32(at, nv >>> 0, true);
      void name;
      return fix ? withCrc(c) : c;
    },
  })),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((g) => ({
    kind: 'append garbage', apply: (b) => { const c = new Uint8Array(b.length + g.length); c.set(b); c.set(g, b.length); return c; },
  })),
  fc.uint8Array({ maxLength: 64 }).map((r) => ({ kind: 'random bytes', apply: () => r })),
  fc.constant({ kind: 'none', apply: (b: Uint8Array) => b }),
];

const edgeBits = (e: dpu.EdgeModel): string => `${e.round}:${treeBits(e.params).join(',')}:${treeBits(e.modelState).join(',')}`;

describe('applyUpdate under random mutations, swapped bases and replays', () => {
  it('rejects with FORMAT / STATE_MISMATCH and keeps the edge, or rebuilds exactly the original target (≥ 1,000 cases)', () => {
    const outcomes = { rejected: 0, applied: 0 };
    const kinds = new Map<string, number>();
    const edges = { right: edge2, swapped: otherEdge } as const;
    const snapshot = { right: edgeBits(edge2), swapped: edgeBits(otherEdge) };
    fc.assert(fc.property(
      fc.nat({ max: BASES.length - 1 }), fc.constantFrom('right', 'right', 'right', 'swapped', 'replay'), fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 2 }),
      (which, where, muts) => {
        const base = BASES[which]!;
        let bytes = base.bytes;
        for (const m of muts) { bytes = m.apply(bytes); kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1); }
        kinds.set(`to ${where}`, (kinds.get(`to ${where}`) ?? 0) + 1);
        const edge = where === 'replay' ? base.target : edges[where];
        const before = where === 'replay' ? edgeBits(base.target) : snapshot[where];
        let result: dpu.EdgeModel;
        try {
          result = dpu.applyUpdate(edge, bytes, { init: regenerate });
        } catch (e) {
          expect(isNumError(e), String(e)).toBe(true);
          expect(['FORMAT', 'STATE_MISMATCH']).toContain((e as { code: string }).code);
          expect(edgeBits(edge)).toBe(before);
          outcomes.rejected++;
          return;
        }
        outcomes.applied++;
        expect(where).toBe('right');
        expect(edgeBits(result)).toBe(edgeBits(base.target));
        // Whatever decoded and applied is the original update.
        const u = dpu.decodeUpdate(bytes);
        expect(u.round).toBe(base.update.round);
        expect(Array.from(u.indices)).toEqual(Array.from(base.update.indices));
      }), { numRuns: 1200, seed: 20260 });
    // Every kind ran; both outcomes happen (unmutated payloads to the right edge apply).
    expect(outcomes.rejected).toBeGreaterThan(800);
    expect(outcomes.applied).toBeGreaterThan(20);
    for (const [, n] of kinds) expect(n).toBeGreaterThan(20);
    if (process.env["DPU_MUTATION_STATS"]) console.log(outcomes, Object.fromEntries(kinds));
    expect(kinds.size).toBe(mutations.length + 2 + 3); // + the two "+ crc" variants + three destinations
  });

  it('unmutated payloads apply to the right edge and rebuild the target exactly', () => {
    for (const c of BASES) expect(edgeBits(dpu.applyUpdate(edge2, c.bytes, { init: regenerate }))).toBe(edgeBits(c.target));
  });
});
