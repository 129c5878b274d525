import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files run in parallel: every e2e file starts a private pcscd with its own vpcd ports
    // (test/e2e/private-pcscd.ts), so they never fight over slots.
    fileParallelism: true,
    pool: 'forks',
    // test/support/unfinished-files-reporter.ts names a file whose worker died (vitest alone does not)
    reporters: ['default', './test/support/unfinished-files-reporter.ts'],
  },
});
