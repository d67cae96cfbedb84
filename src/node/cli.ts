#!/usr/bin/env node
/**
 * `edgegrad` command line. `edgegrad demo [--epochs N] [--batch N] [--lr X] [--seed N] [--out FILE] [--alq off] [--dpu off] [--dress off] [--rct off] [--pmeta off] [--dataset mnist|fashion] [--backend wasm|js]`.
 */
import { backend } from '../index.js';
import { datasetName } from './datasets.js';
import { runDemo } from './demo.js';

function parse(argv: readonly string[]): { cmd: string; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  let cmd = 'demo';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      const val = v ?? argv[i + 1];
      if (v === undefined) i++;
      if (val === undefined) throw new Error(`missing value for --${k}`);
      flags.set(k, val);
    } else cmd = a;
  }
  return { cmd, flags };
}

function num(flags: Map<string, string>, name: string): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

function main(): number {
  const { cmd, flags } = parse(process.argv.slice(2));
  if (cmd !== 'demo') {
    console.error(`unknown command ${cmd}; usage: edgegrad demo [--epochs N] [--batch N] [--lr X] [--seed N] [--out FILE] [--alq off] [--dpu off] [--dress off] [--rct off] [--pmeta off] [--dataset mnist|fashion] [--backend wasm|js]`);
    return 2;
  }
  const b = flags.get('backend');
  if (b !== undefined) {
    // The same demo on the plain-JS kernels, to see what the WebAssembly ones buy end to end.
    if (b !== 'js' && b !== 'wasm') throw new Error(`--backend must be wasm or js, got ${b}`);
    backend.set(b);
  }
  console.log(`backend: ${backend.get()}`);
  const r = runDemo({ epochs: num(flags, 'epochs'), batchSize: num(flags, 'batch'), lr: num(flags, 'lr'), seed: num(flags, 'seed'), out: flags.get('out'), dataset: datasetName(flags.get('dataset')),
    ...(flags.get('alq') === 'off' ? { alq: false } : {}), ...(flags.get('dpu') === 'off' ? { dpu: false } : {}),
    ...(flags.get('dress') === 'off' ? { dress: false } : {}), ...(flags.get('rct') === 'off' ? { rct: false } : {}),
    ...(flags.get('pmeta') === 'off' ? { pmeta: false } : {}) });
  if (!r.reloadIdentical) {
    console.error('demo: the reloaded checkpoint predicts differently');
    return 1;
  }
  if (r.alq !== undefined && !r.alq.packedIdentical) {
    console.error('demo: packed ALQ inference predicts differently from the float reconstruction');
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
