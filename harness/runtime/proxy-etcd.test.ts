/**
 * The local runtime's fault proxy in the peer path of a system we did not write: 3 real etcd
 * members (Debian's etcd-server), each given the same --initial-cluster of proxy listeners, its
 * own entry included (that is what etcd demands, and why the proxy has one listener per node
 * and tells sources apart by the dialling process). A write through one member is read from
 * another; a member cut off by a grudge cannot commit (its put times out or errs, a
 * linearizable read fails) while the majority still can; after heal it catches up. No
 * connection may go unattributed (runtime warnings empty).
 *
 * Skipped, with a message, when no etcd binary is found, unless JEPSEN_TS_REQUIRE_ETCD is set
 * (CI sets it: there a missing binary fails the test). `apt-get install -y etcd-server`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../ground/db.js';
import type { NodeEndpoint } from '../../ground/runtime.js';
import { createLocalRuntime, type LocalRuntime } from './local.js';

const ETCD = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim() || null;
const REQUIRED = Boolean(process.env.JEPSEN_TS_REQUIRE_ETCD);
if (!ETCD && !REQUIRED) console.warn('proxy-etcd.test.ts: skipped: no etcd binary on PATH (apt-get install -y etcd-server; set JEPSEN_TS_REQUIRE_ETCD=1 to make this a failure)');

/** etcd as a Db: peers through the proxy, clients direct (the v3 JSON gateway on the client port). */
function etcdDb(bin: string): Db {
  return {
    name: 'etcd',
    command(node) {
      chmodSync(node.dataDir, 0o700); // etcd wants its data dir private
      const cluster = Object.entries(node.peers).map(([n, hp]) => `${n}=http://${hp}`).join(',');
      return {
        cmd: bin,
        args: [
          '--name', node.name,
          '--data-dir', node.dataDir,
          '--listen-peer-urls', `http://${node.listen}`,
          '--initial-advertise-peer-urls', `http://${node.peers[node.name]}`,
          '--listen-client-urls', `http://${node.client}`,
          '--advertise-client-urls', `http://${node.client}`,
          '--initial-cluster', cluster,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', `jepsen-ts-${path.basename(path.dirname(path.dirname(node.dataDir)))}`,
          '--heartbeat-interval', '100',
          '--election-timeout', '1000',
          '--logger', 'zap',
          '--log-outputs', 'stderr',
        ],
      };
    },
    async ready(clientUrl, signal) {
      for (;;) {
        signal.throwIfAborted();
        try {
          const r = await fetch(`${clientUrl}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) });
          if (r.ok && ((await r.json()) as { health?: string }).health === 'true') return;
        } catch {
          // not up yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    logFiles: [],
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** POST to the v3 JSON gateway; resolves with the body, rejects on an error status, an etcd error or the deadline. */
async function v3(ep: NodeEndpoint, op: string, body: object, timeoutMs: number): Promise<any> {
  const r = await fetch(`${ep.clientUrl}/v3/${op}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  const json = (await r.json()) as any;
  if (!r.ok || json.error) throw new Error(`${op} on ${ep.name}: HTTP ${r.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}

const put = (ep: NodeEndpoint, key: string, value: string, timeoutMs = 5000) => v3(ep, 'kv/put', { key: b64(key), value: b64(value) }, timeoutMs);

/** A linearizable read (etcd's default): the value, or null when the key is absent. */
async function get(ep: NodeEndpoint, key: string, timeoutMs = 5000): Promise<string | null> {
  const r = await v3(ep, 'kv/range', { key: b64(key) }, timeoutMs);
  return r.kvs?.length ? Buffer.from(r.kvs[0].value, 'base64').toString() : null;
}

async function eventually<T>(what: string, f: () => Promise<T>, withinMs: number): Promise<T> {
  const end = Date.now() + withinMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > end) throw new Error(`${what}: not within ${withinMs} ms: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe.skipIf(!ETCD && !REQUIRED)('the fault proxy with real etcd members', () => {
  let tmp = '';
  let rt: LocalRuntime;
  let eps: NodeEndpoint[];
  const ep = (n: string) => eps.find((e) => e.name === n)!;

  beforeAll(async () => {
    if (!ETCD) throw new Error('JEPSEN_TS_REQUIRE_ETCD is set but no etcd binary is on PATH (apt-get install -y etcd-server)');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-etcd-'));
    rt = createLocalRuntime({ markerDir: path.join(tmp, 'markers'), readyTimeoutMs: 60_000 });
    eps = await rt.setup({ runId: `etcd${process.pid}`, nodes: ['n1', 'n2', 'n3'], db: etcdDb(ETCD), runDir: path.join(tmp, 'run'), dbArgs: [] });
  }, 90_000);

  afterAll(async () => {
    await rt?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('one --initial-cluster of proxy listeners for all; writes replicate; a cut-off member cannot commit, the majority can; heal', async () => {
    // Every member was given the same peer list, its own advertised URL included.
    const peers = rt.describe('n1').addr.peers;
    expect(Object.keys(peers)).toEqual(['n1', 'n2', 'n3']);
    for (const n of ['n2', 'n3']) expect(rt.describe(n).addr.peers).toEqual(peers);
    expect(peers.n1).not.toBe(rt.describe('n1').addr.listen);

    await put(ep('n1'), 'k', 'v1');
    expect(await get(ep('n2'), 'k')).toBe('v1');
    expect(await get(ep('n3'), 'k')).toBe('v1');
    // etcd's peer traffic went through the proxy, attributed to the right members.
    const links = rt.proxyConnections();
    for (const l of ['n1->n2', 'n2->n1', 'n1->n3', 'n3->n1', 'n2->n3', 'n3->n2']) expect(links[l] ?? 0).toBeGreaterThan(0);
    expect(rt.warnings()).toEqual([]);

    // Cut n3 off from both others, both directions.
    await rt.partition({ n3: ['n1', 'n2'], n1: ['n3'], n2: ['n3'] });
    // The isolated member cannot commit: its put errs or times out (never succeeds)...
    await expect(put(ep('n3'), 'k', 'lost', 4000)).rejects.toThrow();
    // ...while the majority commits (after a new election if n3 led).
    await eventually('majority put', () => put(ep('n1'), 'k', 'v2', 3000), 20_000);
    expect(await eventually('majority read', () => get(ep('n2'), 'k', 3000), 10_000)).toBe('v2');
    // A linearizable read on the isolated member fails rather than answer v1 (stale).
    await expect(get(ep('n3'), 'k', 4000)).rejects.toThrow();

    await rt.heal();
    expect(await eventually('n3 catches up', async () => {
      const v = await get(ep('n3'), 'k', 3000);
      if (v !== 'v2') throw new Error(`n3 reads ${v}`);
      return v;
    }, 30_000)).toBe('v2');
    await eventually('n3 commits again', () => put(ep('n3'), 'k', 'v3', 3000), 20_000);
    expect(await get(ep('n1'), 'k')).toBe('v3');
    expect(rt.warnings()).toEqual([]);
  }, 120_000);
});
