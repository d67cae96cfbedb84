// The built package in every engine users embed it in: Deno, Bun, Hermes (React Native's engine,
// through Babel as Metro does), QuickJS, a Chromium page served from localhost and a module Web
// Worker (typed-array buffers transferred in and out). Each runs test/runtimes/workload.js (a
// tiny MLP trained for 5 Adam steps from a fixed key, then an XNOR-popcount inference) and must
// print exactly Node's bits, on the JS backend everywhere and on the WebAssembly backend wherever
// the engine has WebAssembly SIMD. The engines come from test/runtimes/package.json (npm) and
// Debian's chromium; .ci/run installs them when absent. The README's browser page and Web Worker
// snippets run in the same Chromium, as written, so a broken snippet fails CI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { buildSync } from 'esbuild';
import { getQuickJS } from 'quickjs-emscripten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const bin = (p: string): string => join(here, 'node_modules', p);
const local = createRequire(join(here, 'package.json'));
const CHROMIUM = '/usr/bin/chromium';
// bun's postinstall moves the platform binary into bun/bin; without install scripts it stays put.
const BUN = existsSync(bin('@oven/bun-linux-x64/bin/bun')) ? bin('@oven/bun-linux-x64/bin/bun') : bin('.bin/bun');

interface Run { backend: string; digests: Record<string, string>; sample: unknown }
interface Report { wasmAvailable: boolean; runs: Record<string, Run> }
/** The slice of playwright-core used here (typed locally: the package is installed only for this step). */
interface Page {
  goto(url: string): Promise<unknown>;
  waitForFunction(expression: string, arg: undefined, opts: { timeout: number }): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
}
interface Chromium { launch(opts: { executablePath: string; args: string[] }): Promise<{ newPage(): Promise<Page>; close(): Promise<void> }> }

const dir = mkdtempSync(join(tmpdir(), 'eg-runtimes-'));

