/**
 * Energy per operation and per bit moved, from one published table:
 *
 * M. Horowitz, "Computing's energy problem (and what we can do about it)", IEEE International
 * Solid-State Circuits Conference (ISSCC) 2014, pp. 10–14 — figures for a 45 nm process at
 * 0.9 V, in picojoules:
 *
 * | operation | int8 | int16 | int32 | f16 | f32 |
 * |-----------|------|-------|-------|-----|-----|
 * | add       | 0.03 | 0.05  | 0.1   | 0.4 | 0.9 |
 * | multiply  | 0.2  | *0.8* | 3.1   | 1.1 | 3.7 |
 *
 * | 64-bit access | SRAM 8 KB | SRAM 32 KB | SRAM 1 MB | DRAM |
 * |---------------|-----------|------------|-----------|------|
 * | energy (pJ)   | 10        | 20         | 100       | 1300–2600 |
 *
 * Derived, not in the paper (our choices):
 * - int16 multiply (*0.8*): the paper gives 8- and 32-bit integer multipliers only. An array
 *   multiplier's energy grows with the product of its operand widths, so we scale the int8
 *   figure: `E_mul(a, b) = 0.2 pJ · a·b / 64` ({@link intMulEnergy}); at 16×16 that is 0.8 pJ,
 *   and at 32×32 it gives 3.2 pJ, within 3 % of the published 3.1.
 * - integer adds at other widths ({@link intAddEnergy}): linear interpolation through the
 *   published 8/16/32-bit points and through 0 at width 0, extended past 32 bits along the
 *   16→32 line (`0.1 pJ · b / 32`): a ripple adder grows linearly with its width.
 * - DRAM: the paper gives a range; {@link ENERGY_45NM}.dram64 is 2000 pJ (2 nJ), inside it, and
 *   `dram64Range` keeps the published bounds.
 * - Moving `N` bits costs `N / 64` accesses (fractional accesses; no rounding to whole words).
 */
import { NumError, describe } from '../errors.js';
import { nonNegative } from '../validate.js';

/**
 * The number formats of the table: integers by width, IEEE half and single precision floats.
 *
 * @example
 * ```ts
 * const f: cost.NumberFormat = 'f16';
 * ```
 */
export type NumberFormat = 'int8' | 'int16' | 'int32' | 'f16' | 'f32';

/**
 * A MAC operand: a table format, or an integer width in bits (1–64).
 *
 * @example
 * ```ts
 * const operands: cost.Operand[] = ['f32', 'int8', 12];
 * ```
 */
export type Operand = NumberFormat | number;

/**
 * A memory a value is read from or written to, as in the table.
 *
 * @example
 * ```ts
 * const where: cost.MemoryLevel = 'sram32KB';
 * ```
 */
export type MemoryLevel = 'sram8KB' | 'sram32KB' | 'sram1MB' | 'dram';

/**
 * The 45 nm per-operation energies in picojoules (Horowitz, ISSCC 2014; see the module comment
 * for which entries are derived).
 *
 * @example
 * ```ts
 * cost.ENERGY_45NM.mul.f32 + cost.ENERGY_45NM.add.f32; // 4.6 pJ: one float32 MAC
 * cost.ENERGY_45NM.access.dram / 64;                   // 31.25 pJ per bit from DRAM
 * ```
 */
export const ENERGY_45NM = {
  source: 'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", ISSCC 2014; 45 nm, 0.9 V',
  /** Add, pJ. */
  add: { int8: 0.03, int16: 0.05, int32: 0.1, f16: 0.4, f32: 0.9 },
  /** Multiply, pJ (int16 derived: 0.2 · 16·16/64). */
  mul: { int8: 0.2, int16: 0.8, int32: 3.1, f16: 1.1, f32: 3.7 },
  /** One 64-bit access, pJ (DRAM: 2 nJ, inside the published 1.3–2.6 nJ). */
  access: { sram8KB: 10, sram32KB: 20, sram1MB: 100, dram: 2000 },
  /** The published DRAM range per 64-bit access, pJ. */
  dram64Range: [1300, 2600],
} as const;

const FORMATS: readonly NumberFormat[] = ['int8', 'int16', 'int32', 'f16', 'f32'];
const LEVELS: readonly MemoryLevel[] = ['sram8KB', 'sram32KB', 'sram1MB', 'dram'];
const INT_BITS: Record<string, number> = { int8: 8, int16: 16, int32: 32 };

function format(op: string, name: string, v: unknown): NumberFormat {
  if (typeof v !== 'string' || !(FORMATS as readonly string[]).includes(v)) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a number format of the table`, FORMATS.join(' | '), describe(v));
  }
  return v as NumberFormat;
}

function intWidth(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 64) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be an integer width of 1 to 64 bits`, 'integer in [1, 64]', describe(v));
  }
  return v;
}

/** An operand as `{ float }` or `{ bits }` of an integer. */
function operand(op: string, name: string, v: unknown): { float: 'f16' | 'f32' } | { bits: number } {
  if (typeof v === 'number') return { bits: intWidth(op, name, v) };
  const f = format(op, name, v);
  return f === 'f16' || f === 'f32' ? { float: f } : { bits: INT_BITS[f]! };
}

