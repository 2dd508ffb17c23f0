/**
 * A transactional store that is strict-serializable by construction, for tests and the bench:
 * concurrent processes invoke random txns, each txn executes atomically at one random moment
 * between its invocation and completion, against one in-memory state. Its histories must pass
 * the checker under every model; corrupt one read and they should not.
 *
 * Like Jepsen's list-append generator, a few keys are active at a time and a key is retired
 * after `maxWritesPerKey` writes, so lists stay short. Some txns fail (nothing applied) or end
 * `info` (applied or not, at random), after which the process gets a fresh id, as in Jepsen.
 */
import { Rng } from '../../ground/rng.js';
import type { History, Op } from '../../ground/history.js';
import type { ElleWorkload } from './index.js';

export interface SimOptions {
  workload: ElleWorkload;
  txns: number;
  seed: number;
  processes?: number;
  activeKeys?: number;
  maxWritesPerKey?: number;
  maxMops?: number;
  failRate?: number;
  infoRate?: number;
}

type Mop = [string, number, unknown];
interface Proc {
  id: number;
  phase: 'idle' | 'invoked' | 'executed';
  mops: Mop[];
  result: Mop[] | undefined;
  outcome: 'ok' | 'fail' | 'info';
}

export function simulate(o: SimOptions): History {
  const rng = new Rng(o.seed);
  const n = o.processes ?? 5;
  const activeKeys = o.activeKeys ?? 5;
  const maxWrites = o.maxWritesPerKey ?? 32;
  const append = o.workload === 'list-append';
  const lists = new Map<number, number[]>();
  const registers = new Map<number, number>();
  const writes = new Map<number, number>();
  let keys = Array.from({ length: activeKeys }, (_, i) => i);
  let nextKey = activeKeys;
  const history: History = [];
  const emit = (process: number, type: Op['type'], value: Mop[]) => history.push({ index: history.length, time: history.length, process, type, f: 'txn', value });
  const procs: Proc[] = Array.from({ length: n }, (_, id) => ({ id, phase: 'idle', mops: [], result: undefined, outcome: 'ok' }));
  let started = 0;
  let running = 0;

  const newTxn = (): Mop[] => {
    const mops: Mop[] = [];
    for (let i = rng.int(1, o.maxMops ?? 4); i > 0; i--) {
      const slot = rng.int(0, keys.length - 1);
      const k = keys[slot];
      if (rng.chance(0.5)) {
        mops.push(['r', k, null]);
        continue;
      }
      const w = (writes.get(k) ?? 0) + 1;
      writes.set(k, w);
      mops.push([append ? 'append' : 'w', k, w]);
      if (w >= maxWrites) keys = keys.map((x, j) => (j === slot ? nextKey++ : x));
    }
    return mops;
  };
  // The txn happens here, all at once.
  const execute = (mops: Mop[]): Mop[] =>
    mops.map(([f, k, v]) => {
      if (f === 'r') return [f, k, append ? [...(lists.get(k) ?? [])] : (registers.get(k) ?? null)];
      if (append) {
        const list = lists.get(k) ?? [];
        list.push(v as number);
        lists.set(k, list);
      } else registers.set(k, v as number);
      return [f, k, v];
    });

  while (started < o.txns || running > 0) {
    const p = procs[rng.int(0, n - 1)];
    if (p.phase === 'idle') {
      if (started >= o.txns) continue;
      started++;
      running++;
      p.mops = newTxn();
      emit(p.id, 'invoke', p.mops);
      p.phase = 'invoked';
    } else if (p.phase === 'invoked') {
      const r = rng.float();
      p.outcome = r < (o.failRate ?? 0.05) ? 'fail' : r < (o.failRate ?? 0.05) + (o.infoRate ?? 0.05) ? 'info' : 'ok';
      p.result = p.outcome === 'ok' || (p.outcome === 'info' && rng.chance(0.5)) ? execute(p.mops) : undefined;
      p.phase = 'executed';
    } else {
      emit(p.id, p.outcome, p.outcome === 'ok' ? p.result! : p.mops);
      running--;
      p.phase = 'idle';
      if (p.outcome === 'info') p.id += n; // a crashed process is replaced, as in Jepsen
    }
  }
  return history;
}

/**
 * Corrupts one committed read at random (in place): a list-append read loses its tail (a stale
 * read), a register read returns another value written to the key, or nil. Returns the op's
 * index, or undefined when no read could be corrupted.
 */
export function corruptOneRead(history: History, seed: number, workload: ElleWorkload): number | undefined {
  const rng = new Rng(seed);
  const candidates: Array<{ op: Op; i: number }> = [];
  const written = new Map<unknown, unknown[]>();
  for (const op of history) {
    for (const m of op.value as Mop[]) if (m[0] === 'w' && op.type === 'ok') (written.get(m[1]) ?? written.set(m[1], []).get(m[1])!).push(m[2]);
    if (op.type !== 'ok') continue;
    (op.value as Mop[]).forEach((m, i) => {
      if (m[0] === 'r' && (workload === 'rw-register' || (m[2] as unknown[]).length > 0)) candidates.push({ op, i });
    });
  }
  if (candidates.length === 0) return undefined;
  const { op, i } = rng.pick(candidates);
  const mops = (op.value as Mop[]).map((m) => [...m] as Mop);
  const [, k, v] = mops[i];
  if (workload === 'list-append') mops[i][2] = (v as number[]).slice(0, rng.int(0, (v as number[]).length - 1));
  else {
    const others = [null, ...(written.get(k) ?? [])].filter((x) => x !== v);
    mops[i][2] = rng.pick(others);
  }
  op.value = mops;
  return op.index;
}
