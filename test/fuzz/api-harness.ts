// API fuzzing harness: enumerates the package's exports at run time (root functions and the
// functions of every namespace object, deduplicated by identity, plus Tensor methods and the
// methods of objects the exports return) and calls them with generated arguments drawn from
// valid, boundary and invalid pools. An outcome is 'ok' (returned), 'numerror' (a NumError with a
// code and an op named in the message) or 'other' (anything else: the failure this suite hunts).
import fc from 'fast-check';
import * as lib from '../../src/index.js';

export interface Entry { name: string; fn: (...args: unknown[]) => unknown; isClass: boolean }

/** Every callable export: root functions and `ns.fn` for each namespace object, first name wins. */
export function enumerateExports(mod: Record<string, unknown> = lib as unknown as Record<string, unknown>): Entry[] {
  const seen = new Set<unknown>();
  const out: Entry[] = [];
  const add = (name: string, v: unknown): void => {
    if (typeof v !== 'function' || seen.has(v)) return;
    seen.add(v);
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(v));
    out.push({ name, fn: v as Entry['fn'], isClass });
  };
  for (const [k, v] of Object.entries(mod)) add(k, v);
  for (const [k, v] of Object.entries(mod)) {
    if (v !== null && typeof v === 'object') for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) add(`${k}.${k2}`, v2);
  }
  return out;
}

/** Names of the Tensor instance methods (getters excluded). */
export function tensorMethods(): string[] {
  const proto = lib.Tensor.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).filter((n) => {
    if (n === 'constructor') return false;
    const d = Object.getOwnPropertyDescriptor(proto, n);
    return d !== undefined && typeof d.value === 'function';
  });
}

/** Thrown by a generated user callback: propagating it unchanged is the right behaviour. */
export class UserError extends Error {}

const cyclic = (): unknown => {
  const a: Record<string, unknown> = { w: lib.zeros([2]) };
  a['self'] = a;
  return a;
};

/** Values built fresh per call (tensors are immutable, but a fresh pool keeps calls independent). */
const TENSORS: (() => unknown)[] = [
  () => lib.tensor(1.5),
  () => lib.zeros([0]),
  () => lib.zeros([2, 0, 3]),
  () => lib.tensor([[1, -2, 3], [4, 5, -6]]),
  () => lib.tensor([1, 2, 3, 4], { dtype: 'int32' }),
  () => lib.tensor([true, false], { dtype: 'bool' }),
  () => lib.tensor([[0.5, 2], [-1, 3]], { dtype: 'float64' }),
  () => lib.tensor([1, 2, 3], { dtype: 'uint8' }),
  () => lib.tensor([1, -2], { dtype: 'int8' }),
  () => lib.tensor([[1, 2, 3], [4, 5, 6]]).transpose(),
  () => lib.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]).slice([0, 1], [2, 2]),
  () => lib.zeros([1, 1, 4, 4]),
  () => lib.tensor([NaN, Infinity, -Infinity]),
  () => lib.key(0),
];

const VALID: (() => unknown)[] = [
  () => 0, () => 1, () => 2, () => 3, () => -1, () => 0.5, () => true, () => false,
  () => [2, 3], () => [], () => [0], () => [1], () => [-1], () => 'float32', () => 'int32', () => 'same', () => 'valid',
  () => ({}), () => ({ axis: 0 }), () => ({ axis: -1, keepdims: true }), () => ({ dtype: 'float64' }),
  () => ({ w: lib.tensor([1, 2]), b: lib.tensor(0) }), () => [lib.tensor([1, 2]), lib.tensor([3, 4])],
  () => (x: unknown) => x, () => (x: unknown) => (x instanceof lib.Tensor ? lib.sum(x as lib.Tensor) : x),
  () => lib.sgd(0.1), () => lib.nn.linear(2), () => lib.key(3),
];

const INVALID: (() => unknown)[] = [
  () => undefined, () => null, () => NaN, () => Infinity, () => -Infinity, () => -3, () => 1.5, () => 2 ** 31, () => 2 ** 53,
  () => [2 ** 31, 2 ** 31], () => [NaN], () => [1.5, 2], () => [-2, 3], () => [1e9, 1e9, 1e9], () => ['a'],
  () => 'bogus', () => '', () => 'float16', () => 42n, () => Object.create(null), () => new BigInt64Array(2),
  () => new Float32Array(3), () => new Int32Array([1, 7]), () => new Uint8Array(0), () => new ArrayBuffer(4),
  () => ({ axis: 'x' }), () => ({ axis: 1.5 }), () => ({ dtype: 'bogus' }), () => ({ keepdims: 'yes' }),
  () => ({ eps: 0 }), () => ({ eps: 'x' }), () => ({ argnums: lib.tensor(0) }), () => ({ stride: -1, padding: 'x' }),
  () => ({ learningRate: 'x' }), () => ({ shape: [2 ** 31] }), () => () => 1, () => () => { throw new UserError('user callback'); },
  cyclic, () => new Date(0), () => new Map(), () => Symbol.iterator,
];

/** One argument: a weighted mix of tensors, valid-ish plain values and invalid values. */
export const arbArg: fc.Arbitrary<() => unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...TENSORS), weight: 3 },
  { arbitrary: fc.constantFrom(...VALID), weight: 3 },
  { arbitrary: fc.constantFrom(...INVALID), weight: 3 },
);

export const arbArgs: fc.Arbitrary<(() => unknown)[]> = fc.array(arbArg, { minLength: 0, maxLength: 4 });

export type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'numerror'; code: string; op: string }
  | { kind: 'user' }
  | { kind: 'other'; signature: string; error: unknown };

/** The first line of an error reduced to a signature: numbers and quoted text blanked. */
function signatureOf(name: string, e: unknown): string {
  const ctor = e instanceof Error ? e.constructor.name : typeof e;
  const msg = e instanceof Error ? e.message : String(e);
  return `${name} ${ctor}: ${msg.split('\n')[0]!.replace(/\d+/g, 'N').replace(/"[^"]*"|'[^']*'/g, 'S').slice(0, 120)}`;
}

/** Calls `f` and classifies what happened. A NumError must carry a code and name its op in the message. */
export function classify(name: string, f: () => unknown): Outcome {
  try {
    return { kind: 'ok', value: f() };
  } catch (e) {
    if (e instanceof UserError) return { kind: 'user' };
    if (lib.isNumError(e)) {
      if (e.code.length > 0 && e.op.length > 0 && e.message.startsWith(`${e.op}: `)) return { kind: 'numerror', code: e.code, op: e.op };
      return { kind: 'other', signature: `${name} malformed NumError: ${e.message.slice(0, 80)}`, error: e };
    }
    return { kind: 'other', signature: signatureOf(name, e), error: e };
  }
}

/** Methods worth calling on a returned value: functions, and function members of plain results. */
export function followUps(name: string, v: unknown): { name: string; call: (args: unknown[]) => unknown }[] {
  if (typeof v === 'function') return [{ name: `${name}()`, call: (args) => (v as (...a: unknown[]) => unknown)(...args) }];
  if (v instanceof lib.Tensor) {
    return tensorMethods().map((m) => ({
      name: `Tensor.${m}`,
      call: (args: unknown[]) => (v as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!(...args),
    }));
  }
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || Array.isArray(v)) return [];
  const out: { name: string; call: (args: unknown[]) => unknown }[] = [];
  for (const [k, m] of Object.entries(v as Record<string, unknown>)) {
    if (typeof m === 'function') out.push({ name: `${name}().${k}`, call: (args) => (m as (...a: unknown[]) => unknown).apply(v, args) });
  }
  return out;
}
