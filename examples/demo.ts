// edgegrad demo: trains a small two-layer network on a two-spirals problem with nothing but
// tensors, grad and a hand-written SGD step, and shows progress. (The training-stack issue
// replaces this with LeNet5 on MNIST.) Run: npm run demo
import {
  add, argmax, crossEntropyDemo, equal, key, matmul, mean, normal, relu, split, tensor, tree, valueAndGrad,
  type Params, type Tensor,
} from './demo-lib.js';

interface Mlp { [name: string]: Tensor; w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }

function init(k: ReturnType<typeof key>, hidden: number): Mlp {
  const [k1, k2] = split(k, 2) as [ReturnType<typeof key>, ReturnType<typeof key>];
  return {
    w1: normal(k1, [2, hidden], { std: Math.sqrt(2 / 2) }),
    b1: tensor(new Float32Array(hidden)),
    w2: normal(k2, [hidden, 2], { std: Math.sqrt(2 / hidden) }),
    b2: tensor(new Float32Array(2)),
  };
}

function forward(p: Mlp, x: Tensor): Tensor {
  return add(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);
}

/** Two interleaved spirals, n points per class, deterministic. */
function spirals(n: number): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const r = 0.1 + (0.9 * i) / n;
      const th = 3.5 * Math.PI * (i / n) + c * Math.PI;
      xs.push(r * Math.cos(th), r * Math.sin(th));
      ys.push(c);
    }
  }
  return { x: tensor(xs, { shape: [2 * n, 2] }), y: tensor(ys, { dtype: 'int32' }) };
}

function bar(frac: number, width = 24): string {
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

const epochs = Number(process.argv.find((a) => a.startsWith('--epochs='))?.slice(9) ?? 400);
const { x, y } = spirals(200);
let params = init(key(0), 64);
const lossFn = (p: Mlp) => crossEntropyDemo(forward(p, x), y);
const step = valueAndGrad(lossFn);
const lr = 0.5;
const t0 = Date.now();
console.log(`edgegrad demo: 2-layer MLP (2→64→2) on two spirals, ${x.shape[0]} points, full-batch SGD lr=${lr}`);
for (let e = 1; e <= epochs; e++) {
  const [loss, g] = step(params);
  params = tree.map((w: Tensor, d: Tensor) => w.sub(d.mul(lr)), params as Params, g as Params) as Mlp;
  if (e % 20 === 0 || e === 1 || e === epochs) {
    const acc = mean(equal(argmax(forward(params, x), { axis: 1 }), y).astype('float32')).item();
    process.stdout.write(`\r${bar(e / epochs)} epoch ${String(e).padStart(4)}/${epochs}  loss ${loss.item().toFixed(4)}  acc ${(100 * acc).toFixed(1)}%  ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}
process.stdout.write('\n');
const finalAcc = mean(equal(argmax(forward(params, x), { axis: 1 }), y).astype('float32')).item();
console.log(`final training accuracy: ${(100 * finalAcc).toFixed(1)}%`);
if (finalAcc < 0.9) {
  console.error('demo: accuracy below 90%, something is wrong');
  process.exit(1);
}
