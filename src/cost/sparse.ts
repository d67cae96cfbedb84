/**
 * Costs of row-sparse layers (DRESS, spec §5–§6): every row of a `rows × cols` weight keeps the
 * same number of entries, stored as a float value plus a column index (Uint16 when the columns
 * fit, else Uint32).
 */
import { count } from '../validate.js';

/**
 * Forward MACs of a row-sparse layer: `positions · rows · keptPerRow`, where `positions` is the
 * number of output positions per row (batch for linear, `batch·Ho·Wo` for conv).
 *
 * @throws {NumError} `INVALID_ARGUMENT` for counts that are not integers ≥ 0.
 * @example
 * ```ts
 * cost.rowSparseMacs(64, 500, 50); // fc 800→500 at 93.75 % sparsity, batch 64: 1,600,000
 * ```
 */
export function rowSparseMacs(positions: number, rows: number, keptPerRow: number): number {
  const op = 'cost.rowSparseMacs';
  return count(op, 'positions', positions, 0) * count(op, 'rows', rows, 0) * count(op, 'keptPerRow', keptPerRow, 0);
}

/**
 * Bytes of a row-sparse layer: `rows · keptPerRow · (valueBits/8 + index bytes)`, with 2-byte
 * indices when `cols ≤ 65,536` and 4-byte ones otherwise.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for counts that are not integers ≥ 0 (cols ≥ 1).
 * @example
 * ```ts
 * cost.rowSparseBytes(500, 50, 800); // 150,000 bytes (float32 values + Uint16 columns)
 * ```
 */
export function rowSparseBytes(rows: number, keptPerRow: number, cols: number, valueBits = 32): number {
  const op = 'cost.rowSparseBytes';
  const r = count(op, 'rows', rows, 0), n = count(op, 'keptPerRow', keptPerRow, 0);
  const c = count(op, 'cols', cols, 1), v = count(op, 'valueBits', valueBits, 1);
  return r * n * (v / 8 + (c <= 65536 ? 2 : 4));
}
