import { defineConfig } from 'vitest/config';

// The cross-runtime tests (test/runtimes/runtimes.test.ts), run by their own .ci/run step after
// `npm ci --prefix test/runtimes` has installed the engines; kept out of the main suite.
export default defineConfig({
  test: {
    include: ['test/runtimes/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
