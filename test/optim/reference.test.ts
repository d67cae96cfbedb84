// Optimizers against hand-written references in plain JS numbers: three steps of a training
// loop (valueAndGrad → update → applyUpdates) on a small quadratic, in float64 (tight) and
// float32 (loose, and the dtype must stay float32).
import { describe, expect, it } from 'vitest';
import { sub, sum, square, tensor, tree, valueAndGrad, mul, type DType, type Params, type Tensor } from '../../src/index.js';
import {
  adam, adamw, amsgrad, applyUpdates, momentum, schedules, sgd, type GradientTransformation,
} from '../../src/optim/index.js';

type P = { w: Tensor; b: Tensor };
const W0 = [0.5, -1.5, 2.0];
const B0 = [0.1];
const CW = [1, 2, -3];
const CB = [0.5];
/** f(p) = Σ (w − c_w)² + 3 Σ (b − c_b)², so ∂f/∂w = 2(w − c_w), ∂f/∂b = 6(b − c_b). */
function loss(p: P): Tensor {
  const dt = p.w.dtype;
  return sum(square(sub(p.w, tensor(CW, { dtype: dt })))).add(mul(sum(square(sub(p.b, tensor(CB, { dtype: dt })))), 3));
}
const refGrad = (w: number[], b: number[]): number[][] => [w.map((x, i) => 2 * (x - CW[i]!)), b.map((x, i) => 6 * (x - CB[i]!))];

/** Runs `steps` steps of `opt` and returns the flat params after each step. */
function run<S>(opt: GradientTransformation<S>, dtype: DType, steps = 3): { w: Tensor; b: Tensor }[] {
  let params: P = { w: tensor(W0, { dtype }), b: tensor(B0, { dtype }) };
  let state = opt.init(params);
  const out: P[] = [];
  for (let i = 0; i < steps; i++) {
    const [, g] = valueAndGrad(loss)(params);
    const [u, s2] = opt.update(g, state, params);
    params = applyUpdates(params, u) as P;
    state = s2;
    out.push(params);
  }
  return out;
}

/** A reference optimizer step on flat number arrays: (params, grads, leaf index) → new params. */
type RefStep = (p: number[], g: number[], leaf: number, t: number) => number[];
function runRef(makeStep: () => RefStep, steps = 3): number[][][] {
  const step = makeStep();
  let w = W0.slice();
  let b = B0.slice();
  const out: number[][][] = [];
  for (let t = 1; t <= steps; t++) {
    const [gw, gb] = refGrad(w, b);
    w = step(w, gw!, 0, t);
    b = step(b, gb!, 1, t);
    out.push([w, b]);
  }
  return out;
}

function compare<S>(opt: GradientTransformation<S>, ref: () => RefStep): void {
  const expected = runRef(ref);
  const got64 = run(opt, 'float64');
  const got32 = run(opt, 'float32');
  for (let i = 0; i < 3; i++) {
    expect(got64[i]!.w).toBeAllClose(expected[i]![0]!, { rtol: 1e-12, atol: 1e-14 });
    expect(got64[i]!.b).toBeAllClose(expected[i]![1]!, { rtol: 1e-12, atol: 1e-14 });
    expect(got32[i]!.w).toBeAllClose(expected[i]![0]!, { rtol: 1e-5, atol: 1e-6 });
    expect(got32[i]!.b).toBeAllClose(expected[i]![1]!, { rtol: 1e-5, atol: 1e-6 });
    expect(got32[i]!.w.dtype).toBe('float32');
    expect(got64[i]!.w.dtype).toBe('float64');
  }
  // The steps actually move the params.
  expect(expected[2]![0]).not.toEqual(W0);
}

/** Per-leaf moment buffers for the references. */
const buffers = () => [[] as number[], [] as number[]];

const adamRef = (lr: number, b1: number, b2: number, eps: number, wd = 0, decayLeaf = [true, true], ams = false) => (): RefStep => {
  const m = buffers(), v = buffers(), vmax = buffers();
  return (p, g, leaf, t) => p.map((x, i) => {
    m[leaf]![i] = b1 * (m[leaf]![i] ?? 0) + (1 - b1) * g[i]!;
    v[leaf]![i] = b2 * (v[leaf]![i] ?? 0) + (1 - b2) * g[i]! * g[i]!;
    const mh = m[leaf]![i]! / (1 - b1 ** t);
    let vh = v[leaf]![i]! / (1 - b2 ** t);
    if (ams) { vmax[leaf]![i] = Math.max(vmax[leaf]![i] ?? 0, vh); vh = vmax[leaf]![i]!; }
    const u = mh / (Math.sqrt(vh) + eps) + (decayLeaf[leaf] ? wd * x : 0);
    return x - lr * u;
  });
};

const momentumRef = (lr: number, beta: number, nesterov: boolean) => (): RefStep => {
  const m = buffers();
  return (p, g, leaf) => p.map((x, i) => {
    m[leaf]![i] = g[i]! + beta * (m[leaf]![i] ?? 0);
    const u = nesterov ? g[i]! + beta * m[leaf]![i]! : m[leaf]![i]!;
    return x - lr * u;
  });
};

describe('optimizers match hand-computed references (3 steps)', () => {
  it('adam', () => compare(adam(0.1), adamRef(0.1, 0.9, 0.999, 1e-8)));
  it('adam with custom betas and eps', () => compare(adam(0.05, { b1: 0.5, b2: 0.9, eps: 1e-3 }), adamRef(0.05, 0.5, 0.9, 1e-3)));
  it('momentum (heavy ball)', () => compare(momentum(0.05, 0.9), momentumRef(0.05, 0.9, false)));
  it('momentum (nesterov)', () => compare(momentum(0.05, 0.8, { nesterov: true }), momentumRef(0.05, 0.8, true)));
  it('sgd (plain)', () => compare(sgd(0.1), momentumRef(0.1, 0, false)));
  it('sgd with nesterov momentum', () => compare(sgd(0.05, { momentum: 0.9, nesterov: true }), momentumRef(0.05, 0.9, true)));
  it('adamw', () => compare(adamw(0.1, { weightDecay: 0.3 }), adamRef(0.1, 0.9, 0.999, 1e-8, 0.3)));
  it('adamw with a mask (bias does not decay)', () =>
    compare(adamw(0.1, { weightDecay: 0.3, mask: { w: true, b: false } }), adamRef(0.1, 0.9, 0.999, 1e-8, 0.3, [true, false])));
  it('adamw with a mask function', () =>
    compare(adamw(0.1, { weightDecay: 0.3, mask: (p: Params) => tree.map((t: Tensor) => t.size > 1, p) }),
      adamRef(0.1, 0.9, 0.999, 1e-8, 0.3, [true, false])));
  it('amsgrad', () => compare(amsgrad(0.1, { b2: 0.5 }), adamRef(0.1, 0.9, 0.5, 1e-8, 0, [true, true], true)));

  it('a learning-rate schedule is evaluated at 0, 1, 2', () => {
    const lrs = [0.3, 0.2, 0.1];
    const ref = (): RefStep => (p, g, _leaf, t) => p.map((x, i) => x - lrs[t - 1]! * g[i]!);
    compare(sgd((n) => lrs[n]!), ref);
    compare(sgd(schedules.step(0.3, { stepSize: 1, gamma: 0.5 })), (): RefStep => (p, g, _l, t) => p.map((x, i) => x - 0.3 * 0.5 ** (t - 1) * g[i]!));
  });
});