/**
 * Energy of one add or multiply in a table format, pJ (the table itself; int16 multiply derived).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an operation other than `'add'` / `'mul'` or an
 *   unknown format.
 * @example
 * ```ts
 * cost.opEnergy('mul', 'int8'); // 0.2
 * cost.opEnergy('add', 'f16');  // 0.4
 * ```
 */
export function opEnergy(operation: 'add' | 'mul', fmt: NumberFormat): number {
  const op = 'cost.opEnergy';
  if (operation !== 'add' && operation !== 'mul') throw new NumError('INVALID_ARGUMENT', op, "operation must be 'add' or 'mul'", "'add' | 'mul'", describe(operation));
  return ENERGY_45NM[operation][format(op, 'format', fmt)];
}

/**
 * Energy of an integer multiplier with operand widths `a` and `b`, pJ: `0.2 · a·b / 64` (the
 * published int8 figure scaled by the product of the widths).
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless both widths are integers in [1, 64].
 * @example
 * ```ts
 * cost.intMulEnergy(8, 8);   // 0.2
 * cost.intMulEnergy(16, 16); // 0.8
 * cost.intMulEnergy(32, 32); // 3.2 (published: 3.1)
 * ```
 */
export function intMulEnergy(a: number, b: number): number {
  const op = 'cost.intMulEnergy';
  return (ENERGY_45NM.mul.int8 * intWidth(op, 'a', a) * intWidth(op, 'b', b)) / 64;
}

/**
 * Energy of an integer adder of width `bits`, pJ: the published 0.03 / 0.05 / 0.1 pJ at 8 / 16
 * / 32 bits, linear in between and through 0 below 8 bits, `0.1 · bits / 32` above 32.
 *
 * @throws {NumError} `INVALID_ARGUMENT` unless `bits` is an integer in [1, 64].
 * @example
 * ```ts
 * cost.intAddEnergy(32); // 0.1
 * cost.intAddEnergy(24); // 0.075
 * ```
 */
export function intAddEnergy(bits: number): number {
  const b = intWidth('cost.intAddEnergy', 'bits', bits);
  const { int8, int16, int32 } = ENERGY_45NM.add;
  if (b <= 8) return (int8 * b) / 8;
  if (b <= 16) return int8 + ((int16 - int8) * (b - 8)) / 8;
  if (b <= 32) return int16 + ((int32 - int16) * (b - 16)) / 16;
  return (int32 * b) / 32;
}

/**
 * Energy of one multiply–accumulate, pJ: multiply `a × b`, then add into the accumulator.
 *
 * - Integer operands (a width or `'int8'`/`'int16'`/`'int32'`): {@link intMulEnergy}`(a, b)` —
 *   the width-product model for every width, so a 32×32 MAC is 3.2 + 0.1 pJ, not the table's
 *   3.1 + 0.1 — plus the accumulator's add; default accumulator `int32`.
 * - Float operands (`'f16'`, `'f32'`, or one of each: the wider multiplier): the table's multiply
 *   plus the accumulator's add; default accumulator the wider operand format.
 * - An integer and a float operand together are rejected (no such multiplier).
 *
 * The accumulator may be any {@link Operand}: a width uses {@link intAddEnergy}, a float the table.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an unknown format, a width outside [1, 64] or a mixed
 *   integer/float pair.
 * @example
 * ```ts
 * cost.macEnergy('f32', 'f32'); // 4.6   (3.7 + 0.9)
 * cost.macEnergy(8, 8);         // 0.3   (0.2 + 0.1, int32 accumulator)
 * cost.macEnergy(12, 8);        // 0.4
 * cost.macEnergy(16, 16, 24);   // 0.875 (0.8 + 0.075)
 * ```
 */
export function macEnergy(a: Operand, b: Operand, accumulator?: Operand): number {
  const op = 'cost.macEnergy';
  const x = operand(op, 'a', a), y = operand(op, 'b', b);
  let mul: number;
  let acc: Operand;
  if ('bits' in x && 'bits' in y) {
    mul = intMulEnergy(x.bits, y.bits);
    acc = accumulator ?? 'int32';
  } else if ('float' in x && 'float' in y) {
    const f = x.float === 'f32' || y.float === 'f32' ? 'f32' : 'f16';
    mul = ENERGY_45NM.mul[f];
    acc = accumulator ?? f;
  } else {
    throw new NumError('INVALID_ARGUMENT', op, 'operands must both be integers or both be floats', 'two integer or two float operands', `${describe(a)} × ${describe(b)}`);
  }
  const z = operand(op, 'accumulator', acc);
  return mul + ('bits' in z ? intAddEnergy(z.bits) : ENERGY_45NM.add[z.float]);
}

/**
 * Energy of one 64-bit access to a memory level, pJ.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an unknown level.
 * @example
 * ```ts
 * cost.accessEnergy('sram32KB'); // 20
 * cost.accessEnergy('dram');     // 2000
 * ```
 */
