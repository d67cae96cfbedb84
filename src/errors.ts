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
  readonly code: NumErrorCode;
  readonly op: string;
  readonly expected: string | undefined;
  readonly received: string | undefined;

  constructor(code: NumErrorCode, op: string, what: string, expected?: string, received?: string) {
    super(formatMessage(op, what, expected, received));
    this.code = code;
    this.op = op;
    this.expected = expected;
    this.received = received;
  }
}

function formatMessage(op: string, what: string, expected?: string, received?: string): string {
  let msg = `${op}: ${what}`;
  if (expected !== undefined || received !== undefined) {
    msg += `; expected ${expected ?? '?'}, got ${received ?? '?'}`;
  }
  return msg;
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
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== 'Object' ? name : 'object';
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
