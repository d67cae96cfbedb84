/**
 * The WebAssembly runtime behind the fast kernels: SIMD feature detection, synchronous
 * compilation of the embedded module, and the linear-memory arena that every kernel call shares.
 *
 * Nothing here runs at import time. The first kernel call that wants WebAssembly validates a tiny
 * SIMD module, compiles the embedded kernels with `new WebAssembly.Module` (synchronous, so no call
 * site needs `await`) and instantiates them; the outcome is remembered. Engines without
 * WebAssembly (QuickJS), without SIMD, or where compilation is refused (a Content-Security-Policy
 * without `wasm-unsafe-eval`, a main thread over the synchronous-compile size limit) get
 * `undefined`, and callers use the JS kernels.
 *
 * The arena is the module's single memory. A call lays out its operands from byte 0 up (bump
 * allocation, reset on every call), so memory only grows to the largest call seen and is reused
 * after that; kernels are synchronous and never re-entered, so one arena is enough.
 *
 * @module
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** The exports of the kernels module (see src/backend/wat/). All pointers are byte offsets. */
export interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gemm_f32(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, cRs: number, acc: number, work: number): void;
  xnor_counts(m: number, n: number, w64: number, a: number, b: number, out: number, nb: number): void;
  gemm_i16(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, cRs: number, acc: number, work: number, scale: number): void;
  im2col_f32(x: number, cols: number, geometry: number, pad: number): void;
  col2im_f32(cols: number, x: number, geometry: number): void;
}

/** The slice of the WebAssembly JS API used here (the ES lib this package compiles against has none). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** `(func (result v128) (i8x16.splat (i32.const 0)))`: validates only where SIMD128 exists. */
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11];

let loaded: KernelExports | null | undefined;

function decodeBase64(s: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lookup = new Uint8Array(128);
  for (let i = 0; i < 64; i++) lookup[alphabet.charCodeAt(i)] = i;
  let len = s.length;
  while (len > 0 && s[len - 1] === '=') len--;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0, acc = 0, bits = 0;
  for (let i = 0; i < len; i++) {
    acc = (acc << 6) | lookup[s.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

function load(): KernelExports | null {
  const wa = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wa === undefined) return null;
  try {
    if (!wa.validate(new Uint8Array(SIMD_PROBE))) return null;
    const module = new wa.Module(decodeBase64(KERNELS_WASM_BASE64));
    return new wa.Instance(module, {}).exports as KernelExports;
  } catch {
    // CompileError under a CSP without wasm-unsafe-eval, RangeError over a size limit, …
    return null;
  }
}

/**
 * The instantiated kernels, or `undefined` where WebAssembly SIMD cannot be used. Detection and
 * compilation run once, on the first call.
 *
 * @example
 * ```ts
 * if (wasmKernels() === undefined) console.log('JS kernels only');
 * ```
 */
export function wasmKernels(): KernelExports | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

/** Views over the arena, refreshed whenever a grow replaces the buffer. */
interface Views { buffer: ArrayBuffer; f32: Float32Array; i32: Int32Array; u32: Uint32Array; i16: Int16Array; u8: Uint8Array }
let views: Views | undefined;

/**
 * Makes the arena at least `bytes` long (growing the memory in 64 KiB pages only when needed)
 * and returns current typed-array views over it. A grow detaches old views, so kernels take
 * their views from here after reserving, never before.
 *
 * @example
 * ```ts
 * const k = wasmKernels();
 * if (k) arenaViews(k, 1 << 20).f32.fill(0, 0, 16);
 * ```
 */
export function arenaViews(k: KernelExports, bytes: number): Views {
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
  const buffer = k.memory.buffer;
  if (views === undefined || views.buffer !== buffer) {
    views = {
      buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u32: new Uint32Array(buffer),
      i16: new Int16Array(buffer), u8: new Uint8Array(buffer),
    };
  }
  return views;
}

/**
 * Current size of the arena in bytes (0 before the module is loaded); for the no-growth test.
 *
 * @example
 * ```ts
 * const before = arenaBytes();
 * ```
 */
export function arenaBytes(): number {
  return loaded ? loaded.memory.buffer.byteLength : 0;
}

/** Rounds a byte count up to a multiple of 16 (v128 alignment for the next operand). */
export const align16 = (x: number): number => (x + 15) & ~15;
