/**
 * Shared helpers of the conv and MLP benchmarks: machine line, interleaved tinybench timing,
 * accuracy checks and the `--write` section rewriter for docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

export const DOC = new URL('../docs/benchmarks.md', import.meta.url);

/** `v20.x, 2 × CPU model, linux/x64`. */
export function machine(): string {
  return `${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${process.platform}/${process.arch}`;
}

export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** A contender of {@link interleaved}: `iterations` timed calls per round. */
export interface Contender { name: string; fn: () => void | Promise<void>; iterations: number }

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

/**
 * Bundles the benchmark file `entry` (its `import.meta.url`) with esbuild and runs it with
 * `--child` in a fresh node process: there no ArrayBuffer has been detached (tsx's loader detaches
 * one), so typed-array reads skip V8's detach check. The child prints progress lines and, last,
 * its result as one JSON line, which is returned. `undefined` when esbuild cannot bundle.
 * `withTfjs` adds what tfjs's CommonJS entry points need inside an ESM bundle: a `require`, and
 * ignoring its side-effect annotations (which list the CPU backend's registration file by its
 * ESM path, so esbuild would drop it).
 */
export async function runInFreshProcess<T>(entry: string, opts: { withTfjs?: boolean } = {}): Promise<T | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegrad-bench-'));
  try {
    const out = join(dir, 'bench.mjs');
    try {
      const { build } = await import('esbuild');
      await build({
        entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error',
        ...(opts.withTfjs === true ? {
          ignoreAnnotations: true,
          banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
        } : {}),
      });
    } catch (e) {
      console.log(`(fresh-process run skipped: could not bundle with esbuild: ${String(e)})`);
      return undefined;
    }
    const child = spawnSync(process.execPath, [out, '--child'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`fresh-process run failed with status ${child.status}`);
    const lines = child.stdout.trimEnd().split('\n');
    for (const l of lines.slice(0, -1)) console.log(l);
    return JSON.parse(lines[lines.length - 1]!) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Re-runs the benchmark file `entry` bundled with esbuild (as {@link runInFreshProcess}, with
 * tfjs's CommonJS shims) in a fresh node process with `args`, output inherited: the built-package
 * view of a user, without tsx's loader. tfjs-backend-wasm finds its `.wasm` files through
 * `EDGEGRAD_TFJS_WASM_DIR` (the bundle no longer sits next to them).
 */
export async function rerunBundled(entry: string, args: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegrad-bench-'));
  try {
    const out = join(dir, 'bench.mjs');
    const { build } = await import('esbuild');
    await build({
      entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error', ignoreAnnotations: true,
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url); " +
          "const __dirname = new URL('.', import.meta.url).pathname;", // tfjs-backend-wasm's emscripten loader reads it
      },
    });
    const wasmDir = join(dirname(createRequire(entry).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist/');
    const child = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit', env: { ...process.env, EDGEGRAD_TFJS_WASM_DIR: wasmDir } });
    if (child.status !== 0) throw new Error(`bundled run failed with status ${child.status}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
