/**
 * A real 3-node cluster on loopback (dist/paxos/main.js processes, real TCP, real fsync):
 * the HTTP contract through every node, and kill -9 of the leader under load followed by a
 * restart on the same data dir: every acknowledged write survives and the decided logs agree.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster } from './cluster.js';
import { Wal } from './wal.js';
import { MAIN_JS, paxosDb } from './db.js';
import { ID_FILE, SNAPSHOT_FILE } from './files.js';

type Reply = { status: number; body: any };

async function call(url: string, method: string, path: string, body?: unknown, raw?: string): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function decidedDigests(url: string): Promise<Map<number, string>> {
  return new Map((await paxosDb.decidedLog!(url)).map((e) => [e.slot, e.digest]));
}

describe('the node CLI', () => {
  it('rejects bad flags (exit 2), a corrupt WAL and a lost WAL (exit 1) with one line each', async () => {
    const base = ['--id', 'n1', '--listen', '127.0.0.1:7001', '--client', '127.0.0.1:8001', '--peers', 'n1=127.0.0.1:7001', '--data-dir', '/tmp/paxos-cli-never-used'];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--bogus', '1'], /Unknown argument: bogus/],
      [base.map((a) => (a === 'n1=127.0.0.1:7001' ? 'n2=127.0.0.1:7001' : a)), /--id n1 is not among --peers/],
      [base.map((a) => (a === '127.0.0.1:8001' ? '127.0.0.1' : a)), /--client: bad address/],
      [[...base, '--bug', 'nope'], /--bug nope is unknown/],
      [base.map((a) => (a === '/tmp/paxos-cli-never-used' ? '/proc/nope' : a)), /--data-dir \/proc\/nope is not a writable directory/],
      [[...base, '--heartbeat-ms', '5x'], /--heartbeat-ms must be a positive integer, got 5x/],
      [[...base, '--snapshot-every', '1.5'], /--snapshot-every must be a positive integer, got 1.5/],
      // Node fires a timer past 2^31-1 ms after 1 ms: a day is the most any of these may be.
      [[...base, '--request-timeout-ms', '99999999999'], /--request-timeout-ms must be 1..86400000 ms, got 99999999999/],
      [[...base, '--election-timeout-ms', '2147483648'], /--election-timeout-ms must be 1..86400000 ms, got 2147483648/],
      [[...base, '--id', 'n1'], /--id given more than once/],
      [[...base, '--no-id'], /Unknown argument: no-id/],
      [[...base, '--wal-sync', 'fsync'], /--wal-sync must be one of dsync, fdatasync/],
      [base.slice(0, 6), /Missing required arguments: peers, data-dir/],
      [[...base, '--first-election-timeout-ms', '301'], /--first-election-timeout-ms must not exceed --election-timeout-ms/],
    ];
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [MAIN_JS, ...args], { encoding: 'utf8', timeout: 20_000 }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i][0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    // A WAL corrupted in the middle: the node refuses to start, naming the file and offset.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-corrupt-'));
    try {
      const walFile = path.join(dataDir, 'wal.log');
      const { wal } = Wal.open(walFile);
      await wal.append([{ t: 'boot', inc: 1 }, { t: 'promise', b: [1, 'n1'] }, { t: 'boot', inc: 2 }]);
      wal.close();
      const bytes = fs.readFileSync(walFile);
      bytes[45] ^= 0xff; // the second record's checksum: group header 12 bytes, first frame 8 + 20
      fs.writeFileSync(walFile, bytes);
      const args = base.map((a) => (a === '/tmp/paxos-cli-never-used' ? dataDir : a));
      const corrupt = await run(args);
      expect(corrupt.code).toBe(1);
      expect(corrupt.stderr).toMatch(new RegExp(`^paxos-node n1: cannot start: WAL ${walFile} is corrupt at byte offset 40 \\(frame checksum mismatch\\)`));
      expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
      expect(fs.readFileSync(walFile).equals(bytes)).toBe(true);
      // A dir that has run (node.id) but whose wal.log is empty or gone: refused, one line.
      fs.writeFileSync(path.join(dataDir, ID_FILE), '{"node":"n1","incarnation":2}\n');
      for (const damage of [() => fs.truncateSync(walFile, 0), () => fs.rmSync(walFile)]) {
        damage();
        const lost = await run(args);
        expect(lost.code).toBe(1);
        expect(lost.stderr).toMatch(new RegExp(`^paxos-node n1: cannot start: WAL ${walFile} (holds no record|is missing) but .* ran up to incarnation 2: its durable state is lost`));
        expect(lost.stderr.trim().split('\n')).toHaveLength(1);
        expect(fs.existsSync(path.join(dataDir, 'node.pid'))).toBe(false);
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const help = spawnSync(process.execPath, [MAIN_JS, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    for (const flag of ['--id', '--listen', '--client', '--peers', '--data-dir', '--bug', '--heartbeat-ms', '--election-timeout-ms', '--request-timeout-ms']) expect(help.stdout).toContain(flag);
  });
});

describe('a 3-node cluster', () => {
  let cluster: LocalCluster;
  beforeAll(async () => {
    cluster = await LocalCluster.create(3);
    await cluster.startAll();
    await cluster.waitForLeader();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('serves writes and linearizable reads through every node (followers forward)', async () => {
    for (const [i, writer] of cluster.nodes.entries()) {
      expect(await call(writer.url, 'PUT', '/kv/shared', { value: i })).toEqual({ status: 200, body: { ok: true } });
      for (const reader of cluster.nodes) expect(await call(reader.url, 'GET', '/kv/shared'), `${writer.name} -> ${reader.name}`).toEqual({ status: 200, body: { value: i } });
    }
    expect(await call(cluster.nodes[0].url, 'GET', '/kv/never-written')).toEqual({ status: 200, body: { value: null } });
  });

  it('answers cas and txn per the contract', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url);
    await call(a, 'PUT', '/kv/r', { value: 1 });
    expect(await call(b, 'POST', '/kv/r/cas', { from: 2, to: 3 })).toEqual({ status: 409, body: { error: 'cas-mismatch', value: 1 } });
    expect(await call(c, 'POST', '/kv/r/cas', { from: 1, to: 3 })).toEqual({ status: 200, body: { ok: true } });
    expect(await call(a, 'GET', '/kv/r')).toEqual({ status: 200, body: { value: 3 } });
    const txn = await call(b, 'POST', '/txn', { ops: [['r', 'r', null], ['w', 'x', 9], ['c', 'r', 3]] });
    expect(txn).toEqual({ status: 200, body: { ops: [['r', 'r', 3], ['w', 'x', 9], ['c', 'r', 3]] } });
    const aborted = await call(c, 'POST', '/txn', { ops: [['w', 'x', 10], ['c', 'r', 4]] });
    expect(aborted.status).toBe(409);
    expect(aborted.body.error).toBe('txn-aborted');
    expect(await call(a, 'GET', '/kv/x')).toEqual({ status: 200, body: { value: 9 } });
  });

  it('appends to lists in txns; an append to a register is a 409 not-a-list that changes nothing', async () => {
    const [a, b, c] = cluster.nodes.map((n) => n.url);
    expect(await call(a, 'POST', '/txn', { ops: [['append', 'elle-1', 1], ['r', 'elle-1', null], ['r', 'elle-2', null]] })).toEqual({
      status: 200,
      body: { ops: [['append', 'elle-1', 1], ['r', 'elle-1', [1]], ['r', 'elle-2', null]] },
    });
    await call(b, 'POST', '/txn', { ops: [['append', 'elle-1', 2]] });
    expect(await call(c, 'GET', '/kv/elle-1')).toEqual({ status: 200, body: { value: [1, 2] } });
    await call(a, 'PUT', '/kv/reg', { value: 5 });
    const wrong = await call(b, 'POST', '/txn', { ops: [['append', 'elle-1', 3], ['append', 'reg', 1]] });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toBe('not-a-list');
    expect(await call(c, 'GET', '/kv/elle-1')).toEqual({ status: 200, body: { value: [1, 2] } });
  });

  it('rejects malformed requests with 400 and changes nothing', async () => {
    const url = cluster.nodes[1].url;
    await call(url, 'PUT', '/kv/m', { value: 'before' });
    const slotsBefore = (await decidedDigests(cluster.nodes[0].url)).size;
    const bad: Array<[string, string, string | undefined]> = [
      ['PUT', '/kv/m', '{"value": '],
      ['PUT', '/kv/m', '{"valu": 1}'],
      ['PUT', '/kv/m', '[1]'],
      ['POST', '/kv/m/cas', '{"from": "before"}'],
      ['POST', '/txn', '{"ops": []}'],
      ['POST', '/txn', '{"ops": [["x", "m", 1]]}'],
      ['POST', '/txn', '{"ops": [["w", 5, 1]]}'],
      ['POST', '/txn', '{"ops": [["append", "m"]]}'],
      ['POST', '/txn', '{"ops": [["append", "", 1]]}'],
      ['POST', '/txn', '{"ops": [["Append", "m", 1]]}'],
      ['DELETE', '/kv/m', undefined],
      ['POST', '/kv/m', '{"value": 1}'],
      ['PUT', '/kv/m', JSON.stringify({ value: 'x'.repeat(100_000) })],
      ['GET', '/debug/log?from=-1', undefined],
      ['GET', '/debug/log?limit=0', undefined],
      ['GET', '/debug/log?limit=abc', undefined],
    ];
    for (const [method, path, raw] of bad) {
      const r = await call(url, method, path, undefined, raw);
      expect(r.status, `${method} ${path} ${raw?.slice(0, 40)}`).toBe(400);
      expect(r.body.error).toBe('bad-request');
      expect(typeof r.body.message).toBe('string');
    }
    expect((await call(url, 'GET', '/nowhere')).status).toBe(404);
    expect(await call(cluster.nodes[2].url, 'GET', '/kv/m')).toEqual({ status: 200, body: { value: 'before' } });
    expect((await decidedDigests(cluster.nodes[0].url)).size).toBe(slotsBefore);
  });

  it('refuses numbers it cannot keep exactly with 400 and one line; safe values round-trip exactly (issue 12)', async () => {
    const url = cluster.nodes[0].url;
    await call(url, 'PUT', '/kv/big', { value: 1 });
    const slotsBefore = (await decidedDigests(url)).size;
    const refused: Array<[string, string, string, string]> = [
      ['PUT', '/kv/big', '{"value":9007199254740993}', 'integer 9007199254740993 is beyond ±(2^53-1)'],
      ['PUT', '/kv/big', '{"value":9007199254740992}', 'integer 9007199254740992 is beyond ±(2^53-1)'],
      ['PUT', '/kv/big', '{"value":1e400}', 'integer 1e400 is beyond ±(2^53-1)'],
      ['PUT', '/kv/big', '{"value":-1.5e99999}', 'number -1.5e99999 is beyond the range of a double'],
      ['PUT', '/kv/big', '{"value":{"deep":[0.10000000000000000000001]}}', 'number 0.10000000000000000000001 has more precision than a double keeps'],
      ['POST', '/kv/big/cas', '{"from":1,"to":12345678901234567890}', 'integer 12345678901234567890 is beyond ±(2^53-1)'],
      ['POST', '/txn', '{"ops":[["w","big",2],["c","big",9007199254740993]]}', 'integer 9007199254740993 is beyond ±(2^53-1)'],
    ];
    for (const [method, path, raw, message] of refused) {
      expect(await call(url, method, path, undefined, raw), raw).toEqual({ status: 400, body: { error: 'bad-request', message: `${message}: the store keeps only numbers a double holds exactly` } });
    }
    expect(await call(url, 'GET', '/kv/big')).toEqual({ status: 200, body: { value: 1 } });
    expect((await decidedDigests(url)).size).toBe(slotsBefore);
    // What a double keeps exactly is stored and read back as written (text compared, not parsed).
    for (const raw of ['9007199254740991', '-9007199254740991', '0.1', '1.5e-300', '-123.456', '{"n":[2.5,"9007199254740993"]}']) {
      expect((await call(url, 'PUT', '/kv/safe', undefined, `{"value":${raw}}`)).status, raw).toBe(200);
      const res = await fetch(`${url}/kv/safe`, { signal: AbortSignal.timeout(5000) });
      expect(await res.text()).toBe(`{"value":${JSON.stringify(JSON.parse(raw))}}`);
    }
  });

  it('refuses a second node on a data dir in use', async () => {
    const n1 = cluster.node('n1');
    const peers = Object.fromEntries(cluster.nodes.map((x) => [x.name, x.listen]));
    const { cmd, args } = paxosDb.command({ name: 'n1', listen: '127.0.0.1:1', client: '127.0.0.1:0', peers, dataDir: n1.dataDir }, []);
    const r = await promisify(execFile)(cmd, args, { encoding: 'utf8', timeout: 20_000 }).catch((err: { code: number; stderr: string }) => err);
    expect((r as { code: number }).code).toBe(1);
    expect((r as { stderr: string }).stderr).toMatch(/data dir .* is in use by process \d+/);
  });

  it('reports status and the decided log', async () => {
    const statuses = await Promise.all(cluster.nodes.map(async (n) => (await call(n.url, 'GET', '/status')).body));
    const leader = statuses[0].leader;
    for (const [i, s] of statuses.entries()) {
      expect(s.id).toBe(cluster.nodes[i].name);
      expect(s.leader).toBe(leader);
      expect(s.role).toBe(s.id === leader ? 'leader' : 'follower');
      expect(s.ballot).toEqual(statuses[0].ballot);
      expect(s.commitIndex).toBeGreaterThan(0);
    }
    const page = await call(cluster.nodes[0].url, 'GET', '/debug/log?from=1&limit=2');
    expect(page.body.entries).toHaveLength(2);
    expect(page.body.entries[0].slot).toBe(1);
    expect(page.body.next).toBe(page.body.entries[1].slot + 1);
  });
});

describe('without a quorum', () => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  it('says 503 not-leader (definite) with no leader known, 504 unknown when a proposal cannot finish', async () => {
    cluster = await LocalCluster.create(3, ['--request-timeout-ms', '400']);
    const c = cluster;
    await c.start('n1');
    // Alone, n1 never learns a leader: nothing is proposed, the failure is definite.
    expect(await call(c.node('n1').url, 'PUT', '/kv/q', { value: 1 })).toEqual({ status: 503, body: { error: 'not-leader', leader: null, definite: true } });
    await c.start('n2');
    const leader = await c.waitForLeader();
    const other = leader === 'n1' ? 'n2' : 'n1';
    await c.stop(other);
    // The leader proposes, but no quorum accepts: after the request timeout the outcome is unknown.
    const t0 = Date.now();
    expect(await call(c.node(leader).url, 'PUT', '/kv/q', { value: 2 })).toEqual({ status: 504, body: { error: 'timeout', unknown: true } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
  }, 30_000);
});

// Twice: as configured by default, and compacting every 16 slots (the killed leader then
// restarts from its snapshot and, behind the others' logs, catches up by a peer's snapshot).
describe.each([[[] as string[]], [['--snapshot-every', '16']]])('kill -9 of the leader under load (%j)', (extraArgs) => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  it('loses no acknowledged write, and the decided logs agree after restart (then after restarting all)', async () => {
    cluster = await LocalCluster.create(3, extraArgs);
    const c = cluster;
    await c.startAll();
    const leader = await c.waitForLeader();
    const acked = new Map<string, number>();
    let stop = false;
    let seq = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const i = seq++;
        const node = c.nodes[(w + i) % c.nodes.length];
        try {
          const r = await call(node.url, 'PUT', `/kv/k${i}`, { value: i });
          if (r.status === 200) acked.set(`k${i}`, i);
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // node down: try another
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1500));
    const ackedBeforeKill = acked.size;
    await c.stop(leader, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    await c.start(leader);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(workers);
    expect(ackedBeforeKill).toBeGreaterThan(20);
    expect(acked.size).toBeGreaterThan(ackedBeforeKill);

    await c.waitForLeader();
    // Every acknowledged write is readable through every node (the restarted one included):
    // all of them by read-only txns of 200 keys, a sample by single GETs.
    const keys = [...acked.keys()];
    for (const n of c.nodes) {
      for (let i = 0; i < keys.length; i += 200) {
        const chunk = keys.slice(i, i + 200);
        const r = await call(n.url, 'POST', '/txn', { ops: chunk.map((k) => ['r', k, null]) });
        expect(r.status, `txn read via ${n.name}`).toBe(200);
        expect(r.body.ops).toEqual(chunk.map((k) => ['r', k, acked.get(k)]));
      }
      const sample = keys.filter((_, i) => i % 25 === 0);
      const reads = await Promise.all(sample.map((k) => call(n.url, 'GET', `/kv/${k}`)));
      reads.forEach((r, i) => expect(r, `${sample[i]} via ${n.name}`).toEqual({ status: 200, body: { value: acked.get(sample[i]) } }));
    }
    // The decided logs agree slot by slot once every node has caught up. A node that caught up
    // by a peer's snapshot lacks the slots it skipped: together they still hold every slot.
    const deadline = Date.now() + 15_000;
    let logs: Map<number, string>[];
    const last = (l: Map<number, string>) => Math.max(0, ...l.keys());
    for (;;) {
      logs = await Promise.all(c.nodes.map((n) => decidedDigests(n.url)));
      if (logs.every((l) => last(l) === last(logs[0])) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const union = new Map<number, string>();
    for (const l of logs) {
      expect(last(l)).toBe(last(logs[0]));
      for (const [slot, digest] of l) {
        expect(union.get(slot) ?? digest, `slot ${slot}`).toBe(digest);
        union.set(slot, digest);
      }
    }
    expect(union.size).toBe(last(logs[0]));
    if (extraArgs.length > 0) {
      for (const n of c.nodes) expect(fs.existsSync(path.join(n.dataDir, SNAPSHOT_FILE)), `${n.name} took a snapshot`).toBe(true);
      const stats = await Promise.all(c.nodes.map(async (n) => (await call(n.url, 'GET', '/debug/stats')).body as { walBytes: number; snapshots: number }));
      for (const st of stats) expect(st.walBytes).toBeLessThan(96 * 1024); // compacted, not the whole run (CI once saw 65,542 bytes under load: a snapshot still in progress)
    }
    // Every node killed at once and restarted: the WALs alone bring every acked write back.
    await Promise.all(c.nodes.map((n) => c.stop(n.name, 'SIGKILL')));
    await c.startAll();
    await c.waitForLeader();
    const sample = keys.filter((_, i) => i % 10 === 0).slice(0, 200);
    const after = await call(c.nodes[2].url, 'POST', '/txn', { ops: sample.map((k) => ['r', k, null]) });
    expect(after.body.ops).toEqual(sample.map((k) => ['r', k, acked.get(k)]));
    // A clean stop exits 0.
    expect(await c.stop('n1', 'SIGTERM')).toBe(0);
  }, 60_000);
});
