/* global setInterval, TextDecoder, process -- Node globals: this file runs only in a Node worker thread */
// The watchdog's own thread (see watchdog.ts). It keeps running while the fuzzing thread is stuck
// in a synchronous call, so it can name that call and end the process.
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const state = new Int32Array(workerData.sab, 0, 3); // [active, sequence number, name length]
const name = new Uint8Array(workerData.sab, 12);
let seen = -1;
let since = 0;
setInterval(() => {
  const seq = Atomics.load(state, 1);
  if (Atomics.load(state, 0) === 0 || seq !== seen) { seen = seq; since = Date.now(); return; }
  const ms = Date.now() - since;
  if (ms < workerData.boundMs) return;
  const call = new TextDecoder().decode(name.slice(0, Atomics.load(state, 2)));
  writeSync(2, `fuzz watchdog: ${call} has not returned after ${ms} ms (bound ${workerData.boundMs} ms); ${workerData.replay}\n`);
  // process.exit in a worker ends only the worker; the stuck thread needs the whole process ended.
  process.kill(process.pid, 'SIGKILL');
}, Math.max(20, Math.min(250, workerData.boundMs / 4)));
