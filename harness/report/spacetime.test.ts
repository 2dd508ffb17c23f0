/**
 * Exact send/receive pairing by message id on a hand-made run whose event logs are written by
 * the real node clock and event log (paxos/eventlog.ts): reordering, a drop, a duplicated
 * delivery, a receive whose send line is missing, a log without ids. Also how the diagram
 * draws each case and what the ShiViz export says. Cost: ~0.1 s, no processes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLog, LogicalClock, type SendStamp } from '../../paxos/eventlog.js';
import { loadRun, type NodeEvent } from './load.js';
import { esc } from './escape.js';
import { chooseWindow, describePairing, matchByClocks, pairMessages, shivizLog, spacetimeDiagram } from './spacetime.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const NODES = ['n1', 'n2', 'n3'];

interface Wire {
  from: string;
  to: string;
  type: string;
  slot: number;
  stamp: SendStamp;
}

/** Three nodes with real clocks and event logs under <run>/nodes/<n>/events.jsonl. */
function network(run: string, incarnation = 1) {
  const nodes = new Map<string, { clock: LogicalClock; log: EventLog }>();
  for (const n of NODES) {
    fs.mkdirSync(path.join(run, 'nodes', n), { recursive: true });
    const clock = new LogicalClock(n, NODES, incarnation);
    nodes.set(n, { clock, log: new EventLog(path.join(run, 'nodes', n, 'events.jsonl'), clock) });
  }
  return {
    send(from: string, to: string, type: string, slot: number, refused = false): Wire {
      const { clock, log } = nodes.get(from)!;
      const stamp = clock.send();
      log.record('send', type, to, slot, stamp.id, refused);
      return { from, to, type, slot, stamp };
    },
    deliver(w: Wire): void {
      const { clock, log } = nodes.get(w.to)!;
      clock.receive(w.stamp);
      log.record('recv', w.type, w.from, w.slot, w.stamp.id);
    },
    close(): void {
      for (const { log } of nodes.values()) log.close();
    },
  };
}

/**
 * n1 sends accepts a1, a2 to n2 and b to n3; n3 relays c to n2, so n2 knows of all three of
 * n1's sends before a2 arrives; a1 is lost. Then n2 sends d1, d2 to n1, delivered in reverse
 * order, and e to n3, delivered twice, and f to n3, refused by n2's transport (a full link).
 */
async function handMadeRun() {
  const run = path.join(root, `run-${Math.random().toString(36).slice(2)}`);
  const net = network(run);
  const a1 = net.send('n1', 'n2', 'accept', 1);
  const a2 = net.send('n1', 'n2', 'accept', 2);
  const b = net.send('n1', 'n3', 'accept', 1);
  net.deliver(b);
  const c = net.send('n3', 'n2', 'learn', 1);
  net.deliver(c);
  net.deliver(a2); // a1 never arrives
  const d1 = net.send('n2', 'n1', 'accepted', 1);
  const d2 = net.send('n2', 'n1', 'accepted', 2);
  net.deliver(d2);
  net.deliver(d1);
  const e = net.send('n2', 'n3', 'accepted', 2);
  net.deliver(e);
  net.deliver(e); // a duplicated delivery
  const f = net.send('n2', 'n3', 'accepted', 3, true);
  net.close();
  const data = await loadRun(run);
  if (!data.events.ok) throw new Error(data.events.why);
  const events = data.events.value.events;
  const byId = (kind: NodeEvent['kind'], w: Wire) => events.filter((x) => x.kind === kind && x.msg === w.stamp.id);
  return { run, events, byId, wires: { a1, a2, b, c, d1, d2, e, f } };
}

