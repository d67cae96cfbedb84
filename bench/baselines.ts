/**
 * Optional same-run baselines of bench/wasm.bench.ts: onnxruntime-web (wasm, one thread) and
 * jax-js (wasm). Each contributes contenders per case, or none when it does not load here.
 */
import type { Params, Tensor } from '../src/index.js';
import type { Contender } from './util.js';

export interface ConvCase { n: number; c: number; o: number; h: number; k: number; pad: number }

export interface Baselines {
  describe: string;
  matmul(n: number, a: Float32Array, b: Float32Array, ref: ArrayLike<number>): Contender[];
  conv(cs: ConvCase, x: Float32Array, w: Float32Array, ref: ArrayLike<number>): Contender[];
  mlp(params: Params, x: Tensor, y: Tensor): Contender[];
  lenet(params: Params, x: Tensor, ref: ArrayLike<number>): Contender[];
}

export async function loadBaselines(): Promise<Baselines> {
  return {
    describe: 'onnxruntime-web and jax-js: not wired yet',
    matmul: () => [], conv: () => [], mlp: () => [], lenet: () => [],
  };
}
