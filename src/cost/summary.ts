/**
 * A larq-style model summary: one row per parameter tensor, totals grouped by precision, the
 * model size in bytes and the compression factor relative to storing every parameter in float32.
 */
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Tree } from '../tree.js';
import { NumError, describe } from '../errors.js';
import { leafCosts } from './storage.js';
import type { Precision, PrecisionSpec } from './storage.js';

/**
 * One parameter tensor of a {@link Summary}.
 *
 * @example
 * ```ts
 * const row: SummaryRow = summary(params).rows[0]!;
 * `${row.path}: ${row.count} params at ${row.precision} bits = ${row.bytes} bytes`;
 * ```
 */
export interface SummaryRow {
  /** Dotted path (`""` for a params tree that is a single tensor). */
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements. */
  readonly count: number;
  /** Bits per element. */
  readonly precision: Precision;
  /** `count × precision`, rounded up to a whole bit. */
  readonly bits: number;
  /** `ceil(bits / 8)`. */
  readonly bytes: number;
}

/**
 * Totals over the leaves sharing one precision.
 *
 * @example
 * ```ts
 * const binary = summary(params, 1).groups.find((g) => g.precision === 1);
 * ```
 */
export interface PrecisionGroup {
  readonly precision: Precision;
  /** Number of tensors. */
  readonly tensors: number;
  /** Number of elements. */
  readonly count: number;
  readonly bits: number;
  readonly bytes: number;
}

/**
 * Totals of a {@link Summary}.
 *
 * @example
 * ```ts
 * const { count, bytes, compression } = summary(params, 1).totals;
 * ```
 */
export interface SummaryTotals {
  /** Number of tensors. */
  readonly tensors: number;
  readonly count: number;
  readonly bits: number;
  /** Sum of the per-row bytes. */
  readonly bytes: number;
  /** `4 × count`: the size with every parameter stored as float32. */
  readonly float32Bytes: number;
  /** `float32Bytes / bytes` (32 for an all-binary model; 1 when there is nothing to store). */
  readonly compression: number;
}

/**
 * The resource summary of a parameter tree.
 *
 * @example
 * ```ts
 * const s: Summary = summary(params, (path) => (path.endsWith('weight') ? 1 : undefined));
 * console.log(formatSummary(s));
 * ```
 */
export interface Summary {
  /** One row per leaf, in leaf order. */
  readonly rows: readonly SummaryRow[];
  /** One group per distinct precision, highest precision first. */
  readonly groups: readonly PrecisionGroup[];
  readonly totals: SummaryTotals;
}

/**
 * Summarises a parameter tree under a precision (see `storageBits` for the conventions): rows
 * `{path, shape, dtype, count, precision, bits, bytes}`, totals grouped by precision (how many
 * parameters are 32-bit, k-bit, 1-bit, …) and overall totals with the compression factor vs float32.
 * Group and overall totals are exact sums of the rows.
 *
 * @throws {NumError} as `storageBits`.
 * @example
 * ```ts
 * const params = { conv: { weight: zeros([20, 1, 5, 5]), bias: zeros([20]) } };
 * const s = summary(params, { conv: { weight: 1 } });
 * s.totals.count;       // 520
 * s.totals.bytes;       // ceil(500 / 8) + 20 · 4 = 143
 * s.groups.map((g) => [g.precision, g.count]); // [[32, 20], [1, 500]]
 * ```
 */
