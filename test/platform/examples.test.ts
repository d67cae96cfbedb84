// Every function exported from edgegrad, edgegrad/testing and edgegrad/node has a TSDoc @example,
// and every example type-checks and runs against src/ (conventions: docs/development.md#examples).
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import * as nodeOs from 'node:os';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as testing from '../../src/testing/index.js';
import * as nodeEntry from '../../src/node/index.js';
import { collectExportedFunctions } from './examples-extract.js';
import type { ExportedFunction } from './examples-extract.js';
import { NOT_RUN, OPEN_EXAMPLES, OPEN_MISSING } from './examples-open.js';
import { check, moduleSource, rewriteExample, scopeFor, strictConsole } from './examples-run.js';
import { typecheckExamples } from './examples-types.js';

const mods: Record<string, unknown> = {
  'edgegrad': root, 'edgegrad/testing': testing, 'edgegrad/node': nodeEntry,
  'fast-check': fc, 'vitest': vitest, 'node:fs': nodeFs, 'node:os': nodeOs, 'node:path': nodePath,
};

const fns = collectExportedFunctions();

interface Prepared { id: string; fn: ExportedFunction; code?: string; error?: string; checks: number }
const prepared: Prepared[] = [];
for (const fn of fns) {
  fn.examples.forEach((code, i) => {
    const id = `${fn.name}#${i + 1}`;
    try {
      const r = rewriteExample(code);
      prepared.push({ id, fn, code: r.code, checks: r.checks });
    } catch (e) {
      prepared.push({ id, fn, error: (e as Error).message, checks: 0 });
    }
  });
}

// One generated module per namespace (its examples share one scope) keeps vite's transform count low.
const groupOf = (p: Prepared): string => `${p.fn.entry}|${p.fn.namespace}`;
const scopes = new Map<string, Record<string, unknown>>();
for (const p of prepared) scopes.set(groupOf(p), scopeFor(mods, p.fn.entry, p.fn.namespace));
const dir = mkdtempSync(nodePath.join(nodeOs.tmpdir(), 'eg-examples-'));
const groups = new Map<string, Prepared[]>();
const runs = (p: Prepared): boolean => p.code !== undefined && !OPEN_EXAMPLES.includes(p.id) && !(p.id in NOT_RUN);
for (const p of prepared) if (runs(p)) groups.set(groupOf(p), [...(groups.get(groupOf(p)) ?? []), p]);
const modulePaths = new Map<string, string>();
let n = 0;
for (const [g, ps] of groups) {
  const path = nodePath.join(dir, `group${n++}.ts`);
  writeFileSync(path, moduleSource(ps.map((p) => ({ id: p.id, code: p.code! })), Object.keys(scopes.get(g)!)));
  modulePaths.set(g, path);
}
type Runner = { run(id: string, m: unknown, s: unknown, c: typeof check, con: typeof strictConsole): Promise<void> };
const loaded = new Map<string, Promise<Runner>>();
const load = (g: string): Promise<Runner> => {
  let m = loaded.get(g);
  if (m === undefined) {
    m = import(/* @vite-ignore */ pathToFileURL(modulePaths.get(g)!).href) as Promise<Runner>;
    loaded.set(g, m);
  }
  return m;
};

describe('TSDoc examples', () => {
  it('every exported function has an @example', () => {
    const missing = fns.filter((f) => f.examples.length === 0 && !OPEN_MISSING.includes(f.name)).map((f) => `${f.name} (${f.file}:${f.line})`);
    expect(missing).toEqual([]);
    // An open entry that has gained an example must leave the list.
    expect(fns.filter((f) => OPEN_MISSING.includes(f.name) && f.examples.length > 0).map((f) => f.name)).toEqual([]);
    expect(OPEN_MISSING.filter((n) => !fns.some((f) => f.name === n))).toEqual([]);
    console.log(`${fns.length} exported functions, ${prepared.length} examples (${OPEN_EXAMPLES.length} open, ${Object.keys(NOT_RUN).length} type-checked only), ${prepared.reduce((a, p) => a + p.checks, 0)} commented results checked`);
  });

  it('the extractor sees namespaces, aliases and const-bound functions', () => {
    const names = new Set(fns.map((f) => f.name));
    for (const n of ['edgegrad:tensor', 'edgegrad:nn.linear', 'edgegrad:relu', 'edgegrad/testing:arbShape', 'edgegrad/node:loadFile']) {
      expect(names).toContain(n);
    }
  });

  it('a wrong commented result, a false console.assert and a foreign import all fail', async () => {
    expect(rewriteExample('[1 + 1]; // [2]').checks).toBe(1);
    expect(rewriteExample('f(); // a uint32').checks).toBe(0);
    expect(() => check(root.tensor([0.7361]), [0.73], 'x')).toThrow(/comment says/);
    expect(() => check(root.tensor([0.7349]), [0.73], 'x')).not.toThrow();
    expect(() => check(3, 4, 'x')).toThrow(/comment says/);
    expect(() => strictConsole.assert(false, 'no')).toThrow(/console.assert failed: no/);
    expect(() => rewriteExample("import x from 'lodash';")).toThrow(/may not/);
    expect(() => rewriteExample('const = ;')).toThrow(/does not parse/);
  });

  it('the open lists name only existing examples', () => {
    const ids = new Set(prepared.map((p) => p.id));
    expect(OPEN_EXAMPLES.filter((id) => !ids.has(id))).toEqual([]);
    expect(Object.keys(NOT_RUN).filter((id) => !ids.has(id) || OPEN_EXAMPLES.includes(id))).toEqual([]);
  });

  it('every example type-checks against src/ (strict, as tsconfig.test.json)', () => {
    const errors = typecheckExamples(fns);
    const bad = [...errors].filter(([id]) => !OPEN_EXAMPLES.includes(id)).map(([id, d]) => `${id}: ${d.join('; ')}`);
    expect(bad).toEqual([]);
  });

  it('the type check can fail', () => {
    const fn = { ...fns.find((f) => f.name === 'edgegrad:tensor')!, examples: ['tensor([1]).shape; // [1]', "const n: number = tensor([1]);\nmissingName;"] };
    const errors = typecheckExamples([fn]);
    expect([...errors.keys()]).toEqual(['edgegrad:tensor#2']);
    expect(errors.get('edgegrad:tensor#2')!.join('\n')).toMatch(/line 1: Type 'Tensor' is not assignable[\s\S]*line 2: Cannot find name 'missingName'/);
  });

  for (const p of prepared.filter((q) => !OPEN_EXAMPLES.includes(q.id) && !(q.id in NOT_RUN))) {
    it(`${p.id} (${p.fn.file}:${p.fn.line})`, async () => {
      if (p.error !== undefined) throw new Error(p.error);
      const g = groupOf(p);
      const m = await load(g);
      await m.run(p.id, mods, scopes.get(g), check, strictConsole);
    });
  }
});
