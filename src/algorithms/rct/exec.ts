/**
 * The integer executor (spec §3). For every conv/linear layer the three GEMMs run on integers:
 * forward `Y = Δw·Δx · (Qw ⊛ Qx)`, backward-data `E_{l−1} = Δw·Δe · (Qwᵀ ⊛ Qe)` (skipped for the
 * first GEMM layer) and weight gradient `G = Δe·Δx · (Qe ⊛ Qxᵀ)`, the last one tile by tile
 * (at most {@link GRAD_TILE} elements) and handed to the optimizer at once. X is quantised per
 * tensor to `actBits` with round to nearest, E to `errBits` with stochastic rounding (dynamic
 * fixed point). Biases, ReLU, pooling, softmax and the loss are float32/float64 work.
 * Quantising X and E is the identity in backward; there is no latent float weight, so no STE.
 */
import { foldIn } from '../../random.js';
import type { Key } from '../../random.js';
import { col2imInto, im2colInto } from '../../tensor/kernels/conv.js';
import { intGemmInto, intGemmIsExact, intGemmRef } from '../../tensor/kernels/intgemm.js';
import type { IntArray } from '../../tensor/kernels/intgemm.js';
import { dynamicNearest, roundingUniforms, transientFor, dynamicStochastic, qmax } from './fixed.js';
import type { FixedTensor } from './fixed.js';
import type { GemmLayer, RctNet } from './net.js';
import type { QTensor, QuantizedParams } from './quantized.js';

/** Largest float gradient tile (elements) alive at once. */
export const GRAD_TILE = 8192;

/** Precision of the transient tensors. */
export interface ComputeOptions {
  /** Bits of activations X (default 8). */
  actBits: number;
  /** Bits of errors E (default 8). */
  errBits: number;
  /** Rounding of E (default stochastic). */
  errRounding: 'stochastic' | 'nearest';
}

/** Receives one weight-gradient tile: entries `g[0..len)` for elements `start..` of `path`. */
export type TileSink = (path: string, qt: QTensor, g: Float64Array, start: number, len: number, tile: number) => void;

interface Cache {
  x?: FixedTensor;
  cols?: Int8Array | Int32Array;
  inShape?: readonly number[];
  /** ReLU output (float32) or max-pool argmax positions. */
  out?: Float32Array;
  arg?: Int32Array;
}

/** Dispatches to the fast kernel when exact (see intgemm.ts), else to the float64 reference. */
function igemm(
  m: number, n: number, k: number, a: IntArray, aOff: number, aRs: number, aCs: number, maxA: number,
  b: IntArray, bOff: number, bRs: number, bCs: number, maxB: number, c: Float64Array, cRs: number, scale: number,
): void {
  if (intGemmIsExact(maxA, maxB, k)) intGemmInto(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, 0, cRs, scale, false, maxA, maxB);
  else intGemmRef(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, 0, cRs, scale, false);
}

function biasValues(bt: QTensor | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  if (bt !== undefined) { const s = 2 ** -bt.f; for (let i = 0; i < n; i++) out[i] = bt.q[i]! * s; }
  return out;
}

function weightOf(qp: QuantizedParams, g: GemmLayer): QTensor {
  return qp[g.weight]!;
}

/** A forward pass; with `caches`, records what backward needs. Returns float32 logits [n, classes]. */
export function forward(net: RctNet, qp: QuantizedParams, x: ArrayLike<number>, n: number, opt: ComputeOptions, caches?: Cache[]): Float32Array {
  let h: ArrayLike<number> = x;
  const gemmAt = new Map(net.gemms.map((g) => [g.index, g]));
  net.layers.forEach((layer, i) => {
    const shape = net.shapes[i]!;
    const cache: Cache = { inShape: shape };
    if (layer.kind === 'conv2d' || layer.kind === 'linear') {
      const g = gemmAt.get(i)!;
      const qw = weightOf(qp, g);
      const bias = biasValues(qp[g.bias], g.out);
      const fx = dynamicNearest(h, opt.actBits);
      cache.x = fx;
      const scale = 2 ** -(qw.f + fx.f);
      const wmax = qmax(qw.b);
      if (layer.kind === 'linear') {
        const y = new Float64Array(n * g.out);
        igemm(n, g.out, g.fanIn, fx.q, 0, g.fanIn, 1, fx.max, qw.q, 0, 1, g.fanIn, wmax, y, g.out, scale);
        const out = new Float32Array(n * g.out);
        for (let r = 0; r < n; r++) for (let o = 0; o < g.out; o++) out[r * g.out + o] = y[r * g.out + o]! + bias[o]!;
        h = out;
      } else {
        const [c, hh, ww] = shape as [number, number, number];
        const win = g.window!;
        const nl = n * g.positions;
        const cols = transientFor(opt.actBits, g.fanIn * nl);
        im2colInto(fx.q, n, c, hh, ww, win, 0, cols);
        cache.cols = cols;
        const y = new Float64Array(g.out * nl);
        igemm(g.out, nl, g.fanIn, qw.q, 0, g.fanIn, 1, wmax, cols, 0, nl, 1, fx.max, y, nl, scale);
        const out = new Float32Array(n * g.out * g.positions);
        const L = g.positions;
        for (let b = 0; b < n; b++) for (let o = 0; o < g.out; o++) {
          const src = o * nl + b * L, dst = (b * g.out + o) * L, bo = bias[o]!;
          for (let l = 0; l < L; l++) out[dst + l] = y[src + l]! + bo;
        }
        h = out;
      }
    } else if (layer.kind === 'relu') {
      const out = new Float32Array(h.length);
      for (let j = 0; j < out.length; j++) { const v = h[j]!; out[j] = v > 0 ? v : 0; }
      cache.out = out;
      h = out;
    } else if (layer.kind === 'maxPool2d') {
      const [c, hh, ww] = shape as [number, number, number];
      const k = layer.kernel, ho = hh / k, wo = ww / k;
      const out = new Float32Array(n * c * ho * wo);
      const arg = new Int32Array(out.length);
      let o = 0;
      for (let p = 0; p < n * c; p++) {
        const base = p * hh * ww;
        for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++, o++) {
          let best = -Infinity, at = base + oy * k * ww + ox * k;
          for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
            const idx = base + (oy * k + dy) * ww + ox * k + dx;
            const v = h[idx]!;
            if (v > best) { best = v; at = idx; }
          }
          out[o] = best;
          arg[o] = at;
        }
      }
      cache.arg = arg;
      h = out;
    }
    caches?.push(cache);
  });
  return h instanceof Float32Array ? h : Float32Array.from(h);
}

