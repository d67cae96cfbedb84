/**
 * Samplers: uniform, normal, bernoulli, randint and permutation, each a pure function of its key
 * with element `i` drawn from block `B(i, j)` (see `random.ts`).
 */
import { NumError, describe } from '../errors.js';
import { fromTyped } from '../tensor/create.js';
import { checkShape, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { optionalFinite } from '../validate.js';
import type { Key } from './keys.js';
import { INT32_LIMIT, INT32_MIN, MAX_ATTEMPTS, TWO_20, TWO_21, TWO_32, TWO_M23, TWO_M52, TWO_M53, blockAt } from './threefry.js';
import { detLog } from './detlog.js';
import { checkFloatDType, checkIndex, checkOpts, nextDown, readKey } from './check.js';

/** Options of {@link uniform}. */
export interface UniformOptions {
  /** Element type; default float32. */
  dtype?: 'float32' | 'float64' | undefined;
  /** Inclusive lower bound; default 0. */
  min?: number | undefined;
  /** Exclusive upper bound; default 1. */
  max?: number | undefined;
}

/** Options of {@link normal}. */
export interface NormalOptions {
  /** Element type; default float32. */
  dtype?: 'float32' | 'float64' | undefined;
  /** Mean; default 0. */
  mean?: number | undefined;
  /** Standard deviation (≥ 0); default 1. */
  std?: number | undefined;
}

/**
 * Uniform floats in `[min, max)` (default `[0, 1)`), float32 by default. Element `i` comes from
 * the Threefry block of counter `i`: float32 uses `((o0 ^ o1) >>> 9)·2^-23` (bit-identical to
 * JAX's partitionable `uniform` for the default range), float64 the top 52 bits of `o0:o1`.
 * The value `min + (max − min)·u` is computed in float64, rounded once to the dtype and kept
 * below `max` as represented in the dtype.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key, shape or non-finite bound,
 *   `DTYPE_MISMATCH` for a non-float dtype, `OUT_OF_RANGE` unless `min < max` (in the dtype).
 * @example
 * ```ts
 * const u = uniform(key(0), [2, 3]);                             // float32 in [0, 1)
 * const w = uniform(key(1), [100], { min: -0.1, max: 0.1, dtype: 'float64' });
 * ```
 */
export function uniform(k: Key, shape: readonly number[], opts?: UniformOptions): Tensor {
  const op = 'uniform';
  const [k0, k1] = readKey(op, k);
  const s = checkShape(op, shape);
  checkOpts(op, opts);
  const dtype = checkFloatDType(op, opts?.dtype);
  const min = optionalFinite(op, 'min', opts?.min, 0);
  const max = optionalFinite(op, 'max', opts?.max, 1);
  const f32 = dtype === 'float32';
  const lo = f32 ? Math.fround(min) : min;
  const hi = f32 ? Math.fround(max) : max;
  if (!(lo < hi) || !Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(max - min)) {
    throw new NumError('OUT_OF_RANGE', op, `min must be below max with a finite range in ${dtype}`, 'min < max', `min ${min}, max ${max}`);
  }
  const width = max - min;
  const top = nextDown(hi, f32);
  const n = sizeOf(s);
  const w = [0, 0];
  if (f32) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      blockAt(k0, k1, i, 0, w);
      const v = Math.fround(min + width * (((w[0]! ^ w[1]!) >>> 9) * TWO_M23));
      out[i] = v > top ? top : v < lo ? lo : v;
    }
    return fromTyped(out, s);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    blockAt(k0, k1, i, 0, w);
    const v = min + width * ((w[0]! * TWO_20 + (w[1]! >>> 12)) * TWO_M52);
    out[i] = v > top ? top : v;
  }
  return fromTyped(out, s);
}

/**
 * Normal samples, standard (mean 0, std 1) by default, float32 by default.
 *
 * Scheme: the Marsaglia polar method on element pairs `(2p, 2p+1)`. Attempt `j` of pair `p`
 * takes `u` from block `B(2p, j)` and `v` from `B(2p+1, j)` (module doc), each as
 * `(2m + 1)·2^-52 − 1` with `m` the top 52 bits of `o0:o1` (a symmetric lattice in `(−1, 1)`,
 * exact, never 0). With `s = u² + v²`, the first attempt with `s < 1` gives
 * `z = (u, v)·√(−2·log(s)/s)`. The log is {@link detLog} (IEEE-exact operations only) and the
 * rest is `+ − × ÷ √`, so results are bit-identical across engines. Values are computed in
 * float64 as `mean + std·z` and rounded once, so the float32 result is the float64 result
 * rounded. Element `i` depends only on the key and `i`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key, shape or non-finite mean/std,
 *   `DTYPE_MISMATCH` for a non-float dtype, `OUT_OF_RANGE` for `std < 0`.
 * @example
 * ```ts
 * const z = normal(key(0), [1000]);                          // ≈ N(0, 1), float32
 * const w = normal(key(1), [64, 32], { std: 0.02, dtype: 'float64' });
 * ```
 */
