/**
 * Quantizer laws as reusable fast-check properties, so users can check their own quantizers.
 */
import fc from 'fast-check';
import { grad } from '../autograd/grad.js';
import type { Quantizer } from '../quant/quantizers.js';
import { key } from '../random.js';
import type { Key } from '../random.js';
import { sum } from '../tensor/ops/reduce.js';
import type { Tensor } from '../tensor/tensor.js';
import { arbTensor } from './index.js';

/** Options of {@link quantizerLaws}. */
export interface LawOptions {
  /** Input range drawn from. Default [-3, 3]. */
  min?: number;
  max?: number;
  /** Relative tolerance for "is a level" (float32 rounding of the level arithmetic). Default 1e-6. */
  levelTolerance?: number;
}

/** A named property. */
export interface Law {
  name: string;
  property: fc.IProperty<[Tensor]>;
}

/**
 * The laws every deterministic quantizer should obey, as fast-check properties over float32
 * vectors: idempotence `q(q(x)) = q(x)`, monotonicity, outputs in the level set (when the
 * quantizer declares one), and a straight-through gradient equal to the indicator of its pass
 * region. Run them with `fc.assert(law.property)` or {@link checkQuantizerLaws}.
 *
 * @example
 * ```ts
 * for (const law of quantizerLaws(steSign())) fc.assert(law.property, { numRuns: 20 });
 * ```
 */
export function quantizerLaws(q: Quantizer, opts?: LawOptions): Law[] {
  const lo = opts?.min ?? -3;
  const hi = opts?.max ?? 3;
  const tol = opts?.levelTolerance ?? 1e-6;
  const arb = fc.integer({ min: 1, max: 40 }).chain((n) => arbTensor({ shape: [n], min: lo, max: hi, views: true }));
  const vals = (t: Tensor) => Array.from(t.toTyped());
  return [
    {
      name: `${q.name}: idempotent, q(q(x)) = q(x)`,
      property: fc.property(arb, (x) => {
        const y = q.apply(x);
        return vals(q.apply(y)).every((v, i) => v === vals(y)[i]);
      }),
    },
    {
      name: `${q.name}: monotone`,
      property: fc.property(arb, (x) => {
        const xs = vals(x);
        const ys = vals(q.apply(x));
        const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
        return order.every((k, j) => j === 0 || ys[order[j - 1]!]! <= ys[k]!);
      }),
    },
    {
      name: `${q.name}: outputs lie in the level set`,
      property: fc.property(arb, (x) => {
        const levels = q.levels;
        if (levels === undefined) return true;
        return vals(q.apply(x)).every((v) => levels.some((l) => Math.abs(v - l) <= tol * Math.max(1, Math.abs(l))));
      }),
    },
    {
      name: `${q.name}: straight-through gradient = 1[pass region]`,
      property: fc.property(arb, (x) => {
        const g = vals(grad((v: Tensor) => sum(q.apply(v)))(x));
        const pass = vals(q.passRegion(x));
        return g.every((v, i) => v === pass[i]);
      }),
    },
  ];
}

/**
 * Runs every law of {@link quantizerLaws} with `fc.assert` (throws on the first failure, with
 * fast-check's counterexample and seed).
 * @example
 * ```ts
 * checkQuantizerLaws(quant.steSign(), { numRuns: 100 });
 * ```
 */
export function checkQuantizerLaws(q: Quantizer, opts?: LawOptions & { numRuns?: number; seed?: number }): void {
  for (const law of quantizerLaws(q, opts)) {
    const params: fc.Parameters<[Tensor]> = { numRuns: opts?.numRuns ?? 100 };
    if (opts?.seed !== undefined) params.seed = opts.seed;
    fc.assert(law.property, params);
  }
}

/**
 * Stochastic rounding is unbiased: over `samples` independent keys the mean of `round(k, x)` is
 * within `sigmas` standard errors of x for every element, and every output is one of the two
 * multiples of `step` around x.
 * @example
 * ```ts
 * fc.assert(stochasticRoundingUnbiased((k, x) => quant.stochasticRound(k, x, 0.25), 0.25));
 * ```
 */
export function stochasticRoundingUnbiased(
  round: (k: Key, x: Tensor) => Tensor, step: number, opts?: { samples?: number; sigmas?: number },
): fc.IProperty<[Tensor, number]> {
  const samples = opts?.samples ?? 400;
  const sigmas = opts?.sigmas ?? 5;
  return fc.property(arbTensor({ shape: [6], min: -4, max: 4, dtype: 'float64' }), fc.nat({ max: 1e6 }), (x, seed) => {
    const xs = Array.from(x.toTyped());
    const sums = new Float64Array(xs.length);
    for (let s = 0; s < samples; s++) {
      const y = Array.from(round(key(seed * 1000 + s), x).toTyped());
      for (let i = 0; i < xs.length; i++) {
        const v = y[i]!;
        const below = Math.floor(xs[i]! / step) * step;
        if (Math.abs(v - below) > 1e-9 && Math.abs(v - (below + step)) > 1e-9) return false;
        sums[i] = sums[i]! + v;
      }
    }
    // Bernoulli spread: the standard error is at most step/(2√samples).
    const se = step / (2 * Math.sqrt(samples));
    return xs.every((v, i) => Math.abs(sums[i]! / samples - v) <= sigmas * se + 1e-12);
  });
}
