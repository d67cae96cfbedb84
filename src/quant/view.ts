/**
 * Quantizers as parameter views: the optimizer keeps float *latent* weights, the forward pass
 * sees quantized *effective* weights, and gradients reach the latent weights straight through.
 */
import type { Params } from '../tree.js';
import type { PrecisionFn } from '../cost/index.js';
import { NumError, describe } from '../errors.js';
import type { EmptyState, ParamView } from '../optim/index.js';
import { mapWithPath } from '../tree.js';
import type { Quantizer } from './quantizers.js';
import { Tensor } from '../tensor/tensor.js';

/** Chooses the quantizer of each leaf (undefined = keep the float leaf). */
export type QuantizerSelect = (path: string, t: Tensor) => Quantizer | undefined;

function selector(op: string, q: Quantizer | QuantizerSelect): QuantizerSelect {
  if (typeof q === 'function') return q;
  if (q === null || typeof q !== 'object' || typeof q.apply !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'expected a Quantizer or a (path, tensor) => Quantizer | undefined function', 'Quantizer | function', describe(q));
  }
  // Default: quantize weight matrices and kernels (ndim >= 2); keep biases and norms in float.
  return (_path, t) => {
    if (!(t instanceof Tensor)) throw new NumError('INVALID_ARGUMENT', op, 'the leaf must be a Tensor', 'Tensor', describe(t));
    return t.ndim >= 2 ? q : undefined;
  };
}

/**
 * A {@link ParamView} that quantizes selected leaves (by default every leaf with ndim ≥ 2).
 * @example
 * ```ts
 * const model = nn.mlp([2]), x = ones([3, 4]), y = tensor([0, 1, 1], { dtype: 'int32' });
 * const { params } = model.init(key(0), [4]);
 * const view = quant.quantizedView(quant.steSign());
 * const loss = (latent: Params) => crossEntropy(model.apply(view.apply(latent, {}) as Params[], x), y);
 * tree.paths(grad(loss)(params)); // ['0.weight', '0.bias']
 * ```
 */
export function quantizedView(q: Quantizer | QuantizerSelect): ParamView<EmptyState> {
  const select = selector('quantizedView', q);
  return {
    init: () => ({}),
    apply: (params: Params) => mapWithPath((path, t: Tensor) => {
      const q = select(path, t);
      if (q !== undefined && (q === null || typeof q.apply !== 'function')) {
        throw new NumError('INVALID_ARGUMENT', 'quantizedView', `the selector returned a non-quantizer for '${path}'`, 'Quantizer | undefined', describe(q));
      }
      return q?.apply(t) ?? t;
    }, params),
  };
}

/**
 * The storage precision per leaf implied by a quantizer selection, for `cost.summary`.
 * @example
 * ```ts
 * const { params } = nn.sequential(nn.linear(64)).init(key(0), [32]);
 * cost.summary(params, quant.viewPrecision(quant.steSign())).totals.bytes; // 512
 * ```
 */
export function viewPrecision(q: Quantizer | QuantizerSelect): PrecisionFn {
  const select = selector('viewPrecision', q);
  return (path, t) => {
    const r = select(path, t);
    if (r !== undefined && (r === null || typeof r !== 'object')) throw new NumError('INVALID_ARGUMENT', 'viewPrecision', `the selector returned a non-quantizer for '${path}'`, 'Quantizer | undefined', describe(r));
    return r?.precision;
  };
}
