/**
 * Argument checks and small bit helpers shared by the key functions and the samplers.
 * @internal
 */
import { NumError, describe, fmtShape } from '../errors.js';
import { fromTyped } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { Key } from './keys.js';
import { F32_MIN_SUBNORMAL } from './threefry.js';

/** Reads and validates a key; returns its two words as uint32. */
export function readKey(op: string, k: unknown): [number, number] {
  if (!(k instanceof Tensor)) {
    throw new NumError('INVALID_ARGUMENT', op, 'key must be a Tensor from key()/split()/foldIn()', 'int32 Tensor of shape [2]', describe(k));
  }
  if (k.dtype !== 'int32' || k.shape.length !== 1 || k.shape[0] !== 2) {
    throw new NumError('INVALID_ARGUMENT', op, 'key must be an int32 tensor of shape [2]', 'int32 [2]', `${k.dtype} ${fmtShape(k.shape)}`);
  }
  const d = k.data;
  const stride = k.strides[0] ?? 1;
  return [d[k.offset]! >>> 0, d[k.offset + stride]! >>> 0];
}

export function makeKey(w0: number, w1: number): Key {
  return fromTyped(new Int32Array([w0 | 0, w1 | 0]), [2]);
}

/** A non-negative safe integer, else INVALID_ARGUMENT. */
export function checkIndex(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new NumError('INVALID_ARGUMENT', op, `${name} must be a non-negative safe integer`, 'integer in [0, 2^53 - 1]', describe(v));
  }
  return v;
}

export function checkOpts(op: string, opts: unknown): void {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new NumError('INVALID_ARGUMENT', op, 'options must be an object', 'object | undefined', describe(opts));
  }
}

export function checkFloatDType(op: string, dtype: unknown): 'float32' | 'float64' {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new NumError('DTYPE_MISMATCH', op, 'dtype must be a float type', 'float32 | float64', describe(dtype));
  }
  return dtype;
}

/** The largest float32 (`f32`) or float64 below the finite value `x` (which is representable). */
export function nextDown(x: number, f32: boolean): number {
  if (x === 0) return f32 ? -F32_MIN_SUBNORMAL : -Number.MIN_VALUE;
  const dv = new DataView(new ArrayBuffer(8));
  if (f32) {
    dv.setFloat32(0, x);
    const b = dv.getUint32(0);
    dv.setUint32(0, x > 0 ? b - 1 : b + 1);
    return dv.getFloat32(0);
  }
  dv.setFloat64(0, x);
  let hi = dv.getUint32(0);
  let lo = dv.getUint32(4);
  if (x > 0) {
    if (lo === 0) { hi -= 1; lo = 0xffffffff; } else lo -= 1;
  } else if (lo === 0xffffffff) { hi += 1; lo = 0; } else lo += 1;
  dv.setUint32(0, hi);
  dv.setUint32(4, lo);
  return dv.getFloat64(0);
}