describe('pairing by message id', () => {
  it('is exact under reordering, a drop and a duplicated delivery', async () => {
    const { events, byId, wires } = await handMadeRun();
    const p = pairMessages(events);
    const { a1, a2, b, c, d1, d2, e } = wires;
    for (const w of [a2, b, c, d1, d2]) {
      const [send] = byId('send', w);
      const receives = byId('recv', w);
      expect(receives, w.stamp.id).toHaveLength(1);
      expect(p.sendOf.get(receives[0])).toBe(send);
      expect(p.receivesOf.get(send)).toEqual(receives);
    }
    const lostSends = [...byId('send', a1), ...byId('send', wires.f)];
    expect([...p.lost]).toEqual(lostSends);
    expect(lostSends.map((s) => s.dropped)).toEqual([undefined, true]);
    const [eSend] = byId('send', e);
    const eReceives = byId('recv', e);
    expect(eReceives).toHaveLength(2);
    expect(p.receivesOf.get(eSend)).toEqual(eReceives);
    expect(p.orphans).toEqual([]);
    expect(p.guessed).toBe(0);
    expect(p.sendOf.size).toBe(events.filter((x) => x.kind === 'recv').length);
    expect(describePairing(p)).toMatch(/exactly, by message id: 8 messages in the logs, 6 received, 2 never received \(a dashed arrow ending in ×\): 1 of them refused by the sender's own transport \(its link not draining\), the rest lost on the way.*, 1 delivered more than once\.$/);
    // Without a refused send the sentence does not speak of "the rest".
    expect(describePairing({ ...p, lost: new Set([...p.lost].filter((s) => !s.dropped)) })).toMatch(/1 never received \(a dashed arrow ending in ×: lost on the way, or not logged by a receiver that was killed\)/);
  });

  it('where the vector-clock heuristic (logs without ids) pairs a2 with the lost a1', async () => {
    const { events, byId, wires } = await handMadeRun();
    const legacy = events.map((x) => ({ ...x, msg: undefined }));
    const guessed = matchByClocks(legacy);
    const recvA2 = legacy[events.indexOf(byId('recv', wires.a2)[0])];
    const sendA1 = legacy[events.indexOf(byId('send', wires.a1)[0])];
    expect(guessed.get(recvA2)).toBe(sendA1);
    // Without ids nothing is known lost, and the page says pairing is a guess.
    const p = pairMessages(legacy);
    expect(p.lost.size).toBe(0);
    expect(p.guessed).toBe(guessed.size);
    expect(describePairing(p)).toMatch(/carry no message ids/);
  });

  it('reports a receive whose send line is in no log, and one naming the wrong sender', async () => {
    const { events, byId, wires } = await handMadeRun();
    const withoutSend = events.filter((x) => x !== byId('send', wires.c)[0]);
    const p = pairMessages(withoutSend);
    expect(p.orphans).toEqual(byId('recv', wires.c));
    const forged = events.map((x) => (x === byId('recv', wires.d1)[0] ? { ...x, peer: 'n3' } : x));
    const q = pairMessages(forged);
    expect(q.mismatched).toBe(1);
    expect(q.orphans.map((x) => x.msg)).toEqual([wires.d1.stamp.id]);
    expect(describePairing(q)).toMatch(/1 receives whose send is in no log \(1 naming a different sender/);
  });

  it('counts a reused send id once and says so', async () => {
    const { events, byId, wires } = await handMadeRun();
    const reused = [...events, { ...byId('send', wires.b)[0], seq: 999, vc: { n1: 99, n2: 0, n3: 0 } }];
    const p = pairMessages(reused);
    expect(p.reusedIds).toBe(1);
    expect(p.sendOf.get(byId('recv', wires.b)[0])).toBe(byId('send', wires.b)[0]);
  });
});

describe('the diagram', () => {
  it('draws a dangling arrow for the lost message and two arrows for the duplicated one', async () => {
    const { events } = await handMadeRun();
    const html = spacetimeDiagram(chooseWindow(events, {}), events.length);
    expect(html.match(/<line class="msg lost"/g)).toHaveLength(2);
    expect(html).toContain('accept n1 → n2 slot 1 (n1:1:1): never received (lost on the way');
    expect(html).toContain(esc("accepted n2 → n3 slot 3 (n2:1:4): never received (refused by the sender's transport"));
    // a2, b, c, d1, d2 and both deliveries of e: seven arrows from a send to a receive.
    expect(html.match(/<line class="msg(?: dup)?"/g)).toHaveLength(7);
    expect(html.match(/<line class="msg dup"/g)).toHaveLength(2);
    expect(html).toContain('(delivery 2 of 2: duplicated)');
    expect(html).toMatch(/exactly, by message id/);
  });

  it('does not call a message lost when its receive is outside the window', async () => {
    const { events, byId, wires } = await handMadeRun();
    const window = chooseWindow(events, { slot: 1 });
    // Slot 1: a1, b, c, d1 and their receives; the window holds the send of d1 and its receive.
    window.events = window.events.filter((x) => x !== byId('recv', wires.b)[0]);
    const html = spacetimeDiagram(window, events.length);
    expect(html.match(/<line class="msg lost"/g)).toHaveLength(1); // a1 only
    expect(html).toContain('accept n1 → n3 slot 1 (n1:1:3): received outside this window');
  });

  it('outlines a receive whose send is in no log in red', async () => {
    const { events, byId, wires } = await handMadeRun();
    const withoutSend = events.filter((x) => x !== byId('send', wires.c)[0]);
    const html = spacetimeDiagram(chooseWindow(withoutSend, {}), withoutSend.length);
    expect(html.match(/class="ev recv orphan"/g)).toHaveLength(1);
    expect(html).toContain('its send is in no log');
  });
});

describe('the ShiViz export', () => {
  it('names each send and receive by its message id', async () => {
    const { events, wires } = await handMadeRun();
    const text = shivizLog(events);
    expect(text.match(new RegExp(`msg=${wires.e.stamp.id} `, 'g'))).toHaveLength(3);
  });
});
