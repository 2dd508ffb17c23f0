/**
 * Issue 17's proof at scale, nightly: every planted core bug under its schedule
 * (harness/sim/sweep-schedules.ts) INVALID on >= 95% of seeds 1..300 in `--runtime sim`, and
 * the correct core VALID on every one of those seeds under every schedule. `npm test` runs the
 * same over seeds 1..30 (harness/sim/sweep.test.ts); `npm run bench:sim-sweep` prints the
 * 1,000-seed table. About 30 minutes on 2 cores (worker threads run dist/: npm run
 * test:nightly builds first). SIM_SWEEP_SEEDS=N changes the seed count.
 */
import { describe, expect, it } from 'vitest';
import { scheduleConfigs, SCHEDULES } from '../../harness/sim/sweep-schedules.js';
import { sweep } from '../../harness/sim/sweep.js';

const SEEDS = Number(process.env.SIM_SWEEP_SEEDS ?? 300);
describe(`--runtime sim, per-bug schedules over seeds 1..${SEEDS}`, () => {
  for (const s of SCHEDULES) {
    it(`${s.bug}: INVALID on >= 95% of the seeds; the correct core VALID on all of them`, async () => {
      const bug = await sweep(scheduleConfigs(s.flags, s.bug, SEEDS), { workers: 2, storeFailing: false });
      const found = bug.answers.filter((a) => a.valid === false).length;
      expect(found, `${s.bug} found on ${found} of ${SEEDS} seeds`).toBeGreaterThanOrEqual(Math.ceil(0.95 * SEEDS));
      const correct = await sweep(scheduleConfigs(s.flags, null, SEEDS), { workers: 2, storeFailing: false });
      expect(correct.answers.filter((a) => a.valid !== true).map((a) => a.seed)).toEqual([]);
    }, 1_200_000);
  }
});
