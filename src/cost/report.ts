/**
 * The cost record every run event and report carries (`RunEvent.cost`, `Report.cost`). Each
 * field is optional: a method fills in only what it measures, and every figure comes from a
 * function of `src/cost`.
 */
import { NumError, describe } from '../errors.js';
import { nonNegative } from '../validate.js';

/**
 * Resource figures of a run, a phase or a step. All plain numbers ≥ 0.
 *
 * @example
 * ```ts
 * const c: cost.CostReport = { macs: cost.trainingMacs(specs, 32).total.all, peakMemoryBytes: m.peak };
 * ```
 */
export interface CostReport {
  /** Storage of the model in bits (e.g. `storageBits(params, precision).total`). */
  bits?: number;
  /** Storage of the model in bytes (`storageBytes(…).total`, per-tensor byte aligned). */
  bytes?: number;
  /** Multiply–accumulate operations (see `layerMacs` / `trainingMacs`). */
  macs?: number;
  /** Energy in joules (the energy functions return picojoules: multiply by 1e-12, or use {@link pJ}). */
  energyJ?: number;
  /** Peak memory in bytes (see `trainingMemory`). */
  peakMemoryBytes?: number;
  /** Bits transmitted (see `partialUpdateBits`, `payloadBits`). */
  bitsSent?: number;
}

const FIELDS = ['bits', 'bytes', 'macs', 'energyJ', 'peakMemoryBytes', 'bitsSent'] as const;

/** Picojoules to joules, for {@link CostReport.energyJ}: `pJ(4.6) === 4.6e-12`. */
const PICO = 1e-12;

/**
 * Picojoules (what the energy functions return) to joules (what {@link CostReport} holds).
 *
 * @example
 * ```ts
 * cost.pJ(cost.macEnergy('f32', 'f32')); // 4.6e-12
 * ```
 */
export function pJ(picojoules: number): number {
  return nonNegative('cost.pJ', 'picojoules', picojoules) * PICO;
}

/**
 * Checks a cost record: only the six known fields, each a finite number ≥ 0. Returns a copy
 * holding just the fields that are present.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an unknown field or a value that is negative, NaN or
 *   infinite.
 * @example
 * ```ts
 * cost.costReport({ macs: 1e6, energyJ: 4.6e-6 }); // { macs: 1000000, energyJ: 0.0000046 }
 * ```
 */
export function costReport(c: CostReport): CostReport {
  const op = 'cost.costReport';
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    throw new NumError('INVALID_ARGUMENT', op, 'a cost report must be a plain record', `{${FIELDS.join(', ')}}`, describe(c));
  }
  const out: CostReport = {};
  for (const k of Object.keys(c)) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      throw new NumError('INVALID_ARGUMENT', op, `unknown cost field '${k}'`, FIELDS.join(' | '), `'${k}'`);
    }
    const v = (c as Record<string, unknown>)[k];
    if (v === undefined) continue;
    out[k as (typeof FIELDS)[number]] = nonNegative(op, k, v);
  }
  return out;
}

/**
 * Combines the cost records of consecutive parts of a run (phases, rounds, steps): bits, bytes,
 * MACs, energy and bits sent add up; `peakMemoryBytes` is the maximum (the parts do not run at the
 * same time). A field absent from every input is absent from the result.
 *
 * Storage (`bits`, `bytes`) adds up too, which is right for parts that are stored side by side
 * (e.g. layers); for successive versions of one model take the last report instead.
 *
 * @throws {NumError} `INVALID_ARGUMENT` as {@link costReport}.
 * @example
 * ```ts
 * cost.combineCosts([{ macs: 10, peakMemoryBytes: 100 }, { macs: 5, peakMemoryBytes: 80, bitsSent: 64 }]);
 * // { macs: 15, peakMemoryBytes: 100, bitsSent: 64 }
 * ```
 */
export function combineCosts(reports: readonly CostReport[]): CostReport {
  if (!Array.isArray(reports)) {
    throw new NumError('INVALID_ARGUMENT', 'cost.combineCosts', 'reports must be an array of cost records', 'CostReport[]', describe(reports));
  }
  const out: CostReport = {};
  for (const r of reports) {
    const c = costReport(r);
    for (const k of FIELDS) {
      const v = c[k];
      if (v === undefined) continue;
      const prev = out[k];
      out[k] = prev === undefined ? v : k === 'peakMemoryBytes' ? Math.max(prev, v) : prev + v;
    }
  }
  return out;
}
