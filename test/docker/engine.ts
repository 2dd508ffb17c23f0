/**
 * Whether the docker tests can run here, said out loud: they need a reachable Docker engine
 * (DOCKER_HOST or /var/run/docker.sock) and the compiled harness (dist/). Without an engine
 * they are skipped with a printed reason, unless JEPSEN_TS_REQUIRE_DOCKER=1 (CI sets it after
 * starting dockerd): then a missing engine fails the suite instead of hiding it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connectEngine, engineAddress, labelled, requireEngine } from '../../harness/runtime/docker-engine.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BUILT = existsSync(join(ROOT, 'dist', 'harness', 'cli.js')) && existsSync(join(ROOT, 'dist', 'paxos', 'main.js'));

async function why(): Promise<string | null> {
  if (!BUILT) return 'dist/ is not built (run `npx tsc -p tsconfig.json`)';
  try {
    await requireEngine(connectEngine());
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** null when the docker tests can run; else why not (and, in CI, a thrown error). */
export async function dockerSkipReason(file: string): Promise<string | null> {
  const reason = await why();
  if (reason === null) return null;
  if (process.env.JEPSEN_TS_REQUIRE_DOCKER === '1') throw new Error(`JEPSEN_TS_REQUIRE_DOCKER=1 but the docker tests cannot run: ${reason}`);
  console.warn(`SKIPPED ${file}: no usable Docker engine at ${engineAddress()}: ${reason}`);
  return reason;
}

/** Every container, network and volume on the engine carrying our run label (optionally of one run). */
export async function ourResources(runId?: string): Promise<string[]> {
  return (await labelled(connectEngine(), runId)).map((x) => `${x.kind} ${x.id.slice(0, 12)} (${x.runId})`);
}
