// A watchdog for synchronous calls: a timer measured after a call returns cannot catch a call that
// never returns, and vitest's test timeout cannot fire while the thread is blocked. A second
// thread watches a shared slot the fuzzing thread writes before and after each call; when one call
// stays active past the bound it prints the call's name and the replay command, and kills the
// process, so a hang fails the run within the bound instead of stalling CI.
import { Worker } from 'node:worker_threads';

/** Marks calls in and out; {@link startWatchdog} returns one. */
export interface Watchdog {
  enter(call: string): void;
  leave(): void;
  stop(): Promise<number>;
}

const NAME_BYTES = 500;

/** Starts the watchdog thread; `replay` is printed with the stuck call's name. */
export function startWatchdog(boundMs: number, replay: string): Watchdog {
  // Test-only, Node-only: the one way to share memory with a thread while this one is blocked.
  // eslint-disable-next-line no-restricted-syntax
  const sab = new SharedArrayBuffer(12 + NAME_BYTES);
  const state = new Int32Array(sab, 0, 3);
  const name = new Uint8Array(sab, 12);
  const enc = new TextEncoder();
  const thread = new Worker(new URL('./watchdog-thread.mjs', import.meta.url), { workerData: { sab, boundMs, replay } });
  thread.unref();
  return {
    enter(call) {
      const { written } = enc.encodeInto(call, name);
      Atomics.store(state, 2, written);
      Atomics.add(state, 1, 1);
      Atomics.store(state, 0, 1);
    },
    leave() { Atomics.store(state, 0, 0); },
    stop: () => thread.terminate(),
  };
}
