// The README's tour, as a script that runs (npx tsx examples/tour.ts) and type-checks in CI.
import {
  grad, key, matmul, mul, normal, split, sum, tanh, tensor, tree, valueAndGrad, zeros, type Tensor,
} from '../src/index.js';

const x = tensor([[1, 2, 3], [4, 5, 6]]);
console.log('transpose is a view:', x.transpose().shape, x.transpose().data === x.data);
console.log('row sums:', x.sum({ axis: 1 }).toArray());
console.log('x·xᵀ:', matmul(x, x.transpose()).toArray());

const f = (v: Tensor) => sum(tanh(v));
console.log('grad:', grad(f)(x).toArray());
console.log('second derivative:', grad((v: Tensor) => sum(grad(f)(v)))(x).toArray());

const [k1] = split(key(0), 2);
const params = { w: normal(k1!, [3, 2]), b: zeros([2]) };
const loss = (p: typeof params) => sum(mul(matmul(x, p.w), p.b.add(1)));
const [value, grads] = valueAndGrad(loss)(params);
const next = tree.map((p: Tensor, g: Tensor) => p.sub(g.mul(0.1)), params, grads);
console.log('loss:', value.item(), 'paths:', tree.paths(next));
