/**
 * Optional same-run baselines of bench/wasm.bench.ts: onnxruntime-web 1.30 (wasm, one thread;
 * graphs encoded in code by bench/onnx.ts) and jax-js 0.1.25 (wasm device, `jit`). Each adds
 * contenders per case after checking its output against tfjs; a baseline that fails to load or
 * to agree is reported and left out.
 */
import * as ort from 'onnxruntime-web';
import { defaultDevice, init, jit, lax, nn as jnn, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Params, Tensor } from '../src/index.js';
import { assertClose, type Contender } from './util.js';
import { encodeModel, type OnnxNode } from './onnx.js';

export interface ConvCase { n: number; c: number; o: number; h: number; k: number; pad: number }

export interface Baselines {
  describe: string;
  matmul(n: number, a: Float32Array, b: Float32Array, ref: ArrayLike<number>): Promise<Contender[]>;
  conv(cs: ConvCase, x: Float32Array, w: Float32Array, ref: ArrayLike<number>): Promise<Contender[]>;
  lenet(params: Params, x: Tensor, ref: ArrayLike<number>): Promise<Contender[]>;
  /** One SGD step of a 784-H-10 relu MLP (weights `[out, in]`), mean cross-entropy; `loss0` is the first step's loss. */
  mlpStep(layers: [Dense, Dense], x: Tensor, labels: Int32Array, lr: number, loss0: number): Promise<Contender[]>;
}

export type Dense = { weight: Tensor; bias: Tensor };
const f32 = (t: Tensor): Float32Array => t.toTyped() as Float32Array;

async function ortSession(nodes: OnnxNode[], inputs: { name: string; shape: number[] }[], weights: { name: string; shape: number[]; data: Float32Array }[], out: { name: string; shape: number[] }) {
  return ort.InferenceSession.create(encodeModel(nodes, inputs, weights, [out]), { executionProviders: ['wasm'] });
}

/** Wraps a baseline's setup: on failure, logs and contributes nothing. */
async function guarded(what: string, f: () => Promise<Contender[]>): Promise<Contender[]> {
  try {
    return await f();
  } catch (e) {
    console.log(`(${what} left out: ${String(e).slice(0, 200)})`);
    return [];
  }
}

function lenetLayers(params: Params): [Dense, Dense, Dense, Dense] {
  const ls = Object.values(params as unknown as Record<string, Partial<Dense>>).filter((p) => p.weight !== undefined) as Dense[];
  return ls as [Dense, Dense, Dense, Dense];
}

/**
 * `use.ort` / `use.jax` switch each baseline on. They cannot share a process: once an
 * onnxruntime-web session exists, every later WebAssembly instantiation that imports a memory
 * without a maximum fails with a LinkError ("memory import 0 has no maximum limit"), and jax-js
 * compiles such a module per new kernel; so bench/wasm.bench.ts runs jax-js with `--without=ort`.
 */
