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
 * Layout: `random/keys.ts` (key, split, foldIn), `random/samplers.ts`, `random/threefry.ts`,
 * `random/detlog.ts`; this module only re-exports.
 *
 * @packageDocumentation
 */
export { detLog } from './random/detlog.js';
export { foldIn, key, split } from './random/keys.js';
export type { Key } from './random/keys.js';
export { bernoulli, normal, permutation, randint, uniform } from './random/samplers.js';
export type { NormalOptions, UniformOptions } from './random/samplers.js';
export { threefry2x32 } from './random/threefry.js';
