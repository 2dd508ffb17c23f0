/**
 * WAL damage on a real 3-node cluster (issue 12): after acknowledged writes, the WALs of two
 * nodes are overwritten with random bytes past their first boot record. Those nodes must refuse
 * to start, naming the file and offset, rather than come back with amnesia and vote again; the
 * cluster may be unavailable but never answers a wrong value, and once an intact copy of one
 * WAL returns, every acknowledged write is there and the running nodes' decided logs agree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LocalCluster } from './cluster.js';
import { paxosDb } from './db.js';
import { WAL_FILE } from './files.js';

async function call(url: string, method: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/kv/${key}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Byte offset just past the node's first boot record, whatever the framing around it. */
function endOfFirstBootRecord(bytes: Buffer): number {
  const marker = Buffer.from('{"t":"boot","inc":1}');
  const at = bytes.indexOf(marker);
  expect(at, 'first boot record in the WAL').toBeGreaterThan(0);
  return at + marker.length;
}

describe('WAL damage on a 3-node cluster', () => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  it('damaged nodes refuse to start; no acknowledged write is lost or answered wrong', async () => {
    cluster = await LocalCluster.create(3);
    const c = cluster;
    await c.startAll();
    await c.waitForLeader();
    const written = { x: 1, y: 2, z: 3 };
    for (const [k, v] of Object.entries(written)) expect(await call(c.node('n1').url, 'PUT', k, { value: v })).toEqual({ status: 200, body: { ok: true } });
    for (const n of c.nodes) expect(await c.stop(n.name, 'SIGTERM')).toBe(0);

    const intact = new Map<string, Buffer>();
    const damagedAt = new Map<string, number>();
    for (const name of ['n2', 'n3']) {
      const file = path.join(c.node(name).dataDir, WAL_FILE);
      const bytes = fs.readFileSync(file);
      intact.set(name, bytes);
      const from = endOfFirstBootRecord(bytes);
      expect(bytes.length - from, `${name} logged more than its boot`).toBeGreaterThan(0);
      fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, from), randomBytes(bytes.length - from)]));
      damagedAt.set(name, from);
    }

    await c.start('n1');
    for (const name of ['n2', 'n3']) {
      const file = path.join(c.node(name).dataDir, WAL_FILE);
      const failure = await c.start(name).then(() => null, (err: Error) => err.message);
      expect(failure, `${name} must refuse to start`).not.toBeNull();
      const line = /WAL (\S+) is corrupt at byte offset (\d+)/.exec(failure!);
      expect(line, failure!).not.toBeNull();
      expect(line![1]).toBe(file);
      // The damage starts at or after the end of the boot record; with framing the first bad
      // header may be that far in, never before it.
      expect(Number(line![2])).toBeLessThanOrEqual(damagedAt.get(name)!);
      // One line on stderr (the node's stdout.log takes both streams): exactly one "cannot start".
      const log = fs.readFileSync(path.join(c.node(name).dataDir, 'stdout.log'), 'utf8');
      expect(log.split('\n').filter((l) => l.includes('cannot start'))).toHaveLength(1);
    }
    // n1 alone has no quorum: unavailable is fine, a null or other value is not.
    const alone = await call(c.node('n1').url, 'GET', 'x').catch(() => null);
    if (alone?.status === 200) expect(alone.body).toEqual({ value: 1 });

    // n2's intact WAL comes back: a quorum of intact nodes serves every acknowledged write.
    fs.writeFileSync(path.join(c.node('n2').dataDir, WAL_FILE), intact.get('n2')!);
    await c.start('n2');
    await c.waitForLeader();
    for (const [k, v] of Object.entries(written)) {
      for (const name of ['n1', 'n2']) expect(await call(c.node(name).url, 'GET', k), `${k} via ${name}`).toEqual({ status: 200, body: { value: v } });
    }
    expect(await call(c.node('n2').url, 'PUT', 'w', { value: 4 })).toEqual({ status: 200, body: { ok: true } });
    const logs = await Promise.all(['n1', 'n2'].map(async (name) => new Map((await paxosDb.decidedLog!(c.node(name).url)).map((e) => [e.slot, e.digest]))));
    expect(logs[0].size).toBeGreaterThan(3);
    expect([...logs[1]]).toEqual([...logs[0]]);
  }, 60_000);
});
