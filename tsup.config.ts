import { defineConfig } from 'tsup';

// The ESM build is plain `tsc` output, one module per source file, so that consumers' bundlers
// tree-shake the namespace re-exports (`nn`, `cost`, `tree`, …) statically; a bundled ESM file
// turns them into runtime objects that keep everything alive. tsup builds only the CommonJS
// entry points (with .d.cts types), sharing one chunk so that `edgegrad` and `edgegrad/testing`
// see the same Tensor class.
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['cjs'],
  dts: true,
  sourcemap: true,
  treeshake: true,
  splitting: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['fast-check', 'vitest'],
});
