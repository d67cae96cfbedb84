// The layering of src/: kernels ← tensor ← autograd ← nn / optim / quant ← algorithms.
// Read from the import statements, so a new upward import fails here rather than in review.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of every file under src/, as src-relative paths without extension. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'/g)) {
      deps.push(relative(SRC, resolve(dirname(f), m[1]!)).replace(/\.js$/, ''));
    }
    g.set(relative(SRC, f).replace(/\.ts$/, ''), deps);
  }
  return g;
}

/** Files matching `from` that import something matching `to`. */
function violations(g: Map<string, string[]>, from: RegExp, to: RegExp): string[] {
  const out: string[] = [];
  for (const [f, deps] of g) if (from.test(f)) for (const d of deps) if (to.test(d)) out.push(`${f} -> ${d}`);
  return out;
}

const KERNELS = /^(tensor\/kernels\/|sparse\/(kernels|csr)$)/;
const ABOVE_TENSOR = /^(autograd|nn|optim|quant|algorithms|train)\//;
const ABOVE_AUTOGRAD = /^(nn|optim|quant|algorithms|train)\/|^sparse\/(ops|build)$/;

describe('module layering', () => {
  const g = importGraph();

  it('sees the import graph (the scan itself works)', () => {
    expect(g.get('autograd/rules')).toContain('tensor/ops/elementwise');
    expect(g.get('tensor/ops/elementwise')).toContain('tensor/tape');
  });

  it('kernels import only kernels, errors and validators', () => {
    expect(violations(g, KERNELS, /^(?!errors$|validate$|tensor\/kernels\/|sparse\/(kernels|csr)$|backend\/)/)).toEqual([]);
  });

  it('the WebAssembly backend (beside the kernels) imports only itself and errors', () => {
    expect(violations(g, /^backend\//, /^(?!errors$|backend\/)/)).toEqual([]);
  });

  it('the tensor layer (and its tape) imports nothing above it', () => {
    expect(violations(g, /^tensor\//, ABOVE_TENSOR)).toEqual([]);
  });

  it('autograd imports neither the layers above it nor the sparse ops module', () => {
    expect(violations(g, /^autograd\//, ABOVE_AUTOGRAD)).toEqual([]);
  });

  it('nn, optim and quant do not import the algorithms', () => {
    expect(violations(g, /^(nn|optim|quant)\//, /^algorithms\//)).toEqual([]);
  });

  it('can report a violation', () => {
    expect(violations(new Map([['tensor/x', ['autograd/grad']]]), /^tensor\//, ABOVE_TENSOR)).toEqual(['tensor/x -> autograd/grad']);
  });
});
