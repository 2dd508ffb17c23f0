/**
 * The event logs of a real 3-node cluster (dist/paxos/main.js processes, TCP, fsync) pair
 * completely by message id: writes through every node, the leader SIGKILLed mid-load and
 * restarted, then every node SIGKILLed. No receive lacks its send, even across the crash: the
 * node writes send lines before their messages reach the wire. Ids never repeat across the
 * restart, and each incarnation's sends are numbered without gaps. Messages no log received
 * are allowed only where a process died (receiver or sender killed, or the final kill). The
 * report draws the run with arrows paired by id and no send-less receive.
 * Cost: ~6 s (three node processes, ~3 s of load). Run tsc first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { LocalCluster } from './cluster.js';
import { EVENT_FILE } from './node.js';
import { parseMessageId } from './eventlog.js';
import { parseEvent, type NodeEvent } from '../harness/report/load.js';
import { happenedBefore, pairMessages } from '../harness/report/pairing.js';
import { chooseWindow, spacetimeDiagram } from '../harness/report/spacetime.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every event of a node's log; unparseable lines are counted (a SIGKILL may tear the last one). */
function readEvents(file: string): { events: NodeEvent[]; badLines: number } {
  const events: NodeEvent[] = [];
  let badLines = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    let e: NodeEvent | undefined;
    try {
      e = parseEvent(JSON.parse(line), events.length);
    } catch {
      e = undefined;
    }
    if (e) events.push(e);
    else badLines++;
  }
  return { events, badLines };
}

describe('event logs of a real cluster with a crash', () => {
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.destroy();
    cluster = undefined;
  });

  it('pair every receive with its send by id, and ids never repeat across the restart', async () => {
    cluster = await LocalCluster.create(3);
    const c = cluster;
    await c.startAll();
    const leader = await c.waitForLeader();
    let stop = false;
    let seq = 0;
    let acked = 0;
    const worker = async (w: number) => {
      while (!stop) {
        const i = seq++;
        const node = c.nodes[(w + i) % c.nodes.length];
        try {
          const res = await fetch(`${node.url}/kv/k${i % 50}`, { method: 'PUT', body: JSON.stringify({ value: i }), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(3000) });
          await res.text();
          if (res.ok) acked++;
        } catch {
          await sleep(20); // node down: the next request goes to another
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    await sleep(1000);
    await c.stop(leader, 'SIGKILL');
    await sleep(800);
    await c.start(leader);
    const restarted = Date.now();
    await sleep(1000);
    stop = true;
    await Promise.all(workers);
    expect(acked).toBeGreaterThan(20);
    const finalKill = Date.now();
    await c.destroy(true, 'SIGKILL');

    const killed = new Set([leader]);
    const events: NodeEvent[] = [];
    for (const n of c.nodes) {
      const log = readEvents(path.join(n.dataDir, EVENT_FILE));
      // Lines are written whole; a torn one can only be the last line of a killed incarnation.
      expect(log.badLines, `${n.name}'s unparseable lines`).toBeLessThanOrEqual(killed.has(n.name) ? 2 : 1);
      events.push(...log.events);
    }
    fs.rmSync(c.root, { recursive: true, force: true });

    const messages = events.filter((e) => e.kind !== 'local');
    expect(messages.filter((e) => e.msg === undefined)).toEqual([]);
    const sends = messages.filter((e) => e.kind === 'send');
    const receives = messages.filter((e) => e.kind === 'recv');
    expect(receives.length).toBeGreaterThan(200);

    // Ids: <sender>:<incarnation>:<seq>, unique, and numbered 1..k without gaps per incarnation.
    expect(new Set(sends.map((s) => s.msg)).size).toBe(sends.length);
    const seqs = new Map<string, number[]>();
    for (const s of sends) {
      const id = parseMessageId(s.msg!);
      expect(id, s.msg).not.toBeNull();
      expect(id!.node).toBe(s.node);
      const key = `${id!.node}:${id!.incarnation}`;
      if (!seqs.has(key)) seqs.set(key, []);
      seqs.get(key)!.push(id!.seq);
    }
    for (const [key, list] of seqs) expect(list, key).toEqual(list.map((_, i) => i + 1));
    const incarnations = (node: string) => [...seqs.keys()].filter((k) => k.startsWith(`${node}:`)).map((k) => Number(k.split(':')[1])).sort();
    expect(incarnations(leader)).toEqual([1, 2]);
    for (const n of c.nodes) if (n.name !== leader) expect(incarnations(n.name)).toEqual([1]);

    // Pairing: complete, consistent with the vector clocks, and no duplicated delivery over TCP.
    const p = pairMessages(events);
    expect(p.orphans.map((r) => `${r.node} ${r.type} from ${r.peer} ${r.msg}`)).toEqual([]);
    expect(p.reusedIds).toBe(0);
    expect(p.mismatched).toBe(0);
    expect(p.guessed).toBe(0);
    expect(p.sendOf.size).toBe(receives.length);
    for (const [recv, send] of p.sendOf) {
      expect(happenedBefore(send, recv), recv.msg).toBe(true);
      expect(recv.slot).toBe(send.slot);
    }
    expect([...p.receivesOf.values()].filter((r) => r.length > 1)).toEqual([]);
    // The killed leader's first incarnation sent messages that were received.
    expect(receives.some((r) => r.msg!.startsWith(`${leader}:1:`))).toBe(true);
    expect(receives.some((r) => r.msg!.startsWith(`${leader}:2:`))).toBe(true);

    // A message no log received: a process on its path died (mid-run, or the final SIGKILL).
    const unexplained = [...p.lost].filter((s) => !killed.has(s.node) && !killed.has(s.peer!) && s.time! < finalKill - 500);
    expect(unexplained.map((s) => `${s.msg} ${s.type} → ${s.peer} at ${s.time}`)).toEqual([]);
    // The report's diagram of the run: arrows by id, no receive outlined as send-less. The window
    // is put where clients were writing (the run's last events can be mostly sends the final
    // SIGKILL left unreceived: on a loaded CI machine only 9 arrows were left there).
    const html = spacetimeDiagram(chooseWindow(events, { time: restarted + 500 }), events.length);
    expect(html).toContain('paired with sends exactly, by message id');
    expect(html).not.toContain('class="ev recv orphan"');
    expect((html.match(/<line class="msg(?: dup)?"/g) ?? []).length).toBeGreaterThan(20);
  }, 60_000);
});