export async function loadBaselines(use: { ort: boolean; jax: boolean }): Promise<Baselines> {
  ort.env.wasm.numThreads = 1;
  const devices = use.jax ? await init('wasm') : [];
  const jaxOk = devices.includes('wasm');
  if (jaxOk) defaultDevice('wasm');
  const arr = (d: Float32Array, shape: number[]): np.Array => np.array(d).reshape(shape);

  return {
    describe: [use.ort ? `onnxruntime-web ${ort.env.versions.web ?? '?'} (wasm, numThreads 1)` : 'onnxruntime-web not run',
      use.jax ? `jax-js 0.1.25 (${jaxOk ? 'wasm device, jit' : 'wasm unavailable'})` : 'jax-js not run'].join('; '),

    async matmul(n, a, b, ref) {
      const ortC = !use.ort ? [] : await guarded('ort matmul', async () => {
        const s = await ortSession([{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }], [{ name: 'A', shape: [n, n] }, { name: 'B', shape: [n, n] }], [], { name: 'C', shape: [n, n] });
        const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', b, [n, n]) };
        assertClose('ort matmul', (await s.run(feeds)).C!.data as Float32Array, ref, 1e-4);
        return [{ name: 'ort-web', fn: async () => { await s.run(feeds); }, iterations: n >= 1024 ? 3 : 10 }];
      });
      const jaxC = !jaxOk ? [] : await guarded('jax-js matmul', async () => {
        const A = arr(a, [n, n]), B = arr(b, [n, n]);
        const f = jit((x: np.Array, y: np.Array) => np.matmul(x, y));
        assertClose('jax-js matmul', f(A.ref, B.ref).dataSync() as Float32Array, ref, 1e-4);
        return [{ name: 'jax-js', fn: () => { f(A.ref, B.ref).dataSync(); }, iterations: n >= 1024 ? 3 : 10 }];
      });
      return [...ortC, ...jaxC];
    },

    async conv(cs, x, w, ref) {
      const ho = cs.h + 2 * cs.pad - cs.k + 1;
      const ortC = !use.ort ? [] : await guarded('ort conv', async () => {
        const s = await ortSession(
          [{ op: 'Conv', inputs: ['X', 'W'], outputs: ['Y'], ints: { kernel_shape: [cs.k, cs.k], pads: [cs.pad, cs.pad, cs.pad, cs.pad], strides: [1, 1] } }],
          [{ name: 'X', shape: [cs.n, cs.c, cs.h, cs.h] }], [{ name: 'W', shape: [cs.o, cs.c, cs.k, cs.k], data: w }], { name: 'Y', shape: [cs.n, cs.o, ho, ho] });
        const feeds = { X: new ort.Tensor('float32', x, [cs.n, cs.c, cs.h, cs.h]) };
        assertClose('ort conv', (await s.run(feeds)).Y!.data as Float32Array, ref, 1e-4);
        return [{ name: 'ort-web', fn: async () => { await s.run(feeds); }, iterations: 5 }];
      });
      const jaxC = !jaxOk ? [] : await guarded('jax-js conv', async () => {
        const X = arr(x, [cs.n, cs.c, cs.h, cs.h]), W = arr(w, [cs.o, cs.c, cs.k, cs.k]);
        const pad: [number, number][] = [[cs.pad, cs.pad], [cs.pad, cs.pad]];
        const f = jit((p: np.Array, q: np.Array) => lax.conv(p, q, [1, 1], pad));
        assertClose('jax-js conv', f(X.ref, W.ref).dataSync() as Float32Array, ref, 1e-4);
        return [{ name: 'jax-js', fn: () => { f(X.ref, W.ref).dataSync(); }, iterations: 2 }];
      });
      return [...ortC, ...jaxC];
    },

    async lenet(params, x, ref) {
      const [c1, c2, f1, f2] = lenetLayers(params);
      const N = x.shape[0]!;
      const ortC = !use.ort ? [] : await guarded('ort LeNet5', async () => {
        const pool = { kernel_shape: [2, 2], strides: [2, 2] };
        const s = await ortSession([
          { op: 'Conv', inputs: ['X', 'W1', 'B1'], outputs: ['h1'], ints: { kernel_shape: [5, 5] } },
          { op: 'MaxPool', inputs: ['h1'], outputs: ['h2'], ints: pool },
          { op: 'Relu', inputs: ['h2'], outputs: ['h3'] },
          { op: 'Conv', inputs: ['h3', 'W2', 'B2'], outputs: ['h4'], ints: { kernel_shape: [5, 5] } },
          { op: 'MaxPool', inputs: ['h4'], outputs: ['h5'], ints: pool },
          { op: 'Relu', inputs: ['h5'], outputs: ['h6'] },
          { op: 'Flatten', inputs: ['h6'], outputs: ['h7'], int: { axis: 1 } },
          { op: 'Gemm', inputs: ['h7', 'F1', 'G1'], outputs: ['h8'], int: { transB: 1 } },
          { op: 'Relu', inputs: ['h8'], outputs: ['h9'] },
          { op: 'Gemm', inputs: ['h9', 'F2', 'G2'], outputs: ['Y'], int: { transB: 1 } },
        ], [{ name: 'X', shape: [N, 1, 28, 28] }], [
          { name: 'W1', shape: c1.weight.shape.slice(), data: f32(c1.weight) }, { name: 'B1', shape: [c1.bias.size], data: f32(c1.bias) },
          { name: 'W2', shape: c2.weight.shape.slice(), data: f32(c2.weight) }, { name: 'B2', shape: [c2.bias.size], data: f32(c2.bias) },
          { name: 'F1', shape: f1.weight.shape.slice(), data: f32(f1.weight) }, { name: 'G1', shape: [f1.bias.size], data: f32(f1.bias) },
          { name: 'F2', shape: f2.weight.shape.slice(), data: f32(f2.weight) }, { name: 'G2', shape: [f2.bias.size], data: f32(f2.bias) },
        ], { name: 'Y', shape: [N, 10] });
        const feeds = { X: new ort.Tensor('float32', f32(x), [N, 1, 28, 28]) };
        assertClose('ort LeNet5', (await s.run(feeds)).Y!.data as Float32Array, ref, 1e-4);
        return [{ name: 'ort-web', fn: async () => { await s.run(feeds); }, iterations: 5 }];
      });
      const jaxC = !jaxOk ? [] : await guarded('jax-js LeNet5', async () => {
        const P = [c1, c2, f1, f2].map((l) => [arr(f32(l.weight), l.weight.shape.slice()), arr(f32(l.bias), [l.bias.size])] as const);
        const X = arr(f32(x), [N, 1, 28, 28]);
        const pool2 = (h: np.Array, c: number, s: number): np.Array => np.max(h.reshape([N, c, s / 2, 2, s / 2, 2]), [3, 5]);
        const f = jit((xx: np.Array, w1: np.Array, b1: np.Array, w2: np.Array, b2: np.Array, v1: np.Array, g1: np.Array, v2: np.Array, g2: np.Array) => {
          let h = lax.conv(xx, w1, [1, 1], 'VALID').add(b1.reshape([1, 20, 1, 1]));
          h = np.maximum(pool2(h, 20, 24), 0);
          h = lax.conv(h, w2, [1, 1], 'VALID').add(b2.reshape([1, 50, 1, 1]));
          h = np.maximum(pool2(h, 50, 8), 0).reshape([N, 800]);
          h = np.maximum(np.matmul(h, v1.transpose()).add(g1), 0);
          return np.matmul(h, v2.transpose()).add(g2);
        });
        const args = (): np.Array[] => [X.ref, ...P.flatMap(([w, b]) => [w.ref, b.ref])];
        const run = (): Float32Array => (f as unknown as (...a: np.Array[]) => np.Array)(...args()).dataSync() as Float32Array;
        assertClose('jax-js LeNet5', run(), ref, 1e-4);
        return [{ name: 'jax-js', fn: () => { run(); }, iterations: 2 }];
      });
      return [...ortC, ...jaxC];
    },

    async mlpStep([l1, l2], x, labels, lr, loss0) {
      if (!jaxOk) return [];
      return guarded('jax-js MLP step', async () => {
        // The whole step (forward, valueAndGrad, SGD update) under one jit, as a jax user writes it.
        const loss = (p: np.Array[], xx: np.Array, yy: np.Array): np.Array => {
          const [w1, b1, w2, b2] = p as [np.Array, np.Array, np.Array, np.Array];
          const h = np.maximum(np.matmul(xx, w1.transpose()).add(b1), 0);
          return np.mean(np.sum(jnn.logSoftmax(np.matmul(h, w2.transpose()).add(b2), -1).mul(yy), [-1])).mul(-1);
        };
        const eager = (p: np.Array[], xx: np.Array, yy: np.Array): [np.Array, np.Array[]] => {
          const [l, g] = valueAndGrad(loss)(p.map((q) => q.ref), xx, yy);
          return [l, p.map((q, i) => q.sub((g as np.Array[])[i]!.mul(lr)))];
        };
        // The 12.1 ms reference was jax-js without jit: both are timed.
        const jitted = jit(eager) as unknown as typeof eager;
        const X = arr(f32(x), x.shape.slice());
        const Y = jnn.oneHot(np.array(labels, { dtype: np.int32 }), l2.weight.shape[0]!);
        const runner = (step: typeof eager): (() => number) => {
          let p = [l1.weight, l1.bias, l2.weight, l2.bias].map((t) => arr(f32(t), t.shape.slice()));
          return () => {
            const [l, next] = step(p, X.ref, Y.ref);
            p = next;
            return (l.dataSync() as Float32Array)[0]!;
          };
        };
        const runJit = runner(jitted), runEager = runner(eager);
        for (const first of [runJit(), runEager()]) {
          if (Math.abs(first - loss0) > 1e-4 * Math.max(1, Math.abs(loss0))) throw new Error(`first loss ${first}, expected ${loss0}`);
        }
        return [{ name: 'jax-js', fn: () => { runJit(); }, iterations: 15 }, { name: 'jax-js eager', fn: () => { runEager(); }, iterations: 5 }];
      });
    },
  };
}
