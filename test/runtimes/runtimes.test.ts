// The built package in every engine users embed it in: Deno, Bun, Hermes (React Native's engine,
// through Babel as Metro does), QuickJS, a Chromium page served from localhost and a module Web
// Worker (typed-array buffers transferred in and out). Each runs test/runtimes/workload.js (a
// tiny MLP trained for 5 Adam steps from a fixed key, then an XNOR-popcount inference) and must
// print exactly Node's bits, on the JS backend everywhere and on the WebAssembly backend wherever
// the engine has WebAssembly SIMD. The engines come from test/runtimes/package.json (npm) and
// Debian's chromium; .ci/run installs them when absent.
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
      };
      server = createServer((req, res) => {
        const f = files[req.url ?? ''];
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
  });
});
