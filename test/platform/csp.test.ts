// Content-Security-Policy hygiene of the built package: a page with `script-src 'self'` (no
// 'unsafe-eval') must be able to load every file in dist/. WebAssembly is compiled from embedded
// bytes with `new WebAssembly.Module`, which needs 'wasm-unsafe-eval' only, not 'unsafe-eval'.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', '..', 'dist');

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return jsFiles(p);
    return /\.(c|m)?js$/.test(e.name) ? [p] : [];
  });
}

// Code only: drop comments and string literals so prose such as "no eval(" does not count.
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:\\])\/\/[^\n]*/g, '$1 ')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, '""');
}

const FORBIDDEN: { name: string; re: RegExp }[] = [
  { name: 'eval(', re: /(^|[^\w$.])eval\s*\(/ },
  { name: 'new Function', re: /\bnew\s+Function\s*\(/ },
  { name: 'Function(…) call', re: /(^|[^\w$.])Function\s*\(\s*['"`]/ },
];

describe('CSP: no string-to-code evaluation in dist', () => {
  const files = jsFiles(dist);

  it('finds the built files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('the detectors catch what they are meant to catch', () => {
    for (const [src, hit] of [['x=eval("1")', true], ['f = new Function("a", "return a")', true], ['retrieval(1); o.eval(2)', false],
      ['new WebAssembly.Module(bytes)', false], ['// eval(x)\n1', false]] as const) {
      expect(FORBIDDEN.some((f) => f.re.test(code(src))), src).toBe(hit);
    }
  });

  it('no file under dist/ contains eval( or new Function', () => {
    const hits = files.flatMap((f) => {
      const c = code(readFileSync(f, 'utf8'));
      return FORBIDDEN.filter((x) => x.re.test(c)).map((x) => `${f.slice(dist.length + 1)}: ${x.name}`);
    });
    expect(hits).toEqual([]);
  });
});