export function normal(k: Key, shape: readonly number[], opts?: NormalOptions): Tensor {
  const op = 'normal';
  const [k0, k1] = readKey(op, k);
  const s = checkShape(op, shape);
  checkOpts(op, opts);
  const dtype = checkFloatDType(op, opts?.dtype);
  const mean = optionalFinite(op, 'mean', opts?.mean, 0);
  const std = optionalFinite(op, 'std', opts?.std, 1);
  if (std < 0) throw new NumError('OUT_OF_RANGE', op, 'std must be non-negative', 'std >= 0', String(std));
  const n = sizeOf(s);
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const w = [0, 0];
  for (let i = 0; i < n; i += 2) {
    let z0 = 0;
    let z1 = 0;
    for (let j = 0; j < MAX_ATTEMPTS; j++) {
      blockAt(k0, k1, i, j, w);
      const u = (2 * (w[0]! * TWO_20 + (w[1]! >>> 12)) + 1) * TWO_M52 - 1;
      blockAt(k0, k1, i + 1, j, w);
      const v = (2 * (w[0]! * TWO_20 + (w[1]! >>> 12)) + 1) * TWO_M52 - 1;
      const q = u * u + v * v;
      if (q < 1) {
        const f = Math.sqrt((-2 * detLog(q)) / q);
        z0 = u * f;
        z1 = v * f;
        break;
      }
      // Rejection probability is 1 − π/4 per attempt: 2048 failures never happen in practice
      // (probability < 10^-1300); the deterministic fallback is z = 0.
    }
    out[i] = mean + std * z0;
    if (i + 1 < n) out[i + 1] = mean + std * z1;
  }
  return fromTyped(out, s);
}

/**
 * Boolean samples that are `true` with probability `p`: element `i` is `u53 < p` with `u53` the
 * top 53 bits of its block (so `p = 0` never and `p = 1` always gives `true`).
 *
 * @throws {NumError} `OUT_OF_RANGE` unless `0 <= p <= 1`; `INVALID_ARGUMENT` for a bad key/shape.
 * @example
 * ```ts
 * const keep = bernoulli(key(3), 0.9, [128]); // dropout mask, bool
 * ```
 */
export function bernoulli(k: Key, p: number, shape: readonly number[]): Tensor {
  const op = 'bernoulli';
  const [k0, k1] = readKey(op, k);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new NumError('OUT_OF_RANGE', op, 'p must be a probability', 'a number in [0, 1]', describe(p));
  }
  const s = checkShape(op, shape);
  const n = sizeOf(s);
  const out = new Uint8Array(n);
  const w = [0, 0];
  for (let i = 0; i < n; i++) {
    blockAt(k0, k1, i, 0, w);
    out[i] = (w[0]! * TWO_21 + (w[1]! >>> 11)) * TWO_M53 < p ? 1 : 0;
  }
  return fromTyped(out, s, { dtype: 'bool' });
}

/**
 * Unbiased integer in `[0, r)` for element/step `i`, `1 <= r <= 2^32`: rejection sampling on the
 * words of `B(i, 0), B(i, 1), …` (accept `w < r·floor(2^32 / r)`, return `w mod r`).
 */
function sampleBelow(k0: number, k1: number, i: number, r: number, w: number[]): number {
  const limit = r * Math.floor(TWO_32 / r);
  for (let j = 0; j < MAX_ATTEMPTS; j++) {
    blockAt(k0, k1, i, j, w);
    if (w[0]! < limit) return w[0]! % r;
    if (w[1]! < limit) return w[1]! % r;
  }
  // Each word is rejected with probability < 1/2: 4096 rejections never happen in practice.
  return w[1]! % r;
}

/**
 * Uniform int32 integers in `[lo, hi)`, unbiased (rejection sampling, see the module doc).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key/shape or non-integer bounds,
 *   `OUT_OF_RANGE` unless `-2^31 <= lo < hi <= 2^31`.
 * @example
 * ```ts
 * const labels = randint(key(5), [32], 0, 10); // int32 in 0..9
 * ```
 */
export function randint(k: Key, shape: readonly number[], lo: number, hi: number): Tensor {
  const op = 'randint';
  const [k0, k1] = readKey(op, k);
  const s = checkShape(op, shape);
  for (const [name, v] of [['lo', lo], ['hi', hi]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer`, 'safe integer', describe(v));
    }
  }
  if (lo < INT32_MIN || hi > INT32_LIMIT || lo >= hi) {
    throw new NumError('OUT_OF_RANGE', op, 'bounds must give a non-empty int32 range', `-2^31 <= lo < hi <= 2^31`, `lo ${lo}, hi ${hi}`);
  }
  const r = hi - lo;
  const n = sizeOf(s);
  const out = new Int32Array(n);
  const w = [0, 0];
  for (let i = 0; i < n; i++) out[i] = lo + sampleBelow(k0, k1, i, r, w);
  return fromTyped(out, s);
}

/**
 * A random permutation of `0 … n−1` as an int32 tensor of shape `[n]`: Fisher–Yates where step
 * `i` (from `n−1` down to 1) swaps slot `i` with an unbiased draw from `[0, i]` (rejection
 * sampling on the blocks of counter `i`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or `n` not a non-negative integer,
 *   `OUT_OF_RANGE` for `n > 2^31`.
 * @example
 * ```ts
 * const order = permutation(key(9), 5).toArray(); // e.g. [3, 0, 4, 1, 2]
 * ```
 */
export function permutation(k: Key, n: number): Tensor {
  const op = 'permutation';
  const [k0, k1] = readKey(op, k);
  const m = checkIndex(op, 'n', n);
  if (m > INT32_LIMIT) {
    throw new NumError('OUT_OF_RANGE', op, 'n too large for int32 indices', 'n <= 2^31', String(m));
  }
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = i;
  const w = [0, 0];
  for (let i = m - 1; i > 0; i--) {
    const j = sampleBelow(k0, k1, i, i + 1, w);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return fromTyped(out, [m]);
}
