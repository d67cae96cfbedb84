/**
 * DRESS benchmark: every nested subnet of a packed LeNet5 (50 / 75 / 87.5 / 93.75 % of every row
 * pruned) against the dense backbone at the same batch (64), in the same process, on each backend.
 *
 *   npx tsx bench/dress.bench.ts           # print the tables
 *   npx tsx bench/dress.bench.ts --write   # also rewrite the DRESS section of docs/benchmarks.md
 *
 * Per layer and level, the layer as `dress.packedRunner` runs it (on wasm fused with bias, pool and
 * relu and arena-resident between layers: `fused.ts`), both paths called on their own (`paths.ts`:
 * the DRESS direct kernels, WebAssembly SIMD on wasm; im2col + the row-balanced SpMM), against the dense `gemmInto` of the same product (and
 * dense im2col + GEMM for convs); on wasm also the JS direct kernels and the path the runner took
 * before the WebAssembly direct kernels existed (JS direct at ≤ 4 multiply-adds per dense-operand
 * element, else im2col + SpMM); end to end, the runner (auto; on wasm also each path forced)
 * against `model.apply` of the dense float model. `DRESS_BENCH_BACKEND=wasm` times one backend.
 * Every subnet's per-layer result is checked against `gemmInto` on its unpacked weights first.
 * "ns / nnz / column" = time / (nnz · columns of the dense operand). Samples are process CPU time
 * (the machine is shared), in a fresh node process (bundled with esbuild) as the sparse bench.
 */
import { cpus } from 'node:os';
import { backend, dress, im2col, key, makeWindow, nn, normal, type BackendName, type Params, type Tensor, type Window } from '../src/index.js';
import { gemmInto } from '../src/tensor/kernels/gemm.js';
import { convPoolInference } from '../src/nn/fuse.js';
import type { KernelRows } from '../src/sparse/kernels.js';
import { packedConv, packedLinear, type KernelPath } from '../src/algorithms/dress/paths.js';
import { convPoolStep, type FusedSlot } from '../src/algorithms/dress/fused.js';
import { arenaViews } from '../src/backend/runtime.js';
import {
  imagesToArray, residentToArray, sparseLinearFromResidentWasm, sparseLinearResidentWasm, type Resident, type ResidentImages,
} from '../src/backend/dress-direct.js';
import { fmt, machine, runInFreshProcess, writeSection } from './util.js';

const BEGIN = '<!-- dress-table:begin (written by `npx tsx bench/dress.bench.ts --write`) -->';
const END = '<!-- dress-table:end -->';
const BATCH = 64;
/** Every timed sample repeats its call until it lasts about this long (ms), then divides. */
const SAMPLE_MS = 4;
/** The threshold the runner used on wasm before the WebAssembly direct kernels (JS direct below it, im2col + SpMM above). */
const OLD_WASM_DIRECT_MAX_REUSE = 4;

interface Row {
  backend: BackendName; layer: string; level: number; sparsity: number; nnz: number; cols: number; reuse: number;
  /** The DRESS direct kernel; im2col + row-balanced SpMM; what the runner picks; the dense GEMM (on a prebuilt im2col matrix); dense im2col + GEMM. */
  directMs: number; spmmMs: number; chosen: KernelPath; denseMs: number; denseConvMs: number;
  /** On wasm: the JS direct kernels, and what the runner took before the wasm direct kernels (JS direct iff rows·n ≤ 4·C, else im2col + SpMM). */
  jsDirectMs: number; oldMs: number;
  /** As the runner runs the layer (on wasm fused with bias, pool and relu / arena-resident; on js = direct); the dense fused conv pass (wasm convs). */
  runnerMs: number; denseFusedMs: number;
}
interface E2e { backend: BackendName; level: number; ms: number; directMs: number; spmmMs: number; denseMs: number; unfusedMs: number }
type Result = { layers: Row[]; e2e: E2e[] };

