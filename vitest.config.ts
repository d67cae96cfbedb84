import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/runtimes needs the engines of test/runtimes/package.json: its own step in .ci/run.
    exclude: ['test/runtimes/**', '**/node_modules/**'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/platform/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
