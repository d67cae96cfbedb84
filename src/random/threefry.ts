/**
 * The Threefry-2x32 block function (20 rounds; Salmon et al., SC 2011) and the bit-exact
 * constants the samplers build floats with. Literals only: importing runs no code.
 */


// ---- constants (literals only: the module runs no code on import) ------------------------------

export const TWO_32 = 4294967296; // 2^32
export const TWO_M32 = 2.3283064365386963e-10; // 2^-32
export const TWO_20 = 1048576; // 2^20
export const TWO_21 = 2097152; // 2^21, also the attempt stride in the high counter word
export const TWO_M23 = 1.1920928955078125e-7; // 2^-23
export const TWO_M52 = 2.220446049250313e-16; // 2^-52
export const TWO_M53 = 1.1102230246251565e-16; // 2^-53
/** Attempts per element of the rejection samplers (j < 2^11 keeps hi32(i) + j·2^21 < 2^32). */
export const MAX_ATTEMPTS = 2048;
export const INT32_MIN = -2147483648;
export const INT32_LIMIT = 2147483648; // 2^31
export const F32_MIN_SUBNORMAL = 1.401298464324817e-45; // 2^-149

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
export function blockAt(k0: number, k1: number, i: number, j: number, out: number[]): void {
  block(k0, k1, Math.floor(i * TWO_M32) + j * TWO_21, i >>> 0, out);
}
