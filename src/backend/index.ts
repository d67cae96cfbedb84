/**
 * Kernel backend selection: `'wasm'` (WebAssembly SIMD, the default where the engine has it) or
 * `'js'` (plain JavaScript, everywhere). Both compute the same results within the documented
 * tolerances (integer and binary kernels bit-identically); see docs/wasm.md.
 *
 * @module
 */
import { NumError, describe } from '../errors.js';
import { wasmAvailable } from './runtime.js';

/** A kernel backend name. */
export type BackendName = 'js' | 'wasm';

let chosen: BackendName | undefined;

/**
 * True when WebAssembly SIMD kernels can run in this engine (detected once, lazily).
 *
 * @example
 * ```ts
 * backend.available(); // true in Node 20
 * ```
 */
function available(): boolean {
  return wasmAvailable();
}

/**
 * The active backend: what {@link set} chose, else `'wasm'` where available, else `'js'`.
 *
 * @example
 * ```ts
 * backend.get(); // 'wasm' in Node
 * ```
 */
function get(): BackendName {
  chosen ??= available() ? 'wasm' : 'js';
  return chosen;
}

/**
 * Selects the backend for every later kernel call.
 *
 * @throws NumError `INVALID_ARGUMENT` for a name other than `'js'` / `'wasm'`, or `'wasm'` where
 * WebAssembly SIMD is unavailable.
 * @example
 * ```ts
 * backend.set('js');   // plain JS kernels (e.g. to compare)
 * backend.set('wasm');
 * ```
 */
function set(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm') {
    throw new NumError('INVALID_ARGUMENT', 'backend.set', 'unknown backend', "'js' or 'wasm'", describe(name));
  }
  if (name === 'wasm' && !available()) {
    throw new NumError('INVALID_ARGUMENT', 'backend.set', 'WebAssembly SIMD is not available in this engine', "'js'", "'wasm'");
  }
  chosen = name;
}

/**
 * The kernel backend **(API)**: `backend.get()`, `backend.set('js' | 'wasm')`, `backend.available()`.
 *
 * @example
 * ```ts
 * import { backend } from 'edgegrad';
 * backend.set('js');
 * console.log(backend.get()); // 'js'
 * ```
 */
export const backend = { get, set, available } as const;

/**
 * True when kernels should take the WebAssembly path: the backend is `'wasm'` (lazily resolved).
 *
 * @example
 * ```ts
 * if (useWasm()) { ... }
 * ```
 */
export function useWasm(): boolean {
  return get() === 'wasm';
}
