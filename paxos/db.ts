/**
 * The harness's built-in Db: how to run, probe and read one node of our Multi-Paxos KV store
 * (see ground/db.ts for the contract, paxos/main.ts for the flags).
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { DecidedEntry, ReplicaState } from '../ground/checker.js';
import type { Db, NodeAddresses } from '../ground/db.js';
import { sleep, withDeadline } from '../ground/time.js';
import type { NodeName } from '../ground/runtime.js';
import { EVENT_FILE, NODE_LOG_FILE } from './files.js';

/**
 * The compiled entry point: next to this file in dist/paxos/, or, when this module runs from
 * source (vitest), the compiled copy in dist/ (run tsc first).
 */
export const MAIN_JS = import.meta.url.endsWith('.ts')
  ? fileURLToPath(new URL('../dist/paxos/main.js', import.meta.url))
  : fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * A fresh cluster's first election: nodes that boot together on a busy machine come up within
 * ~0.1-0.3 s of each other; the normal 300 ms timeout (plus back-off) would keep the first
 * client op waiting for a leader after every node answers. Restarted nodes ignore it.
 */
export const FIRST_ELECTION_TIMEOUT_MS = 100;

const LOG_PAGE = 1000;
const PROBE_TIMEOUT_MS = 1000;
const PROBE_PAUSE_MS = 50;

/** Every node in one order that all nodes agree on (the core uses the index as a tie-breaker). */
export function peersFlag(node: NodeAddresses): string {
  const peers: Record<NodeName, string> = { ...node.peers };
  if (!(node.name in peers)) peers[node.name] = node.listen;
  const names = Object.keys(peers).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.map((n) => `${n}=${peers[n]}`).join(',');
}

/**
 * GET `url` and parse its JSON body; rejects on a non-2xx status, a broken response or abort.
 * node:http rather than fetch: fetch loads Node's bundled undici (~50 ms of CPU) into the
 * harness and is heavy per call, and the readiness probe runs every 50 ms per node while five
 * nodes boot on the same cores (one fresh connection per call: no agent keeps sockets open).
 */
function getJson(url: string, signal: AbortSignal = AbortSignal.timeout(5000)): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) return reject(new Error(`GET ${url}: connection closed mid-response`));
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new Error(`GET ${url}: HTTP ${status} ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(new Error(`GET ${url}: malformed JSON (${(err as Error).message})`));
        }
      });
    });
    req.on('error', reject);
  });
}

export const paxosDb: Db = {
  name: 'paxos',

  command(node: NodeAddresses, extraArgs: string[]) {
    return {
      cmd: process.execPath,
      args: [
        MAIN_JS,
        '--id', node.name,
        '--listen', node.listen,
        '--client', node.client,
        '--peers', peersFlag(node),
        '--data-dir', node.dataDir,
        '--first-election-timeout-ms', String(FIRST_ELECTION_TIMEOUT_MS),
        ...extraArgs,
      ],
    };
  },

  async ready(clientUrl: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      try {
        // A deadline that takes its listener off `signal` again (one signal serves every poll
        // of a slow start) and whose timer cannot be lost to GC, unlike
        // AbortSignal.any([signal, AbortSignal.timeout(ms)]) on Node 20 (see harness/generator.ts).
        await withDeadline(PROBE_TIMEOUT_MS, signal, (probe) => getJson(`${clientUrl}/status`, probe));
        return;
      } catch {
        // not up yet
      }
      await sleep(PROBE_PAUSE_MS, signal);
    }
  },

  async leader(clientUrl: string): Promise<NodeName | null> {
    const s = (await getJson(`${clientUrl}/status`)) as { leader?: unknown };
    return typeof s.leader === 'string' ? s.leader : null;
  },

  logFiles: [NODE_LOG_FILE, EVENT_FILE],

  async decidedLog(clientUrl: string) {
    const out: Array<{ slot: number; digest: string; command: unknown }> = [];
    let from = 0;
    for (;;) {
      const page = (await getJson(`${clientUrl}/debug/log?from=${from}&limit=${LOG_PAGE}`)) as {
        entries: Array<{ slot: number; digest: string; command: unknown }>;
        next: number;
      };
      if (!Array.isArray(page.entries) || !Number.isSafeInteger(page.next)) throw new Error(`${clientUrl}/debug/log: malformed page`);
      out.push(...page.entries);
      if (page.entries.length === 0 || page.next <= from) return out;
      from = page.next;
    }
  },

  async stateDigests(clientUrl: string): Promise<ReplicaState> {
    const s = (await getJson(`${clientUrl}/debug/state`)) as ReplicaState;
    const okDigests = Array.isArray(s?.digests) && s.digests.every((d) => Number.isSafeInteger(d?.index) && typeof d.digest === 'string');
    if (!okDigests || !Number.isSafeInteger(s.state?.index) || typeof s.state?.kv !== 'object') throw new Error(`${clientUrl}/debug/state: malformed answer`);
    return s;
  },

  replay: replayDecidedLog,
};

/**
 * Our state machine's verdict on a decided log: the core's own recovery (initState replays the
 * decided prefix through the same applyCommand and digest a live node uses), fed the log's
 * slots up to `upTo` as decide records. The core loads only when a run is judged.
 */
export async function replayDecidedLog(log: DecidedEntry[], upTo: number): Promise<ReplicaState> {
  const { initState, appliedState } = await import('./core/index.js');
  const records = log.filter((e) => e.slot >= 1 && e.slot <= upTo).map((e) => ({ t: 'decide', s: e.slot, v: e.command }));
  const config = { self: 'replay', nodes: ['replay'], bug: null, heartbeatMs: 1, electionTimeoutMs: 2, maxBatch: 1 };
  return appliedState(initState(config, records));
}
