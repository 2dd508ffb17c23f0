/**
 * Read-write register inference (Elle, section 4.3): values are unique per key, so a read names
 * the one write it saw (wr). A register's version order is not visible in reads; only what is
 * certain is inferred:
 *
 *   - the initial nil comes before every written value: a txn that read nil precedes (rw) every
 *     txn that wrote the key;
 *   - write follows read: a committed txn that read x from a key and then wrote y to it installed
 *     y after x, so x's writer precedes it (ww) and so does every other reader of x (rw).
 *
 * Anomalies seen without a cycle: G1a (a failed txn's value read), G1b (a value its writer
 * overwrote in the same txn), internal (a read disagreeing with the txn's own earlier read or
 * write of the key) and garbage-read (a value nobody wrote).
 */
import { anomalyList, show, showMop, type Analysis } from './analysis.js';
import { GraphBuilder } from './graph.js';
import { ElleInputError } from './txns.js';
import { RW, WR, WW, type Anomaly, type Atom, type Step, type Txn } from './types.js';

interface KeyState {
  writer: Map<Atom, { txn: Txn; intermediate: boolean }>;
  /** External reads (the txn's first access to the key): value -> readers. */
  readers: Map<Atom, Txn[]>;
  /** Write follows read: [value read, txn that then wrote the key]. */
  followers: Array<[Atom, Txn]>;
}

export function analyzeRwRegister(txns: Txn[]): Analysis {
  const keys = new Map<Atom, KeyState>();
  const { anomalies, report } = anomalyList();
  const stateOf = (k: Atom) => {
    let s = keys.get(k);
    if (!s) keys.set(k, (s = { writer: new Map(), readers: new Map(), followers: [] }));
    return s;
  };

  for (const t of txns) {
    const lastWrite = new Map<Atom, Atom>();
    for (const m of t.mops) if (m.f === 'w') lastWrite.set(m.key, m.value as Atom);
    for (const m of t.mops) {
      if (m.f !== 'w') continue;
      const s = stateOf(m.key);
      const v = m.value as Atom;
      if (v === null) throw new ElleInputError(t.invokeIndex, `${showMop('w', m.key, v)}: nil is the initial state and cannot be written`);
      if (s.writer.has(v)) throw new ElleInputError(t.invokeIndex, `${showMop('w', m.key, v)}: ${show(v)} was written to key ${show(m.key)} before; rw-register needs unique values per key`);
      s.writer.set(v, { txn: t, intermediate: lastWrite.get(m.key) !== v });
    }
  }

  const observed = new Uint8Array(txns.length);
  for (const t of txns) if (t.type === 'ok') readsOf(t, stateOf, observed, report);
  const inGraph = (t: Txn) => t.type === 'ok' || (t.type === 'info' && observed[t.id] === 1);

  const g = new GraphBuilder(txns.length);
  for (const s of keys.values()) {
    for (const [v, readers] of s.readers) {
      const w = v === null ? undefined : s.writer.get(v)?.txn;
      if (w && inGraph(w)) for (const r of readers) g.add(w.id, r.id, WR);
      // nil precedes every write of the key.
      if (v === null) for (const { txn } of s.writer.values()) if (inGraph(txn)) for (const r of readers) g.add(r.id, txn.id, RW);
    }
    for (const [v, t] of s.followers) {
      const w = v === null ? undefined : s.writer.get(v)?.txn;
      if (w && inGraph(w)) g.add(w.id, t.id, WW);
      if (v !== null) for (const r of s.readers.get(v) ?? []) g.add(r.id, t.id, RW);
    }
  }
  return { anomalies, graph: g, inGraph, explain: (step) => explainEdge(step, txns, keys) };
}

function readsOf(t: Txn, stateOf: (k: Atom) => KeyState, observed: Uint8Array, report: (a: Anomaly) => void): void {
  // Per key: what the txn last read or wrote, and what it read first (if a read came first).
  const known = new Map<Atom, { value: Atom; wrote: boolean; firstRead: Atom | undefined }>();
  for (const m of t.mops) {
    const v = m.value as Atom;
    const own = known.get(m.key);
    if (m.f === 'w') {
      if (own) {
        if (!own.wrote && own.firstRead !== undefined) stateOf(m.key).followers.push([own.firstRead, t]);
        own.value = v;
        own.wrote = true;
      } else known.set(m.key, { value: v, wrote: true, firstRead: undefined });
      continue;
    }
    if (own) {
      if (own.value !== v) report({ name: 'internal', message: `T${t.id} read ${showMop('r', m.key, v)} but its own earlier ${own.wrote ? 'write' : 'read'} of the key implies ${show(own.value)}`, txns: [t.id] });
      continue;
    }
    known.set(m.key, { value: v, wrote: false, firstRead: v });
    const s = stateOf(m.key);
    let readers = s.readers.get(v);
    if (!readers) s.readers.set(v, (readers = []));
    readers.push(t);
    if (v === null) continue;
    const w = s.writer.get(v);
    if (!w) report({ name: 'garbage-read', message: `T${t.id} read ${showMop('r', m.key, v)}, a value no txn wrote`, txns: [t.id] });
    else if (w.txn.type === 'fail') report({ name: 'G1a', message: `T${t.id} read ${showMop('r', m.key, v)}, written by T${w.txn.id}, which failed`, txns: [w.txn.id, t.id] });
    else {
      if (w.txn.type === 'info') observed[w.txn.id] = 1;
      if (w.intermediate) report({ name: 'G1b', message: `T${t.id} read ${showMop('r', m.key, v)}, which T${w.txn.id} overwrote within the same txn`, txns: [w.txn.id, t.id] });
    }
  }
}

function explainEdge(step: Step, txns: Txn[], keys: Map<Atom, KeyState>): string {
  const a = txns[step.from];
  const b = txns[step.to];
  const touched = new Set(a.mops.map((m) => m.key));
  for (const k of new Set(b.mops.map((m) => m.key))) {
    const s = keys.get(k);
    if (!s || !touched.has(k)) continue;
    if (step.type === 'wr') {
      for (const [v, readers] of s.readers) if (v !== null && readers.includes(b) && s.writer.get(v)?.txn === a) return `T${b.id} read ${showMop('r', k, v)}, written by T${a.id}`;
    } else if (step.type === 'ww') {
      for (const [v, t] of s.followers) if (t === b && v !== null && s.writer.get(v)?.txn === a) return `T${b.id} read ${showMop('r', k, v)}, written by T${a.id}, then wrote key ${show(k)} again`;
    } else if (step.type === 'rw') {
      if ((s.readers.get(null) ?? []).includes(a) && [...s.writer.values()].some((w) => w.txn === b)) return `T${a.id} read ${showMop('r', k, null)} (the initial state), before T${b.id} wrote key ${show(k)}`;
      for (const [v, t] of s.followers) if (t === b && v !== null && (s.readers.get(v) ?? []).includes(a)) return `T${a.id} read ${showMop('r', k, v)}, which T${b.id} read and then overwrote`;
    }
  }
  return '';
}
