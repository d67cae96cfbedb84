/**
 * A natural logarithm from `+ − × ÷` alone, so `normal` gives the same bits on every engine
 * (no platform libm).
 */
import { TWO_32, TWO_M32 } from './threefry.js';

/**
 * 2/(2k+1): Taylor coefficients of atanh, correctly rounded by IEEE division (written as the
 * shortest literals that round-trip to exactly 2 / 3, 2 / 5, …; a top-level division is a
 * statement bundlers keep).
 */
const L1 = 0.6666666666666666, L2 = 0.4, L3 = 0.2857142857142857, L4 = 0.2222222222222222, L5 = 0.18181818181818182, L6 = 0.15384615384615385;
const L7 = 0.13333333333333333, L8 = 0.11764705882352941, L9 = 0.10526315789473684, L10 = 0.09523809523809523, L11 = 0.08695652173913043;
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
