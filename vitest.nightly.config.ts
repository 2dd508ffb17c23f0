import { defineConfig } from 'vitest/config';

/**
 * The slow suites `npm test` leaves out (about 15 min on 2 cores): the default run's detection
 * matrix. The nightly workflow's detection job runs them (`npm run test:nightly`).
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
