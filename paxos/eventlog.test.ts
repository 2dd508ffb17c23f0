/**
 * Logical time: Lamport and vector clock rules on send/receive, and the event log's lines,
 * including a restart after a torn last line (clocks never repeat across incarnations).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLog, LogicalClock, RESTART_MARGIN } from './eventlog.js';

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
    const a = new LogicalClock('n1', nodes);
    const b = new LogicalClock('n2', nodes);
    const s1 = a.send();
    expect(s1).toEqual({ lt: 1, vc: [1, 0, 0] });
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
    const a = new LogicalClock('n1', nodes);
    for (const bad of [null, { lt: 1 }, { lt: -1, vc: [0, 0, 0] }, { lt: 1, vc: [0, 0] }, { lt: 1, vc: [0, 'x', 0] }]) {
      expect(() => a.receive(bad as never), JSON.stringify(bad)).toThrow(/malformed clock stamp/);
    }
    expect(() => new LogicalClock('n9', nodes)).toThrow(/not among/);
  });
});

describe('EventLog', () => {
  it('writes one JSON line per event with the clock at that event', async () => {
    const file = path.join(dir, 'events.jsonl');
    const clock = new LogicalClock('n2', nodes);
    const log = new EventLog(file, clock);
    log.local('recover', 0);
    clock.send();
    log.record('send', 'accept', 'n1', 7);
    clock.receive({ lt: 10, vc: [3, 0, 1] });
    log.record('recv', 'accepted', 'n1', 7);
    await new Promise((r) => setImmediate(r));
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.kind, l.type, l.peer, l.slot, l.lamport, l.vc])).toEqual([
      ['local', 'recover', null, 0, 1, { n1: 0, n2: 1, n3: 0 }],
      ['send', 'accept', 'n1', 7, 2, { n1: 0, n2: 2, n3: 0 }],
      ['recv', 'accepted', 'n1', 7, 11, { n1: 3, n2: 3, n3: 1 }],
    ]);
    for (const l of lines) {
      expect(l.node).toBe('n2');
      expect(typeof l.time).toBe('number');
    }
    log.close();
  });

  it('resumes past the previous incarnation, after a torn last line', () => {
    const file = path.join(dir, 'events.jsonl');
    const first = new LogicalClock('n1', nodes);
    const log1 = new EventLog(file, first);
    for (let i = 0; i < 5; i++) log1.local('tick');
    log1.close();
    fs.appendFileSync(file, '{"node":"n1","lamport":99'); // a SIGKILL mid-write
    const second = new LogicalClock('n1', nodes);
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
});
