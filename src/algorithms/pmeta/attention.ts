/**
 * Meta attention (§3.2): a small module that scores the channels of a layer's input (forward
 * attention, from X_{l−1}) or of its output gradient (backward attention, from g(Y_l)) and keeps
 * the top ⌈ρC⌉ with weights that average exactly 1 over the kept set.
 *
 *   z = GAP_{B,H,W}(T);  z ← z / (√mean(z²) + 1e-8);  h = ReLU(U1 z + c1);  s = U2 h + c2
 *   K = top-⌈ρC⌉(s) (ties: lower index);  γ_c = m·exp(s_c)/Σ_{K} exp(s) on K, 0 elsewhere
 *
 * The index set K is chosen from the values only and is a constant to autograd; gradients flow
 * into γ on K, then into s, U and c.
 */
import { noGrad } from '../../autograd/grad.js';
import { keptChannels } from '../../cost/adaptation.js';
import { normal, split } from '../../random.js';
import type { Key } from '../../random.js';
import { fromTyped, zeros } from '../../tensor/create.js';
import { abs, add, div, mul, relu, sqrt } from '../../tensor/ops/elementwise.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { gather, reshape, scatterAdd, transpose } from '../../tensor/ops/movement.js';
import { mean, softmax } from '../../tensor/ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { NumError, describe, fmtShape } from '../../errors.js';
import { count, positiveInt } from '../../validate.js';
import { attentionArg, numbersArg, poolArg, ratioArg, tensorArg } from './check.js';

/** Parameters of one attention module over C channels: `u1 [r, C]`, `c1 [r]`, `u2 [C, r]`, `c2 [C]`. */
export interface AttentionParams {
  [name: string]: Tensor;
  u1: Tensor;
  c1: Tensor;
  u2: Tensor;
  c2: Tensor;
}

/**
 * How a tensor is pooled to one number per channel: the signed mean (§3.2) or the mean of |·|.
 * A conv followed by batch-statistics BN has output gradients whose per-channel mean is exactly 0
 * (BN projects it out), so the signed mean of g(Y) there is rounding noise; `absMean` is the
 * backward pooling for that case.
 */
export type Pooling = 'mean' | 'absMean';

/**
 * Hidden width r = max(4, ⌈C/4⌉).
 * @example
 * ```ts
 * pmeta.attentionWidth(8); // 4
 * pmeta.attentionWidth(64); // 16
 * ```
 */
export function attentionWidth(c: number): number {
  positiveInt('pmeta.attentionWidth', 'c', c);
  return Math.max(4, Math.ceil(c / 4));
}

/**
 * Initial attention parameters: U ~ N(0, 0.01²), c = 0 (§3.2).
 * @example
 * ```ts
 * const p = initAttention(key(0), 40);   // u1 [10, 40], u2 [40, 10]
 * ```
 */
export function initAttention(k: Key, c: number, dtype: 'float32' | 'float64' = 'float32'): AttentionParams {
  const r = attentionWidth(c);
  const [k1, k2] = split(k, 2) as [Key, Key];
  return {
    u1: normal(k1, [r, c], { std: 0.01, dtype }), c1: zeros([r], { dtype }),
    u2: normal(k2, [c, r], { std: 0.01, dtype }), c2: zeros([c], { dtype }),
  };
}

/**
 * The channel logits s ∈ R^C of a tensor `[B, C]` or `[B, C, H, W]`.
 * @example
 * ```ts
 * const p = initAttention(key(0), 8), x = normal(key(1), [5, 8, 3, 3]);
 * const s = attentionLogits(p, x);
 * s.shape; // [8]
 * ```
 */
export function attentionLogits(p: AttentionParams, t: Tensor, pool: Pooling = 'mean'): Tensor {
  const op = 'pmeta.attentionLogits';
  attentionArg(op, 'p', p);
  tensorArg(op, 't', t, 2);
  poolArg(op, pool);
  const axes = t.shape.map((_, i) => i).filter((i) => i !== 1);
  return pooledLogits(p, mean(pool === 'mean' ? t : abs(t), { axis: axes }));
}

/** The channel logits from an already pooled vector z ∈ R^C (micro-batched forward). */
export function pooledLogits(p: AttentionParams, z: Tensor): Tensor {
  const rms = sqrt(mean(mul(z, z)));
  const zn = div(z, add(rms, 1e-8));
  const h = relu(add(matmul(reshape(zn, [1, -1]), transpose(p.u1)), p.c1));
  return reshape(add(matmul(h, transpose(p.u2)), p.c2), [-1]);
}

/**
 * Indices of the m largest values, ties broken by the lower index, returned ascending.
 * @example
 * ```ts
 * topIndices(Float32Array.of(0.1, 0.5, 0.5, -1), 2); // Int32Array [1, 2]
 * ```
 */
export function topIndices(s: ArrayLike<number>, m: number): Int32Array {
  numbersArg('pmeta.topIndices', 's', s);
  count('pmeta.topIndices', 'm', m);
  const order = Array.from({ length: s.length }, (_, i) => i);
  order.sort((a, b) => (s[b]! - s[a]!) || a - b);
  return Int32Array.from(order.slice(0, m)).sort();
}

/**
 * γ from logits and a kept set: `m · softmax(s[K])` scattered to the kept channels, 0 elsewhere.
 * @example
 * ```ts
 * const s = tensor([0.3, -1, 0.3, 2]);
 * gammaOf(s, Int32Array.of(0, 2)).toArray(); // [1, 0, 1, 0]: kept weights sum to 2
 * ```
 */
export function gammaOf(s: Tensor, index: Int32Array): Tensor {
  const op = 'pmeta.gammaOf';
  if (tensorArg(op, 's', s).ndim !== 1) throw new NumError('SHAPE_MISMATCH', op, 's must be a vector of channel logits', '[C]', fmtShape(s.shape));
  if (!(index instanceof Int32Array)) throw new NumError('INVALID_ARGUMENT', op, 'index must be an Int32Array of kept channels', 'Int32Array', describe(index));
  const c = s.shape[0]!;
  const idx = fromTyped(index, [index.length]);
  const kept = mul(softmax(gather(s, idx)), index.length);
  return scatterAdd(kept, idx, { axis: 0, size: c });
}

/**
 * Runs an attention module: `{gamma [C], index}` with `index` the kept channels (ascending).
 * @example
 * ```ts
 * const p = initAttention(key(0), 8), x = normal(key(1), [5, 8]); // 8 channels
 * const { gamma, index } = attend(p, x, 0.5);
 * index.length; // 4 (ρ = 0.5 of 8 channels kept)
 * gamma.sum().item(); // 4
 * ```
 */
export function attend(p: AttentionParams, t: Tensor, rho: number, pool: Pooling = 'mean'): { gamma: Tensor; index: Int32Array } {
  attentionArg('pmeta.attend', 'p', p);
  tensorArg('pmeta.attend', 't', t, 2);
  ratioArg('pmeta.attend', 'rho', rho);
  return select(attentionLogits(p, t, pool), rho);
}

/** {@link attend} from a pooled vector. */
export function attendPooled(p: AttentionParams, z: Tensor, rho: number): { gamma: Tensor; index: Int32Array } {
  return select(pooledLogits(p, z), rho);
}

function select(s: Tensor, rho: number): { gamma: Tensor; index: Int32Array } {
  const c = s.shape[0]!;
  const index = noGrad(() => topIndices(s.toTyped() as ArrayLike<number>, keptChannels(rho, c)));
  return { gamma: gammaOf(s, index), index };
}
