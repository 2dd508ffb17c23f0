/**
 * The replicated register of register.ts as a test that exists only in the simulator: the
 * public API's register and kv workloads (with their linearizability checkers), the system as
 * the definition's `sim` part. Run it with
 *
 *   npx jepsen-ts test --test examples/sim-register/test.ts --runtime sim --nemesis partition,kill --seed 1
 *   npx jepsen-ts test --test examples/sim-register/test.ts --runtime sim --nemesis partition,kill --seed 1 --bug backup-reads
 *
 * The first is VALID; the second (backups answering reads from their own copy) INVALID.
 */
import { builtinWorkloads, simOnlyDb, type Client, type TestDefinition } from '../../index.js';
import { registerSystem } from './register.js';

/** The workloads want a client for real runs; this test has none (simOnlyDb refuses them first). */
const noRealClient = (): Client => {
  throw new Error('sim-register runs only under --runtime sim');
};

const test: TestDefinition = {
  name: 'sim-register',
  db: simOnlyDb('sim-register'),
  workloads: builtinWorkloads({ kv: noRealClient }),
  sim: registerSystem,
  bugs: ['backup-reads'],
  defaults: { nodes: 3 },
};

export default test;
