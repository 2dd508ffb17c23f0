/**
 * The etcd Db: how the harness runs, probes and reads one member of a real etcd v3 cluster
 * (Debian's etcd-server 3.4, or any etcd v3 binary). One process per member, data dir =
 * NodeAddresses.dataDir (so kill -9 restarts from it, and lose-unsynced / slow-disk act on it),
 * peer traffic through the addresses the runtime gives (its fault proxy; in docker, the
 * containers' own IPs), clients on plain HTTP/2. In docker the binary is copied into the image.
 *
 * Which binary: the `binary` option (`--etcd-binary`), else env JEPSEN_TS_ETCD_BINARY, else `etcd` on PATH.
 */
import { accessSync, constants } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Db, NodeAddresses, NodeName, ReplicaState } from '../../index.js';
import { sleep, UsageError, withDeadline } from '../../index.js';
import type { Etcd3 } from 'etcd3';
import { withEtcd } from './connect.js';

/** Where the docker runtime's node image holds the binary (Db.docker). */
export const IMAGE_BINARY = '/usr/local/bin/etcd';

/** The env var that names the etcd binary. */
export const ETCD_BINARY_ENV = 'JEPSEN_TS_ETCD_BINARY';

/**
 * Raft timing: 1.5x etcd's defaults (100 / 1000 ms), which assume a quiet machine. Members here
 * share 2 cores with the harness, the proxy and other runs; a member starved for a second would
 * call elections that are only noise. Still fast enough that a killed leader is replaced
 * within a couple of seconds.
 */
export const HEARTBEAT_MS = 150;
export const ELECTION_TIMEOUT_MS = 1500;

/** Every peer URL by member name, in one order (identical on every member, or no cluster forms). */
export function initialCluster(node: NodeAddresses): string {
  const names = Object.keys(node.peers).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.map((n) => `${n}=http://${node.peers[n]}`).join(',');
}

/** host:port -> [host, port] (the port after the last colon). */
function splitHostPort(hostPort: string): [string, string] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), hostPort.slice(i + 1)];
}

/** The etcd binary to run: `explicit`, $JEPSEN_TS_ETCD_BINARY, or `etcd` on PATH; null if none is executable. */
export function findEtcdBinary(explicit?: string): string | null {
  const named = explicit ?? process.env[ETCD_BINARY_ENV];
  const candidates = named ? [named] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'etcd'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return path.resolve(c);
    } catch {
      // next
    }
  }
  return null;
}

