/**
 * Kernels of the on-device engine (§4): forward ops that return exactly what their backward
 * needs (a 1-bit ReLU mask, a 2-bit max-pool argmax), backward-data of linear and conv layers
 * from their weights alone, and the weight-gradient block g(W)[K_bw, K_fw] from the kept
 * output-gradient channels and the saved kept input channels.
 */
import { vjp } from '../../autograd/grad.js';
import { fromTyped, ones, zeros } from '../../tensor/create.js';
import { allocate } from '../../tensor/dtype.js';
import { col2im, im2col, makeWindow } from '../../tensor/ops/conv.js';
import { div, mul, sqrt, add } from '../../tensor/ops/elementwise.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { contiguous, gather, permute, reshape, transpose } from '../../tensor/ops/movement.js';
import { sum } from '../../tensor/ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bnBatch } from './inner.js';
import type { Params } from '../../tree.js';

/** ReLU that also returns its 1-bit mask (bit i set when x_i > 0). */
export function reluWithMask(x: Tensor): [Tensor, Uint8Array] {
  const c = contiguous(x);
  const src = c.toTyped();
  const n = src.length;
  const bits = new Uint8Array(Math.ceil(n / 8));
  const out = allocate(c.dtype, n);
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    if (v > 0) {
      out[i] = v;
      bits[i >> 3]! |= 1 << (i & 7);
    }
  }
  return [fromTyped(out, c.shape), bits];
}

/** ReLU backward from the mask. */
export function reluBackward(g: Tensor, bits: Uint8Array): Tensor {
  const c = contiguous(g);
  const src = c.toTyped();
  const out = allocate(c.dtype, src.length);
  for (let i = 0; i < src.length; i++) if ((bits[i >> 3]! >> (i & 7)) & 1) out[i] = src[i]!;
  return fromTyped(out, c.shape);
}

/** 2×2 stride-2 max-pool (floor) that returns the 2-bit position of each window's first maximum. */
export function maxPoolWithArgmax(x: Tensor): [Tensor, Uint8Array] {
  const c = contiguous(x);
  const [n, ch, h, w] = c.shape as [number, number, number, number];
  const ho = Math.floor(h / 2), wo = Math.floor(w / 2);
  const src = c.toTyped();
  const m = n * ch * ho * wo;
  const out = allocate(c.dtype, m);
  const codes = new Uint8Array(Math.ceil((2 * m) / 8));
  let o = 0;
  for (let p = 0; p < n * ch; p++) {
    const base = p * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xx = 0; xx < wo; xx++, o++) {
        const i0 = base + 2 * y * w + 2 * xx;
        let best = src[i0]!, code = 0;
        const cand = [src[i0 + 1]!, src[i0 + w]!, src[i0 + w + 1]!];
        for (let q = 0; q < 3; q++) if (cand[q]! > best) { best = cand[q]!; code = q + 1; }
        out[o] = best;
        codes[o >> 2]! |= code << ((o & 3) * 2);
      }
    }
  }
  return [fromTyped(out, [n, ch, ho, wo]), codes];
}

/** Max-pool backward: each output gradient goes to its window's recorded maximum. */
export function maxPoolBackward(g: Tensor, codes: Uint8Array, inShape: readonly number[]): Tensor {
  const c = contiguous(g);
  const [n, ch, h, w] = inShape as [number, number, number, number];
  const ho = Math.floor(h / 2), wo = Math.floor(w / 2);
  const src = c.toTyped();
  const out = allocate(c.dtype, n * ch * h * w);
  let o = 0;
  for (let p = 0; p < n * ch; p++) {
    const base = p * h * w;
    for (let y = 0; y < ho; y++) {
      for (let xx = 0; xx < wo; xx++, o++) {
        const code = (codes[o >> 2]! >> ((o & 3) * 2)) & 3;
        out[base + (2 * y + (code >> 1)) * w + 2 * xx + (code & 1)] = src[o]!;
      }
    }
  }
  return fromTyped(out, [n, ch, h, w]);
}

/** Gradient rows of a conv output as `[C, B·Ho·Wo]`. */
function channelsFirst(g: Tensor): Tensor {
  const [b, c, h, w] = g.shape as [number, number, number, number];
  return reshape(contiguous(permute(g, [1, 0, 2, 3])), [c, b * h * w]);
}

/** g(X) = backward-data(g(Y), W) of a linear (`[B, Cout]`) or conv (`[B, Cout, Ho, Wo]`) layer. */
export function backwardData(g: Tensor, w: Tensor, inShape: readonly number[], padding: number): Tensor {
  if (w.ndim === 2) return matmul(g, w);
  const [cout, cin, k] = w.shape as [number, number, number];
  const [b, , h, ww] = inShape as [number, number, number, number];
  const win = makeWindow('pmeta.backwardData', h, ww, [k, k], { padding });
  const cols = matmul(transpose(reshape(w, [cout, cin * k * k])), channelsFirst(g));
  return col2im(cols, [b, cin, h, ww], win);
}

/**
 * The block g(W)[K_bw, K_fw] (`[|K_bw|, |K_fw|·k²]`) and g(b)[K_bw] from the kept output-gradient
 * channels and the saved input channels `xs` (already only K_fw).
 */
export function blockGradient(g: Tensor, xs: Tensor, bw: Int32Array, k: number, padding: number): [Tensor, Tensor] {
  const idx = fromTyped(bw, [bw.length]);
  const gs = gather(g, idx, { axis: 1 });
  if (g.ndim === 2) return [matmul(transpose(gs), xs), sum(gs, { axis: 0 })];
  const [, , h, w] = xs.shape as [number, number, number, number];
  const win = makeWindow('pmeta.blockGradient', h, w, [k, k], { padding });
  const g2 = channelsFirst(gs);
  return [matmul(g2, transpose(im2col(xs, win, 0))), sum(g2, { axis: 1 })];
}

/** Batch-statistics BN backward w.r.t. its input, from the saved input. */
export function bnBatchBackward(g: Tensor, x: Tensor, p: Params, eps: number): Tensor {
  const { weight, bias } = p as { weight: Tensor; bias: Tensor };
  const [, pull] = vjp((xx: Tensor) => bnBatch(xx, weight, bias, eps), x);
  return pull(g)[0];
}

/** Frozen-statistics BN backward: the per-channel scale. */
export function bnFrozenBackward(g: Tensor, p: Params, st: Params, eps: number): Tensor {
  const { weight } = p as { weight: Tensor };
  const { runningVar } = st as { runningVar: Tensor };
  const bs = g.shape.map((d, i) => (i === 1 ? d : 1));
  return mul(g, reshape(div(weight, sqrt(add(runningVar, eps))), bs));
}

/** Loss gradient w.r.t. the network output. */
export function lossGradient(loss: (o: Tensor) => Tensor, out: Tensor): [number, Tensor] {
  const [l, pull] = vjp(loss, out);
  return [l.item(), pull(ones([], { dtype: l.dtype }))[0]];
}

/** Writable copy of a tensor (the device's RAM copy of an updated layer). */
export function writableCopy(t: Tensor): Tensor {
  const c = contiguous(t);
  return fromTyped(c.toTyped({ copy: true }), c.shape);
}

/** A zero tensor like `t`. */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: t.dtype });
}
