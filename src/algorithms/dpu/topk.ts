/**
 * Exact top-k indices of a float64 array (quickselect for the threshold, then a stable pass), the
 * ranking step of global top-S selection.
 */


/**
 * The `k`-th smallest (0-based) entry of `a`, which it reorders; `a` holds no NaN. Quickselect
 * with median-of-three pivots and a three-way partition (score vectors have long runs of equal
 * values, e.g. the −∞ of dropped weights), in O(n) on average instead of a full sort's
 * O(n log n); after 2·log2(n) partitions that did not finish, the remaining range is sorted, so
 * an adversarial input costs at most a sort.
 */
function kthSmallestInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length; // [lo, hi) still holds position k
  let partitions = 2 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (hi - lo > 16 && partitions-- > 0) {
    const x = a[lo]!, y = a[(lo + hi) >>> 1]!, z = a[hi - 1]!;
    const p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let lt = lo, i = lo, gt = hi - 1; // [lo, lt) < p, [lt, i) = p, (gt, hi) > p
    while (i <= gt) {
      const e = a[i]!;
      if (e < p) { a[i] = a[lt]!; a[lt++] = e; i++; } else if (e > p) { a[i] = a[gt]!; a[gt--] = e; } else i++;
    }
    if (k < lt) hi = lt;
    else if (k > gt) lo = gt + 1;
    else return p;
  }
  a.subarray(lo, hi).sort();
  return a[k]!;
}

/** The first `count` flat positions of `values` by (value descending, index ascending); NaN ranks last. @internal */
export function topIndices(values: Float64Array, count: number): Int32Array {
  const n = values.length;
  const out = new Int32Array(count);
  if (count === 0) return out;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    v[i] = x !== x ? -Infinity : x === 0 ? 0 : x; // NaN last; −0 and +0 are one value
  }
  const threshold = kthSmallestInPlace(Float64Array.from(v), n - count);
  let above = 0;
  for (let i = 0; i < n; i++) if (v[i]! > threshold) above++;
  let ties = count - above;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x > threshold || (x === threshold && ties-- > 0)) out[o++] = i;
  }
  return out;
}
