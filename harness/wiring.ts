/**
 * The real parts of a `jepsen-ts test` run: our Paxos KV as the Db, the local or the docker
 * runtime, and the nemesis package. Kept apart from run.ts so that the
 * lifecycle names interfaces only and another system plugs in here. The docker runtime is
 * imported lazily (see runtime()).
 */
import { nemesisFromSpec, runNemesis } from '../nemesis/index.js';
import { paxosTest } from '../paxos/suite.js';
import { nemesisOptionsOf } from './options.js';
import type { RunDeps } from './run.js';
import { createLocalRuntime } from './runtime/local.js';

export const defaultDeps: RunDeps = {
  test: paxosTest,
  runtime(config) {
    // Loaded only when chosen: dockerode and protobufjs cost ~0.5 s of CPU at start-up.
    if (config.runtime === 'docker') {
      return import('./runtime/docker.js').then(({ createDockerRuntime }) => createDockerRuntime({ log: (line) => process.stderr.write(`${line}\n`) }));
    }
    return createLocalRuntime({ seed: config.seed });
  },
  nemesis(config) {
    if (config.nemesis.length === 0) return null;
    return nemesisFromSpec(config.nemesis.join(','), { ...nemesisOptionsOf(config), leaderAware: this.test.db.leader !== undefined });
  },
  runNemesis,
};
