/**
 * Parameter views: latent parameters → effective parameters (quantized, masked). The optimizer
 * updates the latent tree; the forward pass sees `view.apply(latent, state)`; gradients reach the
 * latent tree through the view (straight-through where the view is a quantizer).
 */
import type { Params } from '../tree.js';

/** A view of parameters with its own typed, plain state. */
export interface ParamView<S> {
  init(params: Params): S;
  apply(params: Params, state: S): Params;
}
