// The built package, loaded the way users load it: Node ESM and CJS through the exports map
// (package self-reference), and the CJS bundle evaluated inside QuickJS, an embedded engine
// with no Node APIs. Each computes a gradient and a sparse matrix-vector product.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getQuickJS } from 'quickjs-emscripten';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// f(x) = sum(tanh(x) * x); the script prints grad(f) at x = [0.5, -1] and a matmul value.
const body = (eg: string) => `
  const x = ${eg}.tensor([0.5, -1], { dtype: 'float64' });
  const g = ${eg}.grad((v) => ${eg}.sum(${eg}.mul(${eg}.tanh(v), v)))(x);
  const m = ${eg}.matmul(${eg}.tensor([[1, 2], [3, 4]]), ${eg}.eye(2)).toArray();
  const u = ${eg}.uniform(${eg}.key(7), [3]).toArray();
  const sp = Array.from(${eg}.csrMatvec(${eg}.csrFromDense(${eg}.tensor([[0, 1], [2, 0]])), Float32Array.of(3, 4)));
  return JSON.stringify({ g: Array.from(g.toTyped()), m, u, sp, name: new ${eg}.NumError('FORMAT', 'op', 'what').name });
`;

function expected(): number[] {
  return [0.5, -1].map((v) => Math.tanh(v) + v * (1 - Math.tanh(v) ** 2));
}

interface Printed { g: number[]; m: number[][]; u: number[]; sp: number[]; name: string }

function node(args: string[]): Printed {
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Printed;
}

describe('built dist', () => {
  let esmU: number[] = [];

  it('loads from Node ESM via the exports map', () => {
    const r = node(['--input-type=module', '-e', `import * as eg from 'edgegrad'; console.log((() => { ${body('eg')} })());`]);
    r.g.forEach((v, i) => expect(v).toBeCloseTo(expected()[i]!, 12));
    expect(r.m).toEqual([[1, 2], [3, 4]]);
    expect(r.sp).toEqual([4, 6]);
    expect(r.name).toBe('NumError');
    esmU = r.u;
  });

  it('loads from Node CJS via the exports map, with identical random bits', () => {
    const r = node(['-e', `const eg = require('edgegrad'); console.log((() => { ${body('eg')} })());`]);
    r.g.forEach((v, i) => expect(v).toBeCloseTo(expected()[i]!, 12));
    expect(r.sp).toEqual([4, 6]);
    expect(r.u).toEqual(esmU);
  });

  it('loads edgegrad/testing from both module systems, sharing one Tensor class', () => {
    const check = 'const x = fc.sample(t.arbTensor({ shape: [2] }), 1)[0]; console.log(x instanceof eg.Tensor, eg.add(x, 1).shape.join(), t.allClose(eg.tensor([1]), [1]))';
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e',
      `import * as t from 'edgegrad/testing'; import * as eg from 'edgegrad'; import fc from 'fast-check'; ${check}`],
    { cwd: root, encoding: 'utf8' });
    const cjs = execFileSync(process.execPath, ['-e',
      `const t = require('edgegrad/testing'); const eg = require('edgegrad'); const fc = require('fast-check'); ${check}`],
    { cwd: root, encoding: 'utf8' });
    expect([esm.trim(), cjs.trim()]).toEqual(['true 2 true', 'true 2 true']);
  });

  it('edgegrad/node shares the core with edgegrad (files round-trip user tensors)', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import * as eg from 'edgegrad'; import { saveFile, loadFile } from 'edgegrad/node';
      import { mkdtempSync } from 'node:fs'; import { join } from 'node:path'; import { tmpdir } from 'node:os';
      const p = join(mkdtempSync(join(tmpdir(), 'eg-')), 'a.safetensors');
      saveFile(p, { w: eg.tensor([[1, 2]]), step: 3 });
      const t = loadFile(p).tree;
      console.log(t.w instanceof eg.Tensor, JSON.stringify(t.w.toArray()), t.step);`], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('true [[1,2]] 3');
  });

  it('edgegrad/node also loads from CommonJS and shares the Tensor class with require(\'edgegrad\')', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const eg = require('edgegrad'); const { saveFile, loadFile } = require('edgegrad/node');
      const { mkdtempSync } = require('node:fs'); const { join } = require('node:path'); const { tmpdir } = require('node:os');
      const p = join(mkdtempSync(join(tmpdir(), 'eg-')), 'a.safetensors');
      saveFile(p, { w: eg.tensor([[1, 2]]), step: 3 });
      const t = loadFile(p).tree;
      console.log(t.w instanceof eg.Tensor, JSON.stringify(t.w.toArray()), t.step);`], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('true [[1,2]] 3');
  });

  it('runs inside QuickJS and computes the same gradient and the same random bits', async () => {
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      // A minimal CommonJS loader over the dist/*.cjs files (entry + shared chunks): QuickJS has
      // no module system of its own for CJS and no file access.
      const files = readdirSync(join(root, 'dist')).filter((f) => f.endsWith('.cjs'));
      const table = files.map((f) => `${JSON.stringify('./' + f)}: function (module, exports, require) {\n${readFileSync(join(root, 'dist', f), 'utf8')}\n}`).join(',\n');
      const loader = `var __files = {${table}}; var __cache = {};
        function __require(name) {
          if (__cache[name]) return __cache[name].exports;
          if (!__files[name]) throw new Error('QuickJS loader: no module ' + name);
          var module = { exports: {} }; __cache[name] = module;
          __files[name](module, module.exports, __require);
          return module.exports;
        }
        globalThis.eg = __require('./index.cjs');`;
      const src = `${loader}\n(function () { ${body('eg')} })()`;
      const res = vm.evalCode(src, 'edgegrad.cjs');
      if (res.error) {
        const err: unknown = vm.dump(res.error);
        res.error.dispose();
        throw new Error(`QuickJS: ${JSON.stringify(err)}`);
      }
      const r = JSON.parse(vm.getString(res.value)) as Printed;
      res.value.dispose();
      r.g.forEach((v, i) => expect(v).toBeCloseTo(expected()[i]!, 12));
      expect(r.m).toEqual([[1, 2], [3, 4]]);
      expect(r.sp).toEqual([4, 6]);
      if (esmU.length > 0) expect(r.u).toEqual(esmU);
    } finally {
      vm.dispose();
    }
  });
});
