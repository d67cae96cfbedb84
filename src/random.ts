/**
 * Explicit, splittable, seeded random keys in the style of JAX, bit-identical on every runtime.
 *
 * There is no global generator: every sampler takes a {@link Key} and is a pure function of it.
 * A key is a plain `int32` tensor of shape `[2]` holding two 32-bit words, so it serialises with
 * the rest of a model's state. Derive fresh keys with {@link split} or {@link foldIn}; never feed
 * the same key to two samplers whose outputs must be independent.
 *
 * ## Scheme
 *
 * The core is the counter-based block function Threefry-2x32 with 20 rounds (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the generator JAX uses). It maps a key
 * `(k0, k1)` and a counter `(c0, c1)` to two 32-bit words `(o0, o1)`. Everything else is
 * Threefry on counters, following JAX's *partitionable* threefry (`jax_threefry_partitionable`,
 * the JAX default since 0.5):
 *
 * - `key(seed)` is `[hi32(seed), lo32(seed)]` (JAX's `PRNGKey(seed)` for non-negative seeds).
 * - `split(k, n)[i]` is `threefry(k, (hi32(i), lo32(i)))` and `foldIn(k, d)` is
 *   `threefry(k, (hi32(d), lo32(d)))`, so `split(k, n)[i]` equals `foldIn(k, i)` exactly as in
 *   JAX. Split *or* fold a given parent key, not both.
 * - Element `i` (row-major index) of a sample uses the block `B(i, j) = threefry(k,
 *   (hi32(i) + j·2^21, lo32(i)))`, where `j` is the attempt number of rejection samplers
 *   (`j = 0` otherwise; `hi32(i) < 2^21` for every safe integer `i`). With `j = 0` this is JAX's
 *   counter for element `i`. An element depends only on the key and its index, never on the
 *   shape, the size or any chunking.
 * - `uniform` float32: `((o0 ^ o1) >>> 9) · 2^-23` (JAX's 32-bit bits); float64: the top 52 bits
 *   of `o0:o1` times `2^-52`. Then `min + (max − min)·u`, computed in float64 and rounded once.
 * - `bernoulli`: `u53 < p` with `u53` the top 53 bits of `o0:o1` times `2^-53`.
 * - `randint` / `permutation`: unbiased rejection sampling on the words `o0, o1` of
 *   `B(i, 0), B(i, 1), …` (`permutation` is Fisher–Yates; step `i` draws from `[0, i]`).
 * - `normal`: the Marsaglia polar method on pairs of elements (see {@link normal}).
 *
 * Floats are built from integer bits exactly and the only floating-point operations are
 * `+ − × ÷` and `Math.sqrt`, all correctly rounded by IEEE 754, plus a logarithm implemented here
 * from those operations. No platform libm (`Math.log`, `Math.exp`, `Math.sin`, …) is involved,
 * so V8, SpiderMonkey, JavaScriptCore and QuickJS produce the same bits.
 *
 * @packageDocumentation
 */
import { NumError, describe, fmtShape } from './errors.js';
import { fromTyped } from './tensor/create.js';
import { checkShape, sizeOf } from './tensor/shape.js';
import { Tensor } from './tensor/tensor.js';
import { optionalFinite } from './validate.js';

/**
 * A PRNG key: an `int32` tensor of shape `[2]` holding the two 32-bit Threefry key words
 * (stored as signed int32, used as uint32).
 */
export type Key = Tensor;

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

// ---- constants (literals only: the module runs no code on import) ------------------------------

const TWO_32 = 4294967296; // 2^32
const TWO_M32 = 2.3283064365386963e-10; // 2^-32
const TWO_20 = 1048576; // 2^20
const TWO_21 = 2097152; // 2^21, also the attempt stride in the high counter word
const TWO_M23 = 1.1920928955078125e-7; // 2^-23
const TWO_M52 = 2.220446049250313e-16; // 2^-52
const TWO_M53 = 1.1102230246251565e-16; // 2^-53
/** Attempts per element of the rejection samplers (j < 2^11 keeps hi32(i) + j·2^21 < 2^32). */
const MAX_ATTEMPTS = 2048;
const INT32_MIN = -2147483648;
const INT32_LIMIT = 2147483648; // 2^31
const F32_MIN_SUBNORMAL = 1.401298464324817e-45; // 2^-149

// ---- Threefry-2x32 -------------------------------------------------------------------------------

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * Threefry-2x32, 20 rounds. Inputs are uint32 (or int32) words; writes `[o0, o1]` as uint32 into
 * `out`. Arithmetic is int32 (`| 0` wraps additions mod 2^32).
 */
