// Reference twins for the API fuzzer: when a fuzzed call to one of these exports returns, its
// result is recomputed element by element from the inputs' strided storage (test/helpers.ts) in
// float64 and compared. Only float inputs and outputs are checked: integer and bool dtypes have
// their own promotion and wrap-around rules, covered by the op tests themselves.
import { Tensor, isFloat, tensor } from '../../src/index.js';
import { at, atBroadcast, bshape, indices } from '../helpers.js';

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;

const UNARY: Record<string, Unary> = {
  abs: Math.abs, neg: (x) => -x, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, square: (x) => x * x,
  tanh: Math.tanh, relu: (x) => (x > 0 ? x : 0), sigmoid: (x) => 1 / (1 + Math.exp(-x)), floor: Math.floor,
};
const BINARY: Record<string, Binary> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
  maximum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.max(x, y)),
  minimum: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.min(x, y)),
};

/** Exports with a reference twin here. */
export const REFERENCED: ReadonlySet<string> = new Set([...Object.keys(UNARY), ...Object.keys(BINARY), 'matmul', 'sum']);

function close(got: number, want: number, f32: boolean): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want || (f32 && !Number.isFinite(got) && Math.sign(got) === Math.sign(want));
  const w = f32 ? Math.fround(want) : want;
  if (f32 && !Number.isFinite(w)) return !Number.isFinite(got) && Math.sign(got) === Math.sign(w);
  const tol = f32 ? 1e-5 : 1e-12;
  return Math.abs(got - w) <= tol * Math.max(1, Math.abs(w));
}

function compare(out: Tensor, want: (idx: number[]) => number, shape: readonly number[]): string | undefined {
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) return `shape [${out.shape.join(', ')}], reference [${shape.join(', ')}]`;
  const f32 = out.dtype === 'float32';
  for (const idx of indices(shape)) {
    const g = at(out, idx), w = want(idx);
    if (!close(g, w, f32)) return `at [${idx.join(', ')}]: ${g}, reference ${w}`;
  }
  return undefined;
}

/** Outcome of {@link checkReference}: not covered, agreeing, or the first difference. */
export type RefResult = 'skipped' | 'agrees' | { diff: string };

/**
 * Checks a returned value against the reference twin of `name`; calls outside what the twin
 * covers (options, non-float dtypes, other arities) are 'skipped'.
 */
export function checkReference(name: string, args: readonly unknown[], out: unknown): RefResult {
  const d = difference(name, args, out);
  return d === null ? 'skipped' : d === undefined ? 'agrees' : { diff: d };
}

function difference(name: string, args: readonly unknown[], out: unknown): string | undefined | null {
  if (!REFERENCED.has(name) || !(out instanceof Tensor) || !isFloat(out.dtype)) return null;
  // Plain numbers are scalar operands; anything else (options, keys of other dtypes) is not covered.
  const ts = args.map((a) => (a instanceof Tensor ? a : typeof a === 'number' ? tensor(a, { dtype: 'float64' }) : undefined));
  if (ts.some((t) => t === undefined || !isFloat(t.dtype))) return null;
  const u = UNARY[name];
  if (!ts.every((t): t is Tensor => t instanceof Tensor)) return null;
  if (u !== undefined && ts.length === 1) return compare(out, (idx) => u(at(ts[0]!, idx)), ts[0]!.shape);
  const b = BINARY[name];
  if (b !== undefined && ts.length === 2) {
    const [x, y] = ts as [Tensor, Tensor];
    return compare(out, (idx) => b(atBroadcast(x, idx), atBroadcast(y, idx)), bshape(x.shape, y.shape));
  }
  if (name === 'sum' && ts.length === 1) {
    const x = ts[0]!;
    let s = 0;
    for (const idx of indices(x.shape)) s += at(x, idx);
    return compare(out, () => s, []);
  }
  if (name === 'matmul' && ts.length === 2 && ts[0]!.ndim === 2 && ts[1]!.ndim === 2) {
    const [x, y] = ts as [Tensor, Tensor];
    const [m, k] = x.shape as [number, number], n = y.shape[1]!;
    return compare(out, ([i, j]) => {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(x, [i!, p]) * at(y, [p, j!]);
      return s;
    }, [m, n]);
  }
  return null;
}
