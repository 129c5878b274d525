import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e tests share one pcscd; keep files from fighting over vpcd slots
    fileParallelism: true,
    pool: 'forks',
  },
});
