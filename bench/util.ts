/**
 * Shared helpers of the conv and MLP benchmarks: machine line, interleaved tinybench timing,
 * accuracy checks and the `--write` section rewriter for docs/benchmarks.md.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';

export const DOC = new URL('../docs/benchmarks.md', import.meta.url);

/** `v20.x, 2 × CPU model, linux/x64`. */
export function machine(): string {
  return `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${process.platform}/${process.arch}`;
}

export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** A contender of {@link interleaved}: `iterations` timed calls per round. */
export interface Contender { name: string; fn: () => void; iterations: number }

/**
 * Times contenders in alternating rounds (A, B, A, B, …; one tinybench run of each per round,
 * one warmup call in the first round) so that a burst of host contention on this noisy VM hits
 * both sides rather than whichever happened to be running. Returns, per contender, the fastest
 * call and the median over all rounds, in ms.
 */
export async function interleaved(contenders: Contender[], rounds: number): Promise<Map<string, { min: number; p50: number; calls: number }>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) {
      const bench = new Bench({ time: 0, iterations: c.iterations, warmupTime: 0, warmupIterations: round === 0 ? 1 : 0, retainSamples: true, throws: true });
      bench.add(c.name, c.fn);
      await bench.run();
      const r = bench.getTask(c.name)?.result;
      if (r === undefined || r.state !== 'completed' || r.latency.samples === undefined) throw new Error(`${c.name}: benchmark did not complete`);
      samples.get(c.name)!.push(...r.latency.samples);
    }
  }
  const out = new Map<string, { min: number; p50: number; calls: number }>();
  for (const [name, s] of samples) {
    s.sort((a, b) => a - b);
    const mid = s.length >> 1;
    out.set(name, { min: s[0]!, p50: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, calls: s.length });
  }
  return out;
}

/** Largest |a − b| relative to max(1, max |b|); throws when above `tol`. */
export function assertClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: number): number {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} vs ${b.length}`);
  let maxErr = 0, scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
  const rel = maxErr / scale;
  if (!(rel <= tol)) throw new Error(`${what}: ours and tfjs disagree, max |diff| ${maxErr} (relative ${rel.toExponential(2)} > ${tol})`);
  return rel;
}

/**
 * Rewrites the part of docs/benchmarks.md between `begin` and `end` with `body`. When the markers
 * are absent, appends `intro` (heading and prose) followed by the marked body at the end of the file.
 */
export function writeSection(begin: string, end: string, intro: string, body: string): void {
  const section = `${begin}\n\n${body.trim()}\n\n${end}`;
  const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const i = old.indexOf(begin);
  const j = old.indexOf(end);
  const next = i >= 0 && j > i
    ? old.slice(0, i) + section + old.slice(j + end.length)
    : `${old.trimEnd()}\n\n${intro.trim()}\n\n${section}\n`;
  writeFileSync(DOC, next);
  console.log(`Wrote ${DOC.pathname}`);
}
