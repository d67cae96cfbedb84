// DRESS packing, sparse inference and selection (spec §5–§7; invariants 3, 4, 5, 6, 10).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, dress, key, nn, normal, type Params, type Tensor } from '../../../src/index.js';
import { denseSpmmTInto, spmmInto, spmmRef, type KernelRows } from '../../../src/sparse/kernels.js';
import { errorCode } from '../../helpers.js';

const model = nn.sequential(
  nn.conv2d(4, 3) as nn.Layer<Params>, nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.linear(5) as nn.Layer<Params>,
) as nn.Layer<Params>;
const init = model.init(key(3), [2, 8, 8]);
const masks = dress.nestedMasks(init.params, { denseLevel: true });
const tree = dress.trainable(init.params, masks);
const packed = dress.toSparse(tree, masks);
const x = normal(key(4), [3, 2, 8, 8]);

describe('row-balanced kernels with a stride and unsorted columns', () => {
  const arb = fc.record({
    m: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 19 }), seed: fc.integer({ min: 0, max: 1e6 }),
  }).chain((r) => fc.tuple(fc.constant(r), fc.integer({ min: 1, max: r.k }).chain((n1) => fc.tuple(fc.constant(n1), fc.integer({ min: 0, max: n1 })))));

  it('a prefix of stride-n_1 rows gives what its compacted copy gives (SpMM and B·Aᵀ)', () => {
    fc.assert(fc.property(arb, ([{ m, k, n, seed }, [n1, nj]]) => {
      const v = new Float32Array(m * n1), idx = new Uint16Array(m * n1);
      let s = seed;
      const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
      for (let i = 0; i < m; i++) {
        const perm = Array.from({ length: k }, (_, c) => c).sort(() => rnd() - 0.5); // any order: rank order, not sorted
        for (let r = 0; r < n1; r++) { idx[i * n1 + r] = perm[r]!; v[i * n1 + r] = rnd() * 2 - 1; }
      }
      const strided: KernelRows = { m, k, indptr: null, rowNnz: nj, stride: n1, indices: idx, nnz: m * nj };
      const cv = new Float32Array(m * nj), ci = new Int32Array(m * nj);
      for (let i = 0; i < m; i++) for (let r = 0; r < nj; r++) { cv[i * nj + r] = v[i * n1 + r]!; ci[i * nj + r] = idx[i * n1 + r]!; }
      const compact: KernelRows = { m, k, indptr: null, rowNnz: nj, indices: ci, nnz: m * nj };
      const b = Float32Array.from({ length: k * n }, () => rnd() - 0.5);
      const got = new Float32Array(m * n), want = new Float32Array(m * n);
      spmmInto(got, strided, v, b, n);
      spmmRef(want, compact, cv, b, n, false);
      got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5));
      const bt = Float32Array.from({ length: n * k }, () => rnd() - 0.5);
      const got2 = new Float32Array(n * m), want2 = new Float32Array(n * m);
      denseSpmmTInto(got2, strided, v, bt, n);
      spmmRef(want2, compact, cv, bt, n, true);
      got2.forEach((g, q) => expect(Math.abs(g - want2[q]!)).toBeLessThanOrEqual(1e-5));
    }), { numRuns: 150, seed: 5 });
  });
});

