// Minified bundle sizes of the built package (esbuild, ESM, platform neutral): what a user's
// bundler keeps for a given import. Shared by test/platform/size.test.ts (the budgets) and by
//   npx tsx test/platform/bundle-size.ts [--write]
// which prints the table (and rewrites it in docs/benchmarks.md), or with `--why '<import code>'`
// the minified bytes each module of dist/ contributes to that bundle (esbuild's metafile), the
// way to find what an import drags in. Needs `npm run build` first.
//
// The WebAssembly kernels travel as base64 string literals, one per kernel family; their
// characters are reported as "wasm" and everything else as "JS", so the two can be budgeted apart.
import { build, type Plugin } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const root = join(import.meta.dirname, '..', '..');

/**
 * Resolves every import itself and marks the module as having side effects, so the package's
 * `"sideEffects": false` is ignored and only `/* @__PURE__ *\/` annotations and provably pure
 * statements can be dropped: a top-level call in any module then shows up in the bundle.
 */
export const ignoreSideEffectsField: Plugin = {
  name: 'ignore-side-effects-field',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData === 'inner') return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir, pluginData: 'inner' });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path, external: r.external, sideEffects: true };
    });
  },
};

export interface Size {
  total: number; js: number; wasm: number; gzip: number; text: string;
  /** Minified bytes per input module (paths relative to the repository), largest first. */
  modules: [string, number][];
}

/** The embedded WebAssembly: base64 literals long enough to be a module (starts "AGFzbQ" = "\0asm"). */
const WASM_LITERAL = /(["'`])AGFzbQ[A-Za-z0-9+/]*={0,2}\1/g;

export async function bundleSize(code: string, opts?: { ignoreSideEffects?: boolean; resolveDir?: string }): Promise<Size> {
  const r = await build({
    stdin: { contents: code, resolveDir: opts?.resolveDir ?? root, loader: 'js' },
    bundle: true, write: false, format: 'esm', minify: true, treeShaking: true, platform: 'neutral',
    mainFields: ['module', 'main'], conditions: ['import'], logLevel: 'silent', external: ['fast-check'],
    plugins: opts?.ignoreSideEffects === true ? [ignoreSideEffectsField] : [], metafile: true,
  });
  const text = r.outputFiles[0]!.text;
  const inputs = Object.values(r.metafile.outputs)[0]?.inputs ?? {};
  const modules = Object.entries(inputs).map(([f, v]): [string, number] => [f, v.bytesInOutput])
    .filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]);
  const total = Buffer.byteLength(text);
  const wasm = [...text.matchAll(WASM_LITERAL)].reduce((s, m) => s + m[0].length - 2, 0);
  return { total, js: total - wasm, wasm, gzip: gzipSync(text).length, text, modules };
}

/** The rows of the table: an import, what it does, and its budget in bytes (total, JS only). */
export const CASES = [
  { name: '`{ csrMatvec }`', code: "import { csrMatvec } from 'edgegrad'; console.log(csrMatvec);", budget: 5000 },
  { name: '`{ csrMatvecInto }`', code: "import { csrMatvecInto } from 'edgegrad'; console.log(csrMatvecInto);", budget: 5000 },
  { name: '`{ xnorGemm, packBits }`', code: "import { xnorGemm, packBits } from 'edgegrad'; console.log(xnorGemm, packBits);", budget: 6150 },
  { name: '`{ grad, tensor, matmul }`', code: "import { grad, tensor, matmul } from 'edgegrad'; console.log(grad, tensor, matmul);", budget: 60000 },
  { name: 'whole package (`import * as eg`)', code: "import * as eg from 'edgegrad'; console.log(eg);", budget: 400000 },
  { name: "`import 'edgegrad'`, `sideEffects` ignored", code: "import 'edgegrad';", budget: 0, ignoreSideEffects: true },
] as const;

const kb = (n: number): string => (n / 1000).toFixed(1);

export async function table(): Promise<string> {
  const lines = ['| import | minified | JS | WebAssembly (base64) | gzip |', '|---|---:|---:|---:|---:|'];
  for (const c of CASES) {
    const s = await bundleSize(c.code, { ignoreSideEffects: 'ignoreSideEffects' in c });
    lines.push(`| ${c.name} | ${kb(s.total)} kB | ${kb(s.js)} kB | ${kb(s.wasm)} kB | ${kb(s.gzip)} kB |`);
  }
  return lines.join('\n');
}

if (process.argv[1] === import.meta.filename && process.argv.includes('--why')) {
  const s = await bundleSize(process.argv[process.argv.indexOf('--why') + 1]!);
  console.log(`${s.total} bytes minified (${s.wasm} of them WebAssembly base64)`);
  for (const [f, b] of s.modules) console.log(`${String(b).padStart(7)}  ${f}`);
} else if (process.argv[1] === import.meta.filename) {
  const t = await table();
  console.log(t);
  if (process.argv.includes('--write')) {
    const file = join(root, 'docs', 'benchmarks.md');
    const doc = readFileSync(file, 'utf8');
    const begin = '<!-- size-table:begin (written by `npx tsx test/platform/bundle-size.ts --write`) -->';
    const end = '<!-- size-table:end -->';
    const i = doc.indexOf(begin), j = doc.indexOf(end);
    if (i < 0 || j < i) throw new Error('docs/benchmarks.md has no size-table markers');
    writeFileSync(file, `${doc.slice(0, i + begin.length)}\n\n${t}\n\n${doc.slice(j)}`);
  }
}
