/**
 * Same-run timing in CPU time of this process (`process.cpuUsage`, user + system) instead of
 * wall-clock time, for the kernel benchmarks on this shared 2-core VM: with other jobs running,
 * a wall-clock sample also counts the time the process waited for a core, and ratios of the
 * same code swung 1.05–2.3× between runs; CPU-time ratios stayed within a few per cent. What CPU
 * time does not remove is a busy sibling hyperthread. Contenders alternate in rounds, like
 * `interleaved` (bench/util.ts); a sample is the mean of a batch of calls.
 */
import type { Contender } from './util.js';

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Per contender: fastest and median batch mean (ms per call), over `rounds` alternating rounds of `batches` batches. */
export async function cpuTimed(contenders: Contender[], rounds: number, batches = 3): Promise<Map<string, { min: number; p50: number; calls: number }>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await c.fn(); // warm-up (compilation, arena growth)
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) {
      for (let b = 0; b < batches; b++) {
        const t0 = cpuMs();
        for (let i = 0; i < c.iterations; i++) await c.fn();
        samples.get(c.name)!.push((cpuMs() - t0) / c.iterations);
      }
    }
  }
  const out = new Map<string, { min: number; p50: number; calls: number }>();
  for (const [name, s] of samples) {
    s.sort((a, b) => a - b);
    const mid = s.length >> 1;
    out.set(name, { min: s[0]!, p50: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, calls: s.length * contenders.find((c) => c.name === name)!.iterations });
  }
  return out;
}
