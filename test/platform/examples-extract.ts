// Finds every function exported from the public entry points and the code of its TSDoc @example
// blocks. Uses the TypeScript compiler API rather than typedoc's JSON: the checker resolves
// `export * as ns` namespaces, re-export aliases and `export const f = …` values to the one
// declaration they name, in ~2 s, without running typedoc's whole conversion and theme.
// Convention (docs/contributing.md#examples): see ./examples-run.ts for how the code is executed.
import ts from 'typescript';
import { relative, resolve } from 'node:path';

/** A public entry point: the specifier users import and its source file. */
export interface Entry {
  specifier: 'edgegrad' | 'edgegrad/testing' | 'edgegrad/node';
  file: string;
}

/** One exported function, under the first public path that names it. */
export interface ExportedFunction {
  /** e.g. `edgegrad:nn.linear`. */
  name: string;
  entry: Entry['specifier'];
  /** The namespace path it is listed under ('' at the top, e.g. 'nn' or 'nn.init'). */
  namespace: string;
  /** Repository-relative file and 1-based line of the declaration. */
  file: string;
  line: number;
  /** Code of each @example, fences removed. */
  examples: string[];
}

export const ROOT = resolve(import.meta.dirname, '../..');

export const ENTRIES: readonly Entry[] = [
  { specifier: 'edgegrad', file: resolve(ROOT, 'src/index.ts') },
  { specifier: 'edgegrad/testing', file: resolve(ROOT, 'src/testing/index.ts') },
  { specifier: 'edgegrad/node', file: resolve(ROOT, 'src/node/index.ts') },
];

/** The code blocks of one @example tag: fenced blocks if any, else the whole text (as typedoc does). */
export function exampleCode(text: string): string[] {
  // Also the one-line form `@example \`\`\`ts f(1); // 2 \`\`\`` used by short elementwise docs.
  const fenced = [...text.matchAll(/```[a-z]*(?:[ \t]*\n|[ \t]+)([\s\S]*?)```/g)].map((m) => m[1]!);
  if (fenced.length > 0) return fenced;
  return text.trim() === '' ? [] : [text];
}

function isFunctionSymbol(checker: ts.TypeChecker, sym: ts.Symbol): boolean {
  if (sym.flags & ts.SymbolFlags.Function) return true;
  if (sym.flags & ts.SymbolFlags.Class) return false;
  if (!(sym.flags & ts.SymbolFlags.Variable)) return false;
  const decl = sym.valueDeclaration;
  if (decl === undefined) return false;
  const type = checker.getTypeOfSymbolAtLocation(sym, decl);
  return type.getCallSignatures().length > 0 && type.getConstructSignatures().length === 0;
}

function examplesOf(sym: ts.Symbol): string[] {
  const out: string[] = [];
  for (const decl of sym.declarations ?? []) {
    for (const tag of ts.getJSDocTags(decl)) {
      if (tag.tagName.text !== 'example') continue;
      out.push(...exampleCode(ts.getTextOfJSDocComment(tag.comment) ?? ''));
    }
    // Overloads repeat the doc on each signature; the first documented one counts.
    if (out.length > 0) break;
  }
  return out;
}

/** Every exported function of the entry points, each declaration once, in export order. */
export function collectExportedFunctions(entries: readonly Entry[] = ENTRIES): ExportedFunction[] {
  const program = ts.createProgram(entries.map((e) => e.file), {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true, noEmit: true, skipLibCheck: true, types: ['node'],
  });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Declaration>();
  const found: ExportedFunction[] = [];
  const walk = (entry: Entry, moduleSym: ts.Symbol, prefix: string): void => {
    for (const exp of checker.getExportsOfModule(moduleSym)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const name = prefix + exp.name;
      if (sym.flags & ts.SymbolFlags.ValueModule && !(sym.flags & ts.SymbolFlags.Function)) {
        walk(entry, sym, `${name}.`);
        continue;
      }
      if (!isFunctionSymbol(checker, sym)) continue;
      const decl = sym.valueDeclaration ?? sym.declarations?.[0];
      if (decl === undefined || seen.has(decl)) continue;
      seen.add(decl);
      const sf = decl.getSourceFile();
      found.push({
        name: `${entry.specifier}:${name}`, entry: entry.specifier, namespace: prefix.replace(/\.$/, ''),
        file: relative(ROOT, sf.fileName), line: sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1,
        examples: examplesOf(sym),
      });
    }
  };
  for (const entry of entries) {
    const sf = program.getSourceFile(entry.file);
    const moduleSym = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (moduleSym === undefined) throw new Error(`no module symbol for ${entry.file}`);
    walk(entry, moduleSym, '');
  }
  return found;
}
