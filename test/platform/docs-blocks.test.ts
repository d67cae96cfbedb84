// The ```ts blocks of README.md and docs/*.md type-check against src/ and, where cheap, run; the
// ```js ones (README's runtime snippets) run where Node can (docs/development.md#markdown-blocks). A reader copies a block as it stands, so each one is a
// module of its own with its imports; the type check and the runner are those of the TSDoc
// examples (./examples-types.ts, ./examples-run.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import * as nodeOs from 'node:os';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as testing from '../../src/testing/index.js';
import * as nodeEntry from '../../src/node/index.js';
import { ENTRIES, ROOT } from './examples-extract.js';
import { check, moduleSource, rewriteExample, strictConsole } from './examples-run.js';
import { markdownBlocks, typecheckBlocks } from './examples-types.js';
import type { DocBlock } from './examples-types.js';

// The pages whose blocks are held to this.
const PAGES = [
  'README.md', 'docs/autograd.md', 'docs/tensors.md', 'docs/nn.md', 'docs/optim.md', 'docs/quant.md',
  'docs/sparse.md', 'docs/io.md', 'docs/cost.md', 'docs/bitpack.md', 'docs/methods.md', 'docs/testing.md',
  'docs/development.md', 'docs/alq.md', 'docs/benchmarks.md', 'docs/data.md', 'docs/dpu.md', 'docs/dress.md',
  'docs/pmeta.md', 'docs/rct.md', 'docs/reliability.md', 'docs/wasm.md',
];
// Pages not checked yet; a new page must be listed in one of the two.
const PENDING: string[] = [];

const mods: Record<string, unknown> = {
  'edgegrad': root, 'edgegrad/testing': testing, 'edgegrad/node': nodeEntry,
  'fast-check': fc, 'vitest': vitest, 'node:fs': nodeFs, 'node:os': nodeOs, 'node:path': nodePath,
};

const blocks = PAGES.flatMap((p) => markdownBlocks(readFileSync(nodePath.join(ROOT, p), 'utf8'), nodePath.join(ROOT, p)));

/** A block's code with relative imports of an entry file (`./src/index.js`) and `npm:` ones spelled as the package name. */
function publicImports(b: DocBlock): string {
  const sf = ts.createSourceFile('b.ts', b.code, ts.ScriptTarget.ES2022, true);
  let out = b.code;
  for (const st of [...sf.statements].reverse()) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const spec = st.moduleSpecifier.text;
    // Deno's `npm:edgegrad` is the package too.
    if (spec.startsWith('npm:')) out = out.slice(0, st.moduleSpecifier.getStart()) + JSON.stringify(spec.slice(4)) + out.slice(st.moduleSpecifier.end);
    if (!spec.startsWith('.')) continue;
    const file = nodePath.resolve(nodePath.dirname(b.page), spec).replace(/\.js$/, '.ts');
    const entry = ENTRIES.find((e) => e.file === file);
    if (entry === undefined) throw new Error(`imports '${spec}', which is no entry point: import from 'edgegrad' or mark the block <!-- not run: … -->`);
    out = out.slice(0, st.moduleSpecifier.getStart()) + JSON.stringify(entry.specifier) + out.slice(st.moduleSpecifier.end);
  }
  return out;
}

/** Whether a block does anything when run (declaration-only blocks are type-checked only). */
function executes(code: string): boolean {
  const sf = ts.createSourceFile('b.ts', code, ts.ScriptTarget.ES2022, true);
  return sf.statements.some((st) => !(ts.isImportDeclaration(st) || ts.isInterfaceDeclaration(st)
    || ts.isTypeAliasDeclaration(st) || ts.isModuleDeclaration(st)));
}

interface Prepared { block: DocBlock; code?: string; error?: string }
const runnable: Prepared[] = [];
for (const b of blocks) {
  if (b.fragment !== undefined || b.notRun !== undefined || !executes(b.code)) continue;
  try {
    runnable.push({ block: b, code: rewriteExample(publicImports(b)).code });
  } catch (e) {
    runnable.push({ block: b, error: (e as Error).message });
  }
}
const dir = mkdtempSync(nodePath.join(nodeOs.tmpdir(), 'eg-docblocks-'));
const modulePath = nodePath.join(dir, 'blocks.ts');
writeFileSync(modulePath, moduleSource(runnable.filter((p) => p.code !== undefined).map((p) => ({ id: p.block.id, code: p.code! })), []));
// Blocks that must (or must not) fail, checked in the same program as the pages' blocks.
const readme = nodePath.join(ROOT, 'README.md');
const PROBES: readonly DocBlock[] = [
  { id: 'probe:ok', page: readme, line: 10, code: "import { tensor } from 'edgegrad';\ntensor([1]);" },
  { id: 'probe:scope', page: readme, line: 20, code: "import { tensor } from 'edgegrad';\nconst t = tensor([1]);\nmissingName(t);" },
  { id: 'probe:path', page: readme, line: 30, code: "import { tensor } from './src/nowhere.js';\ntensor([1]);" },
  { id: 'probe:relative', page: nodePath.join(ROOT, 'docs', 'x.md'), line: 40, code: "import { tensor } from '../src/index.js';\nconst n: number = tensor([1]);" },
];
let checked: Map<string, string[]> | undefined;
const typed = blocks.filter((b) => b.fragment === undefined && b.lang !== 'js');
const diagnostics = (): Map<string, string[]> => (checked ??= typecheckBlocks([...typed, ...PROBES]));

