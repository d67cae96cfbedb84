import { defineConfig } from 'tsup';

// The ESM build is plain `tsc` output, one module per source file, so that consumers' bundlers
// tree-shake the namespace re-exports (`nn`, `cost`, `tree`, …) statically; a bundled ESM file
// turns them into runtime objects that keep everything alive. tsup builds only the CommonJS
// entry points (with .d.cts types), sharing one chunk so that `edgegrad`, `edgegrad/testing` and
// `edgegrad/node` see the same Tensor class. Node built-ins stay `require('node:…')` calls;
// src/node/here.ts gives `import.meta.url` its CommonJS stand-in (no bundler shim: it would run
// at load time in the shared chunk).
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', node: 'src/node/index.ts' },
  format: ['cjs'],
  dts: { compilerOptions: { types: ['node'] } },
  sourcemap: true,
  treeshake: true,
  splitting: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['fast-check', 'vitest', /^node:/],
  esbuildOptions(o) { o.logOverride = { 'empty-import-meta': 'silent' }; },
});
