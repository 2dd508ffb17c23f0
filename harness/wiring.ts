/**
 * The real parts of a `jepsen-ts test` run: the chosen TestDefinition (a built-in suite or the
 * user's, see suites.ts), the local or the docker runtime, and the nemesis package. Kept apart
 * from run.ts so that the lifecycle names interfaces only. The docker runtime is imported
 * lazily (see runtime()).
 */
import { nemesisFromSpec, runNemesis } from '../nemesis/index.js';
import type { TestDefinition } from '../ground/test.js';
import { UsageError } from '../ground/runtime.js';
import { nemesisOptionsOf } from './options.js';
import type { RunDeps } from './run.js';
import { createLocalRuntime } from './runtime/local.js';

/** The real deps of a run of `test`. */
export function depsFor(test: TestDefinition): RunDeps {
  return { ...realParts, test };
}

const realParts: Omit<RunDeps, 'test'> = {
  runtime(config) {
    // A simulated run has no Runtime to set up: runSeries (commands/test.ts) hands it to harness/sim instead.
    if (config.runtime === 'sim') throw new UsageError('--runtime sim runs through jepsen-ts test or test-all (harness/sim), not runTest with RunDeps');
    // Loaded only when chosen: dockerode and protobufjs cost ~0.5 s of CPU at start-up.
    if (config.runtime === 'docker') {
      return import('./runtime/docker.js').then(({ createDockerRuntime }) => createDockerRuntime({ log: (line) => process.stderr.write(`${line}\n`) }));
    }
    return createLocalRuntime({ seed: config.seed });
  },
  nemesis(this: RunDeps, config) {
    if (config.nemesis.length === 0) return null;
    return nemesisFromSpec(config.nemesis.join(','), { ...nemesisOptionsOf(config), leaderAware: this.test.db.leader !== undefined });
  },
  runNemesis,
};
