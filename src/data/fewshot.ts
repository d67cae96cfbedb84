/**
 * Few-shot tasks: N-way K-shot episodes for meta-learning (MAML, p-Meta). A task draws `ways`
 * distinct classes and, from each, `shots + queries` distinct examples, all without replacement
 * and all from one explicit key. Labels are remapped to `0 … ways−1` in the order the classes were
 * drawn. Precompute {@link classIndex} once so that each {@link sampleTask} costs O(task size).
 */
import { NumError, describe } from '../errors.js';
import { foldIn, split, uniform } from '../random.js';
import type { Key } from '../random.js';
import { fromTyped } from '../tensor/create.js';
import type { Dataset } from './dataset.js';
import { gatherRows, rowsOf } from './dataset.js';
import { checkCount } from '../validate.js';

/**
 * The examples of each class of a dataset, from {@link classIndex}.
 *
 * @example
 * ```ts
 * const idx = classIndex(train);
 * idx.classes;           // Int32Array [0, 1, …, 9]
 * idx.members[3]!.length; // number of examples of class idx.classes[3]
 * ```
 */
export interface ClassIndex {
  /** The indexed dataset (x and y made contiguous if they were strided views). */
  readonly dataset: Dataset;
  /** Distinct labels, ascending. */
  readonly classes: Int32Array;
  /** `members[c]`: the example indices of label `classes[c]`, ascending. */
  readonly members: readonly Int32Array[];
  /** Size of the smallest class (0 for an empty dataset). */
  readonly minCount: number;
}

/**
 * Options of {@link sampleTask}.
 *
 * @example
 * ```ts
 * const opts: TaskOptions = { ways: 5, shots: 1, queries: 15 };
 * ```
 */
export interface TaskOptions {
  /** Number of classes per task (N), at least 1 and at most the number of classes. */
  ways: number;
  /** Support examples per class (K), at least 1. */
  shots: number;
  /** Query examples per class, at least 0. */
  queries: number;
}

/**
 * A sampled task: `support` holds `ways·shots` and `query` `ways·queries` examples with labels
 * `0 … ways−1`, grouped by class (class 0's examples first). `classes[j]` is the original label of
 * task label `j`.
 *
 * @example
 * ```ts
 * const { support, query, classes } = sampleTask(key(0), idx, { ways: 5, shots: 1, queries: 15 });
 * ```
 */
export interface Task {
  support: Dataset;
  query: Dataset;
  classes: Int32Array;
}

/**
 * Groups the examples of a dataset by label, once (O(N)), so that {@link sampleTask} is O(task size).
 *
 * @throws {NumError} for a malformed dataset.
 * @example
 * ```ts
 * const train = { x: zeros([200, 1, 28, 28]), y: tensor(Array.from({ length: 200 }, (_, i) => i % 10), { dtype: 'int32' }) };
 * const idx = classIndex(train);
 * for (let t = 0; t < 3; t++) sampleTask(foldIn(key(0), t), idx, { ways: 5, shots: 5, queries: 15 });
 * ```
 */
