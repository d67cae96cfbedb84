// Spec §9 invariants 1–3 on a real integer training run: no float parameter copy between steps
// (QAT fails the same walk), integer-only checkpoints, every q on its grid, b within its limits
// and changing only at interval boundaries by at most one bit.
import { describe, expect, it } from 'vitest';
import { applyUpdates, crossEntropy, data as dataNs, foldIn, key, loadTree, rct, sgd, Tensor, valueAndGrad, type Params } from '../../../src/index.js';
import { blobs, smallRun } from './helpers.js';

const data = blobs(96, key(1));
const batch = (i: number) => dataNs.take(data, Array.from({ length: 32 }, (_, j) => (i % 3) * 32 + j));
const minTensor = (st: rct.RctState): number => Math.min(...Object.values(st.params).map((t) => t.q.length));

describe('§9 No. 1: no float parameter copy', () => {
  it('between steps the state holds only integer arrays and numbers; QAT holds a float master', () => {
    const { cfg, st } = smallRun({ momentum: 0.9 });
    for (let s = 0; s < 12; s++) {
      rct.trainStep(cfg, st, batch(s), foldIn(key(5), s));
      expect(rct.floatBuffers(st, minTensor(st))).toEqual([]);
      for (const t of Object.values(st.params)) {
        expect(t.q instanceof Int8Array || t.q instanceof Int16Array || t.q instanceof Int32Array).toBe(true);
        expect(Number.isInteger(t.b) && Number.isInteger(t.f)).toBe(true);
      }
    }
    // The QAT baseline (spec §7): float master weights, an STE-quantised 8-bit copy in the forward pass.
    const { net } = smallRun();
    const params = net.float.init(key(0), [2]).params;
    const opt = sgd(0.1);
    const b = batch(0);
    const [, g] = valueAndGrad((p: Params) => crossEntropy(net.float.apply(rct.qatView(p, 8), b.x), b.y))(params);
    const [u, optState] = opt.update(g, opt.init(params), params);
    const qat = { params: applyUpdates(params, u), optState };
    const found = rct.floatBuffers(qat, minTensor(st));
    expect(found.map((f) => f.length).sort((x, y) => x - y)).toEqual([3, 16, 32, 48]); // every tensor has a float master
  });

  it('a checkpoint holds only integer dtypes and reloads to the same integers', () => {
    const { cfg, st } = smallRun({ momentum: 0.5 });
    for (let s = 0; s < 7; s++) rct.trainStep(cfg, st, batch(s), foldIn(key(5), s));
    const bytes = rct.saveState(st);
    const raw = loadTree(bytes).tree;
    const dtypes: string[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof Tensor) dtypes.push(v.dtype);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(raw);
    expect(dtypes.length).toBeGreaterThan(0);
    for (const d of dtypes) expect(['int8', 'int32']).toContain(d);
    const back = rct.loadState(bytes);
    for (const [p, t] of Object.entries(st.params)) {
      expect(back.params[p]!.b).toBe(t.b);
      expect(back.params[p]!.f).toBe(t.f);
      expect(back.params[p]!.q.constructor).toBe(t.q.constructor);
      expect(Array.from(back.params[p]!.q)).toEqual(Array.from(t.q));
    }
    expect(back.step).toBe(st.step);
    // Resuming from the checkpoint continues bit for bit.
    rct.trainStep(cfg, st, batch(7), foldIn(key(5), 7));
    rct.trainStep(cfg, back, batch(7), foldIn(key(5), 7));
    for (const [p, t] of Object.entries(st.params)) expect(Array.from(back.params[p]!.q)).toEqual(Array.from(t.q));
  });
});

describe('§9 No. 2–3: on-grid values, bounds and rate of bit changes', () => {
  it('every q stays on its grid; b stays in its limits and changes only at boundaries, by ≤ 1', () => {
    const { cfg, st } = smallRun({ learningRate: 0.4, controller: { interval: 4, rangeGuard: true } });
    let prev = Object.fromEntries(Object.entries(st.params).map(([p, t]) => [p, t.b]));
    let changed = 0;
    for (let s = 0; s < 40; s++) {
      rct.trainStep(cfg, st, batch(s), foldIn(key(7), s));
      for (const [p, t] of Object.entries(st.params)) {
        const hi = 2 ** (t.b - 1) - 1;
        let off = 0;
        for (const v of t.q) if (!Number.isInteger(v) || Math.abs(v) > hi) off++;
        expect(off).toBe(0);
        const w = rct.dequantize(t);
        for (let i = 0; i < w.length; i++) expect(w[i]).toBe(t.q[i]! / 2 ** t.f);
        const lim = t.shape.length >= 2 ? cfg.controller.bits.weight : cfg.controller.bits.bias;
        expect(t.b).toBeGreaterThanOrEqual(lim.bMin);
        expect(t.b).toBeLessThanOrEqual(lim.bMax);
        const d = Math.abs(t.b - prev[p]!);
        if ((s + 1) % 4 !== 0) expect(d).toBe(0);
        else expect(d).toBeLessThanOrEqual(2);
        changed += d;
      }
      prev = Object.fromEntries(Object.entries(st.params).map(([p, t]) => [p, t.b]));
    }
    expect(changed).toBeGreaterThan(0); // the controller did act in this run
  });
});