function block(k0: number, k1: number, c0: number, c1: number, out: number[]): void {
  const k2 = 0x1bd11bda ^ k0 ^ k1;
  let x0 = (c0 + k0) | 0;
  let x1 = (c1 + k1) | 0;
  // rounds 1–4
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 1) | 0;
  // rounds 5–8
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 17) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 29) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 16) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 24) ^ x0;
  x0 = (x0 + k2) | 0; x1 = (x1 + k0 + 2) | 0;
  // rounds 9–12
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k0) | 0; x1 = (x1 + k1 + 3) | 0;
  // rounds 13–16
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 17) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 29) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 16) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 24) ^ x0;
  x0 = (x0 + k1) | 0; x1 = (x1 + k2 + 4) | 0;
  // rounds 17–20
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 13) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 15) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 26) ^ x0;
  x0 = (x0 + x1) | 0; x1 = rotl(x1, 6) ^ x0;
  x0 = (x0 + k2) | 0; x1 = (x1 + k0 + 5) | 0;
  out[0] = x0 >>> 0;
  out[1] = x1 >>> 0;
}

/**
 * The raw Threefry-2x32 (20 rounds) block function: key words `(k0, k1)`, counter words
 * `(c0, c1)`, all uint32, to two uint32 output words. Matches the Random123 known-answer tests.
 *
 * @internal
 * @example
 * ```ts
 * threefry2x32(0, 0, 0, 0); // [0x6b200159, 0x99ba4efe]
 * ```
 */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const out = [0, 0];
  block(k0 >>> 0, k1 >>> 0, c0 >>> 0, c1 >>> 0, out);
  return [out[0]!, out[1]!];
}

/** Block `B(i, j)` of the module doc: element index `i` (safe integer ≥ 0), attempt `j`. */
function blockAt(k0: number, k1: number, i: number, j: number, out: number[]): void {
  block(k0, k1, Math.floor(i * TWO_M32) + j * TWO_21, i >>> 0, out);
}

// ---- deterministic logarithm ---------------------------------------------------------------------

/** 2/(2k+1): Taylor coefficients of atanh, correctly rounded by IEEE division. */
const L1 = 2 / 3, L2 = 2 / 5, L3 = 2 / 7, L4 = 2 / 9, L5 = 2 / 11, L6 = 2 / 13;
const L7 = 2 / 15, L8 = 2 / 17, L9 = 2 / 19, L10 = 2 / 21, L11 = 2 / 23;
/** ln 2 split as in fdlibm: LN2_HI has 32 significant bits, so e·LN2_HI is exact for |e| < 2^21. */
const LN2_HI = 6.93147180369123816490e-1; // 0x3FE62E42FEE00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3DEA39EF35793C76
const SQRT2 = 1.4142135623730951;

/**
 * Natural logarithm from IEEE-exact operations only, so every runtime gives the same bits.
 *
 * `x = 2^e · m` is found by exact scaling with powers of two (`m` in `[√2/2, √2]`); then with
 * `f = m − 1` (exact), `s = f/(2+f)`, `log m = 2·atanh(s) = f − (f²/2 − s·(f²/2 + R))` where
 * `R = Σ_{k=1..11} 2/(2k+1)·s^{2k}` (|s| ≤ 0.172, truncation < 1e-18 relative), and
 * `log x = e·ln2_hi + (log m + e·ln2_lo)` as in fdlibm. Accurate to a few ulp (relative error
 * well below 1e-15); `detLog(1) === 0`.
 *
 * @internal
 * @example
 * ```ts
 * detLog(0.5); // ≈ -0.6931471805599453, identical on every engine
 * ```
 */
export function detLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  let e = 0;
  // Bring x into [1, 2) by exact multiplications by powers of two.
  if (x < 1) {
    while (x < TWO_M32) { x *= TWO_32; e -= 32; } // now x >= 2^-32 (subnormals scale exactly)
    let y = x * TWO_32; if (y < 2) { x = y; e -= 32; }
    y = x * 65536; if (y < 2) { x = y; e -= 16; }
    y = x * 256; if (y < 2) { x = y; e -= 8; }
    y = x * 16; if (y < 2) { x = y; e -= 4; }
    y = x * 4; if (y < 2) { x = y; e -= 2; }
    y = x * 2; if (y < 2) { x = y; e -= 1; }
  } else if (x >= 2) {
    while (x >= TWO_32) { x *= TWO_M32; e += 32; } // now x < 2^32
    let y = x * 0.0000152587890625; if (y >= 1) { x = y; e += 16; }
    y = x * 0.00390625; if (y >= 1) { x = y; e += 8; }
    y = x * 0.0625; if (y >= 1) { x = y; e += 4; }
    y = x * 0.25; if (y >= 1) { x = y; e += 2; }
    y = x * 0.5; if (y >= 1) { x = y; e += 1; }
  }
  if (x > SQRT2) { x *= 0.5; e += 1; }
  const f = x - 1; // exact (Sterbenz)
  const hfsq = 0.5 * f * f;
  const s = f / (2 + f);
  const z = s * s;
  const r = z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * (L10 + z * L11))))))))));
  if (e === 0) return f - (hfsq - s * (hfsq + r));
  return e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f);
}

// ---- validation ----------------------------------------------------------------------------------

