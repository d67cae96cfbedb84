// Shared fixtures of the p-Meta tests: a float64 MLP 2-4-3 learner with attention on the hidden
// layer and a fixed 3-way task, and element-wise comparison of parameter trees.
import { Tensor, astype, fromTyped, key, normal, pmeta, randint, tree, type Params } from '../../../src/index.js';

export const f64 = <T>(t: T): T => tree.map((x: unknown) => (x instanceof Tensor && (x.dtype === 'float32') ? astype(x, 'float64') : x), t as never) as T;

/** MLP 2-4-3 learner, K = 2, attention on the hidden layer, in float64. */
export function tinyLearner(over: Partial<pmeta.MetaLearnerOptions> = {}): { learner: pmeta.MetaLearner; meta: pmeta.MetaState } {
  const net = pmeta.mlpNet(2, [4, 3]);
  const learner = pmeta.metaLearner({ net, loss: 'crossEntropy', supportSize: 6, steps: 2, innerLr: 0.3, rho: 0.5, attention: [true, false], ...over });
  const st = learner.init(key(3));
  const meta = f64(st.meta);
  // Clear gaps between the attention logits keep the top-k sets fixed under finite differences.
  const om = meta.omega[0] as { fw: pmeta.AttentionParams; bw: pmeta.AttentionParams };
  meta.a = fromTyped(Float64Array.of(0.3, 0.25, 0.2, 0.35), [2, 2]);
  if (om.fw === undefined) return { learner, meta };
  om.fw.c2 = fromTyped(Float64Array.of(0.9, 0), [2]);
  om.bw.c2 = fromTyped(Float64Array.of(0, 1.2, 0.4, 2.0), [4]);
  om.fw.u1 = normal(key(5), [4, 2], { std: 0.3, dtype: 'float64' });
  om.fw.u2 = normal(key(6), [2, 4], { std: 0.3, dtype: 'float64' });
  om.bw.u1 = normal(key(7), [4, 4], { std: 0.3, dtype: 'float64' });
  om.bw.u2 = normal(key(8), [4, 4], { std: 0.3, dtype: 'float64' });
  om.fw.c1 = fromTyped(Float64Array.of(0.2, 0.1, 0.3, 0.05), [4]);
  om.bw.c1 = fromTyped(Float64Array.of(0.1, 0.25, 0.2, 0.3), [4]);
  return { learner, meta };
}

export function tinyTask(seed = 11): pmeta.MetaTask {
  const set = (k: number, n: number) => ({
    x: normal(key(seed + k), [n, 2], { dtype: 'float64' }),
    y: astype(randint(key(seed + k + 100), [n], 0, 3), 'int32'),
  });
  return { support: set(0, 6), query: set(1, 9) };
}

/** Largest |a − b| / max(1, |b|) over two parameter trees. */
export function maxRelDiff(a: unknown, b: unknown): number {
  const la = tree.leaves(a as Params) as Tensor[], lb = tree.leaves(b as Params) as Tensor[];
  let m = 0;
  la.forEach((t, i) => {
    const x = t.toTyped(), y = lb[i]!.toTyped();
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j]! - y[j]!) / Math.max(1, Math.abs(y[j]!)));
  });
  return m;
}

/** A deep copy of every tensor's bytes, to prove nothing was written. */
export function snapshot(t: unknown): Float64Array[] {
  return (tree.leaves(t as Params) as Tensor[]).map((x) => Float64Array.from(x.toTyped() as ArrayLike<number>));
}
