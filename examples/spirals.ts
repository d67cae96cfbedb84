// Example: trains a small MLP on a two-spirals problem with nothing but tensors, grad and a
// hand-written Adam step (tree.map), to show how little the core needs.
// Run: npx tsx examples/spirals.ts [--epochs N]
import {
  add, argmax, crossEntropyDemo, equal, key, matmul, mean, normal, relu, split, tensor, tree, valueAndGrad,
  type Key, type Params, type Tensor,
} from './spirals-lib.js';

interface Layer { [name: string]: Tensor; w: Tensor; b: Tensor }
type Mlp = Layer[];

/** He-initialised dense layers of the given widths. */
function init(k: Key, widths: number[]): Mlp {
  const keys = split(k, widths.length - 1);
  return keys.map((ki, i) => ({
    w: normal(ki, [widths[i]!, widths[i + 1]!], { std: Math.sqrt(2 / widths[i]!) }),
    b: tensor(new Float32Array(widths[i + 1]!)),
  }));
}

function forward(p: Mlp, x: Tensor): Tensor {
  let h = x;
  p.forEach((l, i) => {
    h = add(matmul(h, l.w), l.b);
    if (i < p.length - 1) h = relu(h);
  });
  return h;
}

/** Adam, written directly with tree.map to show how little an optimizer needs. */
function adam(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8) {
  let m: Params | undefined;
  let v: Params | undefined;
  let t = 0;
  return (params: Params, g: Params): Params => {
    t++;
    m = tree.map((mi: Tensor, gi: Tensor) => mi.mul(b1).add(gi.mul(1 - b1)), m ?? tree.map((gi: Tensor) => gi.mul(0), g), g);
    v = tree.map((vi: Tensor, gi: Tensor) => vi.mul(b2).add(gi.square().mul(1 - b2)), v ?? tree.map((gi: Tensor) => gi.mul(0), g), g);
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    return tree.map((p: Tensor, mi: Tensor, vi: Tensor) => p.sub(mi.div(c1).div(vi.div(c2).sqrt().add(eps)).mul(lr)), params, m, v);
  };
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

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const epochs = arg('epochs', 600);
const { x, y } = spirals(200);
let params = init(key(0), [2, 64, 64, 2]);
const step = valueAndGrad((p: Mlp) => crossEntropyDemo(forward(p, x), y));
const opt = adam(0.01);
const tty = process.stdout.isTTY === true;
const t0 = Date.now();
console.log(`edgegrad demo: MLP 2→64→64→2 on two spirals (${x.shape[0]} points), full-batch Adam lr=0.01, ${epochs} epochs`);
for (let e = 1; e <= epochs; e++) {
  const [loss, g] = step(params);
  params = opt(params, g) as Mlp;
  const report = tty ? e % 10 === 0 || e === epochs : e % Math.max(1, Math.floor(epochs / 10)) === 0;
  if (report || e === 1) {
    const acc = mean(equal(argmax(forward(params, x), { axis: 1 }), y).astype('float32')).item();
    const line = `${bar(e / epochs)} epoch ${String(e).padStart(4)}/${epochs}  loss ${loss.item().toFixed(4)}  acc ${(100 * acc).toFixed(1)}%  ${((Date.now() - t0) / 1000).toFixed(1)}s`;
    if (tty) process.stdout.write(`\r${line}`);
    else console.log(line);
  }
}
if (tty) process.stdout.write('\n');
const finalAcc = mean(equal(argmax(forward(params, x), { axis: 1 }), y).astype('float32')).item();
console.log(`final training accuracy: ${(100 * finalAcc).toFixed(1)}%`);
if (finalAcc < 0.9) {
  console.error('demo: accuracy below 90%, something is wrong');
  process.exit(1);
}
