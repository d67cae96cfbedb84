// skipNotFinite: a NaN/Inf step changes nothing and is counted; too many in a row throw.
import { describe, expect, it } from 'vitest';
import { adam, applyUpdates, isNumError, loadTree, saveTree, skipNotFinite, tensor } from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

describe('skipNotFinite', () => {
  const params = { w: tensor([1, 2]) };
  const good = { w: tensor([0.5, -0.5]) };
  const bad = { w: tensor([NaN, 1]) };
  const inf = { w: tensor([1, -Infinity]) };

  it('skips non-finite steps without touching params or inner state, and counts them', () => {
    const opt = skipNotFinite(adam(0.1), { maxConsecutive: 2 });
    const ref = adam(0.1);
    let s = opt.init(params), r = ref.init(params);
    let p = params, q = params;
    for (const g of [good, bad, good, inf, bad, good]) {
      const [u, s2] = opt.update(g, s, p);
      s = s2; p = applyUpdates(p, u) as typeof params;
      if (g === good) { const [v, r2] = ref.update(g, r, q); r = r2; q = applyUpdates(q, v) as typeof params; }
    }
    expect(p.w.toArray()).toEqual(q.w.toArray());
    expect(s.notFiniteCount).toBe(0);
    expect(s.totalNotFinite).toBe(3);
    const back = loadTree(saveTree(s)).tree as unknown as typeof s;
    expect(back.totalNotFinite).toBe(3);
  });

  it('throws OUT_OF_RANGE after maxConsecutive consecutive skips', () => {
    const opt = skipNotFinite(adam(0.1), { maxConsecutive: 2 });
    let s = opt.init(params);
    s = opt.update(bad, s, params)[1];
    s = opt.update(inf, s, params)[1];
    expect(s.notFiniteCount).toBe(2);
    try { opt.update(bad, s, params); expect.unreachable(); } catch (e) { expect(isNumError(e) && e.code).toBe('OUT_OF_RANGE'); }
    const [u] = opt.update(good, s, params);
    expect([...(u as { w: Tensor }).w.toTyped()].every((x) => Number.isFinite(x))).toBe(true);
  });

  it('rejects bad arguments with NumError', () => {
    for (const f of [() => skipNotFinite({} as never), () => skipNotFinite(adam(0.1), { maxConsecutive: -1 }), () => skipNotFinite(adam(0.1)).update(good, {} as never)]) {
      expect(() => f()).toThrow(expect.objectContaining({ name: 'NumError' }));
    }
  });
});
