/**
 * List-append inference (Elle, section 4): every read of a key returns the whole list, so each
 * read is a prefix of the key's version order and the longest read gives that order. From it:
 *
 *   ww  T1 appended x, T2 appended the element right after x
 *   wr  T1 appended the last element T2 read (T2's read came before its own appends to the key)
 *   rw  T1 read a list that T2's append extended
 *
 * An append of a txn that happened (acknowledged, or seen elsewhere) in no read comes after the whole known order (lists only grow), so it
 * takes ww from the last element's appender and rw from the reads of the whole list. Anomalies
 * seen without a cycle: G1a (a failed txn's element read), G1b (a read ending in an element its
 * txn appended before another one to that key), internal (a txn's read disagrees with its own
 * earlier reads and appends), duplicate-elements, incompatible-order (two reads not prefixes of
 * one another), garbage-read (an element nobody appended) and lost-append (an acknowledged
 * append no read saw, though a read saw an append invoked after it was acknowledged: real-time).
 */
import { anomalyList, show, showMop, type Analysis } from './analysis.js';
import { GraphBuilder } from './graph.js';
import { ElleInputError } from './txns.js';
import type { Anomaly, Atom, Step, Txn } from './types.js';

interface Read {
  txn: Txn;
  list: Atom[];
  /** Before any append of the txn to this key: what other txns' appends made it. */
  external: boolean;
}

interface KeyState {
  /** Element -> the txn that appended it, and whether that txn appended to the key again after. */
  appender: Map<Atom, { txn: Txn; intermediate: boolean }>;
  reads: Read[];
  /** The version order: the longest read. */
  order: Atom[];
  position: Map<Atom, number>;
  /** Elements appended by txns that happened, which no read saw. */
  unseen: Atom[];
}

export function analyzeListAppend(txns: Txn[]): Analysis {
  const keys = new Map<Atom, KeyState>();
  const { anomalies, report } = anomalyList();
  const stateOf = (k: Atom) => {
    let s = keys.get(k);
    if (!s) keys.set(k, (s = { appender: new Map(), reads: [], order: [], position: new Map(), unseen: [] }));
    return s;
  };

  // Appends of every txn (failed ones too: reading them is G1a); reads of committed ones.
  for (const t of txns) {
    const mops = t.mops;
    // Big txns: the last append per key in one pass (small ones scan ahead, no allocation).
    const lastAppend = mops.length > 16 ? new Map(mops.filter((m) => m.f === 'append').map((m) => [m.key, m.value])) : undefined;
    for (let i = 0; i < mops.length; i++) {
      const m = mops[i];
      if (m.f !== 'append') continue;
      const s = stateOf(m.key);
      const v = m.value as Atom;
      if (s.appender.has(v)) throw new ElleInputError(t.invokeIndex, `${showMop('append', m.key, v)}: ${show(v)} was appended to key ${show(m.key)} before; list-append needs unique values per key`);
      let intermediate = lastAppend ? lastAppend.get(m.key) !== v : false;
      for (let j = i + 1; !lastAppend && j < mops.length && !intermediate; j++) intermediate = mops[j].f === 'append' && mops[j].key === m.key;
      s.appender.set(v, { txn: t, intermediate });
    }
    if (t.type === 'ok') collectReads(t, stateOf, report);
  }

  const observed = new Uint8Array(txns.length);
  for (const [k, s] of keys) orderKey(k, s, observed, report);
  const inGraph = (t: Txn) => t.type === 'ok' || (t.type === 'info' && observed[t.id] === 1);

  const g = new GraphBuilder(txns.length);
  for (const [k, s] of keys) edgesOfKey(k, s, g, inGraph, report);
  return { anomalies, graph: g, inGraph, explain: (step) => explainEdge(step, txns, keys) };
}

