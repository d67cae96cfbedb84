// Type-checks every @example against src/ (docs/development.md#examples). Each example becomes
// one in-memory module that imports its scope (see ./examples-run.ts) by name, so types such as
// `Params` or `Key` resolve as well as values; all of them go through one TypeScript program, so
// the library is checked once (~10 s for ~400 examples), never written to disk.
import ts from 'typescript';
import { dirname, join, relative } from 'node:path';
import { ENTRIES, ROOT } from './examples-extract.js';
import type { Entry, ExportedFunction } from './examples-extract.js';

/** The compiler options of tsconfig.test.json, minus the rules that do not fit snippets. */
function options(): ts.CompilerOptions {
  const cfg = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.test.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (cfg === undefined) throw new Error('tsconfig.test.json does not parse');
  return {
    ...cfg.options,
    // An example may leave a result unused, and imports its scope by plain named imports.
    noUnusedLocals: false, noUnusedParameters: false, verbatimModuleSyntax: false, isolatedModules: false,
    noEmit: true, baseUrl: ROOT,
    paths: Object.fromEntries(ENTRIES.map((e) => [e.specifier, [e.file]])),
  };
}

/** Top-level names an example binds itself (they shadow the scope). */
function ownNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name !== undefined) names.add(st.name.text);
    if (ts.isImportDeclaration(st) && st.importClause !== undefined) {
      const c = st.importClause;
      if (c.name !== undefined) names.add(c.name.text);
      const nb = c.namedBindings;
      if (nb !== undefined && ts.isNamespaceImport(nb)) names.add(nb.name.text);
      if (nb !== undefined && ts.isNamedImports(nb)) for (const e of nb.elements) names.add(e.name.text);
    }
  }
  return names;
}

/** For an entry and namespace: the modules whose exports are in scope, later ones shadowing earlier. */
function scopeModules(program: ts.Program, entry: Entry['specifier'], namespace: string): { spec: string; names: string[] }[] {
  const checker = program.getTypeChecker();
  const moduleOf = (file: string): ts.Symbol => checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const namesOf = (m: ts.Symbol): string[] => checker.getExportsOfModule(m).map((s) => s.name).filter((n) => n !== 'default');
  const fileOf = (spec: string): string => ENTRIES.find((e) => e.specifier === spec)!.file;
  const out = [{ spec: 'edgegrad', names: namesOf(moduleOf(fileOf('edgegrad'))) }];
  if (entry !== 'edgegrad') out.push({ spec: entry, names: namesOf(moduleOf(fileOf(entry))) });
  let m = moduleOf(fileOf(entry));
  for (const part of namespace === '' ? [] : namespace.split('.')) {
    const exp = checker.getExportsOfModule(m).find((s) => s.name === part)!;
    m = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
    const decl = m.declarations?.find(ts.isSourceFile);
    if (decl === undefined) throw new Error(`namespace ${namespace} is not a module file`);
    out.push({ spec: decl.fileName.replace(/\.ts$/, '.js'), names: namesOf(m) });
  }
  return out;
}

/** The module text an example is checked as. */
export function typedSource(code: string, scope: readonly { spec: string; names: string[] }[], extra: readonly string[]): string {
  const taken = ownNames(ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true));
  const lines: string[] = [];
  for (let i = scope.length - 1; i >= 0; i--) {
    const names = scope[i]!.names.filter((n) => !taken.has(n));
    for (const n of names) taken.add(n);
    if (names.length > 0) lines.push(`import { ${names.join(', ')} } from ${JSON.stringify(scope[i]!.spec)};`);
  }
  for (const e of extra) if (!taken.has(e.split(' ')[1]!)) lines.push(e);
  // `export {}` keeps it a module (top-level await) even when nothing is imported.
  return `${lines.join('\n')}\nexport {};\n${code}\n`;
}

interface Module { id: string; text: string; head: number }

let cached: { opts: ts.CompilerOptions; base: ts.Program } | undefined;
/** The options and the program of src/ alone, built once per process and reused by every check. */
function library(): { opts: ts.CompilerOptions; base: ts.Program } {
  if (cached === undefined) {
    const opts = options();
    cached = { opts, base: ts.createProgram(ENTRIES.map((e) => e.file), opts) };
  }
  return cached;
}