type Runner = { run(id: string, m: unknown, s: unknown, c: typeof check, con: typeof strictConsole): Promise<void> };
let loaded: Promise<Runner> | undefined;

describe('markdown ```ts blocks', () => {
  it('every ```ts block of the listed pages type-checks against src/ (strict, as tsconfig.test.json)', () => {
    const errors = [...diagnostics()].filter(([id]) => !PROBES.some((p) => p.id === id));
    expect(errors.map(([id, d]) => `${id}: ${d.join('; ')}`)).toEqual([]);
    const count = (f: (b: DocBlock) => boolean): number => blocks.filter(f).length;
    console.log(`${blocks.length} blocks on ${PAGES.length} pages (${typed.length} type-checked): ${runnable.length} run, ${count((b) => b.notRun !== undefined)} not run by mark, ${count((b) => b.fragment !== undefined)} fragments, ${count((b) => b.prints !== undefined)} with printed output`);
  });

  it('every markdown page is checked or listed as pending', () => {
    const all = ['README.md', ...nodeFs.readdirSync(nodePath.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    expect(all.filter((p) => !PAGES.includes(p) && !PENDING.includes(p))).toEqual([]);
    expect([...PAGES, ...PENDING].filter((p) => !all.includes(p) || (PAGES.includes(p) && PENDING.includes(p)))).toEqual([]);
  });

  it('the type check can fail, and reports the line of the page', () => {
    const errors = diagnostics();
    expect(PROBES.map((p) => p.id).filter((id) => errors.has(id))).toEqual(['probe:scope', 'probe:path', 'probe:relative']);
    expect(errors.get('probe:scope')!.join()).toMatch(/line 22: Cannot find name 'missingName'/);
    expect(errors.get('probe:path')!.join()).toMatch(/line 30: Cannot find module '.\/src\/nowhere.js'/);
    expect(errors.get('probe:relative')!.join()).toMatch(/line 41: Type 'Tensor' is not assignable to type 'number'/);
  });

  it('reads indented blocks, marks with their reasons and expected output', () => {
    const md = ['text', '<!-- fragment: shows only the call -->', '```ts', 'f(x);', '```', '- item', '', '  <!-- not run: trains -->', '', '  ```ts', '  const a = 1;', '    a;', '  ```'].join('\n');
    const bs = markdownBlocks(md, nodePath.join(ROOT, 'x.md'));
    expect(bs.map((b) => [b.id, b.line, b.code, b.fragment, b.notRun])).toEqual([
      ['x.md:3', 4, 'f(x);', 'shows only the call', undefined],
      ['x.md:10', 11, 'const a = 1;\n  a;', undefined, 'trains'],
    ]);
    expect(() => markdownBlocks('```ts\nx;\n', 'y.md')).toThrow(/unclosed/);
    const out = markdownBlocks('```ts\nconsole.log(1);\n```\n\nprints\n\n```\n1\n```\n', 'z.md');
    expect(out.map((b) => b.prints)).toEqual(['1']);
    expect(() => markdownBlocks('```ts\nf();\n```\nprints\n```ts\n1\n```\n', 'z.md')).toThrow(/plain/);
  });

  for (const p of runnable) {
    it(`runs ${p.block.id}`, async () => {
      if (p.error !== undefined) throw new Error(p.error);
      loaded ??= import(/* @vite-ignore */ pathToFileURL(modulePath).href) as Promise<Runner>;
      const printed: string[] = [];
      const con = { ...strictConsole, log: (...a: unknown[]): void => { printed.push(a.map(String).join(' ')); } };
      // A block may switch the backend (docs/wasm.md shows backend.set); the next one starts as usual.
      const backendBefore = root.backend.get();
      try {
        await (await loaded).run(p.block.id, mods, {}, check, con);
      } finally {
        root.backend.set(backendBefore);
      }
      if (p.block.prints !== undefined) expect(printed.join('\n').trimEnd()).toBe(p.block.prints.trimEnd());
    });
  }
});