export function accessEnergy(level: MemoryLevel): number {
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) {
    throw new NumError('INVALID_ARGUMENT', 'cost.accessEnergy', 'unknown memory level', LEVELS.join(' | '), describe(level));
  }
  return ENERGY_45NM.access[level];
}

/**
 * Energy of moving `bits` bits to or from a memory level, pJ: `bits / 64 · accessEnergy(level)`
 * (a read or a write costs one access per 64 bits; count each direction separately).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a negative / NaN / infinite bit count or an unknown level.
 * @example
 * ```ts
 * cost.movementEnergy(64, 'dram');     // 2000
 * cost.movementEnergy(32, 'sram32KB'); // 10  (0.3125 pJ per bit)
 * ```
 */
export function movementEnergy(bits: number, level: MemoryLevel): number {
  const n = nonNegative('cost.movementEnergy', 'bits', bits);
  return (n / 64) * accessEnergy(level);
}

// ---- parameter movement over a training run (RCT spec §6) --------------------------------------

/**
 * Bits moved per parameter per training step: integer-only training at `b` bits reads the
 * parameter for forward and for backward and reads + writes it in the update (`4·b`); QAT reads
 * its `b_q`-bit copy twice, reads + writes the FP32 master and writes the re-quantised copy
 * (`3·b_q + 64`); FP32 training moves `4·32 = 128`.
 *
 * @example
 * ```ts
 * cost.parameterMovementBits('integer', 11); // 44
 * cost.parameterMovementBits('qat', 8);      // 88
 * cost.parameterMovementBits('fp32');        // 128
 * ```
 */
export function parameterMovementBits(scheme: 'integer' | 'qat' | 'fp32', bits = 8): number {
  const op = 'cost.parameterMovementBits';
  const b = nonNegative(op, 'bits', bits);
  if (scheme === 'integer') return 4 * b;
  if (scheme === 'qat') return 3 * b + 64;
  if (scheme === 'fp32') return 128;
  throw new NumError('INVALID_ARGUMENT', op, 'unknown scheme', "'integer' | 'qat' | 'fp32'", describe(scheme));
}

/**
 * Energy of moving the parameters over a run, pJ, for integer-only training at the widths in
 * force, QAT and FP32: bits per {@link parameterMovementBits} times the energy per bit, which is
 * DRAM's (31.25 pJ) while that scheme's parameter store exceeds `onChipBytes` (default 256 KiB)
 * and 32 KB SRAM's (0.3125 pJ) otherwise.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for negative counts or widths, or a segment whose width
 *   list does not match `counts`.
 * @example
 * ```ts
 * const e = cost.parameterMovement([431080], [{ steps: 1250, bits: [11] }]);
 * e.integer.pJ / e.qat.pJ; // 0.5 (44 vs 88 bits, both off chip)
 * ```
 */
export function parameterMovement(
  counts: readonly number[], segments: readonly { steps: number; bits: readonly number[] }[],
  opts?: { qatBits?: number | undefined; onChipBytes?: number | undefined },
): { integer: { bits: number; pJ: number }; qat: { bits: number; pJ: number }; fp32: { bits: number; pJ: number } } {
  const op = 'cost.parameterMovement';
  if (!Array.isArray(counts) || !Array.isArray(segments)) throw new NumError('INVALID_ARGUMENT', op, 'counts and segments must be arrays', 'number[], BitSegment[]', describe(counts));
  const qatBits = nonNegative(op, 'qatBits', opts?.qatBits ?? 8);
  const onChip = nonNegative(op, 'onChipBytes', opts?.onChipBytes ?? 256 * 1024);
  const perBit = (storeBits: number): number => accessEnergy(storeBits / 8 > onChip ? 'dram' : 'sram32KB') / 64;
  const n = counts.reduce((a, c, i) => a + nonNegative(op, `counts[${i}]`, c), 0);
  let steps = 0;
  const integer = { bits: 0, pJ: 0 };
  segments.forEach((s, j) => {
    const k = nonNegative(op, `segments[${j}].steps`, s?.steps);
    if (!Array.isArray(s.bits) || s.bits.length !== counts.length) throw new NumError('INVALID_ARGUMENT', op, `segments[${j}].bits needs one width per tensor`, `${counts.length} widths`, describe(s.bits));
    let store = 0, moved = 0;
    s.bits.forEach((b: number, p: number) => { store += counts[p]! * nonNegative(op, 'bits', b); moved += counts[p]! * parameterMovementBits('integer', b); });
    integer.bits += k * moved;
    integer.pJ += k * moved * perBit(store);
    steps += k;
  });
  const qBits = steps * n * parameterMovementBits('qat', qatBits);
  const fBits = steps * n * parameterMovementBits('fp32');
  return {
    integer,
    qat: { bits: qBits, pJ: qBits * perBit(n * (32 + qatBits)) },
    fp32: { bits: fBits, pJ: fBits * perBit(32 * n) },
  };
}
