// Turns @example code into runnable modules (docs/contributing.md#examples):
// - every export of the example's entry point is in scope (for edgegrad/testing and edgegrad/node
//   also the root package's, and fast-check as `fc`), and so is every member of the namespace the
//   function is listed under (an example of `data.take` may call `shuffle` for `data.shuffle`);
//   an example may also import explicitly from 'edgegrad', 'edgegrad/testing', 'edgegrad/node',
//   'fast-check', 'vitest' or node:fs/os/path;
// - `console.assert(cond, …)` throws when cond is false, and console output is swallowed;
// - a top-level statement `expr; // <literal>` (a JSON-like array, number, string, boolean or null)
//   checks that expr equals the literal: numbers to the last printed digit, tensors via toArray().
// The modules hold no imports of their own: the test passes the loaded packages in, so the code
// runs against src/ exactly as vitest transforms it.
import ts from 'typescript';

export const MODULES = ['edgegrad', 'edgegrad/testing', 'edgegrad/node', 'fast-check', 'vitest', 'node:fs', 'node:os', 'node:path'] as const;

export interface Rewritten {
  code: string;
  /** How many `expr; // literal` statements became checks. */
  checks: number;
}

/** A comment's text as a literal value, or undefined when it is prose. */
export function commentLiteral(comment: string): { value: unknown } | undefined {
  let t = comment.replace(/^\/\/\s*/, '').replace(/^(?:=>|->|→)\s*/, '').trim();
  if (t === '') return undefined;
  t = t.replace(/'([^'\\]*)'/g, (_, s: string) => JSON.stringify(s)).replace(/\bNaN\b/g, '"__NaN__"')
    .replace(/-Infinity\b/g, '"__-Inf__"').replace(/\bInfinity\b/g, '"__Inf__"');
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : { value: v };
  } catch {
    return undefined;
  }
}

/** Rewrites one example's imports to destructurings of `__mods` and its commented results to checks. */
export function rewriteExample(code: string): Rewritten {
  const diag = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
  if (diag.length > 0) throw new Error(`does not parse: ${ts.flattenDiagnosticMessageText(diag[0]!.messageText, '\n')}`);
  const sf = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true);
  const edits: { start: number; end: number; text: string }[] = [];
  let checks = 0;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      if (!(MODULES as readonly string[]).includes(spec)) throw new Error(`imports '${spec}', which examples may not`);
      const clause = st.importClause;
      const mod = `__mods[${JSON.stringify(spec)}]`;
      const parts: string[] = [];
      if (clause !== undefined && !clause.isTypeOnly) {
        if (clause.name !== undefined) parts.push(`const ${clause.name.text} = ${mod}.default ?? ${mod};`);
        const nb = clause.namedBindings;
        if (nb !== undefined && ts.isNamespaceImport(nb)) parts.push(`const ${nb.name.text} = ${mod};`);
        if (nb !== undefined && ts.isNamedImports(nb)) {
          const names = nb.elements.filter((e) => !e.isTypeOnly)
            .map((e) => (e.propertyName === undefined ? e.name.text : `${e.propertyName.text}: ${e.name.text}`));
          if (names.length > 0) parts.push(`const { ${names.join(', ')} } = ${mod};`);
        }
      }
      edits.push({ start: st.getStart(), end: st.end, text: parts.join(' ') });
      continue;
    }
    if (!ts.isExpressionStatement(st)) continue;
    const trailing = ts.getTrailingCommentRanges(code, st.end)?.[0];
    if (trailing === undefined || trailing.kind !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
    const lit = commentLiteral(code.slice(trailing.pos, trailing.end));
    if (lit === undefined) continue;
    checks++;
    const expr = st.expression.getText();
    edits.push({ start: st.getStart(), end: st.end, text: `__check((${expr}), ${JSON.stringify(lit.value)}, ${JSON.stringify(expr)});` });
  }
  let out = code;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { code: out, checks };
}

function plain(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'toArray' in v && typeof (v as { toArray: unknown }).toArray === 'function') {
    return plain((v as { toArray(): unknown }).toArray());
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function decimals(n: number): number {
  const s = String(n);
  const e = /e-(\d+)$/.exec(s);
  if (e !== null) return Number(e[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

function agrees(actual: unknown, expected: unknown): boolean {
  if (expected === '__NaN__') return typeof actual === 'number' && Number.isNaN(actual);
  if (expected === '__Inf__') return actual === Infinity;
  if (expected === '__-Inf__') return actual === -Infinity;
  if (typeof expected === 'number') {
    if (typeof actual === 'boolean') return Number(actual) === expected;
    if (typeof actual !== 'number') return false;
    // A printed 0.73 stands for anything that rounds to it; integers must match exactly.
    return Math.abs(actual - expected) <= (decimals(expected) === 0 ? 0 : 0.5 * 10 ** -decimals(expected) * 1.0001 + 1e-12);
  }
  if (typeof expected === 'boolean' && typeof actual === 'number') return Number(expected) === actual;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => agrees(actual[i], e));
  }
  return actual === expected;
}

/** Throws when `actual` does not read as the literal written after it. */
export function check(actual: unknown, expected: unknown, expr: string): void {
  const a = plain(actual);
  if (!agrees(a, expected)) throw new Error(`${expr}: the comment says ${JSON.stringify(expected)}, got ${JSON.stringify(a)}`);
}

/** The names an example of a function under `namespace` of `entry` sees (see the top of this file). */
export function scopeFor(mods: Record<string, unknown>, entry: string, namespace: string): Record<string, unknown> {
  const rootMod = mods['edgegrad'] as Record<string, unknown>;
  const scope: Record<string, unknown> = { ...rootMod };
  if (entry !== 'edgegrad') Object.assign(scope, mods[entry] as Record<string, unknown>);
  if (entry === 'edgegrad/testing') scope['fc'] = (mods['fast-check'] as { default?: unknown }).default ?? mods['fast-check'];
  let ns: unknown = mods[entry];
  for (const part of namespace === '' ? [] : namespace.split('.')) {
    ns = (ns as Record<string, unknown>)[part];
    Object.assign(scope, ns as Record<string, unknown>);
  }
  return scope;
}

/** A console whose assert throws and whose output goes nowhere. */
export const strictConsole = {
  ...console,
  assert: (cond: unknown, ...msg: unknown[]): void => {
    if (!cond) throw new Error(`console.assert failed${msg.length > 0 ? `: ${msg.map(String).join(' ')}` : ''}`);
  },
  log: (): void => {}, info: (): void => {}, warn: (): void => {}, debug: (): void => {}, table: (): void => {},
};

/** A module exporting `run(id, __mods, __scope, __check, console)` for the given rewritten examples. */
export function moduleSource(examples: readonly { id: string; code: string }[], scopeNames: readonly string[]): string {
  const scope = scopeNames.length > 0 ? `const { ${scopeNames.join(', ')} } = __scope;` : '';
  const bodies = examples.map((e) => `  ${JSON.stringify(e.id)}: async () => {\n${e.code}\n  },`).join('\n');
  return [
    '// Generated by test/platform/examples.test.ts from TSDoc @example blocks; not committed.',
    '/* eslint-disable */',
    '// @ts-nocheck',
    'export async function run(id, __mods, __scope, __check, console) {',
    `  ${scope}`,
    '  const table = {',
    bodies,
    '  };',
    '  await table[id]();',
    '}',
    '',
  ].join('\n');
}
