/**
 * Spec §9 No. 1 as a function: walk everything reachable from a state object and list the float
 * buffers (Float32Array / Float64Array, including tensors' storage) of at least `minLength`
 * elements. An RCT state has none; QAT's float master shows up here.
 */
import { Tensor } from '../../tensor/tensor.js';
import { nonNegativeInt } from '../../validate.js';

/** A float buffer found by {@link floatBuffers}. */
export interface FoundBuffer {
  path: string;
  kind: 'Float32Array' | 'Float64Array';
  length: number;
}

/**
 * Float buffers of length ≥ `minLength` reachable from `root` (objects, arrays, maps, tensors).
 * @example
 * ```ts
 * const cfg = rct.config(rct.mlp(4, [3]), { learningRate: 0.05 });
 * const st = rct.init(cfg, cfg.net.float.init(key(0), [4]).params);
 * rct.floatBuffers(st, 10).length; // 0: an RCT state holds no float master weights
 * rct.floatBuffers(cfg.net.float.init(key(0), [4]).params, 10).length; // 1: the float 4×3 weight
 * ```
 */
export function floatBuffers(root: unknown, minLength: number): FoundBuffer[] {
  nonNegativeInt('rct.floatBuffers', 'minLength', minLength);
  const out: FoundBuffer[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Float32Array || v instanceof Float64Array) {
      if (v.length >= minLength) out.push({ path, kind: v instanceof Float32Array ? 'Float32Array' : 'Float64Array', length: v.length });
      return;
    }
    if (ArrayBuffer.isView(v)) return;
    if (v instanceof Tensor) { visit(v.data, `${path}.data`); return; }
    if (v instanceof Map) { for (const [k, x] of v) visit(x, `${path}.${String(k)}`); return; }
    for (const [k, x] of Object.entries(v)) visit(x, path === '' ? k : `${path}.${k}`);
  };
  visit(root, '');
  return out;
}
