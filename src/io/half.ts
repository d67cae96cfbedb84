/**
 * Bit-exact decoding of IEEE half precision (F16) and bfloat16 (BF16) to float32 bit patterns,
 * written by hand so it does not depend on `Float16Array` (missing in most runtimes).
 * Every half value is exactly representable in float32, so the decode is lossless: zeros keep
 * their sign, subnormals are normalised, infinities stay infinite and NaN payloads are kept
 * (shifted into the top of the float32 mantissa).
 * @internal
 */

/**
 * The float32 bit pattern (as an unsigned 32-bit integer) of an F16 bit pattern.
 *
 * @example
 * ```ts
 * f16BitsToF32Bits(0x3c00); // 0x3f800000 (1.0)
 * f16BitsToF32Bits(0x0001); // 0x33800000 (2^-24, the smallest subnormal)
 * ```
 */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0) {
    if (mant === 0) return sign >>> 0;
    // Subnormal: mant · 2^-24. Shift until the implicit bit appears, lowering the exponent.
    let e = 127 - 15 + 1;
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      e--;
    }
    return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
  }
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  return (sign | ((exp + 127 - 15) << 23) | (mant << 13)) >>> 0;
}

/**
 * The float32 bit pattern of a BF16 bit pattern (bfloat16 is the top half of a float32).
 *
 * @example
 * ```ts
 * bf16BitsToF32Bits(0x3f80); // 0x3f800000 (1.0)
 * ```
 */
export function bf16BitsToF32Bits(h: number): number {
  return ((h & 0xffff) << 16) >>> 0;
}

/**
 * Decodes `n` little-endian 16-bit values starting at `bytes[at]` into a fresh Float32Array.
 *
 * @example
 * ```ts
 * decodeHalf(new Uint8Array([0x00, 0x3c]), 0, 1, 'F16'); // Float32Array [1]
 * ```
 */
export function decodeHalf(bytes: Uint8Array, at: number, n: number, kind: 'F16' | 'BF16'): Float32Array {
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  const conv = kind === 'F16' ? f16BitsToF32Bits : bf16BitsToF32Bits;
  for (let i = 0, p = at; i < n; i++, p += 2) bits[i] = conv(bytes[p]! | (bytes[p + 1]! << 8));
  return out;
}
