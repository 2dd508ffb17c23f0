/**
 * A tiny primary-backup key-value store, the system under test of the example (test.ts).
 *
 *   node server.mjs --name n2 --client 127.0.0.1:8002 --listen 127.0.0.1:9002 \
 *     --peers n1=127.0.0.1:7001,n3=127.0.0.1:7003 [--bug ack-before-replicate]
 *
 * Every node serves clients on --client and its peers on --listen. The primary is the first
 * node by name; the others are backups. Clients may talk to any node: a backup forwards ops to
 * the primary. The primary runs one write at a time: it sends the new state to every backup and
 * acknowledges the write only once all have it (so a restarted primary, which recovers the
 * newest state its backups hold, never loses an acknowledged write). State is in memory only.
 *
 * Planted bug `--bug ack-before-replicate`: the primary acknowledges at once and ships its
 * state to the backups every 0.5-1.5 s (asynchronous replication); a primary killed in between
 * loses acknowledged writes. The period is random: a fixed one falls into step with a nemesis
 * that kills every whole second, each kill landing just after a shipment.
 *
 * Client API: POST /op {f: read|write|cas, key, value} -> 200 {value} | 409 cas mismatch |
 * 503 the primary is unreachable (nothing happened) | 504 unknown (a backup missed the write).
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { name: { type: 'string' }, client: { type: 'string' }, listen: { type: 'string' }, peers: { type: 'string', default: '' }, bug: { type: 'string' } } });
const peers = Object.fromEntries(args.peers.split(',').filter(Boolean).map((p) => p.split('=')));
const names = [args.name, ...Object.keys(peers)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const primary = names[0];
const isPrimary = args.name === primary;
const backups = Object.keys(peers);
const lazy = args.bug === 'ack-before-replicate';

/** The committed state; `version` counts the primary's writes. */
let state = { version: 0, kv: {} };
let ready = false;

/** POSTs JSON to a peer (through the harness's fault proxy); resolves to {status, body}. */
function peerCall(peer, path, body, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const [host, port] = peers[peer].split(':');
    const data = JSON.stringify(body ?? null);
    const req = http.request({ host, port: Number(port), path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { sent: true })));
    req.on('error', reject);
    req.end(data);
  });
}

/** The new state after `op`, and its answer; cas against a different value changes nothing. */
function apply(s, op) {
  const current = Object.hasOwn(s.kv, op.key) ? s.kv[op.key] : null;
  if (op.f === 'read') return { next: s, reply: [200, { value: current }] };
  if (op.f === 'write') return { next: { version: s.version + 1, kv: { ...s.kv, [op.key]: op.value } }, reply: [200, { value: op.value }] };
  if (op.f === 'cas') {
    const [from, to] = op.value;
    if (current !== from) return { next: s, reply: [409, { error: 'cas-mismatch' }] };
    return { next: { version: s.version + 1, kv: { ...s.kv, [op.key]: to } }, reply: [200, { value: op.value }] };
  }
  return { next: s, reply: [400, { error: `unknown f ${op.f}` }] };
}

/** Sends `s` to every backup; true when all of them have it. */
async function replicate(s) {
  const acks = await Promise.allSettled(backups.map((b) => peerCall(b, '/replicate', s)));
  return acks.every((a) => a.status === 'fulfilled' && a.value.status === 200);
}

let queue = Promise.resolve();
/** The primary's ops, one at a time (the version order is the order of writes). */
function primaryOp(op) {
  const run = queue.then(async () => {
    const { next, reply } = apply(state, op);
    if (next === state) return reply;
    if (lazy) {
      state = next; // BUG: acknowledged before any backup has it
      return reply;
    }
    if (!(await replicate(next))) return [504, { error: 'replication incomplete' }];
    state = next;
    return reply;
  });
  queue = run.catch(() => {});
  return run;
}

async function handleOp(op) {
  if (isPrimary) return primaryOp(op);
  // A dead primary's proxy still accepts the connection and then resets it, which would leave
  // the op unknown: ask first, so an op sent while the primary is down certainly failed.
  const up = await peerCall(primary, '/health', null, 300).then((r) => r.status === 200, () => false);
  if (!up) return [503, { error: 'primary unreachable' }];
  try {
    const { status, body } = await peerCall(primary, '/op', op, 5000);
    return [status, body];
  } catch (err) {
    // Refused: the primary never saw it. Anything else: it may have.
    return err.code === 'ECONNREFUSED' ? [503, { error: 'primary unreachable' }] : [504, { error: `forward: ${err.code ?? err.message}` }];
  }
}

async function route(req, body) {
  if (req.url === '/health') return ready ? [200, { ok: true }] : [503, { error: 'recovering' }];
  if (req.url === '/primary') return [200, { primary }];
  if (req.url === '/state') return [200, state];
  if (!ready) return [503, { error: 'recovering' }];
  if (req.url === '/replicate') {
    state = body;
    return [200, { version: state.version }];
  }
  if (req.url === '/op') return handleOp(body);
  return [404, { error: 'not found' }];
}

function serve(hostPort) {
  const [host, port] = hostPort.split(':');
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', async () => {
      const [status, out] = await route(req, text ? JSON.parse(text) : null).catch((err) => [500, { error: err.message }]);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  server.listen(Number(port), host);
}

/** On (re)start: the newest state any peer holds (a restarted primary must not forget acknowledged writes). */
async function recover() {
  const held = await Promise.allSettled(Object.keys(peers).map((p) => peerCall(p, '/state', null, 500)));
  for (const h of held) if (h.status === 'fulfilled' && h.value.status === 200 && h.value.body.version > state.version) state = h.value.body;
  ready = true;
  console.log(`${args.name}: ${isPrimary ? 'primary' : 'backup'} ready at version ${state.version}${lazy ? ' (bug: ack-before-replicate)' : ''}`);
}

serve(args.client);
serve(args.listen);
await recover();
if (isPrimary && lazy) {
  for (;;) {
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
    await replicate(state).catch(() => {});
  }
}
