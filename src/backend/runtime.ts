/**
 * The WebAssembly runtime behind the fast kernels: SIMD feature detection, lazy synchronous
 * compilation of one module per kernel family, and the linear-memory arena they all share.
 *
 * Nothing here runs at import time. {@link wasmAvailable} compiles a tiny SIMD module once; each
 * family (src/backend/wat/NN-name.wat → `WASM_NAME` in kernels-wasm.ts) is compiled with
 * `new WebAssembly.Module` (synchronous, so no call site needs `await`) the first time one of
 * its kernels runs, so a bundle carries and compiles only the families it uses. Engines without
 * WebAssembly (QuickJS), without SIMD, or where compilation is refused (a Content-Security-Policy
 * without `wasm-unsafe-eval`, a main thread over the synchronous-compile size limit) get
 * `undefined`, and callers use the JS kernels.
 *
 * The arena is one `WebAssembly.Memory` that every family imports. A call lays out its operands
 * from byte 0 up (bump allocation, reset on every call), so memory only grows to the largest call
 * seen and is reused after that; kernels are synchronous and never re-entered, so one arena is
 * enough, and one family's output can be the next one's input without a copy.
 *
 * @module
 */
import { WASM_GEMM_I16 } from './kernels-wasm.js';

/** A WebAssembly memory as the kernels see it. */
export interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }

/** The slice of the WebAssembly JS API used here (the ES lib this package compiles against has none). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number }) => WasmMemory;
}

/**
 * `(func (result v128) (i8x16.splat (i32.const 0)))`, base64: compiles only where SIMD128 exists.
 * Exported for the bundle-size test, which counts it with the kernel modules.
 * @example
 * ```ts
 * SIMD_PROBE.startsWith('AGFzbQ'); // true: "\0asm"
 * ```
 */
export const SIMD_PROBE = 'AGFzbQEAAAABBQFgAAF7AwIBAAoIAQYAQQD9Dws=';

let memory: WasmMemory | null | undefined;

/** The engine's WebAssembly (the ES lib this package compiles against declares none). */
const wasmApi = (): WasmApi => (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;

/**
 * Compiles a base64 module. Throws where WebAssembly or atob is missing (a TypeError), where the
 * bytes do not validate (no SIMD: a CompileError) or compilation is refused (a CSP without
 * `wasm-unsafe-eval`, a main thread over the synchronous-compile size limit); callers catch.
 */
function compile(base64: string): object {
  const { atob } = globalThis as { atob?: (s: string) => string };
  return new (wasmApi().Module)(Uint8Array.from(atob!(base64), (ch) => ch.charCodeAt(0)));
}

/**
 * True when WebAssembly SIMD modules can be compiled here (checked once: the SIMD probe
 * compiles, and the shared memory is created).
 *
 * @example
 * ```ts
 * if (!wasmAvailable()) console.log('JS kernels only');
 * ```
 */
export function wasmAvailable(): boolean {
  if (memory === undefined) {
    try {
      compile(SIMD_PROBE);
      memory = new (wasmApi().Memory)({ initial: 1 });
    } catch {
      memory = null;
    }
  }
  return memory !== null;
}

/**
 * A loader for one kernel family: compiles and instantiates the base64 module against the shared
 * memory on its first call, then returns the same exports; `undefined` (remembered) where
 * WebAssembly SIMD is unavailable or this module fails to compile.
 *
 * @example
 * ```ts
 * const xnorKernels = lazyKernels<{ xnor_counts(...a: number[]): void }>(WASM_XNOR);
 * xnorKernels()?.xnor_counts(2, 2, 2, 0, 64, 128, 2);
 * ```
 */
export function lazyKernels<T>(base64: string): () => T | undefined {
  let loaded: T | null | undefined;
  return () => {
    if (loaded === undefined) {
      try {
        loaded = wasmAvailable() ? new (wasmApi().Instance)(compile(base64), { env: { memory } }).exports as T : null;
      } catch {
        loaded = null;
      }
    }
    return loaded ?? undefined;
  };
}

/**
 * Makes the arena at least `bytes` long (growing the memory in 64 KiB pages only when needed) and
 * returns its buffer; a grow replaces the buffer and detaches views over the old one. Call only
 * after a family loaded.
 *
 * @example
 * ```ts
 * if (xnorKernels()) new Int32Array(arenaBuffer(1024)).fill(0, 0, 256);
 * ```
 */
export function arenaBuffer(bytes: number): ArrayBuffer {
  const mem = memory!, have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
  return mem.buffer;
}

/** Views over the arena, refreshed whenever a grow replaces the buffer. */
interface Views { buffer: ArrayBuffer; f32: Float32Array; i32: Int32Array; u32: Uint32Array; i16: Int16Array; u16: Uint16Array; u8: Uint8Array }
let views: Views | undefined;

/**
 * Makes the arena at least `bytes` long (growing the memory in 64 KiB pages only when needed)
 * and returns current typed-array views over it. A grow detaches old views, so kernels take
 * their views from here after reserving, never before. Call only after a family loaded (the
 * first argument is ignored; it is kept for callers written against one module).
 *
 * @example
 * ```ts
 * if (gemmKernels()) arenaViews(null, 1 << 20).f32.fill(0, 0, 16);
 * ```
 */
export function arenaViews(_k: unknown, bytes: number): Views {
  const buffer = arenaBuffer(bytes);
  if (views === undefined || views.buffer !== buffer) {
    views = {
      buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u32: new Uint32Array(buffer),
      i16: new Int16Array(buffer), u16: new Uint16Array(buffer), u8: new Uint8Array(buffer),
    };
  }
  return views;
}

/**
 * Current size of the arena in bytes (0 before WebAssembly is used); for the no-growth test.
 *
 * @example
 * ```ts
 * const before = arenaBytes();
 * ```
 */
export function arenaBytes(): number {
  return memory ? memory.buffer.byteLength : 0;
}

/** Rounds a byte count up to a multiple of 16 (v128 alignment for the next operand). */
export const align16 = (x: number): number => (x + 15) & ~15;

/** The int16 GEMM family (src/backend/wat/30-gemm-i16.wat). */
export interface KernelExports {
  gemm_i16(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, cRs: number, acc: number, work: number, scale: number): void;
}

/**
 * The int16 GEMM family, compiled on first use (`undefined` without WebAssembly SIMD). The name
 * predates one module per family; src/backend/intgemm.ts calls it.
 *
 * @example
 * ```ts
 * wasmKernels()?.gemm_i16(1, 1, 1, 0, 1, 1, 16, 1, 1, 32, 1, 0, 64, 1);
 * ```
 */
export const wasmKernels = /* @__PURE__ */ lazyKernels<KernelExports>(WASM_GEMM_I16);