export function summary(params: Tree<Tensor>, precision?: PrecisionSpec): Summary {
  const ls = leafCosts('summary', params, precision);
  const rows: SummaryRow[] = ls.map((l) => ({
    path: l.path, shape: l.tensor.shape.slice(), dtype: l.tensor.dtype,
    count: l.count, precision: l.precision, bits: l.bits, bytes: l.bytes,
  }));
  const byPrec = new Map<number, { tensors: number; count: number; bits: number; bytes: number }>();
  let count = 0, bits = 0, bytes = 0;
  for (const r of rows) {
    const g = byPrec.get(r.precision) ?? { tensors: 0, count: 0, bits: 0, bytes: 0 };
    g.tensors += 1; g.count += r.count; g.bits += r.bits; g.bytes += r.bytes;
    byPrec.set(r.precision, g);
    count += r.count; bits += r.bits; bytes += r.bytes;
  }
  const groups = [...byPrec.entries()].sort((a, b) => b[0] - a[0]).map(([p, g]) => ({ precision: p, ...g }));
  const float32Bytes = 4 * count;
  const compression = bytes === 0 ? (count === 0 ? 1 : Infinity) : float32Bytes / bytes;
  return { rows, groups, totals: { tensors: rows.length, count, bits, bytes, float32Bytes, compression } };
}

/** Integer with thousands separators (locale-independent). */
function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** Bits per element: integers as is, fractions with up to 3 decimals. */
function fmtPrec(p: number): string {
  return Number.isInteger(p) ? String(p) : String(Number(p.toFixed(3)));
}

/** Bytes with a binary unit. */
function fmtSize(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(2)} KiB`;
  return `${(b / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Exact bytes, plus a binary unit when it is at least 1 KiB. */
function fmtBytes(b: number): string {
  return b < 1024 ? `${fmtInt(b)} B` : `${fmtInt(b)} B (${fmtSize(b)})`;
}

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * Renders a {@link Summary} as an aligned plain-text table (for the CLI and logs): one line per
 * tensor, a total line, then the totals by precision and the model size vs float32. ASCII only,
 * locale-independent.
 *
 * @example
 * ```ts
 * const params = { conv: { weight: zeros([16, 1, 5, 5]), bias: zeros([16]) } };
 * console.log(formatSummary(summary(params, { conv: { weight: 1 } })));
 * // Path         Shape          DType    Bits/el  Params  Bits   Bytes
 * // ...
 * // Model size: 143 B; float32: 2,080 B (2.03 KiB); compression 14.55x vs float32
 * ```
 */
export function formatSummary(s: Summary): string {
  const ok = s !== null && typeof s === 'object' && Array.isArray(s.rows) && Array.isArray(s.groups) && s.totals !== null && typeof s.totals === 'object';
  if (!ok) throw new NumError('INVALID_ARGUMENT', 'cost.formatSummary', 'the argument must be a Summary from cost.summary', '{rows, groups, totals}', describe(s));
  const header = ['Path', 'Shape', 'DType', 'Bits/el', 'Params', 'Bits', 'Bytes'];
  const right = [false, false, false, true, true, true, true];
  const body = s.rows.map((r) => [
    r.path === '' ? '(root)' : r.path, fmtShape(r.shape), r.dtype, fmtPrec(r.precision),
    fmtInt(r.count), fmtInt(r.bits), fmtInt(r.bytes),
  ]);
  const t = s.totals;
  const total = ['Total', '', '', '', fmtInt(t.count), fmtInt(t.bits), fmtInt(t.bytes)];
  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule, ...body.map(line), rule, line(total), '', 'By precision:'];
  const pw = Math.max(0, ...s.groups.map((g) => fmtPrec(g.precision).length));
  const cw = Math.max(0, ...s.groups.map((g) => fmtInt(g.count).length));
  for (const g of s.groups) {
    const share = t.count === 0 ? 0 : (100 * g.count) / t.count;
    out.push(`  ${fmtPrec(g.precision).padStart(pw)}-bit: ${fmtInt(g.count).padStart(cw)} params (${share.toFixed(1)}%) in ${g.tensors} tensor${g.tensors === 1 ? '' : 's'}, ${fmtSize(g.bytes)}`);
  }
  const ratio = Number.isFinite(t.compression) ? `${t.compression.toFixed(2)}x` : 'infinite';
  out.push(`Model size: ${fmtBytes(t.bytes)}; float32: ${fmtBytes(t.float32Bytes)}; compression ${ratio} vs float32`);
  return out.join('\n');
}