function busyMs(): number {
  return cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

/** CPU time of this process (user + system, ms): unlike wall time it does not count the slices the
 * scheduler gives to the other agents' jobs on this shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Contender { name: string; fn: () => void; reps: number; setup?: (() => void) | undefined }

/** A contender whose one sample is `reps` calls (≈ SAMPLE_MS of CPU), so timer granularity stays small. */
function repeated(name: string, fn: () => void, setup?: () => void): Contender {
  setup?.();
  fn();
  const t0 = cpuMs();
  let calls = 0;
  do { fn(); calls++; } while (cpuMs() - t0 < 1);
  const reps = Math.max(1, Math.ceil((SAMPLE_MS * calls) / (cpuMs() - t0)));
  return { name, fn, reps, setup };
}

/** Interleaved rounds (every contender once per round); the fastest sample per contender, ms per call. */
function timed(cs: Contender[], rounds: number): Map<string, number> {
  const best = new Map<string, number>(cs.map((c) => [c.name, Infinity]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cs) {
      c.setup?.(); // untimed: e.g. the previous layer's resident activation in the arena
      const t0 = cpuMs();
      for (let q = 0; q < c.reps; q++) c.fn();
      best.set(c.name, Math.min(best.get(c.name)!, (cpuMs() - t0) / c.reps));
    }
  }
  return best;
}

/** A 2×2 / stride-2 max pool of `planes` NCHW planes of h × w (the bench's oracle for the fused conv). */
function pool2(x: Float32Array, planes: number, h: number, w: number): Float32Array {
  const hp = h >> 1, wp = w >> 1, out = new Float32Array(planes * hp * wp);
  for (let p = 0; p < planes; p++) for (let y = 0; y < hp; y++) for (let c = 0; c < wp; c++) {
    const s = (p * h + 2 * y) * w + 2 * c;
    out[(p * hp + y) * wp + c] = Math.max(x[s]!, x[s + 1]!, x[s + w]!, x[s + w + 1]!);
  }
  return out;
}

/** `x` (p × k) transposed into the arena as a resident activation: what fc1's output pass leaves for fc2. */
function transposedIn(x: Float32Array, p: number, k: number): Resident {
  const eye = new Float32Array(k).fill(1), cols = Int32Array.from({ length: k }, (_, c) => c);
  return sparseLinearResidentWasm(eye, cols, k, k, 1, 1, x, p, undefined, false)!;
}

function check(what: string, got: Float32Array, want: Float32Array): void {
  let err = 0, scale = 1;
  for (let q = 0; q < want.length; q++) { err = Math.max(err, Math.abs(got[q]! - want[q]!)); scale = Math.max(scale, Math.abs(want[q]!)); }
  if (!(err / scale <= 1e-4)) throw new Error(`${what}: sparse and dense disagree (${err})`);
}

async function measureOn(be: BackendName, log: (s: string) => void): Promise<Result> {
  backend.set(be);
  const model = nn.lenet5() as nn.Layer<Params>;
  const init = model.init(key(0), [1, 28, 28]);
  const masks = dress.nestedMasks(init.params);
  const packed = dress.toSparse(dress.trainable(init.params, masks), masks);
  const x = normal(key(1), [BATCH, 1, 28, 28]);
  // The dense operand each layer sees (random activations of the right shape), and its im2col matrix.
  type ConvIn = { t: Tensor; win: Window; b: Float32Array; p: number };
  const conv = (c: number, hw: number, seed: number): ConvIn => {
    const t = normal(key(seed), [BATCH, c, hw, hw]);
    const win = makeWindow('bench', hw, hw, 5, {});
    return { t, win, b: im2col(t, win, 0).toTyped() as Float32Array, p: BATCH * win.ho * win.wo };
  };
  const inputs: Record<string, ConvIn | { b: Float32Array; p: number }> = {
    '0.weight': conv(1, 28, 2), '3.weight': conv(20, 12, 3),
    '7.weight': { b: normal(key(4), [BATCH, 800]).toTyped() as Float32Array, p: BATCH },
    '9.weight': { b: normal(key(5), [BATCH, 500]).toTyped() as Float32Array, p: BATCH },
  };
  const layers: Row[] = [];
  for (const l of packed.layers) {
    const inp = inputs[l.path]!;
    const cv = 'win' in inp ? inp : undefined;
    // The dense backbone's weight of this layer (what the dense GEMM multiplies).
    const full = (init.params as Record<string, Tensor>[])[Number(l.path.split('.')[0])]!['weight']!.toTyped() as Float32Array;
    const out = new Float32Array(l.rows * inp.p);
    const gemm = (w: Float32Array, b: Float32Array, o: Float32Array): void => {
      if (cv !== undefined) gemmInto(l.rows, inp.p, l.cols, w, 0, l.cols, 1, b, 0, inp.p, 1, o, 0, inp.p, false);
      else gemmInto(inp.p, l.rows, l.cols, b, 0, l.cols, 1, w, 0, 1, l.cols, o, 0, l.rows, false);
    };
    const li = Number(l.path.split('.')[0]), seq = model.info!.layers!;
    const bias = (init.params as Record<string, Tensor | undefined>[])[li]!['bias'];
    const contenders = [repeated('dense', () => gemm(full, inp.b, out))];
    if (cv !== undefined) contenders.push(repeated('dense conv', () => gemm(full, im2col(cv.t, cv.win, 0).toTyped() as Float32Array, out)));
    // what the dense model runs for this conv on wasm: im2col, GEMM, bias, pool and relu in one pass (src/nn/fuse.ts)
    const denseP = (init.params as Params[])[li]!;
    if (cv !== undefined && be === 'wasm') contenders.push(repeated('dense fused', () => { convPoolInference(seq[li]!.info!, seq[li + 1]!.info!, denseP, cv.t, 'after'); }));
    const n1 = l.counts[0]!;
    l.counts.forEach((n, j) => {
      const rows: KernelRows = { m: l.rows, k: l.cols, indptr: null, rowNnz: n, stride: n1, indices: l.columns, nnz: l.rows * n };
      // Both paths of dress.packedRunner, exactly as it calls them (the spmm path of a conv includes im2col and the NCHW reorder).
      const run = (path: KernelPath): (() => Float32Array) => (cv !== undefined ? () => packedConv(path, l, rows, cv.t, cv.win) : () => packedLinear(path, l, rows, inp.b, inp.p));
      const ref = new Float32Array(out.length);
      gemm(dress.unpackLayer(l, j), inp.b, ref);
      // a conv's GEMM writes [rows, batch·pixels]; the runner's paths write NCHW
      const want = cv === undefined ? ref : (() => {
        const hw2 = inp.p / BATCH, nchw = new Float32Array(ref.length);
        for (let i = 0; i < l.rows; i++) for (let q = 0; q < inp.p; q++) nchw[(Math.floor(q / hw2) * l.rows + i) * hw2 + (q % hw2)] = ref[i * inp.p + q]!;
        return nchw;
      })();
      for (const path of ['direct', 'spmm'] as const) {
        check(`${be} ${l.path} level ${j} ${path}`, run(path)(), want);
        contenders.push(repeated(`${path} ${j}`, () => { run(path)(); }));
      }
      // The direct path as it ran on wasm before the WebAssembly direct kernels: the JS kernels.
      if (be === 'wasm') contenders.push(repeated(`js ${j}`, () => { backend.set('js'); run('direct')(); backend.set('wasm'); }));
      // As the runner runs the layer on wasm (src/algorithms/dress/fused.ts): a conv fused with its
      // bias, 2×2 pool and relu; fc1 from the JS batch into the arena (bias, relu, transposed for
      // fc2); fc2 from fc1's resident output (placed, untimed, before each sample) back to JS.
      if (be === 'wasm') {
        const bd = bias === undefined ? undefined : bias.toTyped() as Float32Array;
        if (cv !== undefined) {
          const slot: FusedSlot = { layer: l, rows: [rows], positions: 0, hits: 0 };
          const pooled = pool2(want, BATCH * l.rows, cv.win.ho, cv.win.wo);
          const [info, poolInfo] = [seq[li]!.info!, seq[li + 1]!.info!];
          if (li === 0) {
            // conv1 → conv2: conv1's pooled output stays in the arena
            const y = convPoolStep(slot, 0, cv.t, undefined, info, poolInfo, 'none', true) as ResidentImages;
            check(`${be} ${l.path} level ${j} fused, resident`, imagesToArray(y), pooled);
            contenders.push(repeated(`runner ${j}`, () => { convPoolStep(slot, 0, cv.t, bias, info, poolInfo, 'after', true); }));
          } else {
            // conv2 reads conv1's resident output (placed, untimed, before each sample)
            const place = (): ResidentImages => {
              const size = cv.t.size;
              arenaViews(null, 4 * size + 64).f32.set(cv.t.toTyped() as Float32Array, 0);
              return { at: 0, n: BATCH, c: cv.t.shape[1]!, h: cv.t.shape[2]!, w: cv.t.shape[3]! };
            };
            let img = place();
            check(`${be} ${l.path} level ${j} fused, from resident`, (convPoolStep(slot, 0, img, undefined, info, poolInfo, 'none', false) as Tensor).toTyped() as Float32Array, pooled);
            contenders.push(repeated(`runner ${j}`, () => { convPoolStep(slot, 0, img, bias, info, poolInfo, 'after', false); }, () => { img = place(); }));
          }
        } else if (li < seq.length - 1) {
          check(`${be} ${l.path} level ${j} resident`, residentToArray(sparseLinearResidentWasm(l.values, l.columns, l.rows, l.cols, n1, n, inp.b, inp.p, undefined, false)!), want);
          contenders.push(repeated(`runner ${j}`, () => { sparseLinearResidentWasm(l.values, l.columns, l.rows, l.cols, n1, n, inp.b, inp.p, bd, true); }));
        } else {
          let res: Resident | undefined;
          const place = (): void => { res = transposedIn(inp.b, inp.p, l.cols); };
          const fromRes = (b: Float32Array | undefined): Float32Array => {
            const o = new Float32Array(inp.p * l.rows);
            sparseLinearFromResidentWasm(o, l.values, l.columns, l.rows, n1, n, res!, b);
            return o;
          };
          place();
          check(`${be} ${l.path} level ${j} from resident`, fromRes(undefined), want);
          contenders.push(repeated(`runner ${j}`, () => { fromRes(bd); }, place));
        }
      }
    });
    const t = timed(contenders, 7);
    l.counts.forEach((n, j) => layers.push({
      backend: be, layer: l.path, level: j, sparsity: packed.levels[j]!, nnz: l.rows * n, cols: inp.p, reuse: (l.rows * n) / l.cols,
      directMs: t.get(`direct ${j}`)!, spmmMs: t.get(`spmm ${j}`)!, chosen: dress.kernelPath(l.rows, n, l.cols),
      denseMs: t.get('dense')!, denseConvMs: t.get('dense conv') ?? t.get('dense')!,
      jsDirectMs: t.get(`js ${j}`) ?? t.get(`direct ${j}`)!,
      oldMs: be === 'wasm' && l.rows * n > OLD_WASM_DIRECT_MAX_REUSE * l.cols ? t.get(`spmm ${j}`)! : t.get(`js ${j}`) ?? t.get(`direct ${j}`)!,
      runnerMs: t.get(`runner ${j}`) ?? t.get(`direct ${j}`)!, denseFusedMs: t.get('dense fused') ?? NaN,
    }));
    log(`  [${be}] ${l.path}: dense ${fmt(t.get('dense')!, 3)} ms, direct ${l.counts.map((_, j) => fmt(t.get(`direct ${j}`)!, 3)).join(' / ')}, spmm ${l.counts.map((_, j) => fmt(t.get(`spmm ${j}`)!, 3)).join(' / ')} ms`);
  }
  const auto = dress.packedRunner(model, packed), direct = dress.packedRunner(model, packed, { path: 'direct' }), spmm = dress.packedRunner(model, packed, { path: 'spmm' });
  // An empty kernels hook turns nn.sequential's inference fusion (conv → bias → pool → relu in one
  // wasm pass) off, as the runner's hook does: the layer-by-layer dense baseline.
  const e2eContenders = [repeated('dense', () => { model.apply(init.params, x); }), repeated('unfused', () => { model.apply(init.params, x, { kernels: {} }); })];
  packed.levels.forEach((_, j) => {
    e2eContenders.push(repeated(`auto ${j}`, () => { auto.apply(x, j); }));
    if (be === 'wasm') {
      e2eContenders.push(repeated(`direct ${j}`, () => { direct.apply(x, j); }));
      e2eContenders.push(repeated(`spmm ${j}`, () => { spmm.apply(x, j); }));
    }
  });
  const t = timed(e2eContenders, 5);
  const e2e = packed.levels.map((_, j) => ({
    backend: be, level: j, ms: t.get(`auto ${j}`)!, directMs: t.get(`direct ${j}`) ?? t.get(`auto ${j}`)!, spmmMs: t.get(`spmm ${j}`) ?? NaN, denseMs: t.get('dense')!, unfusedMs: t.get('unfused')!,
  }));
  log(`  [${be}] end to end: dense ${fmt(t.get('dense')!)} ms, subnets ${e2e.map((e) => fmt(e.ms)).join(' / ')} ms`);
  return { layers, e2e };
}

async function measure(log: (s: string) => void): Promise<Result> {
  const r: Result = { layers: [], e2e: [] };
  const only = process.env['DRESS_BENCH_BACKEND']; // e.g. `wasm`: time one backend (quicker iterations)
  for (const be of backend.available() ? (['js', 'wasm'] as const) : (['js'] as const)) {
    if (only !== undefined && be !== only) continue;
    const m = await measureOn(be, log);
    r.layers.push(...m.layers);
    r.e2e.push(...m.e2e);
  }
  return r;
}

function table(r: Result): string {
  // the time of a layer as the runner runs it (on wasm: fused / arena-resident)
  const ms = (row: Row): number => row.runnerMs;
  const ns = (row: Row): number => (ms(row) * 1e6) / (row.nnz * row.cols);
  const lines = [
    '| backend | layer | level | sparsity | rows·n / C | runner (ms) | direct, unfused (ms) | im2col + SpMM (ms) | JS direct (ms) | old wasm path (ms) | dense GEMM (ms) | speed-up vs GEMM | dense im2col + GEMM (ms) | dense fused conv (ms) | ns / nnz / column |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of r.layers) {
    const js = row.backend === 'wasm' ? fmt(row.jsDirectMs, 3) : '=', old = row.backend === 'wasm' ? fmt(row.oldMs, 3) : '—';
    const df = Number.isNaN(row.denseFusedMs) ? '—' : fmt(row.denseFusedMs, 3);
    lines.push(`| ${row.backend} | ${row.layer} | ${row.level} | ${fmt(100 * row.sparsity, 2)} % | ${fmt(row.reuse, 1)} | ${fmt(row.runnerMs, 3)} | ${fmt(row.directMs, 3)} | ${fmt(row.spmmMs, 3)} | ${js} | ${old} `
      + `| ${fmt(row.denseMs, 3)} | ${fmt(row.denseMs / ms(row), 2)}× | ${fmt(row.denseConvMs, 3)} | ${df} | ${fmt(ns(row), 3)} |`);
  }
  lines.push('', '| backend | end to end (batch 64) | runner, auto (ms) | all direct (ms) | all im2col + SpMM (ms) | dense float model (ms) | speed-up (auto) | dense, layer by layer (ms) | speed-up vs that |', '|---|---|---|---|---|---|---|---|---|');
  for (const e of r.e2e) {
    lines.push(`| ${e.backend} | subnet ${e.level} | ${fmt(e.ms)} | ${fmt(e.directMs)} | ${fmt(e.spmmMs)} | ${fmt(e.denseMs)} | ${fmt(e.denseMs / e.ms, 2)}× | ${fmt(e.unfusedMs)} | ${fmt(e.unfusedMs / e.ms, 2)}× |`);
  }
  lines.push('');
  for (const be of [...new Set(r.layers.map((x) => x.backend))]) {
    const mine = r.layers.filter((x) => x.backend === be);
    const sparsest = mine.filter((x) => x.level === 3);
    const spread = [...new Set(mine.map((x) => x.layer))].map((name) => {
      const v = mine.filter((x) => x.layer === name).map(ns);
      return `${name} ${fmt(Math.max(...v) / Math.min(...v), 2)}×`;
    });
    const sum = sparsest.reduce((a, x) => a + ms(x), 0), denseSum = sparsest.reduce((a, x) => a + x.denseMs, 0);
    const convSum = sparsest.reduce((a, x) => a + x.denseConvMs, 0);
    const oldSum = sparsest.reduce((a, x) => a + x.oldMs, 0);
    const oldNote = be === 'wasm' ? ` The old wasm path (JS direct at ≤ 4 multiply-adds per dense-operand element, else im2col + SpMM) in the same run: ${fmt(oldSum, 3)} ms (${fmt(denseSum / oldSum, 2)}× vs the dense GEMMs).` : '';
    lines.push(`**${be}**: 93.75 % subnet, sum of its four layers as the runner runs them (on wasm the convs with bias, pool and relu fused): ${fmt(sum, 3)} ms vs dense GEMMs ${fmt(denseSum, 3)} ms (${fmt(denseSum / sum, 2)}×; `
      + `${fmt(convSum / sum, 2)}× vs dense with im2col). `
      + `Spread of ns / nnz / column across the four levels (max / min): ${spread.join(', ')}.${oldNote}`, '');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    const r = await measure((s) => console.log(s));
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`DRESS subnets vs dense, Node ${machine()}`);
  const cpuStart = busyMs(), wallStart = performance.now();
  const fresh = await runInFreshProcess<Result>(import.meta.url);
  const r = fresh ?? await measure((s) => console.log(s));
  const load = `on average ${fmt((busyMs() - cpuStart) / (performance.now() - wallStart), 2)} of ${cpus().length} cores busy during the run (this single-threaded benchmark ≈ 1)`;
  const md = table(r);
  console.log(`\n${load}\n\n${md}\n`);
  if (process.argv.includes('--write')) {
    const intro = `## DRESS subnets (row-balanced, rank-ordered, stride n_1)

\`npx tsx bench/dress.bench.ts [--write]\` packs a LeNet5 (magnitude ranking of a random init) into four
nested subnets and times, at batch 64 and on each backend, every layer and level as \`dress.packedRunner\`
runs it (on wasm fused and arena-resident), both paths called on their own (direct DRESS kernels,
WebAssembly SIMD on wasm; im2col + row-balanced SpMM), on wasm also the
JS direct kernels and the path the runner took before the WebAssembly direct kernels ("old wasm path"),
the path \`dress.kernelPath\` picks, the dense \`gemmInto\` of the same product (on a prebuilt im2col matrix)
and dense im2col + GEMM; end to end the runner against \`model.apply\` of the dense float model.
Process-CPU-time samples, fresh node process.`;
    writeSection(BEGIN, END, intro, `Measured on ${new Date().toISOString().slice(0, 10)} with Node ${machine()}; ${load}.\n\n${md}`);
  }
}

await main();
