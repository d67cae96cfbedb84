// Decoder fuzzing (see decoders-harness.ts for the mutations and the contract). CI runs
// DECODER_CASES (default 12,000) cases spread over every decoder; `npm run fuzz` runs 120,000.
// DECODER_SEED replays a run; a failure names the decoder, case index, seed and mutation.
import { afterAll, describe, expect, it } from 'vitest';
import { CASE_MS, runDecoder } from './decoders-harness.js';
import type { Tally } from './decoders-harness.js';
import { decoders } from './decoders.js';
import { startWatchdog } from './watchdog.js';

const TOTAL = Number(process.env['DECODER_CASES'] ?? 12_000);
const SEED = Number(process.env['DECODER_SEED'] ?? 20262);
/** A case that never returns kills the run after 10× the per-case bound, naming the case. */
const dog = startWatchdog(10 * CASE_MS, `replay: DECODER_SEED=${SEED}`);
const all = decoders();
const per = Math.ceil(TOTAL / all.length);
const tallies = new Map<string, Tally>();
let peak = 0;

describe('decoder fuzzing', () => {
  const base = process.memoryUsage().arrayBuffers;
  it.each(all.map((d, i) => [d.name, i] as const))('%s', (_name, i) => {
    const d = all[i]!;
    const expected = d.samples.map((s) => d.decode(s));
    const tally: Tally = { cases: 0, accepted: 0, exact: 0, rejected: {}, byMutation: {} };
    tallies.set(d.name, tally);
    const chunk = 250;
    for (let done = 0; done < per; done += chunk) {
      // runDecoder replays case indices from (seed, name, index), so chunks are the same cases
      runDecoder(d, Math.min(chunk, per - done), SEED + done, tally, expected, dog);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    }
    expect(tally.cases).toBe(per);
    // the mutations must reach past the first checks: some cases decode, some are rejected
    expect(tally.exact).toBeGreaterThan(0);
    expect(Object.values(tally.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(per / 4);
  }, 600_000);

  it('never held more than 256 MB of array buffers (no allocation the input does not justify)', () => {
    expect(peak).toBeLessThan(256 * 2 ** 20);
  });

  afterAll(() => {
    let cases = 0;
    for (const [name, t] of tallies) {
      cases += t.cases;
      console.log(`decoder fuzz ${name}: ${t.cases} cases, ${t.accepted} decoded (${t.exact} unchanged and exact), rejected ${JSON.stringify(t.rejected)}`);
    }
    console.log(`decoder fuzz: ${cases} cases over ${tallies.size} decoders (seed ${SEED}), peak array-buffer growth ${(peak / 2 ** 20).toFixed(1)} MB`);
  });
});
