/**
 * The one error class of edgegrad. Every check at a public boundary throws a `NumError` whose
 * `code` says what kind of mistake it is and whose message names the op, the argument, what was
 * expected and what arrived: `"<op>: <what>; expected <x>, got <y>"`.
 */

/** Machine-readable error kinds. */
export type NumErrorCode =
  | 'SHAPE_MISMATCH'
  | 'DTYPE_MISMATCH'
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_RANGE'
  | 'STRUCTURE_MISMATCH'
  | 'STATE_MISMATCH'
  | 'NOT_DIFFERENTIABLE'
  | 'FORMAT';

/**
 * Error thrown by every public entry point on bad input.
 *
 * @example
 * ```ts
 * try { matmul(zeros([2, 3]), zeros([4, 5])); }
 * catch (e) { if (isNumError(e)) console.log(e.code, e.op); } // SHAPE_MISMATCH matmul
 * ```
 */
export class NumError extends Error {
  override readonly name = 'NumError';
  // `declare`d and assigned below: no class-field definitions in the emitted JS (smaller bundles).
  declare readonly code: NumErrorCode;
  declare readonly op: string;
  declare readonly expected: string | undefined;
  declare readonly received: string | undefined;

  constructor(code: NumErrorCode, op: string, what: string, expected?: string, received?: string) {
    super(`${op}: ${what}${(expected ?? received) !== undefined ? `; expected ${expected ?? '?'}, got ${received ?? '?'}` : ''}`);
    this.code = code;
    this.op = op;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * A NumError for a value that is not what an argument needs: `code` (default
 * `INVALID_ARGUMENT`), "got" from {@link describe}. One call instead of the constructor's five
 * arguments, so the many boundary checks of a kernel stay small. @internal
 * @example
 * ```ts
 * if (typeof n !== 'number') throw badArg('bitMatrix', 'rows', 'an integer >= 0', n);
 * ```
 */
export function badArg(op: string, what: string, expected: string, got: unknown, code: NumErrorCode = 'INVALID_ARGUMENT'): NumError {
  return new NumError(code, op, what, expected, describe(got));
}

/**
 * Throws a `SHAPE_MISMATCH` NumError unless the length or count `got` equals `want`. @internal
 * @example
 * ```ts
 * checkLength('xnorGemm', 'bias.length', 4, bias.length);
 * ```
 */
export function checkLength(op: string, what: string, want: number, got: unknown): void {
  if (got !== want) throw badArg(op, what, `${want}`, got, 'SHAPE_MISMATCH');
}

/**
 * Type guard for {@link NumError}, robust across bundle copies (checks `name` and `code`).
 *
 * @example
 * ```ts
 * try {
 *   loadTree(new Uint8Array(4));
 * } catch (err) {
 *   console.assert(isNumError(err) && err.code === 'FORMAT');
 * }
 * ```
 */
export function isNumError(e: unknown): e is NumError {
  return e instanceof NumError || (e instanceof Error && e.name === 'NumError' && typeof (e as { code?: unknown }).code === 'string');
}

/** Formats a shape for messages: `[2, 3]`. @internal */
export function fmtShape(shape: readonly number[]): string {
  // Messages are built from unchecked input too; never let the formatter itself throw.
  if (!Array.isArray(shape)) return describe(shape);
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/** Short printable description of any value for "got ..." parts of messages. @internal */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (!v || typeof v !== 'object') return String(v);
  // Arrays and typed arrays as `Float32Array(6)`, other objects by class name.
  const name = (v as { constructor?: { name?: string } }).constructor?.name, len = (v as { length?: unknown }).length;
  return `${name && name !== 'Object' ? name : 'object'}${typeof len === 'number' ? `(${len})` : ''}`;
}