/** Bundles the workload with a small entry for one engine (edgegrad resolved to the built dist/). */
function bundle(entry: string, format: 'esm' | 'iife', target = 'es2022'): string {
  const r = buildSync({
    stdin: { contents: entry, resolveDir: here, loader: 'js' }, bundle: true, write: false, format, target,
    alias: { edgegrad: join(root, 'dist', 'index.js') }, platform: 'neutral', mainFields: ['module', 'main'], logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop()!;
}

/**
 * The code of the first ```lang block after `heading` in README.md, as a user would copy it; a
 * missing block fails the test, so the snippet cannot vanish from the README unnoticed.
 */
function readmeBlock(heading: string, lang: string): string {
  const md = readFileSync(join(root, 'README.md'), 'utf8');
  const at = md.indexOf(heading);
  const m = at < 0 ? null : new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(md.slice(at));
  if (m === null) throw new Error(`README.md has no \`\`\`${lang} block after ${heading}`);
  return m[1]!;
}

/** README's Web Worker block holds two files, `// main.js` then `// worker.js`. */
function readmeWorkerFiles(): { main: string; worker: string } {
  const [main, worker, ...rest] = readmeBlock('**Web Worker**', 'js').split(/^\/\/ worker\.js$/m);
  if (worker === undefined || rest.length > 0 || !main!.trimStart().startsWith('// main.js')) throw new Error('README worker block: expected "// main.js" then "// worker.js"');
  return { main: main!, worker };
}

let node: Report;
const mainFile = join(dir, 'main.mjs');

beforeAll(() => {
  writeFileSync(mainFile, bundle("import { report } from './workload.js'; console.log(report());", 'esm'));
  writeFileSync(join(dir, 'workload.mjs'), bundle("export * from './workload.js';", 'esm'));
  node = JSON.parse(lastLine(execFileSync(process.execPath, [mainFile], { encoding: 'utf8' }))) as Report;
});

/** Every run of `r` equals Node's run on the same backend; returns the backends compared. */
function expectSameAsNode(r: Report): string[] {
  for (const [b, run] of Object.entries(r.runs)) expect(run, `backend ${b}`).toEqual(node.runs[b]);
  return Object.keys(r.runs);
}

/** Runs in the page: sends the data to a module worker (transferred), digests what comes back. */
const WORKER_DRIVER = `(async () => {
  const { makeData, digest } = await import('./workload.mjs');
  const d = makeData();
  const worker = new Worker('./worker.mjs', { type: 'module' });
  const reply = await new Promise((ok, fail) => {
    worker.onmessage = (e) => ok(e.data);
    worker.onerror = (e) => fail(new Error(e.message));
    worker.postMessage({ x: d.x, y: d.y, backends: ['js', 'wasm'] }, [d.x.buffer, d.y.buffer]);
  });
  worker.terminate();
  const runs = {}, recomputed = {};
  for (const [b, r] of Object.entries(reply.runs)) {
    runs[b] = { backend: r.backend, digests: r.digests, sample: r.sample };
    recomputed[b] = { params: digest(r.outputs.params), loss: digest(r.outputs.loss), packed: digest(r.outputs.packed) };
  }
  return { runs, recomputed, detached: d.x.byteLength === 0 && d.y.byteLength === 0, receivedBytes: reply.receivedBytes };
})()`;

describe('the same bits in every runtime', () => {
  it('Node (the reference) runs both backends', () => {
    expect(node.wasmAvailable).toBe(true);
    expect(Object.keys(node.runs)).toEqual(['js', 'wasm']);
  });

  it('Deno (npm package deno) gives Node\'s bits on both backends', () => {
    const r = JSON.parse(lastLine(execFileSync(bin('.bin/deno'), ['run', '--quiet', '--no-prompt', mainFile], { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } }))) as Report;
    expect(expectSameAsNode(r)).toEqual(['js', 'wasm']);
  });

  it('Bun (npm package bun, JavaScriptCore) gives Node\'s bits on both backends', () => {
    const r = JSON.parse(lastLine(execFileSync(BUN, [mainFile], { encoding: 'utf8' }))) as Report;
    expect(expectSameAsNode(r)).toEqual(['js', 'wasm']);
  });

  it('Hermes 0.12 (hermes-engine-cli), bundle through @react-native/babel-preset, gives Node\'s JS-backend bits', () => {
    const code = bundle("import { report } from './workload.js'; print(report());", 'iife', 'es2020');
    const babel = local('@babel/core') as { transformSync(code: string, opts: object): { code: string } | null };
    const out = babel.transformSync(code, {
      babelrc: false, configFile: false, sourceType: 'script', compact: true,
      presets: [[local.resolve('@react-native/babel-preset'), { enableBabelRuntime: false }]],
    })!.code;
    expect(out).not.toMatch(/\bclass\s+[\w$]*\s*(extends\b[^{]*)?\{/); // what Hermes 0.12 cannot parse
    const file = join(dir, 'hermes.js');
    writeFileSync(file, out);
    const r = JSON.parse(lastLine(execFileSync(bin('hermes-engine-cli/linux64-bin/hermes'), [file], { encoding: 'utf8' }))) as Report;
    expect(r.wasmAvailable).toBe(false);
    expect(expectSameAsNode(r)).toEqual(['js']);
  });

  it('QuickJS (quickjs-emscripten) gives Node\'s JS-backend bits', async () => {
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      const res = vm.evalCode(bundle("import { report } from './workload.js'; globalThis.__report = report();", 'iife', 'es2020') + '\n;globalThis.__report', 'workload.js');
      if (res.error) {
        const err: unknown = vm.dump(res.error);
        res.error.dispose();
        throw new Error(`QuickJS: ${JSON.stringify(err)}`);
      }
      const r = JSON.parse(vm.getString(res.value)) as Report;
      res.value.dispose();
      expect(expectSameAsNode(r)).toEqual(['js']);
    } finally {
      vm.dispose();
    }
  });

  describe('Chromium (Debian package, driven by playwright-core)', () => {
    let server: Server;
    let origin = '';
    beforeAll(async () => {
      const files: Record<string, [string, string]> = {
        '/': ['text/html', `<!doctype html><meta charset="utf-8"><title>edgegrad</title><script type="module">
          import { report } from './workload.mjs'; window.__page = report();</script>`],
        '/workload.mjs': ['text/javascript', readFileSync(join(dir, 'workload.mjs'), 'utf8')],
        // The worker gets the training data as transferred buffers and transfers its outputs back.
        '/worker.mjs': ['text/javascript', `import { run, digest } from './workload.mjs';
          self.onmessage = (e) => {
            const data = e.data;
            const runs = {}, buffers = [];
            for (const b of data.backends) {
              const r = run(b, { x: data.x, y: data.y });
              runs[b] = { backend: r.backend, digests: r.digests, sample: r.sample, outputs: r.outputs };
              buffers.push(r.outputs.packed.buffer, r.outputs.loss.buffer, r.outputs.params.buffer);
            }
            self.postMessage({ runs, receivedBytes: data.x.byteLength + data.y.byteLength }, buffers);
          };`],
        // README.md's browser snippet as written, in a page whose import map points at dist/index.js
        // (served from dist/ below, as the README says), and its worker snippet: main.js as written,
        // worker.js through a bundler (workers get no import map). console.log is recorded.
        '/readme/': ['text/html', `<!doctype html><meta charset="utf-8"><title>README</title>
          <script type="importmap">{ "imports": { "edgegrad": "/dist/index.js" } }</script><body></body>
          ${readmeBlock('**Browser**', 'html')}`],
        '/readme-worker/': ['text/html', `<!doctype html><meta charset="utf-8"><title>README worker</title>
          <script>window.__logs = []; const log = console.log; console.log = (...a) => { window.__logs.push(a); log(...a); };</script>
          <script type="module" src="./main.js"></script>`],
        '/readme-worker/main.js': ['text/javascript', readmeWorkerFiles().main],
        '/readme-worker/worker.js': ['text/javascript', bundle(readmeWorkerFiles().worker, 'esm')],
      };
      server = createServer((req, res) => {
        const url = req.url ?? '', built = join(root, url); // the built package, file by file
        const f = files[url] ?? (/^\/dist\/[\w./-]+\.js$/.test(url) && !url.includes('..') && existsSync(built) ? ['text/javascript', readFileSync(built, 'utf8')] : undefined);
        if (f === undefined) { res.writeHead(404).end(); return; }
        res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' }).end(f[1]);
      });
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const a = server.address();
      origin = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    });
    afterAll(() => new Promise<void>((ok) => { server.close(() => ok()); }));

    it('a page and a module worker give Node\'s bits on both backends; transferred buffers arrive intact', async () => {
      const { chromium } = local('playwright-core') as { chromium: Chromium };
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${origin}/`);
        await page.waitForFunction('window.__page !== undefined', undefined, { timeout: 120_000 });
        const pageReport = JSON.parse(await page.evaluate<string>('window.__page')) as Report;
        expect(expectSameAsNode(pageReport)).toEqual(['js', 'wasm']);

        // A string, not a function: vitest would rewrite a function's dynamic import().
        const w = await page.evaluate<{
          runs: Record<string, Run>; recomputed: Record<string, Record<string, string>>; detached: boolean; receivedBytes: number;
        }>(WORKER_DRIVER);
        expect(w.detached).toBe(true);                 // the inputs were transferred, not copied
        expect(w.receivedBytes).toBe((32 * 8 + 32 * 4) * 4);
        for (const b of ['js', 'wasm']) expect(w.recomputed[b]).toEqual(node.runs[b]!.digests); // outputs transferred back intact
        expect(expectSameAsNode({ wasmAvailable: true, runs: w.runs })).toEqual(['js', 'wasm']);
      } finally {
        await browser.close();
      }
    });

    it("README's browser and Web Worker snippets run as written and give Node's results", async () => {
      const { chromium } = local('playwright-core') as { chromium: Chromium };
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        await page.goto(`${origin}/readme/`);
        await page.waitForFunction("document.body.textContent !== ''", undefined, { timeout: 60_000 });
        // The same computation in Node on the built package (default backend on both sides).
        const eg = await import(join(root, 'dist', 'index.js')) as typeof import('../../src/index.js');
        const a = eg.uniform(eg.key(0), [4, 4]);
        expect(await page.evaluate<string>('document.body.textContent')).toBe(JSON.stringify(eg.matmul(a, a).toArray()));

        await page.goto(`${origin}/readme-worker/`);
        await page.waitForFunction('window.__logs.length > 0', undefined, { timeout: 60_000 });
        // main.js logs e.data.y: relu of its 1024 zeros, computed in the worker and transferred back.
        const y = JSON.parse(await page.evaluate<string>(`JSON.stringify((() => { const y = window.__logs[0][0];
          return { kind: Object.prototype.toString.call(y), length: y.length, values: [...new Set(y)] }; })())`)) as unknown;
        expect(y).toEqual({ kind: '[object Float32Array]', length: 1024, values: [0] });
      } finally {
        await browser.close();
      }
    });
  });
});
