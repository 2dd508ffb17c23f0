/**
 * The FAST test tier that mutation testing (stryker.config.mjs) runs against paxos/core: the
 * core's unit tests, a sample of simulator seeds (SIM_SEEDS) and the model checker's CI configs.
 * Named apart from vitest.config.ts so that `npm test` never picks it up.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// Cheapest first: Stryker bails at the first failing test, so a mutant the unit tests kill
// never pays for the simulator or the model checker.
const TIERS = ['paxos/core/', 'paxos/sim/', 'spec/core/'];
const tier = (file: string) => TIERS.findIndex((dir) => file.includes(dir));

class CheapestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => tier(a.moduleId) - tier(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
  }
}

process.env.SIM_SEEDS ??= '50';

export default defineConfig({
  test: {
    include: ['paxos/core/*.test.ts', 'paxos/sim/sim3.test.ts', 'paxos/sim/sim5.test.ts', 'spec/core/explore.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'results/**', '.stryker-tmp/**', 'reports/**'],
    testTimeout: 600_000,
    sequence: { sequencer: CheapestFirst },
  },
});
