// Bad input → NumError with the codes; a non-finite loss or rate changes no integer.
import { describe, expect, it } from 'vitest';
import { fromTyped, key, rct } from '../../../src/index.js';
import { errorCode } from '../../helpers.js';
import { blobs, smallRun } from './helpers.js';

const snapshot = (st: rct.RctState) => Object.values(st.params).map((t) => Array.from(t.q));

describe('rct bad input', () => {
  it('INVALID_ARGUMENT: b_min > b_max, bits outside [2, 32], T_max/T_min ≤ 2, bad options', () => {
    expect(errorCode(() => rct.bitwidthController({ bits: { weight: { bMin: 12, bMax: 8 } } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.bitwidthController({ bits: { bias: { bMax: 40 } } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.bitwidthController({ bits: { weight: { bMin: 1 } } }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.bitwidthController({ tMin: 1, tMax: 2 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.bitwidthController({ tMin: 2, tMax: 3 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.bitwidthController({ interval: 0 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.optimizer({ learningRate: 0.1, rounding: 'up' as 'nearest' }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.optimizer({ learningRate: 0.1, momentum: 1 }))).toBe('INVALID_ARGUMENT');
    expect(errorCode(() => rct.config(rct.mlp(2, [3]), { learningRate: 0.1, actBits: 40 }))).toBe('INVALID_ARGUMENT');
    expect(rct.bitwidthController({ tMin: 1, tMax: 2.01 }).tMax).toBe(2.01);
  });

  it('STATE_MISMATCH: a container too narrow for b or a q off its grid', () => {
    const { cfg, st } = smallRun();
    const batch = blobs(8, key(1));
    const w = st.params['0.weight']!;
    st.params['0.weight'] = { ...w, b: 12 }; // Int8Array cannot hold 12 bits
    expect(errorCode(() => rct.trainStep(cfg, st, batch, key(2)))).toBe('STATE_MISMATCH');
    const q = Int8Array.from(w.q); q[3] = 127;
    st.params['0.weight'] = { ...w, q, b: 6 }; // |q| > 31
    expect(errorCode(() => rct.trainStep(cfg, st, batch, key(2)))).toBe('STATE_MISMATCH');
    expect(errorCode(() => rct.evaluate(cfg, st.params, [batch]))).toBe('STATE_MISMATCH');
  });

  it('OUT_OF_RANGE before any q is written: a non-finite loss, learning rate or gradient', () => {
    const { cfg, st } = smallRun();
    const batch = blobs(8, key(1));
    const before = snapshot(st);
    const bad = Float32Array.from(batch.x.toTyped() as Float32Array); bad[5] = Number.NaN;
    expect(errorCode(() => rct.trainStep(cfg, st, { x: fromTyped(bad, [8, 2]), y: batch.y }, key(2)))).toBe('OUT_OF_RANGE');
    expect(snapshot(st)).toEqual(before);
    const inf = Float32Array.from(batch.x.toTyped() as Float32Array); inf[0] = Number.POSITIVE_INFINITY;
    expect(errorCode(() => rct.trainStep(cfg, st, { x: fromTyped(inf, [8, 2]), y: batch.y }, key(2)))).toBe('OUT_OF_RANGE');
    expect(snapshot(st)).toEqual(before);
    const r2 = smallRun({ learningRate: () => Number.NaN });
    const b2 = snapshot(r2.st);
    expect(errorCode(() => rct.trainStep(r2.cfg, r2.st, batch, key(2)))).toBe('OUT_OF_RANGE');
    expect(snapshot(r2.st)).toEqual(b2);
    const opt = rct.optimizer({ learningRate: 0.1 });
    const qp = { a: rct.quantizeTensor(fromTyped(new Float32Array([0.5, 0.25]), [1, 2]), 8), b: rct.quantizeTensor(fromTyped(new Float32Array([0.5]), [1]), 8) };
    const qa = Array.from(qp.a.q);
    expect(errorCode(() => opt.apply(qp, { a: [0.1, 0.2], b: [Number.NaN] }, opt.init(qp), { step: 0 }))).toBe('OUT_OF_RANGE');
    expect(Array.from(qp.a.q)).toEqual(qa); // the earlier tensor was not touched either
  });
});