/**
 * Backward pass from `dLogits` (float, already divided by the batch size): integer
 * backward-data and weight-gradient GEMMs, gradient tiles streamed to `sink` (weights) and whole
 * bias gradients to `sink` as well. `key` seeds the stochastic rounding of E per layer.
 */
export function backward(net: RctNet, qp: QuantizedParams, caches: Cache[], dLogits: Float32Array, n: number, opt: ComputeOptions, key: Key, sink: TileSink): void {
  let g: Float32Array = dLogits;
  const gemmAt = new Map(net.gemms.map((gl) => [gl.index, gl]));
  const first = net.gemms[0]!.index;
  let tile = 0;
  for (let i = net.layers.length - 1; i >= 0; i--) {
    const layer = net.layers[i]!;
    const cache = caches[i]!;
    const shape = cache.inShape!;
    if (layer.kind === 'relu') {
      const out = cache.out!;
      const d = new Float32Array(g.length);
      for (let j = 0; j < d.length; j++) d[j] = out[j]! > 0 ? g[j]! : 0;
      g = d;
    } else if (layer.kind === 'maxPool2d') {
      const d = new Float32Array(n * shape.reduce((a, v) => a * v, 1));
      const arg = cache.arg!;
      for (let j = 0; j < arg.length; j++) d[arg[j]!] = d[arg[j]!]! + g[j]!;
      g = d;
    } else if (layer.kind === 'conv2d' || layer.kind === 'linear') {
      const gl = gemmAt.get(i)!;
      const qw = weightOf(qp, gl);
      const wmax = qmax(qw.b);
      const fx = cache.x!;
      const L = gl.positions, nl = n * L, O = gl.out, K = gl.fanIn;
      // E laid out [O, N·L] for conv (channel-major, like the columns), [N, O] for linear.
      const e = new Float32Array(O * nl);
      const bgrad = new Float64Array(O);
      if (layer.kind === 'conv2d') {
        for (let b = 0; b < n; b++) for (let o = 0; o < O; o++) {
          const src = (b * O + o) * L, dst = o * nl + b * L;
          let s = 0;
          for (let l = 0; l < L; l++) { const v = g[src + l]!; e[dst + l] = v; s += v; }
          bgrad[o] = bgrad[o]! + s;
        }
      } else {
        e.set(g);
        for (let b = 0; b < n; b++) for (let o = 0; o < O; o++) bgrad[o] = bgrad[o]! + g[b * O + o]!;
      }
      const layerKey = foldIn(key, i);
      const fe = opt.errRounding === 'stochastic'
        ? dynamicStochastic(e, opt.errBits, roundingUniforms(layerKey, e.length))
        : dynamicNearest(e, opt.errBits);
      let dx: Float32Array | undefined;
      if (i > first) {
        const scale = 2 ** -(qw.f + fe.f);
        if (layer.kind === 'linear') {
          const d64 = new Float64Array(n * K);
          igemm(n, K, O, fe.q, 0, O, 1, fe.max, qw.q, 0, K, 1, wmax, d64, K, scale);
          dx = Float32Array.from(d64);
        } else {
          const [c, hh, ww] = shape as [number, number, number];
          const d64 = new Float64Array(K * nl);
          igemm(K, nl, O, qw.q, 0, 1, K, wmax, fe.q, 0, nl, 1, fe.max, d64, nl, scale);
          dx = new Float32Array(n * c * hh * ww);
          col2imInto(d64, n, c, hh, ww, gl.window!, dx);
        }
      }
      // Weight gradient, a block of rows of G at a time, applied before the next block exists.
      const rows = Math.max(1, Math.min(O, Math.floor(GRAD_TILE / K)));
      const gt = new Float64Array(rows * K);
      const gscale = 2 ** -(fe.f + fx.f);
      for (let o0 = 0; o0 < O; o0 += rows) {
        const r = Math.min(rows, O - o0);
        if (layer.kind === 'linear') igemm(r, K, n, fe.q, o0, 1, O, fe.max, fx.q, 0, K, 1, fx.max, gt, K, gscale);
        else igemm(r, K, nl, fe.q, o0 * nl, nl, 1, fe.max, cache.cols!, 0, 1, nl, fx.max, gt, K, gscale);
        sink(gl.weight, qw, gt, o0 * K, r * K, tile++);
      }
      const bt = qp[gl.bias];
      if (bt !== undefined) sink(gl.bias, bt, bgrad, 0, O, tile++);
      if (dx !== undefined) g = dx;
    }
    // flatten: the gradient's layout is unchanged.
  }
}

export type { Cache };
