/**
 * The resource figures of a run, as one record. Every field is optional: a method reports what it
 * has. All values are produced by the functions of `src/cost`; drivers never compute them inline.
 */

/**
 * Resource figures of a model, a step or a run.
 *
 * @example
 * ```ts
 * const c: CostReport = { bits: 200_000, bytes: 25_000, bitsSent: 120_000 };
 * ```
 */
export interface CostReport {
  /** Storage in bits. */
  bits?: number | undefined;
  /** Storage in bytes. */
  bytes?: number | undefined;
  /** Multiply-accumulates. */
  macs?: number | undefined;
  /** Energy in joules. */
  energyJ?: number | undefined;
  /** Peak memory in bytes. */
  peakMemoryBytes?: number | undefined;
  /** Bits on the wire (communication). */
  bitsSent?: number | undefined;
}