/** Checks in-memory modules (by absolute file name) in one program on top of `base`; see typecheckExamples. */
function checkModules(opts: ts.CompilerOptions, base: ts.Program, files: ReadonlyMap<string, Module>): Map<string, string[]> {
  const host = ts.createCompilerHost(opts);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => {
    const v = files.get(f);
    return v !== undefined ? ts.createSourceFile(f, v.text, lang) : getSourceFile(f, lang, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  const program = ts.createProgram([...files.keys()], opts, host, base);
  const out = new Map<string, string[]>();
  for (const [f, v] of files) {
    const sf = program.getSourceFile(f)!;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    if (diags.length === 0) continue;
    out.set(v.id, diags.map((d) => {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1 - v.head;
      return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    }));
  }
  return out;
}

/** Diagnostics of every example, by id (`name#n`); an example without errors is absent. */
export function typecheckExamples(fns: readonly ExportedFunction[]): Map<string, string[]> {
  const { opts, base } = library();
  const files = new Map<string, Module>();
  const scopes = new Map<string, ReturnType<typeof scopeModules>>();
  let n = 0;
  for (const fn of fns) {
    const key = `${fn.entry}|${fn.namespace}`;
    if (!scopes.has(key)) scopes.set(key, scopeModules(base, fn.entry, fn.namespace));
    const extra = fn.entry === 'edgegrad/testing' ? ["import fc from 'fast-check';"] : [];
    fn.examples.forEach((code, i) => {
      const text = typedSource(code, scopes.get(key)!, extra);
      const head = text.slice(0, text.length - code.length - 1).split('\n').length - 1;
      files.set(join(ROOT, 'test', 'platform', '__examples__', `ex${n++}.ts`), { id: `${fn.name}#${i + 1}`, text, head });
    });
  }
  return checkModules(opts, base, files);
}

/** One ```ts or ```js block of a markdown page; `skip` holds the reason of a `<!-- fragment: … -->` mark. */
export interface DocBlock {
  /** `page:line`, the page relative to the repository and the 1-based line of the opening fence. */
  id: string;
  /** Absolute path of the page. */
  page: string;
  /** 1-based line of the block's first code line. */
  line: number;
  /** The fence's language: `js` blocks (README's runtime snippets) are run but not type-checked. */
  lang?: 'ts' | 'js';
  code: string;
  /** Set by `<!-- fragment: reason -->`: neither checked nor run. */
  fragment?: string;
  /** Set by `<!-- not run: reason -->`: type-checked only. */
  notRun?: string;
  /** What the block's console.log calls print, from a plain block after a line `prints`. */
  prints?: string;
}

/** The ```ts and ```js blocks of a markdown text (indented ones in lists too, their indent removed). */
export function markdownBlocks(text: string, page: string): DocBlock[] {
  const lines = text.split('\n');
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(ts|js)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    let j = i + 1;
    while (j < lines.length && !/^ *```\s*$/.test(lines[j]!)) j++;
    if (j === lines.length) throw new Error(`${page}:${i + 1}: unclosed \`\`\`ts block`);
    const code = lines.slice(i + 1, j).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const mark = k >= 0 ? /^\s*<!--\s*(fragment|not run):\s*(.+?)\s*-->\s*$/.exec(lines[k]!) : null;
    const block: DocBlock = { id: `${relative(ROOT, page)}:${i + 1}`, page, line: i + 2, lang: open[2] as 'ts' | 'js', code };
    if (mark?.[1] === 'fragment') block.fragment = mark[2]!;
    if (mark?.[1] === 'not run') block.notRun = mark[2]!;
    // `prints` on its own line, then a fence without a language: the expected console output.
    let p = j + 1;
    while (p < lines.length && lines[p]!.trim() === '') p++;
    if (lines[p]?.trim() === 'prints') {
      let q = p + 1;
      while (q < lines.length && lines[q]!.trim() === '') q++;
      const end = lines.findIndex((l, r) => r > q && /^ *```\s*$/.test(l));
      if (!/^ *```\s*$/.test(lines[q] ?? '') || end < 0) throw new Error(`${page}:${p + 1}: 'prints' must be followed by a plain \`\`\` block`);
      block.prints = lines.slice(q + 1, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
    }
    out.push(block);
    i = j;
  }
  return out;
}

/**
 * Diagnostics of markdown blocks, by id. Each block is a module of its own with no implicit scope
 * (a reader copies it as it stands): it imports `edgegrad`, `edgegrad/testing` or `edgegrad/node`
 * (mapped to src/ as for the examples) or a path relative to its page, and it is placed next to
 * the page so that `./src/…` in README.md and `../src/…` in docs/ resolve as written.
 */
export function typecheckBlocks(blocks: readonly DocBlock[]): Map<string, string[]> {
  const { opts, base } = library();
  const files = new Map<string, Module>();
  blocks.forEach((b, n) => {
    // `export {}` at the end keeps a block without imports a module (its names stay its own);
    // diagnostics carry the line of the page.
    files.set(join(dirname(b.page), `__block${n}.ts`), { id: b.id, text: `${b.code}\nexport {};\n`, head: 1 - b.line });
  });
  return checkModules(opts, base, files);
}