/** GET `url` (one fresh connection), resolving with status and body. */
function get(url: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

/** Revisions between the fixed points at which every member hashes its keyspace (see stateDigests). */
export const DIGEST_STEP = 500;
/** At most this many fixed points per member (the highest ones), plus its current revision. */
export const MAX_DIGESTS = 20;

/** The revisions a member at revision `rev` reports HashKV for: the multiples of DIGEST_STEP up to rev (the last MAX_DIGESTS), and rev. */
export function digestRevisions(rev: number): number[] {
  const out: number[] = [];
  for (let r = Math.floor(rev / DIGEST_STEP) * DIGEST_STEP; r >= DIGEST_STEP && out.length < MAX_DIGESTS; r -= DIGEST_STEP) out.unshift(r);
  if (rev >= 1 && out.at(-1) !== rev) out.push(rev);
  return out;
}

/**
 * Maintenance.HashKV at `revision`. Not etcd3's maintenance.hashKV(): etcd3 1.1.2 calls the
 * gRPC method 'hashKV', but grpc-js names it 'hashKv' ("client[method] is not a function"), so
 * the same call goes through etcd3's own connection pool under the right name.
 */
async function hashKV(etcd: Etcd3, revision: number): Promise<{ hash: string; compact_revision: string }> {
  const pool = (etcd.maintenance as unknown as { client: { exec(service: string, method: string, req: unknown): Promise<unknown> } }).client;
  return (await pool.exec('Maintenance', 'hashKv', { revision: String(revision) })) as { hash: string; compact_revision: string };
}

export interface EtcdDbOptions {
  /** The etcd binary (default: see findEtcdBinary). */
  binary?: string;
}

/** An etcd Db; `etcdDb` is the one with the default binary lookup. */
export function createEtcdDb(opts: EtcdDbOptions = {}): Db {
  const binary = () => findEtcdBinary(opts.binary);
  return {
    name: 'etcd',

    preflight() {
      if (binary()) return;
      const what = opts.binary ?? process.env[ETCD_BINARY_ENV];
      throw new UsageError(
        what
          ? `etcd binary ${what} is not executable (install Debian's etcd-server: apt-get install etcd-server)`
          : `no etcd binary on PATH: install Debian's etcd-server (apt-get install etcd-server) or set ${ETCD_BINARY_ENV}`,
      );
    },

    /**
     * The docker runtime copies the binary into the node image and runs it there as
     * IMAGE_BINARY (a getter: --etcd-binary and $JEPSEN_TS_ETCD_BINARY are read when it runs).
     * A Debian-built etcd links only libc, which the bookworm base has; a static etcd works too.
     */
    get docker() {
      const b = binary();
      return { files: b ? [{ from: b, to: IMAGE_BINARY, mode: 0o755 }] : [] };
    },

    command(node: NodeAddresses, extraArgs: string[]) {
      const self = node.peers[node.name];
      if (!self) throw new Error(`etcd: peers has no address for ${node.name} itself; the runtime must give every member the same peer map, self included`);
      // A client URL on every interface (0.0.0.0, as in a container) is advertised on the peer address's host.
      const [clientHost, clientPort] = splitHostPort(node.client);
      const advertised = clientHost === '0.0.0.0' || clientHost === '::' ? `${splitHostPort(node.listen)[0]}:${clientPort}` : node.client;
      return {
        cmd: binary() ?? 'etcd',
        args: [
          '--name', node.name,
          '--data-dir', node.dataDir,
          '--listen-client-urls', `http://${node.client}`,
          '--advertise-client-urls', `http://${advertised}`,
          '--listen-peer-urls', `http://${node.listen}`,
          '--initial-advertise-peer-urls', `http://${self}`,
          '--initial-cluster', initialCluster(node),
          // Ignored once the data dir holds a WAL: a restarted member rejoins as itself.
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', 'jepsen-ts',
          '--heartbeat-interval', String(HEARTBEAT_MS),
          '--election-timeout', String(ELECTION_TIMEOUT_MS),
          '--logger', 'zap',
          '--log-outputs', 'stderr',
          ...extraArgs,
        ],
      };
    },

    /** Ready = /health says true: the member has a leader and served a linearizable read. */
    async ready(clientUrl: string, signal: AbortSignal): Promise<void> {
      for (;;) {
        signal.throwIfAborted();
        try {
          const res = await withDeadline(1000, signal, (probe) => get(`${clientUrl}/health`, probe));
          if (res.status === 200 && (JSON.parse(res.body) as { health?: unknown }).health === 'true') return;
        } catch {
          // not up yet
        }
        await sleep(100, signal);
      }
    },

    /** The leader as this member sees it (Maintenance.Status), by member name (MemberList). */
    leader(clientUrl: string): Promise<NodeName | null> {
      return withEtcd(clientUrl, 2000, async (etcd) => {
        const status = await etcd.maintenance.status();
        if (!status.leader || status.leader === '0') return null;
        const { members } = await etcd.cluster.memberList({});
        return members.find((m) => m.ID === status.leader)?.name || null;
      });
    },

    // etcd logs to stderr (the runtime keeps stderr.log); nothing in the data dir is a log.
    logFiles: [],

    /**
     * This member's keyspace digests: HashKV (etcd's CRC-32 over every MVCC revision of every key,
     * compacted revision to `r`, from the member's own backend) at the fixed revisions of
     * digestRevisions(current revision), as {index: revision, digest: hash}.
     *
     * Equal digests at revision r on two members prove (up to CRC-32 collisions) that both
     * applied the same writes, in the same order, with the same revision numbers, up to r: the
     * applied state machine agrees, and revision r means the same state everywhere. They do not
     * prove that an acknowledged write was kept (a write lost by every member, or never applied,
     * hashes the same everywhere: the workload checkers judge that), that reads were
     * linearizable, anything past the lowest member's revision, or anything about state outside
     * the MVCC keyspace (leases, auth, membership) or raft entries that wrote nothing.
     */
    stateDigests(clientUrl: string): Promise<ReplicaState> {
      return withEtcd(clientUrl, 10_000, async (etcd) => {
        const status = await etcd.maintenance.status();
        const rev = Number(status.header.revision);
        const digests: ReplicaState['digests'] = [];
        for (const r of digestRevisions(rev)) {
          const h = await hashKV(etcd, r);
          digests.push({ index: r, digest: `${h.hash}@${h.compact_revision}` });
        }
        return { digests };
      });
    },
  };
}

export const etcdDb: Db = createEtcdDb();
