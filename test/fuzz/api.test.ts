// API fuzzing over every export (enumerated at run time, see api-harness.ts): each call returns,
// or throws a NumError whose message names its op; nothing else, within a time bound, and the
// library keeps working afterwards. Set FUZZ_SEED to replay a run, FUZZ_RUNS for more calls.
import { writeSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';
import { arbArgs, classify, enumerateExports, followUps } from './api-harness.js';
import type { Entry, Outcome } from './api-harness.js';
import { OPEN } from './open.js';
import { REFERENCED, checkReference } from './api-reference.js';
import { startWatchdog } from './watchdog.js';

/** Per-call bound; generous because CI shares two cores with other jobs. */
const CALL_MS = 3000;
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 26);
const SEED = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) : 20260;
/** A call that never returns kills the run after 10× the bound, naming the call (watchdog.ts). */
const dog = startWatchdog(10 * CALL_MS, `replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_TRACE=1 npx vitest run test/fuzz/api.test.ts`);

// Classes are skipped: NumError is the error value itself and `new Tensor` is the documented
// unchecked low-level constructor; Tensor methods are fuzzed through returned tensors.
const entries: Entry[] = enumerateExports().filter((e) => !e.isClass);
const stats = { calls: 0, ok: 0, numerror: 0, user: 0, open: 0, referenced: 0 };
const slowest = { ms: 0, name: '' };
const openSignatures = new Map<string, number>();

/** True when the library still computes correctly (after a thrown error, say). */
function usable(): boolean {
  const y = lib.add(lib.tensor([1, 2]), 1).toArray();
  return Array.isArray(y) && y[0] === 2 && y[1] === 3;
}

/** Seed of one export: from its name, so exports landing elsewhere do not reshuffle the others. */
function seedOf(name: string): number {
  let h = SEED;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

const baseOf = (name: string): string => name.replace(/\(\).*$/, '');

/** FUZZ_TRACE=1: each call's name goes to stderr (synchronously) before it runs, so the last line names a call that hangs or exhausts memory. */
const TRACE = process.env['FUZZ_TRACE'] !== undefined;

function check(entry: string, name: string, f: () => unknown): Outcome {
  if (TRACE) writeSync(2, `fuzz call ${name}\n`);
  const t0 = performance.now();
  dog.enter(name);
  const r = classify(name, f);
  dog.leave();
  const ms = performance.now() - t0;
  stats.calls++;
  if (ms > slowest.ms) { slowest.ms = ms; slowest.name = name; }
  if (ms > CALL_MS) throw new Error(`${name} took ${ms.toFixed(0)} ms (bound ${CALL_MS} ms)`);
  if (r.kind === 'other') {
    if (!OPEN.has(baseOf(entry))) throw new Error(`${name} threw a non-NumError: ${r.signature}`, { cause: r.error });
    stats.open++;
    openSignatures.set(r.signature, (openSignatures.get(r.signature) ?? 0) + 1);
  } else stats[r.kind]++;
  if (r.kind !== 'ok' && !usable()) throw new Error(`library unusable after ${name}`);
  return r;
}

describe('API fuzzing: every export', () => {
  const b0 = lib.backend.get();
  it('enumerates the package exports', () => {
    const names = new Set(entries.map((e) => e.name));
    for (const n of ['zeros', 'matmul', 'tree.unflatten', 'nn.linear', 'schedules.cosine', 'dpu.decodeUpdate']) expect(names.has(n)).toBe(true);
    expect(entries.length).toBeGreaterThan(250);
  });

  it.each(entries.map((e, i) => [e.name, i] as const))('%s', (_name, i) => {
    const e = entries[i]!;
    fc.assert(
      fc.property(arbArgs, arbArgs, fc.nat(), (a1, a2, j) => {
        try {
          const args = a1.map((g) => g());
          const r = check(e.name, e.name, () => e.fn(...args));
          if (r.kind !== 'ok') return;
          if (REFERENCED.has(e.name)) {
            const ref = checkReference(e.name, args, r.value);
            if (typeof ref === 'object') throw new Error(`${e.name} disagrees with its reference twin: ${ref.diff}`);
            if (ref === 'agrees') stats.referenced++;
          }
          const next = followUps(e.name, r.value);
          const f = next[j % Math.max(1, next.length)];
          if (f !== undefined) check(e.name, f.name, () => f.call(a2.map((g) => g())));
        } finally {
          lib.backend.set(b0); // backend.set is itself fuzzed
        }
      }),
      { numRuns: RUNS, seed: seedOf(e.name) },
    );
  });

  afterAll(() => {
    console.log(`api fuzz: ${stats.calls} calls over ${entries.length} exports: ${stats.ok} returned, ${stats.numerror} NumError, ${stats.user} user-callback errors passed through, ${stats.open} other (open work, ${openSignatures.size} signatures); slowest call ${slowest.ms.toFixed(0)} ms (${slowest.name}); ${stats.referenced} float results of ${REFERENCED.size} exports agreed with their reference twins`);
    if (process.env['FUZZ_VERBOSE']) for (const [s, n] of [...openSignatures].sort()) console.log(n, s);
  });

  it('made at least 10,000 calls', () => {
    expect(stats.calls).toBeGreaterThanOrEqual(Math.min(10_000, RUNS * entries.length));
  });
});
