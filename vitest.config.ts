import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // test/nightly/: the slow detection matrix, run by the nightly workflow (npm run test:nightly).
    exclude: ['node_modules/**', 'dist/**', 'results/**', '.stryker-tmp/**', 'reports/**', 'test/nightly/**'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Real clusters and fault proxies bind ports and spawn processes: keep files from
    // starving each other on a 2-core machine.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
