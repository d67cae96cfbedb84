import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classIndex, sampleTask } from '../../src/data/index.js';
import type { Dataset, Task } from '../../src/data/index.js';
import { fromTyped } from '../../src/tensor/create.js';
import { foldIn, key } from '../../src/random.js';
import { errorCode } from '../helpers.js';

const code = errorCode;

/** `perClass[c]` examples of label `labels[c]`, interleaved; x row i is [i, i, i] (the example id). */
function make(perClass: readonly number[], labels: readonly number[] = perClass.map((_, c) => c * 3 + 1)): Dataset {
  const ys: number[] = [];
  const left = [...perClass];
  while (left.some((v) => v > 0)) {
    left.forEach((v, c) => {
      if (v > 0) { ys.push(labels[c]!); left[c] = v - 1; }
    });
  }
  const x = new Float32Array(ys.length * 3);
  ys.forEach((_, i) => x.fill(i, 3 * i, 3 * i + 3));
  return { x: fromTyped(x, [ys.length, 3]), y: fromTyped(Int32Array.from(ys), [ys.length]) };
}

function ids(d: Dataset): number[] {
  const xd = d.x.toTyped();
  return Array.from({ length: d.x.shape[0]! }, (_, i) => xd[3 * i]!);
}

function check(ds: Dataset, t: Task, ways: number, shots: number, queries: number): void {
  expect(t.support.x.shape).toEqual([ways * shots, 3]);
  expect(t.query.x.shape).toEqual([ways * queries, 3]);
  expect(t.support.y.dtype).toBe('int32');
  const sy = Array.from(t.support.y.toTyped());
  const qy = Array.from(t.query.y.toTyped());
  for (let j = 0; j < ways; j++) {
    expect(sy.filter((v) => v === j).length).toBe(shots);
    expect(qy.filter((v) => v === j).length).toBe(queries);
  }
  for (const v of [...sy, ...qy]) expect(v >= 0 && v < ways).toBe(true);
  expect(new Set(t.classes).size).toBe(ways);
  // Every example carries the original label of its task class, and no example repeats.
  const orig = ds.y.toTyped();
  const s = ids(t.support), q = ids(t.query);
  s.forEach((id, i) => expect(orig[id]).toBe(t.classes[sy[i]!]));
  q.forEach((id, i) => expect(orig[id]).toBe(t.classes[qy[i]!]));
  expect(new Set([...s, ...q]).size).toBe(s.length + q.length);
}

describe('classIndex', () => {
  it('groups example indices by label', () => {
    const ds = make([2, 3], [5, -1]);
    const idx = classIndex(ds);
    expect(Array.from(idx.classes)).toEqual([-1, 5]);
    expect(idx.members.map((m) => Array.from(m))).toEqual([[1, 3, 4], [0, 2]]);
    expect(idx.minCount).toBe(2);
  });
});

describe('sampleTask', () => {
  it('has the right shapes, labels, per-class counts and disjoint support / query (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 }), fc.nat({ max: 10_000 }),
      fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }),
      (extra, seed, waysWanted, shots, queries) => {
        const ds = make(extra.map((e) => e + shots + queries));
        const ways = Math.min(waysWanted, extra.length);
        const opts = { ways, shots, queries };
        const t = sampleTask(key(seed), classIndex(ds), opts);
        check(ds, t, ways, shots, queries);
        const again = sampleTask(key(seed), ds, opts); // plain dataset: same task
        expect(ids(again.support)).toEqual(ids(t.support));
        expect(ids(again.query)).toEqual(ids(t.query));
        expect(again.classes).toEqual(t.classes);
      },
    ));
  });

  it('is deterministic per key and varies across keys', () => {
    const ds = make([30, 30, 30, 30, 30, 30, 30, 30, 30, 30]);
    const idx = classIndex(ds);
    const opts = { ways: 5, shots: 2, queries: 3 };
    const a = sampleTask(key(1), idx, opts);
    expect(ids(sampleTask(key(1), idx, opts).support)).toEqual(ids(a.support));
    const distinct = new Set<string>();
    for (let t = 0; t < 20; t++) distinct.add(ids(sampleTask(foldIn(key(1), t), idx, opts).support).join());
    expect(distinct.size).toBe(20);
    // Every class gets picked sometimes and examples come from the whole class.
    const seenClasses = new Set<number>();
    const seenIds = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const task = sampleTask(foldIn(key(2), t), idx, opts);
      task.classes.forEach((c) => seenClasses.add(c));
      ids(task.support).forEach((i) => seenIds.add(i));
    }
    expect(seenClasses.size).toBe(10);
    expect(seenIds.size).toBeGreaterThan(250);
  });

  it('validates', () => {
    const ds = make([5, 5, 3]);
    expect(code(() => sampleTask(key(0), ds, { ways: 2, shots: 2, queries: 2 }))).toBe('OUT_OF_RANGE');
    expect(code(() => sampleTask(key(0), ds, { ways: 4, shots: 1, queries: 1 }))).toBe('OUT_OF_RANGE');
    expect(code(() => sampleTask(key(0), ds, { ways: 0, shots: 1, queries: 1 }))).toBe('OUT_OF_RANGE');
    expect(code(() => sampleTask(key(0), ds, { ways: 1, shots: 0.5, queries: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => sampleTask(key(0), ds, { ways: 3, shots: 2, queries: 1 }))).toBeUndefined();
  });
});

describe('sampleTask on MNIST', () => {
  it('samples 5-way 1-shot 15-query image tasks', async () => {
    const { loadMnist } = await import('../../src/node/mnist.js');
    const { train } = loadMnist();
    const idx = classIndex(train);
    expect(Array.from(idx.classes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const t = sampleTask(key(0), idx, { ways: 5, shots: 1, queries: 15 });
    expect(t.support.x.shape).toEqual([5, 1, 28, 28]);
    expect(t.query.x.shape).toEqual([75, 1, 28, 28]);
    expect(Array.from(t.support.y.toTyped())).toEqual([0, 1, 2, 3, 4]);
  });
});
