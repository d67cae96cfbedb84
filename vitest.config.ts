import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/platform/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