describe('packing', () => {
  it('subnet j is the first n_j entries of every row; unpacking gives W ⊙ M_j (invariant 3)', () => {
    const v = dress.view();
    for (const layout of ['row', 'rank'] as const) {
      const p = dress.toSparse(tree, masks, { layout });
      p.layers.forEach((l, li) => {
        for (let j = 0; j < masks.levels.length; j++) {
          const eff = v.apply(tree, { ...masks, level: j });
          const [i, name] = l.path.split('.');
          const w = (eff as Record<string, Tensor>[])[Number(i)]![name!]!.toTyped();
          expect(Array.from(dress.unpackLayer(l, j))).toEqual(Array.from(w, (q) => q + 0));
          if (layout === 'rank') {
            // the contiguous prefix holds exactly subnet j's entries
            const n = l.counts[j]!;
            const prefix = new Set(Array.from(l.columns.subarray(0, l.rows * n), (c, q) => `${q % l.rows}:${c}`));
            const order = masks.layers[li]!.order.toTyped();
            for (let r = 0; r < l.rows; r++) for (let t = 0; t < n; t++) expect(prefix.has(`${r}:${order[r * l.counts[0]! + t]}`)).toBe(true);
          }
        }
      });
      expect(dress.relayout(dress.relayout(p, layout === 'row' ? 'rank' : 'row'), layout).layers[1]!.values).toEqual(p.layers[1]!.values);
    }
  });

  it('stores the densest subnet only, whatever K is (invariant 4); Uint16 columns', () => {
    const two = dress.nestedMasks(init.params, { levels: [0.5, 0.9375] });
    const four = dress.nestedMasks(init.params, { levels: [0.5, 0.75, 0.875, 0.9375] });
    const b2 = dress.toSparse(dress.trainable(init.params, two), two), b4 = dress.toSparse(dress.trainable(init.params, four), four);
    expect(dress.subnetBytes(b2, 0)).toBe(dress.subnetBytes(b4, 0));
    b4.layers.forEach((l) => {
      expect(l.columns).toBeInstanceOf(Uint16Array);
      expect(l.values.length).toBe(l.rows * l.counts[0]!);
    });
  });

  it('bytes and MACs strictly decrease with the level (invariant 10)', () => {
    const profiles = dress.profile(dress.packedRunner(model, packed), x, { warmup: 0, runs: 1 });
    for (let j = 1; j < profiles.length; j++) {
      expect(profiles[j]!.bytes).toBeLessThan(profiles[j - 1]!.bytes);
      expect(profiles[j]!.macs).toBeLessThan(profiles[j - 1]!.macs);
    }
  });

  it('encodes and decodes; corrupted or truncated bytes → FORMAT', () => {
    const bytes = dress.encodePacked(packed);
    const back = dress.decodePacked(bytes);
    expect(back.layers.map((l) => [Array.from(l.values), Array.from(l.columns)])).toEqual(packed.layers.map((l) => [Array.from(l.values), Array.from(l.columns)]));
    expect(errorCode(() => dress.decodePacked(bytes.subarray(0, bytes.length - 7)))).toBe('FORMAT');
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    expect(errorCode(() => dress.decodePacked(flipped))).toBe('FORMAT');
    const bogus = { ...packed, layers: packed.layers.map((l, i) => (i === 0 ? { ...l, columns: Uint16Array.from(l.columns, () => 999) } : l)) };
    expect(errorCode(() => dress.decodePacked(dress.encodePacked(bogus)))).toBe('FORMAT');
    const dup = { ...packed, layers: packed.layers.map((l, i) => (i === 1 ? { ...l, columns: Uint16Array.from(l.columns, () => 0) } : l)) };
    expect(errorCode(() => dress.decodePacked(dress.encodePacked(dup)))).toBe('FORMAT');
  });
});