export function classIndex(ds: Dataset): ClassIndex {
  const rows = rowsOf('classIndex', ds);
  const labels = rows.labels;
  const counts = new Map<number, number>();
  for (let i = 0; i < rows.n; i++) {
    const c = labels[i]!;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const classes = Int32Array.from(counts.keys()).sort();
  const slot = new Map<number, number>();
  const members = Array.from(classes, (c, j) => {
    slot.set(c, j);
    return new Int32Array(counts.get(c)!);
  });
  const fill = new Int32Array(classes.length);
  for (let i = 0; i < rows.n; i++) {
    const j = slot.get(labels[i]!)!;
    members[j]![fill[j]!++] = i;
  }
  const minCount = members.reduce((m, a) => Math.min(m, a.length), Infinity);
  // Contiguous x and whole-buffer y make rowsOf(dataset) O(1) in sampleTask.
  const x = ds.x.isContiguous() ? ds.x : fromTyped(rows.data, ds.x.shape, { dtype: rows.dtype });
  const y = labels === ds.y.data ? ds.y : fromTyped(labels, [rows.n]);
  return { dataset: { x, y }, classes, members, minCount: classes.length === 0 ? 0 : minCount };
}

function isClassIndex(v: Dataset | ClassIndex): v is ClassIndex {
  return 'members' in v && 'classes' in v && 'dataset' in v;
}

/**
 * The first `m` entries of a partial Fisher–Yates shuffle of `0 … n−1`: `m` distinct values,
 * uniformly chosen and ordered, in O(m) time and memory. Step `i` swaps slot `i` with
 * `i + floor(u_i·(n − i))`, where `u_i` is element `i` of a float64 {@link uniform} sample of the
 * key (bias below `n·2^-52`).
 */
function choose(k: Key, n: number, m: number): Int32Array {
  const u = uniform(k, [m], { dtype: 'float64' }).data;
  const out = new Int32Array(m);
  const moved = new Map<number, number>();
  for (let i = 0; i < m; i++) {
    const r = n - i;
    const j = i + Math.min(r - 1, Math.floor(u[i]! * r));
    const vj = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    out[i] = vj;
  }
  return out;
}

/**
 * Samples an N-way K-shot task. With `[kc, ke] = split(k)`, the classes are the first `ways` of a
 * partial shuffle of the class list drawn with `kc`; the examples of task class `j` are the first
 * `shots + queries` of a partial shuffle of that class's examples drawn with `foldIn(ke, j)`: the
 * first `shots` go to the support set, the next `queries` to the query set, so the two are
 * disjoint. The same key always gives the same task. Pass a {@link classIndex} for O(task size)
 * sampling; a plain dataset is indexed on every call (O(N)).
 *
 * @throws {NumError} `OUT_OF_RANGE` when `ways` exceeds the number of classes or when any class
 *   has fewer than `shots + queries` examples (checked over all classes, so success does not
 *   depend on the key); `INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const train = { x: zeros([200, 1, 28, 28]), y: tensor(Array.from({ length: 200 }, (_, i) => i % 10), { dtype: 'int32' }) };
 * const idx = classIndex(train);
 * const task = sampleTask(key(0), idx, { ways: 5, shots: 1, queries: 15 });
 * task.support.x.shape; // [5, 1, 28, 28]
 * task.query.y.shape;   // [75], labels in 0..4
 * ```
 */
export function sampleTask(k: Key, ds: Dataset | ClassIndex, opts: TaskOptions): Task {
  const op = 'sampleTask';
  if (ds === null || typeof ds !== 'object') {
    throw new NumError('INVALID_ARGUMENT', op, 'ds must be a dataset or a class index', 'Dataset | ClassIndex', describe(ds));
  }
  if (opts === null || typeof opts !== 'object') {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', '{ways, shots, queries}', describe(opts));
  }
  const index = isClassIndex(ds) ? ds : classIndex(ds);
  const nClasses = index.classes.length;
  const ways = checkCount(op, 'ways', opts.ways, 1);
  const shots = checkCount(op, 'shots', opts.shots, 1);
  const queries = checkCount(op, 'queries', opts.queries, 0);
  if (ways > nClasses) {
    throw new NumError('OUT_OF_RANGE', op, 'ways exceeds the number of classes', `ways <= ${nClasses}`, String(ways));
  }
  const per = shots + queries;
  if (index.minCount < per) {
    const c = index.members.findIndex((m) => m.length < per);
    throw new NumError('OUT_OF_RANGE', op, `class ${index.classes[c]} has too few examples for shots + queries`,
      `>= ${per} examples per class`, `${index.minCount} examples`);
  }
  const [kc, ke] = split(k);
  const chosen = choose(kc!, nClasses, ways);
  const sIdx = new Int32Array(ways * shots);
  const qIdx = new Int32Array(ways * queries);
  const sLab = new Int32Array(ways * shots);
  const qLab = new Int32Array(ways * queries);
  const classes = new Int32Array(ways);
  for (let j = 0; j < ways; j++) {
    const c = chosen[j]!;
    classes[j] = index.classes[c]!;
    const members = index.members[c]!;
    const pick = choose(foldIn(ke!, j), members.length, per);
    for (let s = 0; s < shots; s++) {
      sIdx[j * shots + s] = members[pick[s]!]!;
      sLab[j * shots + s] = j;
    }
    for (let q = 0; q < queries; q++) {
      qIdx[j * queries + q] = members[pick[shots + q]!]!;
      qLab[j * queries + q] = j;
    }
  }
  const rows = rowsOf(op, index.dataset);
  return {
    support: { x: gatherRows(rows, sIdx, 0, sIdx.length), y: fromTyped(sLab, [sLab.length]) },
    query: { x: gatherRows(rows, qIdx, 0, qIdx.length), y: fromTyped(qLab, [qLab.length]) },
    classes,
  };
}
