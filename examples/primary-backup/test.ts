/**
 * A user's first test: the primary-backup store in server.mjs, tested with jepsen-ts's public
 * API only (in your own project: `from 'jepsen-ts'`). Run it with
 *
 *   npx jepsen-ts test --test examples/primary-backup/test.ts --nemesis kill --kill-targets leader --time-limit 15
 *   npx jepsen-ts test --test examples/primary-backup/test.ts --bug ack-before-replicate --nemesis kill --kill-targets leader --time-limit 15
 *
 * The first is VALID; the second (a primary that acknowledges before it replicates) INVALID.
 */
import { fileURLToPath } from 'node:url';
import { builtinWorkloads, type Client, type Completion, type Db, type NodeEndpoint, type Op, type TestDefinition } from '../../index.js';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/** How to run one node: the server on its client and peer ports, peers through the harness's proxy. */
const db: Db = {
  name: 'primary-backup',
  command: (node, extraArgs) => ({
    cmd: process.execPath,
    args: [SERVER, '--name', node.name, '--client', node.client, '--listen', node.listen, '--peers', Object.entries(node.peers).map(([n, a]) => `${n}=${a}`).join(','), ...extraArgs],
  }),
  async ready(clientUrl, signal) {
    for (;;) {
      signal.throwIfAborted();
      const ok = await fetch(`${clientUrl}/health`, { signal }).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  },
  // The primary: the nemesis's `leader` target (`--kill-targets leader` kills it).
  async leader(clientUrl) {
    const res = await fetch(`${clientUrl}/primary`, { signal: AbortSignal.timeout(500) });
    return ((await res.json()) as { primary: string }).primary;
  },
  logFiles: [],
};

/**
 * The client of the register and kv workloads: POST /op. Outcomes: 200 ok; 409 (cas mismatch)
 * and 503 (the primary never saw it) fail; anything else, or no answer, is unknown: info for a
 * write, fail for a read (a read changes nothing).
 */
class PrimaryBackupClient implements Client {
  private url = '';
  constructor(private readonly timeoutMs: number) {}

  async open(node: NodeEndpoint): Promise<void> {
    this.url = node.clientUrl;
  }

  async invoke(op: Op): Promise<Completion> {
    const unknown = (error: string): Completion => ({ type: op.f === 'read' ? 'fail' : 'info', error });
    try {
      const res = await fetch(`${this.url}/op`, { method: 'POST', body: JSON.stringify({ f: op.f, key: op.key, value: op.value }), signal: AbortSignal.timeout(this.timeoutMs) });
      const body = (await res.json()) as { value?: unknown; error?: string };
      if (res.status === 200) return { type: 'ok', value: body.value };
      if (res.status === 409 || res.status === 503) return { type: 'fail', error: body.error ?? String(res.status) };
      return unknown(body.error ?? String(res.status));
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      return code === 'ECONNREFUSED' ? { type: 'fail', error: 'connection refused' } : unknown((err as Error).name === 'TimeoutError' ? 'timeout' : String(code ?? (err as Error).message));
    }
  }

  async close(): Promise<void> {}
}

const test: TestDefinition = {
  name: 'primary-backup',
  db,
  // register (the default: the first) and kv, with their linearizability checkers.
  workloads: builtinWorkloads({ kv: (opts) => new PrimaryBackupClient(opts.opTimeoutMs) }),
  bugs: ['ack-before-replicate'],
  // A primary restarts in milliseconds: kill it every second (~6 kills in 15 s), not every 3 s,
  // so that most kills land while a write is unreplicated (the bug ships state every 0.5-1.5 s).
  defaults: { nodes: 3, 'nemesis-interval': 1 },
};

export default test;
