// Re-exports for the demo, plus the one loss it needs until src/nn lands.
import { gather, logSoftmax, mean, neg, reshape, arange, type Tensor } from '../src/index.js';
export * from '../src/index.js';

/** Mean cross-entropy of integer labels: -mean(logSoftmax(logits)[i, y_i]). */
export function crossEntropyDemo(logits: Tensor, labels: Tensor): Tensor {
  const n = logits.shape[0]!;
  const c = logits.shape[1]!;
  const flat = reshape(logSoftmax(logits), [n * c]);
  const idx = arange(n).mul(c).add(labels);
  return neg(mean(gather(flat, idx)));
}
