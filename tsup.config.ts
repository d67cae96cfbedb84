import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  // One shared chunk for both entries in ESM and CJS, so edgegrad and edgegrad/testing share one
  // Tensor class (instanceof works across the two entry points).
  splitting: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['fast-check', 'vitest'],
});