describe('sparse inference and switching', () => {
  const runner = dress.packedRunner(model, packed);

  it('sparse = dense-masked forward for every subnet, on every backend (invariant 5)', () => {
    const was = backend.get();
    try {
      for (const be of backend.available() ? (['js', 'wasm'] as const) : (['js'] as const)) {
        backend.set(be);
        // auto (kernelPath per layer and level), and each path forced: the DRESS direct kernels, im2col + the row-balanced SpMM
        const runners = [runner, dress.packedRunner(model, packed, { path: 'direct' }), dress.packedRunner(model, packed, { path: 'spmm' })];
        for (let j = 0; j < masks.levels.length; j++) {
          const want = model.apply(dress.view().apply(tree, { ...masks, level: j }), x, { training: false, state: init.state }).toTyped();
          for (const r of runners) {
            const got = r.apply(x, j).toTyped();
            got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[q]!))));
          }
        }
        const rank = dress.packedRunner(model, dress.relayout(packed, 'rank'));
        expect(rank.apply(x, 3).toTyped()).toEqual(runner.apply(x, 3).toTyped());
      }
    } finally {
      backend.set(was);
    }
  });

  it('grouped and depthwise convs (padding, stride) run per group: sparse = dense-masked on both paths and backends', () => {
    const gm = nn.sequential(
      nn.conv2d(6, 3, { groups: 2, padding: 1 }) as nn.Layer<Params>, nn.relu(),
      nn.conv2d(6, 3, { groups: 6, stride: 2 }) as nn.Layer<Params>, nn.flatten(), nn.linear(4) as nn.Layer<Params>,
    ) as nn.Layer<Params>;
    const gi = gm.init(key(7), [4, 7, 7]);
    const gMasks = dress.nestedMasks(gi.params);
    const gTree = dress.trainable(gi.params, gMasks);
    const gx = normal(key(8), [2, 4, 7, 7]);
    const was = backend.get();
    try {
      for (const be of backend.available() ? (['js', 'wasm'] as const) : (['js'] as const)) {
        backend.set(be);
        for (const layout of ['row', 'rank'] as const) {
          const gp = dress.toSparse(gTree, gMasks, { layout });
          for (const path of ['auto', 'direct', 'spmm'] as const) {
            const r = dress.packedRunner(gm, gp, { path });
            for (let j = 0; j < gMasks.levels.length; j++) {
              const want = gm.apply(dress.view().apply(gTree, { ...gMasks, level: j }), gx).toTyped();
              const got = r.apply(gx, j).toTyped();
              got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[q]!))));
            }
          }
        }
      }
    } finally {
      backend.set(was);
    }
  });

  it('fused conv → pool → relu and arena-resident linear chains: sparse = dense-masked on every path and backend', () => {
    // LeNet5's pattern (conv → pool → relu twice, then linear → relu → linear → linear: a chain of
    // three), pooled 16 → 8 (kept in the arena for the next conv) and 7 → 3 (odd: copied out), relu
    // before the pool, a 3×3 pool (not fused: runs layer by layer), a conv without bias and an
    // excluded, dense conv (layer 6)
    const lm = nn.sequential(
      nn.conv2d(5, 3, { padding: 1 }) as nn.Layer<Params>, nn.maxPool2d(2), nn.relu(),
      nn.conv2d(6, 2) as nn.Layer<Params>, nn.relu(), nn.maxPool2d(2),
      nn.conv2d(3, 1, { padding: 1 }) as nn.Layer<Params>, nn.maxPool2d(3, { stride: 1 }),
      nn.conv2d(4, 2, { bias: false }) as nn.Layer<Params>, nn.maxPool2d(2),
      nn.flatten(), nn.linear(9) as nn.Layer<Params>, nn.relu(), nn.linear(7) as nn.Layer<Params>, nn.linear(3, { bias: false }) as nn.Layer<Params>,
    ) as nn.Layer<Params>;
    const li = lm.init(key(11), [2, 16, 16]);
    const lMasks = dress.nestedMasks(li.params, { layers: (path, t) => t.ndim >= 2 && !path.startsWith('6.') });
    const lTree = dress.trainable(li.params, lMasks);
    const lp = dress.toSparse(lTree, lMasks);
    const lx = normal(key(12), [5, 2, 16, 16]);
    const was = backend.get();
    try {
      for (const be of backend.available() ? (['js', 'wasm'] as const) : (['js'] as const)) {
        backend.set(be);
        for (const path of ['auto', 'direct', 'spmm'] as const) {
          const r = dress.packedRunner(lm, lp, { path });
          for (let j = 0; j < lMasks.levels.length; j++) {
            const want = lm.apply(dress.view().apply(lTree, { ...lMasks, level: j }), lx, { kernels: {} }).toTyped();
            const got = r.apply(lx, j).toTyped();
            expect(got.length).toBe(want.length);
            got.forEach((g, q) => expect(Math.abs(g - want[q]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[q]!))));
          }
        }
      }
    } finally {
      backend.set(was);
    }
  });

  it('kernelPath: direct on both backends (WebAssembly direct kernels on wasm); bad input → INVALID_ARGUMENT', () => {
    const was = backend.get();
    try {
      for (const be of backend.available() ? (['js', 'wasm'] as const) : (['js'] as const)) {
        backend.set(be);
        for (const [r, n, c] of [[500, 400, 800], [500, 50, 800], [10, 31, 500], [20, 2, 25], [7, 7, 7]]) expect(dress.kernelPath(r!, n!, c!)).toBe('direct');
      }
      for (const [r, n, c] of [[0, 1, 1], [1, 2, 1], [1.5, 1, 2], [NaN, 1, 1], [1, 1, -3]]) expect(errorCode(() => dress.kernelPath(r!, n!, c!))).toBe('INVALID_ARGUMENT');
      expect(errorCode(() => dress.packedRunner(model, packed, { path: 'gpu' as 'spmm' }))).toBe('INVALID_ARGUMENT');
    } finally {
      backend.set(was);
    }
  });

  it('switching is pure: a, b, a is bit-identical; buffers untouched by switches and rejected calls (invariant 6)', () => {
    const before = packed.layers.map((l) => [l.values.slice(), l.columns.slice()] as const);
    const a1 = runner.apply(x, 1).toTyped();
    runner.apply(x, 4);
    expect(errorCode(() => runner.apply(x, 9))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => dress.select([], 1))).toBe('INVALID_ARGUMENT');
    const a2 = runner.apply(x, 1).toTyped();
    expect(a2).toEqual(a1);
    packed.layers.forEach((l, i) => {
      expect(l.values).toEqual(before[i]![0]);
      expect(l.columns).toEqual(before[i]![1]);
    });
  });

  it('select: the densest that fits; none fits → the sparsest with fits: false; bad budgets → INVALID_ARGUMENT', () => {
    const profiles: dress.SubnetProfile[] = [10, 6, 4, 2, 1].map((ms, level) => ({ level, sparsity: 0, latencyMs: ms, bytes: 1000 >> level, macs: 0, nnz: 0 }));
    expect(dress.select(profiles, 5)).toMatchObject({ level: 2, fits: true });
    expect(dress.select(profiles, { latencyMs: 100, bytes: 200 })).toMatchObject({ level: 3, fits: true });
    expect(dress.select(profiles, 0.5)).toMatchObject({ level: 4, fits: false });
    expect(dress.select(profiles, 0)).toMatchObject({ level: 4, fits: false });
    for (const b of [NaN, -1, { latencyMs: NaN }, { bytes: -3 }, {}]) expect(errorCode(() => dress.select(profiles, b))).toBe('INVALID_ARGUMENT');
  });
});

describe('cost of row-sparse layers', () => {
  it('bytes = rows · kept · (4 + index bytes) and MACs = positions · rows · kept', async () => {
    const { cost } = await import('../../../src/index.js');
    expect(cost.rowSparseBytes(500, 50, 800)).toBe(150_000);
    expect(cost.rowSparseBytes(2, 3, 70_000)).toBe(48);
    expect(cost.rowSparseMacs(64, 500, 50)).toBe(1_600_000);
    expect(errorCode(() => cost.rowSparseBytes(-1, 2, 3))).toBe('INVALID_ARGUMENT');
    expect(dress.subnetBytes(packed, 2)).toBe(packed.layers.reduce((a, l) => a + cost.rowSparseBytes(l.rows, l.counts[2]!, l.cols), 0));
  });
});
