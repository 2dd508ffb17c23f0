/**
 * Logical time: Lamport and vector clock rules on send/receive, message ids, and the event
 * log's lines, including a restart after a torn last line (clocks and ids never repeat across
 * incarnations). Cost: ~50 ms.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLog, LogicalClock, RESTART_MARGIN, isMessageIdField, messageId, parseMessageId } from './eventlog.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventlog-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const nodes = ['n1', 'n2', 'n3'];

describe('LogicalClock', () => {
  it('follows Lamport (max+1) and vector (merge, then increment own) rules', () => {
    const a = new LogicalClock('n1', nodes, 1);
    const b = new LogicalClock('n2', nodes, 1);
    const s1 = a.send();
    expect(s1).toEqual({ lt: 1, vc: [1, 0, 0], id: 'n1:1:1' });
    b.tick();
    b.tick();
    b.tick();
    b.receive(s1);
    expect(b.lamport).toBe(4);
    expect(b.vc).toEqual([1, 4, 0]);
    const s2 = b.send();
    a.receive(s2);
    expect(a.lamport).toBe(s2.lt + 1);
    expect(a.vc).toEqual([2, 5, 0]);
    // The stamp handed out is a copy: later ticks do not change a message already sent.
    expect(s2.vc).toEqual([1, 5, 0]);
  });

  it('rejects malformed stamps and unknown selves', () => {
    const a = new LogicalClock('n1', nodes, 1);
    for (const bad of [null, { lt: 1 }, { lt: -1, vc: [0, 0, 0] }, { lt: 1, vc: [0, 0] }, { lt: 1, vc: [0, 'x', 0] }]) {
      expect(() => a.receive(bad as never), JSON.stringify(bad)).toThrow(/malformed clock stamp/);
    }
    expect(() => new LogicalClock('n9', nodes, 1)).toThrow(/not among/);
    for (const inc of [0, -1, 1.5, NaN]) expect(() => new LogicalClock('n1', nodes, inc)).toThrow(/incarnation must be a positive integer/);
  });
});

describe('EventLog', () => {
  it('writes one JSON line per event with the clock at that event', async () => {
    const file = path.join(dir, 'events.jsonl');
    const clock = new LogicalClock('n2', nodes, 4);
    const log = new EventLog(file, clock);
    log.local('recover', 0);
    const out = clock.send();
    log.record('send', 'accept', 'n1', 7, out.id);
    clock.receive({ lt: 10, vc: [3, 0, 1] });
    log.record('recv', 'accepted"<x>', 'n1', 7, 'n1:2:9');
    log.record('send', 'accept', 'n3', 8, 'n2:4:2', true);
    await new Promise((r) => setImmediate(r));
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.kind, l.type, l.peer, l.slot, l.msg, l.lamport, l.vc])).toEqual([
      ['local', 'recover', null, 0, undefined, 1, { n1: 0, n2: 1, n3: 0 }],
      ['send', 'accept', 'n1', 7, 'n2:4:1', 2, { n1: 0, n2: 2, n3: 0 }],
      ['recv', 'accepted"<x>', 'n1', 7, 'n1:2:9', 11, { n1: 3, n2: 3, n3: 1 }],
      ['send', 'accept', 'n3', 8, 'n2:4:2', 11, { n1: 3, n2: 3, n3: 1 }],
    ]);
    expect(lines.map((l) => l.dropped)).toEqual([undefined, undefined, undefined, true]);
    // The same keys in the same order as JSON.stringify of the event would give.
    expect(Object.keys(lines[1])).toEqual(['node', 'lamport', 'vc', 'kind', 'type', 'peer', 'slot', 'msg', 'time']);
    for (const l of lines) {
      expect(l.node).toBe('n2');
      expect(typeof l.time).toBe('number');
    }
    log.close();
  });

  it('resumes past the previous incarnation, after a torn last line', () => {
    const file = path.join(dir, 'events.jsonl');
    const first = new LogicalClock('n1', nodes, 1);
    const log1 = new EventLog(file, first);
    for (let i = 0; i < 5; i++) log1.local('tick');
    log1.close();
    fs.appendFileSync(file, '{"node":"n1","lamport":99'); // a SIGKILL mid-write
    const second = new LogicalClock('n1', nodes, 2);
    const log2 = new EventLog(file, second);
    log2.local('recover');
    log2.close();
    expect(second.lamport).toBe(5 + RESTART_MARGIN + 1);
    expect(second.vc[0]).toBe(5 + RESTART_MARGIN + 1);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(() => JSON.parse(lines[5])).toThrow();
    expect(JSON.parse(lines[6]).type).toBe('recover');
  });

  it('never repeats a message id across restarts, even when the previous log lost its tail', () => {
    const file = path.join(dir, 'events.jsonl');
    const sendAll = (inc: number, count: number, tornTail: boolean) => {
      const clock = new LogicalClock('n1', nodes, inc);
      const log = new EventLog(file, clock);
      for (let i = 0; i < count; i++) {
        const s = clock.send();
        log.record('send', 'accept', 'n2', i, s.id);
      }
      if (tornTail) {
        log.flush();
        fs.appendFileSync(file, '{"node":"n1","lamport":1,"kind":"send","msg":"n1:'); // SIGKILL mid-write
      } else log.close();
    };
    // The node's incarnations, as its core numbers them from the WAL's boot records.
    sendAll(1, 40, true);
    sendAll(2, 40, false);
    sendAll(3, 40, false);
    const ids = fs.readFileSync(file, 'utf8').split('\n').flatMap((l) => {
      try {
        return [JSON.parse(l).msg as string];
      } catch {
        return [];
      }
    });
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(ids.map((id) => parseMessageId(id)!.incarnation)).toEqual([...Array(40).fill(1), ...Array(40).fill(2), ...Array(40).fill(3)]);
  });
});

describe('message ids', () => {
  it('are <node>:<incarnation>:<seq> and parse back, also with a colon in the node id', () => {
    expect(messageId('n1', 3, 17)).toBe('n1:3:17');
    expect(parseMessageId('n1:3:17')).toEqual({ node: 'n1', incarnation: 3, seq: 17 });
    expect(parseMessageId('host:7001:2:5')).toEqual({ node: 'host:7001', incarnation: 2, seq: 5 });
    for (const bad of ['', 'n1', 'n1:3', 'n1:0:1', 'n1:1:0', ':1:1', 'n1:x:1', 'n1:1:99999999999999999999']) expect(parseMessageId(bad), bad).toBeNull();
  });
  it('are counted per incarnation, and the clock stamps each send with the next one', () => {
    const c = new LogicalClock('n3', nodes, 7);
    expect([c.send().id, c.send().id, c.send().id]).toEqual(['n3:7:1', 'n3:7:2', 'n3:7:3']);
    expect(c.sent).toBe(3);
  });
  it('from a peer are optional (older nodes) but, when present, short non-empty strings', () => {
    expect(isMessageIdField(undefined)).toBe(true);
    expect(isMessageIdField('n1:1:1')).toBe(true);
    for (const bad of ['', 5, null, {}, 'x'.repeat(129)]) expect(isMessageIdField(bad), JSON.stringify(bad)).toBe(false);
  });
});
