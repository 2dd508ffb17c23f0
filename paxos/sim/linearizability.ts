/**
 * A linearizability oracle for simulated runs without txns: the clients' ops, judged by the
 * checkers team's Porcupine port with the `kv` model (one cas-register per key). Failed ops
 * did not happen and are dropped; unknown or unanswered ops may have happened at any time
 * after their call.
 */
import { checkOperations, getModel, type CheckOutcome, type Operation } from '../../checkers/linearizable/index.js';
import type { SimOp } from './sim.js';

type KvInput = { f: 'read'; key: string } | { f: 'write'; key: string; value: unknown } | { f: 'cas'; key: string; from: unknown; to: unknown };
type KvOutput = { value?: unknown; unknown?: boolean };

export function toOperations(ops: SimOp[]): Operation<KvInput, KvOutput>[] {
  const out: Operation<KvInput, KvOutput>[] = [];
  for (const op of ops) {
    const c = op.command;
    if (c.op === 'txn') throw new Error('the kv oracle cannot judge txns: run the simulation without them');
    const r = op.result;
    if (r?.type === 'fail') continue; // definitely did not happen
    const unknown = r === null || r.type === 'unknown';
    const input: KvInput = c.op === 'read' ? { f: 'read', key: c.key } : c.op === 'write' ? { f: 'write', key: c.key, value: c.value } : { f: 'cas', key: c.key, from: c.from, to: c.to };
    const output: KvOutput = unknown ? { unknown: true } : c.op === 'read' ? { value: r.type === 'ok' ? (r.value ?? null) : null } : {};
    out.push({ clientId: op.rid, input, call: op.invokeAt, output, return: unknown ? Infinity : op.completeAt!, meta: `${op.node}:${op.rid}` });
  }
  return out;
}

export function checkSimOps(ops: SimOp[], timeoutMs = 2000): CheckOutcome {
  return checkOperations(getModel('kv') as never, toOperations(ops) as never, { timeoutMs });
}