/** Reads and validates a key; returns its two words as uint32. */
function readKey(op: string, k: unknown): [number, number] {
  if (!(k instanceof Tensor)) {
    throw new NumError('INVALID_ARGUMENT', op, 'key must be a Tensor from key()/split()/foldIn()', 'int32 Tensor of shape [2]', describe(k));
  }
  if (k.dtype !== 'int32' || k.shape.length !== 1 || k.shape[0] !== 2) {
    throw new NumError('INVALID_ARGUMENT', op, 'key must be an int32 tensor of shape [2]', 'int32 [2]', `${k.dtype} ${fmtShape(k.shape)}`);
  }
  const d = k.data;
  const stride = k.strides[0] ?? 1;
  return [d[k.offset]! >>> 0, d[k.offset + stride]! >>> 0];
}

function makeKey(w0: number, w1: number): Key {
  return fromTyped(new Int32Array([w0 | 0, w1 | 0]), [2]);
}

/** A non-negative safe integer, else INVALID_ARGUMENT. */
function checkIndex(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a non-negative safe integer`, 'integer in [0, 2^53 - 1]', describe(v));
  }
  return v;
}

function checkOpts(op: string, opts: unknown): void {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'object | undefined', describe(opts));
  }
}

function checkFloatDType(op: string, dtype: unknown): 'float32' | 'float64' {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new NumError('DTYPE_MISMATCH', op, 'dtype must be a float type', 'float32 | float64', describe(dtype));
  }
  return dtype;
}

/** The largest float32 (`f32`) or float64 below the finite value `x` (which is representable). */
function nextDown(x: number, f32: boolean): number {
  if (x === 0) return f32 ? -F32_MIN_SUBNORMAL : -Number.MIN_VALUE;
  const dv = new DataView(new ArrayBuffer(8));
  if (f32) {
    dv.setFloat32(0, x);
    const b = dv.getUint32(0);
    dv.setUint32(0, x > 0 ? b - 1 : b + 1);
    return dv.getFloat32(0);
  }
  dv.setFloat64(0, x);
  let hi = dv.getUint32(0);
  let lo = dv.getUint32(4);
  if (x > 0) {
    if (lo === 0) { hi -= 1; lo = 0xffffffff; } else lo -= 1;
  } else if (lo === 0xffffffff) { hi += 1; lo = 0; } else lo += 1;
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  return dv.getFloat64(0);
}

// ---- keys ----------------------------------------------------------------------------------------

/**
 * Creates a key from a seed: a non-negative safe integer. Both 32-bit halves of the seed are used:
 * the key words are `[floor(seed / 2^32), seed mod 2^32]` (JAX's `PRNGKey(seed)`).
 *
 * @throws {NumError} `INVALID_ARGUMENT` when `seed` is not an integer in `[0, 2^53 − 1]`.
 * @example
 * ```ts
 * const k = key(42);
 * k.toArray(); // [0, 42]
 * const x = uniform(k, [3]); // three floats in [0, 1)
 * ```
 */
export function key(seed: number): Key {
  const s = checkIndex('key', 'seed', seed);
  return makeKey(Math.floor(s * TWO_M32), s >>> 0);
}

/**
 * Splits a key into `n` new, independent keys (an array). Key `i` is Threefry of the parent on
 * the counter `(hi32(i), lo32(i))`, as JAX's partitionable `split`; it therefore equals
 * `foldIn(k, i)`, so use either `split` or `foldIn` on a given parent key, not both.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or an `n` that is not a non-negative integer,
 *   `OUT_OF_RANGE` for `n >= 2^32`.
 * @example
 * ```ts
 * let k = key(0);
 * const [next, sub] = split(k);   // JAX-style: keep one, consume the other
 * const w = normal(sub, [4, 4]);
 * k = next;
 * const many = split(k, 8);       // 8 keys
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  const op = 'split';
  const [k0, k1] = readKey(op, k);
  const count = checkIndex(op, 'n', n);
  if (count > 0xffffffff) throw new NumError('OUT_OF_RANGE', op, 'too many keys', 'n <= 2^32 - 1', String(count));
  const w = [0, 0];
  const out: Key[] = new Array<Key>(count);
  for (let i = 0; i < count; i++) {
    blockAt(k0, k1, i, 0, w);
    out[i] = makeKey(w[0]!, w[1]!);
  }
  return out;
}

/**
 * Derives a key from a key and a non-negative integer (e.g. a step or layer number):
 * Threefry of the key on the counter `(hi32(data), lo32(data))`, as JAX's `fold_in`.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad key or `data` not an integer in `[0, 2^53 − 1]`.
 * @example
 * ```ts
 * const base = key(7);
 * for (let step = 0; step < 3; step++) {
 *   const kStep = foldIn(base, step);
 *   const noise = normal(kStep, [2]);
 * }
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  const op = 'foldIn';
  const [k0, k1] = readKey(op, k);
  const d = checkIndex(op, 'data', data);
  const w = [0, 0];
  blockAt(k0, k1, d, 0, w);
  return makeKey(w[0]!, w[1]!);
}

// ---- samplers ------------------------------------------------------------------------------------

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