/** A committed txn's reads, checked against its own earlier reads and appends (internal). */
function collectReads(t: Txn, stateOf: (k: Atom) => KeyState, report: (a: Anomaly) => void): void {
  // Per key: the list last read (if any) and the txn's appends since.
  const seen = new Map<Atom, { read: Atom[] | undefined; since: Atom[] }>();
  for (const m of t.mops) {
    let own = seen.get(m.key);
    if (!own) seen.set(m.key, (own = { read: undefined, since: [] }));
    if (m.f === 'append') {
      own.since.push(m.value as Atom);
      continue;
    }
    const list = m.value as Atom[] | null;
    if (list === null) continue;
    const expected = own.read ? [...own.read, ...own.since] : undefined;
    const fits = expected ? sameList(list, expected) : endsWith(list, own.since);
    if (!fits) {
      const wanted = expected ? show(expected) : `a list ending in ${show(own.since)}`;
      report({ name: 'internal', message: `T${t.id} read ${showMop('r', m.key, list)} but its own earlier ops imply ${wanted}`, txns: [t.id] });
    }
    stateOf(m.key).reads.push({ txn: t, list, external: own.read === undefined && own.since.length === 0 });
    own.read = list;
    own.since = [];
  }
}

const sameList = (a: Atom[], b: Atom[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const endsWith = (a: Atom[], tail: Atom[]) => tail.length <= a.length && tail.every((x, i) => a[a.length - tail.length + i] === x);

/** The key's version order from its longest read; reads that do not fit it; odd elements. */
function orderKey(k: Atom, s: KeyState, observed: Uint8Array, report: (a: Anomaly) => void): void {
  let longest: Read | undefined;
  for (const r of s.reads) if (!longest || r.list.length > longest.list.length) longest = r;
  if (longest) s.order = longest.list;
  const order = s.order;
  // Element checks on the order and on any read that is not a prefix of it.
  const odd: Read[] = [];
  for (const r of s.reads) {
    if (r === longest) continue;
    let prefix = true;
    for (let i = 0; i < r.list.length; i++) {
      if (r.list[i] !== order[i]) {
        prefix = false;
        break;
      }
    }
    if (!prefix) {
      odd.push(r);
      report({ name: 'incompatible-order', message: `key ${show(k)}: T${r.txn.id} read ${show(r.list)} and T${longest!.txn.id} read ${show(order)}: neither is a prefix of the other`, txns: [r.txn.id, longest!.txn.id] });
    }
  }
  for (const r of longest ? [longest, ...odd] : []) checkElements(k, r, s, observed, report, r === longest);
  for (let i = 0; i < order.length; i++) if (!s.position.has(order[i])) s.position.set(order[i], i);
  // G1b: a read ending in an element its appender followed with another append to the key.
  for (const r of s.reads) {
    const last = r.list[r.list.length - 1];
    const a = r.list.length ? s.appender.get(last) : undefined;
    if (a?.intermediate && a.txn !== r.txn && a.txn.type !== 'fail') {
      report({ name: 'G1b', message: `T${r.txn.id} read ${showMop('r', k, r.list)}, ending in ${show(last)}, which T${a.txn.id} appended before another append to key ${show(k)}`, txns: [a.txn.id, r.txn.id] });
    }
  }
}

function checkElements(k: Atom, r: Read, s: KeyState, observed: Uint8Array, report: (a: Anomaly) => void, isOrder: boolean): void {
  const seen = new Set<Atom>();
  let duplicate = false;
  for (const v of r.list) {
    if (seen.has(v)) duplicate = true;
    seen.add(v);
    const a = s.appender.get(v);
    if (!a) {
      report({ name: 'garbage-read', message: `T${r.txn.id} read ${show(v)} in key ${show(k)}, which no txn appended`, txns: [r.txn.id] });
      continue;
    }
    if (a.txn.type === 'info') observed[a.txn.id] = 1;
    if (a.txn.type === 'fail' && isOrder) {
      report({ name: 'G1a', message: `T${r.txn.id} read ${show(v)} in key ${show(k)}, appended by T${a.txn.id}, which failed`, txns: [a.txn.id, r.txn.id] });
    }
  }
  if (duplicate) report({ name: 'duplicate-elements', message: `T${r.txn.id} read ${showMop('r', k, r.list)}: an element appears twice`, txns: [r.txn.id] });
}

function edgesOfKey(k: Atom, s: KeyState, g: GraphBuilder, inGraph: (t: Txn) => boolean, report: (a: Anomaly) => void): void {
  const order = s.order;
  const txnAt = (i: number) => {
    const t = s.appender.get(order[i])?.txn;
    return t && inGraph(t) ? t : undefined;
  };
  for (let i = 0; i + 1 < order.length; i++) {
    const a = txnAt(i);
    const b = txnAt(i + 1);
    if (a && b) g.add(a.id, b.id, 1 /* WW */);
  }
  // Appends of txns known to have happened (committed, or seen elsewhere) that no read saw.
  for (const [v, a] of s.appender) if (inGraph(a.txn) && !s.position.has(v)) s.unseen.push(v);
  const unseen = s.unseen.map((v) => s.appender.get(v)!.txn);
  const lastTxn = order.length ? txnAt(order.length - 1) : undefined;
  for (const t of unseen) if (lastTxn) g.add(lastTxn.id, t.id, 1 /* WW */);
  for (const r of s.reads) {
    if (!r.external) continue;
    if (r.list.length > 0) {
      const w = s.appender.get(r.list[r.list.length - 1])?.txn;
      if (w && inGraph(w)) g.add(w.id, r.txn.id, 2 /* WR */);
    }
    if (r.list.length < order.length) {
      const next = txnAt(r.list.length);
      if (next) g.add(r.txn.id, next.id, 4 /* RW */);
    } else for (const t of unseen) g.add(r.txn.id, t.id, 4 /* RW */);
  }
  // lost-append: an acknowledged append missing from the order, though an element in it was
  // appended by a txn invoked after that append was acknowledged.
  if (unseen.length === 0) return;
  let latest: { i: number; t: Txn } | undefined;
  for (let i = 0; i < order.length; i++) {
    const t = s.appender.get(order[i])?.txn;
    if (t && (!latest || t.invokeIndex > latest.t.invokeIndex)) latest = { i, t };
  }
  for (const t of unseen) {
    if (!latest || t.type !== 'ok' || latest.t.invokeIndex < t.completeIndex!) continue;
    const v = s.unseen[unseen.indexOf(t)];
    const reader = s.reads.find((r) => r.list.length > latest!.i)!;
    report({
      name: 'lost-append',
      message: `T${t.id}'s ${showMop('append', k, v)} was acknowledged, yet T${reader.txn.id} read ${show(reader.list)}, which holds ${show(order[latest.i])} appended by T${latest.t.id}, invoked after T${t.id} completed`,
      txns: [t.id, latest.t.id, reader.txn.id],
    });
  }
}

/** The key and values behind a data edge, in words. */
function explainEdge(step: Step, txns: Txn[], keys: Map<Atom, KeyState>): string {
  const a = txns[step.from];
  const b = txns[step.to];
  const appends = (t: Txn) => t.mops.filter((m) => m.f === 'append');
  // Only keys both txns touch can carry the edge.
  const touched = new Set(a.mops.map((m) => m.key));
  for (const k of new Set(b.mops.map((m) => m.key))) {
    const s = keys.get(k);
    if (!s || !touched.has(k)) continue;
    if (step.type === 'ww') {
      for (const m of appends(b)) {
        if (m.key !== k) continue;
        const i = s.position.get(m.value as Atom);
        const before = i === undefined ? s.order[s.order.length - 1] : i > 0 ? s.order[i - 1] : undefined;
        if (before !== undefined && s.appender.get(before)?.txn === a) return `T${a.id} appended ${show(before)} to key ${show(k)}, T${b.id} appended ${show(m.value)} after it`;
      }
    } else if (step.type === 'wr') {
      for (const r of s.reads) {
        if (r.txn !== b || !r.external || r.list.length === 0) continue;
        const last = r.list[r.list.length - 1];
        if (s.appender.get(last)?.txn === a) return `T${b.id} read ${showMop('r', k, r.list)}, observing T${a.id}'s append of ${show(last)}`;
      }
    } else if (step.type === 'rw') {
      for (const r of s.reads) {
        if (r.txn !== a || !r.external) continue;
        const next = r.list.length < s.order.length ? s.order[r.list.length] : s.unseen.find((v) => s.appender.get(v)?.txn === b);
        if (next !== undefined && s.appender.get(next)?.txn === b) return `T${a.id} read ${showMop('r', k, r.list)}, missing T${b.id}'s append of ${show(next)}`;
      }
    }
  }
  return '';
}
