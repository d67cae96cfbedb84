/**
 * ALQ inference benchmark: LeNet5 over a batch of 500 MNIST-sized inputs, float inference of the
 * reconstructed weights (`predict`, our f32 GEMM and conv) against packed multi-bit inference
 * (`alq.packedPredict`, bitpack's multi-bit GEMM with float activations), at several average
 * bitwidths, in one process, on each available backend (the wasm rows run the multi-bit GEMM of
 * src/bitpack/multibit-rows.ts, the JS rows the float64 bit-plane kernel).
 *
 *   npx tsx bench/alq.bench.ts            # print the table
 *   npx tsx bench/alq.bench.ts --write    # also rewrite the ALQ section of docs/benchmarks.md
 *
 * The weights come from structured sketching of a randomly initialised LeNet5 with Imax = 1, 2 or 6;
 * the 0.5-bit row empties every second group of the 1-bit state by hand (what pruning does), so
 * the work per bitwidth matches a trained model's. Before timing, packed and float predictions
 * are checked to agree. Timed in process CPU time (bench/wasm-cputime.ts; `--wall`: wall clock).
 * Takes about a minute.
 */
import { alq, backend, batches, key, nn, normal, predict, randint } from '../src/index.js';
import type { Dataset, Params } from '../src/index.js';
import { fmt, interleaved, machine, writeSection } from './util.js';
import { cpuTimed } from './wasm-cputime.js';

const BEGIN = '<!-- alq-table:begin (written by `npx tsx bench/alq.bench.ts --write`) -->';
const END = '<!-- alq-table:end -->';
const N = 500;

/** Empties every second group of every layer (mask, α and basis rows to zero). */
function emptyHalf(state: alq.AlqState): alq.AlqState {
  for (const l of state.layers) {
    const mask = l.mask.data, alpha = l.alpha.data, basis = l.basis.data;
    const slot = l.maxBits * l.groupSize;
    for (let g = 1; g < l.groups; g += 2) {
      for (let i = 0; i < l.maxBits; i++) { mask[g * l.maxBits + i] = 0; alpha[g * l.maxBits + i] = 0; }
      basis.fill(0, g * slot, (g + 1) * slot);
    }
  }
  return state;
}

async function main(): Promise<void> {
  const m = machine();
  console.log(`ALQ LeNet5 inference, batch ${N}. Node ${m}`);
  const model = nn.lenet5();
  const init = model.init(key(0), [1, 28, 28]);
  const data: Dataset = { x: normal(key(1), [N, 1, 28, 28]), y: randint(key(2), [N], 0, 10) };
  const batch = [...batches(data, N)];
  const cases: [string, alq.AlqState][] = [
    ['6 bits (Imax 6, after sketching)', alq.quantize(init.params, { maxBits: 6, grouping: alq.lenet5Grouping() })],
    ['2 bits', alq.quantize(init.params, { maxBits: 2, grouping: alq.lenet5Grouping() })],
    ['1 bit', alq.quantize(init.params, { maxBits: 1, grouping: alq.lenet5Grouping() })],
    ['0.5 bits (half the groups empty)', emptyHalf(alq.quantize(init.params, { maxBits: 1, grouping: alq.lenet5Grouping() }))],
  ];
  const rows: string[] = [];
  for (const be of backend.available() ? ['wasm', 'js'] as const : ['js'] as const) {
    backend.set(be);
    for (const [name, state] of cases) {
      const params: Params = alq.view({ grouping: alq.lenet5Grouping() }).apply(init.params, state);
      const packed = alq.pack(params, state);
      const f = predict(model, params, init.state, batch);
      const p = alq.packedPredict(model, packed, init.state, batch);
      const agree = f.every((v, i) => v === p[i]);
      if (!agree) throw new Error(`${be} ${name}: packed and float predictions differ`);
      const it = be === 'wasm' ? 3 : 1;
      const cs = [
        { name: 'float', fn: () => { predict(model, params, init.state, batch); }, iterations: it },
        { name: 'packed', fn: () => { alq.packedPredict(model, packed, init.state, batch); }, iterations: it },
      ];
      const rounds = be === 'wasm' ? 5 : 2;
      const t = process.argv.includes('--wall') ? await interleaved(cs, rounds) : await cpuTimed(cs, rounds, 1);
      const fl = t.get('float')!, pk = t.get('packed')!;
      const bits = alq.averageBits(state).total;
      const row = `| ${be} | ${name} | ${fmt(bits, 2)} | ${alq.packedBytes(packed).toLocaleString('en-US')} | ${fmt(fl.min, 0)} (${fmt(fl.p50, 0)}) | ${fmt(pk.min, 0)} (${fmt(pk.p50, 0)}) | ${fmt(fl.min / pk.min, 2)}× |`;
      console.log(row);
      rows.push(row);
    }
  }
  // Multi-bit × multi-bit: 1-bit weights with 2-bit activations (scale 0.25) at every layer input,
  // the bit-plane popcount kernel on each backend; both backends must predict the same classes.
  const actRows: string[] = [];
  if (backend.available()) {
    const acts = { activationBits: 2, activationScale: 0.25 };
    for (const [name, state] of cases.slice(1)) {
      const params: Params = alq.view({ grouping: alq.lenet5Grouping() }).apply(init.params, state);
      const packed = alq.pack(params, state);
      const on = (be: 'js' | 'wasm') => () => { backend.set(be); alq.packedPredict(model, packed, init.state, batch, acts); };
      backend.set('js');
      const pj = alq.packedPredict(model, packed, init.state, batch, acts);
      backend.set('wasm');
      const pw = alq.packedPredict(model, packed, init.state, batch, acts);
      if (!pj.every((v, i) => v === pw[i])) throw new Error(`${name}: wasm and js predictions differ with 2-bit activations`);
      const cs = [{ name: 'js', fn: on('js'), iterations: 1 }, { name: 'wasm', fn: on('wasm'), iterations: 1 }];
      const t = process.argv.includes('--wall') ? await interleaved(cs, 2) : await cpuTimed(cs, 2, 1);
      const js = t.get('js')!, wa = t.get('wasm')!;
      const row = `| ${name} × 2-bit activations | ${fmt(js.min, 0)} (${fmt(js.p50, 0)}) | ${fmt(wa.min, 0)} (${fmt(wa.p50, 0)}) | ${fmt(js.min / wa.min, 2)}× |`;
      console.log(row);
      actRows.push(row);
    }
  }
  const body = [
    `Node ${m}. LeNet5 forward over ${N} inputs; ms per call (${process.argv.includes('--wall') ? 'wall clock' : 'process CPU time'}), fastest (median); speed = float time / packed time.`,
    '',
    '| backend | weights | avg bits | packed bytes | float ms | packed ms | packed speed vs float |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    ...(actRows.length > 0 ? [
      '',
      `With unsigned 2-bit activations (\`activationBits: 2\`) every layer runs the multi-bit × multi-bit GEMM on the bit-planes (popcounts, float64 sums); both backends predict the same classes (checked):`,
      '',
      '| weights | js packed ms | wasm packed ms | wasm speed vs js |',
      '|---|---|---|---|',
      ...actRows,
    ] : []),
  ].join('\n');
  if (process.argv.includes('--write')) {
    writeSection(BEGIN, END, [
      '## ALQ packed inference',
      '',
      'Packed multi-bit inference (`alq.packedPredict`: weight-only, float activations, bitpack\'s',
      'multi-bit GEMM) against float inference of the same reconstructed LeNet5 (`bench/alq.bench.ts`),',
      'on each backend. Both give identical predictions (checked before timing).',
    ].join('\n'), body);
  }
}

await main();
