import { defineConfig } from 'vitest/config';

/**
 * The slow suites `npm test` leaves out (about 45 min on 2 cores): the default run's detection
 * matrix, and the simulator's per-bug sweeps over 300 seeds. The nightly workflow's detection job runs them (`npm run test:nightly`).
 */
export default defineConfig({
  test: {
    include: ['test/nightly/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    minWorkers: 1,
  },
});
