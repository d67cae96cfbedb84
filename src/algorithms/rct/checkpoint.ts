/**
 * Checkpoints of an RCT state through saveTree/loadTree. Every array in the file is an integer
 * tensor: q as int8 when the container is Int8Array, else int32 (safetensors I16 has no edgegrad
 * tensor type, so 16-bit containers widen on disk and narrow back on load); momentum velocities
 * as int32. Everything else is plain numbers.
 */
import { NumError, describe } from '../../errors.js';
import { loadTree, saveTree } from '../../io/safetensors.js';
import type { SavedLeaf } from '../../io/safetensors.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Tree } from '../../tree.js';
import { containerFor } from './fixed.js';
import type { IntArray } from './fixed.js';
import type { RctOptState, TensorCounters } from './optimizer.js';
import { checkQuantized } from './quantized.js';
import type { QuantizedParams } from './quantized.js';
import type { RctState, TraceSegment } from './train.js';
import { stateArg } from './check.js';

function intTensor(q: IntArray): Tensor {
  return q instanceof Int8Array ? fromTyped(q.slice(), [q.length]) : fromTyped(Int32Array.from(q), [q.length]);
}

/**
 * The state as a tree of integer tensors and numbers (what {@link saveState} writes).
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * const bytes = saveTree(rct.stateTree(st)); // what rct.saveState writes
 * bytes instanceof Uint8Array; // true
 * ```
 */
export function stateTree(st: RctState): Tree<SavedLeaf> {
  stateArg('rct.stateTree', st);
  const params: Record<string, Tree<SavedLeaf>> = {};
  for (const [path, t] of Object.entries(checkQuantized(st.params, 'rct.stateTree'))) params[path] = { q: intTensor(t.q), shape: t.shape.slice(), b: t.b, f: t.f };
  const velocity: Record<string, Tree<SavedLeaf>> = {};
  for (const [path, v] of Object.entries(st.opt.velocity)) velocity[path] = intTensor(v);
  const counters: Record<string, Tree<SavedLeaf>> = {};
  for (const [path, c] of Object.entries(st.opt.counters)) counters[path] = { ...c };
  return {
    params, opt: { counters, velocity }, ctrl: { ...st.ctrl }, step: st.step,
    trace: st.trace.map((s) => ({ steps: s.steps, examples: s.examples, bits: s.bits.slice() })),
  };
}

function bad(what: string, got: unknown): NumError {
  return new NumError('FORMAT', 'rct.loadState', what, 'an RCT checkpoint (rct.saveState)', describe(got));
}

function rec(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(what, v);
  return v as Record<string, unknown>;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(what, v);
  return v;
}

/**
 * Serialises an RCT state (safetensors bytes, integer dtypes only).
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * const bytes = rct.saveState(st);
 * const again = rct.loadState(bytes); // same integers, same b and f
 * Array.from(again.params['0.weight']!.q).join() === Array.from(st.params['0.weight']!.q).join(); // true
 * ```
 */
export function saveState(st: RctState, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return saveTree(stateTree(st), { method: 'rct', ...metadata });
}

/**
 * Reads a state written by {@link saveState}; rejects malformed files with FORMAT and
 * off-grid or mis-sized integers with STATE_MISMATCH.
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const bytes = rct.saveState(rct.init(cfg, cfg.net.float.init(key(0), [4]).params));
 * const st = rct.loadState(bytes);
 * st.step; // 0
 * ```
 */
export function loadState(bytes: Uint8Array | ArrayBuffer): RctState {
  const root = rec(loadTree(bytes).tree, 'root');
  const params: QuantizedParams = {};
  for (const [path, v] of Object.entries(rec(root['params'], 'params'))) {
    const p = rec(v, `params.${path}`);
    const t = p['q'];
    if (!(t instanceof Tensor) || (t.dtype !== 'int8' && t.dtype !== 'int32')) throw bad(`params.${path}.q must be an int8 or int32 tensor`, t);
    const b = num(p['b'], `params.${path}.b`);
    const shape = p['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw bad(`params.${path}.shape`, shape);
    const src = t.toTyped() as Int8Array | Int32Array;
    const q = containerFor(b, src.length);
    for (let i = 0; i < src.length; i++) q[i] = src[i]!;
    for (let i = 0; i < src.length; i++) {
      if (q[i] !== src[i]) throw new NumError('STATE_MISMATCH', 'rct.loadState', `params.${path}: q[${i}] does not fit ${b} bits`, `${b}-bit integers`, String(src[i]));
    }
    params[path] = { q, shape: shape as number[], b, f: num(p['f'], `params.${path}.f`) };
  }
  checkQuantized(params, 'rct.loadState');
  const opt = rec(root['opt'], 'opt');
  const counters: Record<string, TensorCounters> = {};
  for (const [path, c] of Object.entries(rec(opt['counters'], 'opt.counters'))) {
    const r = rec(c, `opt.counters.${path}`);
    counters[path] = {
      elements: num(r['elements'], 'elements'), nonzero: num(r['nonzero'], 'nonzero'), underflow: num(r['underflow'], 'underflow'),
      saturated: num(r['saturated'], 'saturated'), intervalSum: num(r['intervalSum'], 'intervalSum'),
      intervalCount: num(r['intervalCount'], 'intervalCount'), intervalSaturated: num(r['intervalSaturated'], 'intervalSaturated'),
    };
  }
  const velocity: Record<string, Int16Array> = {};
  for (const [path, v] of Object.entries(rec(opt['velocity'] ?? {}, 'opt.velocity'))) {
    if (!(v instanceof Tensor) || v.dtype !== 'int32') throw bad(`opt.velocity.${path}`, v);
    velocity[path] = Int16Array.from(v.toTyped() as Int32Array);
  }
  const ctrl = rec(root['ctrl'], 'ctrl');
  const traceRaw = root['trace'] ?? [];
  if (!Array.isArray(traceRaw)) throw bad('trace', traceRaw);
  const trace: TraceSegment[] = traceRaw.map((s, i) => {
    const r = rec(s, `trace.${i}`);
    const bits = r['bits'] ?? [];
    if (!Array.isArray(bits)) throw bad(`trace.${i}.bits`, bits);
    return { steps: num(r['steps'], 'steps'), examples: num(r['examples'], 'examples'), bits: bits.map((b) => num(b, 'bits')) };
  });
  const optState: RctOptState = { counters, velocity };
  return {
    params, opt: optState, ctrl: { sinceBoundary: num(ctrl['sinceBoundary'], 'ctrl.sinceBoundary'), boundaries: num(ctrl['boundaries'], 'ctrl.boundaries') },
    step: num(root['step'], 'step'), trace,
  };
}
