// Tree utilities: leaves, paths, flatten/unflatten round trip, map with structure checks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor, tree, isNumError, type Tensor } from '../src/index.js';
import { thrown } from './helpers.js';

const arbTree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'weight', 'bias'), tie('node'), { maxKeys: 3 }),
    fc.constant(null),
  ),
})).node;

describe('tree', () => {
  it('names leaves PyTorch-style', () => {
    const w = tensor([1]);
    const params = { features: [{ weight: w, bias: w }, {}, { weight: w }], head: { w } };
    expect(tree.paths(params)).toEqual(['features.0.weight', 'features.0.bias', 'features.2.weight', 'head.w']);
    expect(tree.leaves(params).length).toBe(4);
    expect(tree.paths(w)).toEqual(['']);
  });

  it('flatten/unflatten round-trips any tree', () => {
    fc.assert(fc.property(arbTree, (t) => {
      const [ls, def] = tree.flatten(t as tree.Tree<unknown>);
      expect(tree.unflatten(def, ls)).toEqual(t);
      expect(ls).toEqual(tree.leaves(t as tree.Tree<unknown>));
      expect(tree.paths(t as tree.Tree<unknown>).length).toBe(ls.length);
    }), { numRuns: 200 });
  });

  it('map over several trees checks structure and names the path', () => {
    const a = { x: [tensor([1]), tensor([2])] };
    const b = { x: [tensor([10]), tensor([20])] };
    const s = tree.map((p: Tensor, q: Tensor) => p.add(q), a, b) as { x: Tensor[] };
    expect(s.x[1]!.toArray()).toEqual([22]);
    const e = thrown(() => tree.map((p: Tensor, q: Tensor) => p.add(q), a, { x: [tensor([1])] }));
    expect(isNumError(e) && e.code).toBe('STRUCTURE_MISMATCH');
    expect(e.message).toMatch(/^tree.map: trees differ at 'x'; expected an array of length 2/);
    const e2 = thrown(() => tree.map((p: Tensor) => p, a, { y: [tensor([1]), tensor([1])] }));
    expect(e2.message).toMatch(/keys \{x\}/);
    expect(tree.mapWithPath((path, v: number) => `${path}=${v}`, { a: [1] })).toEqual({ a: ['a.0=1'] });
  });

  it('unflatten rejects the wrong number of leaves', () => {
    const [, def] = tree.flatten({ a: 1, b: 2 });
    expect(thrown(() => tree.unflatten(def, [1])).message).toMatch(/^tree.unflatten: wrong number of leaves; expected 2, got 1$/);
  });
});
