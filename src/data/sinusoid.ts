/**
 * Sinusoid regression tasks (MAML, Finn et al. 2017): y = A·sin(x − φ) with amplitude
 * A ~ U[0.1, 5], phase φ ~ U[0, π] and inputs x ~ U[−5, 5], one task per key.
 */
import { NumError, describe } from '../errors.js';
import { split, uniform } from '../random.js';
import type { Key } from '../random.js';
import { fromTyped } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkCount } from '../validate.js';

/**
 * Options of {@link sampleSinusoidTask}; ranges default to MAML's.
 * @example
 * ```ts
 * const opts: SinusoidOptions = { shots: 10, queries: 10 };
 * ```
 */
export interface SinusoidOptions {
  shots: number;
  queries: number;
  amplitude?: readonly [number, number] | undefined;
  phase?: readonly [number, number] | undefined;
  x?: readonly [number, number] | undefined;
  dtype?: 'float32' | 'float64' | undefined;
}

/** A regression set: x `[n, 1]`, y `[n, 1]` (float). */
export interface RegressionSet {
  x: Tensor;
  y: Tensor;
}

/**
 * A sinusoid task: support and query sets drawn from one curve.
 * @example
 * ```ts
 * const t: SinusoidTask = sampleSinusoidTask(key(0), { shots: 10, queries: 10 });
 * t.amplitude; // in [0.1, 5]
 * ```
 */
export interface SinusoidTask {
  support: RegressionSet;
  query: RegressionSet;
  amplitude: number;
  phase: number;
}

function range(op: string, name: string, r: readonly [number, number] | undefined, dflt: [number, number]): [number, number] {
  if (r === undefined) return dflt;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isFinite(v)) || !(r[0] <= r[1])) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a finite [lo, hi] with lo <= hi`, '[lo, hi]', describe(r));
  }
  return [r[0], r[1]];
}

/**
 * Samples one sinusoid task from a key (the same key gives the same task).
 *
 * @throws {NumError} `INVALID_ARGUMENT`/`OUT_OF_RANGE` for bad counts or ranges.
 * @example
 * ```ts
 * const { support, query } = sampleSinusoidTask(foldIn(key(0), 7), { shots: 10, queries: 10 });
 * query.y.shape;   // [10, 1]
 * support.x.shape; // [10, 1]
 * ```
 */
export function sampleSinusoidTask(k: Key, opts: SinusoidOptions): SinusoidTask {
  const op = 'sampleSinusoidTask';
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'SinusoidOptions', describe(opts));
  const shots = checkCount(op, 'shots', opts.shots, 1);
  const queries = checkCount(op, 'queries', opts.queries, 0);
  const [a0, a1] = range(op, 'amplitude', opts.amplitude, [0.1, 5]);
  const [p0, p1] = range(op, 'phase', opts.phase, [0, Math.PI]);
  const [x0, x1] = range(op, 'x', opts.x, [-5, 5]);
  const dtype = opts.dtype ?? 'float32';
  const [ka, kx] = split(k, 2) as [Key, Key];
  const ap = uniform(ka, [2], { dtype: 'float64' }).data;
  const amplitude = a0 + (a1 - a0) * ap[0]!;
  const phase = p0 + (p1 - p0) * ap[1]!;
  const n = shots + queries;
  const u = uniform(kx, [n], { dtype: 'float64' }).data;
  const make = (from: number, m: number): RegressionSet => {
    const xs = dtype === 'float32' ? new Float32Array(m) : new Float64Array(m);
    const ys = dtype === 'float32' ? new Float32Array(m) : new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const x = x0 + (x1 - x0) * u[from + i]!;
      xs[i] = x;
      ys[i] = amplitude * Math.sin(x - phase);
    }
    return { x: fromTyped(xs, [m, 1]), y: fromTyped(ys, [m, 1]) };
  };
  return { support: make(0, shots), query: make(shots, queries), amplitude, phase };
}
