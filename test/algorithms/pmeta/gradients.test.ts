// §7 invariants 9 and 10: second-order meta-gradients of p-Meta with respect to θ, the rate table
// a and the attention parameters ω against float64 central differences (MLP 2-4-3, attention on
// the hidden layer, K = 2, ε = 1e-3, relative error < 1e-4), and the first-order option.
import { describe, expect, it } from 'vitest';
import { Tensor, grad, noGrad, pmeta, tree, type Params } from '../../../src/index.js';
import { maxRelDiff, tinyLearner, tinyTask } from './helpers.js';

type Lp = { theta: Params[]; a?: Tensor; omega: Params[] };

/** Worst relative error between grad(J) and central differences over the leaves under `part`. */
function check(learner: pmeta.MetaLearner, meta: pmeta.MetaState, task: pmeta.MetaTask, part: 'theta' | 'a' | 'omega'): { rel: number; nonzero: number } {
  const cfg = learner.config;
  const lp = pmeta.learnables(cfg, meta) as Lp;
  const J = (p: Params): Tensor => pmeta.metaObjective(cfg, meta, p, [task]).loss;
  const g = grad(J)(lp) as unknown as Lp;
  const eps = 1e-3;
  const leaves = tree.leaves(lp[part] as Params) as Tensor[];
  const gl = tree.leaves(g[part] as Params) as Tensor[];
  let rel = 0, nonzero = 0;
  leaves.forEach((t, li) => {
    const d = t.data as Float64Array;
    const an = gl[li]!.toTyped();
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      d[i] = v + eps;
      const fp = noGrad(() => J(lp).item());
      d[i] = v - eps;
      const fm = noGrad(() => J(lp).item());
      d[i] = v;
      const num = (fp - fm) / (2 * eps);
      if (Math.abs(num) > 1e-8) nonzero++;
      rel = Math.max(rel, Math.abs(an[i]! - num) / Math.max(Math.abs(num), 1e-3));
    }
  });
  return { rel, nonzero };
}

describe('second-order meta-gradients (MLP 2-4-3, K = 2, attention on the hidden layer)', () => {
  const { learner, meta } = tinyLearner();
  const task = tinyTask();

  it('the hidden layer keeps 1 of 2 input and 2 of 4 output channels at both steps', () => {
    const r = pmeta.adapt(learner, meta, task.support, { form: 'dense' });
    expect(r.selections.length).toBe(2);
    for (const s of r.selections) {
      expect(s[0]!.fw.length).toBe(1);
      expect(s[0]!.bw.length).toBe(2);
      expect(s[1]!.fw.length).toBe(4);
    }
  });

  for (const part of ['theta', 'a', 'omega'] as const) {
    it(`w.r.t. ${part} match central differences (rel err < 1e-4)`, () => {
      const { rel, nonzero } = check(learner, meta, task, part);
      expect(nonzero).toBeGreaterThan(0);
      expect(rel).toBeLessThan(1e-4);
    });
  }

  it('MAML (fixed rates, no attention): w.r.t. θ match central differences', () => {
    const m = tinyLearner({ method: 'maml', attention: [false, false] });
    const { rel } = check(m.learner, m.meta, task, 'theta');
    expect(rel).toBeLessThan(1e-4);
  });

  it('second order differs from first order on the same point', () => {
    const fo = tinyLearner({ firstOrder: true });
    const cfg = learner.config;
    const g2 = grad((p: Params) => pmeta.metaObjective(cfg, meta, p, [task]).loss)(pmeta.learnables(cfg, meta)) as unknown as Lp;
    const g1 = grad((p: Params) => pmeta.metaObjective(fo.learner.config, fo.meta, p, [task]).loss)(pmeta.learnables(fo.learner.config, fo.meta)) as unknown as Lp;
    expect(maxRelDiff(g1.theta, g2.theta)).toBeGreaterThan(1e-4);
  });
});

describe('first-order option (invariant 10)', () => {
  const task = tinyTask(21);

  it('grad_θ equals FOMAML: the query gradient at the adapted parameters', () => {
    const { learner, meta } = tinyLearner({ firstOrder: true });
    const cfg = learner.config;
    const g = grad((p: Params) => pmeta.metaObjective(cfg, meta, p, [task]).loss)(pmeta.learnables(cfg, meta)) as unknown as Lp;
    const adapted = pmeta.adapt(learner, meta, task.support, { form: 'dense' }).theta;
    const gq = grad((th: Params[]) => pmeta.taskLoss(cfg, pmeta.forwardDense(cfg, th, meta.bnStats, task.query.x), task.query.y))(adapted);
    expect(maxRelDiff(g.theta, gq)).toBeLessThan(1e-10);
  });

  it('grad_a and grad_ω are nonzero and, for K = 1 (inner inputs independent of a, ω), match central differences', () => {
    const { learner, meta } = tinyLearner({ firstOrder: true, steps: 1 });
    meta.a = pmeta.finalize(learner, { ...meta, a: meta.a }).a; // same values, already above τ
    const sliced = { ...meta, a: new Tensor(meta.a.data.slice(0, 2), [1, 2], 'float64') };
    for (const part of ['a', 'omega'] as const) {
      const { rel, nonzero } = check(learner, sliced, task, part);
      expect(nonzero).toBeGreaterThan(0);
      expect(rel).toBeLessThan(1e-4);
    }
  });
});
