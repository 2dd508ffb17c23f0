/**
 * From the caller's history (operations or events) to independent sub-histories, each as a list
 * of operations plus the real-time order of their call and return entries (calls before returns
 * on equal times). Validates the input: one clear error per malformed operation or event.
 */
import type { Event, Model, Operation } from './types.js';

export interface PartitionOp<I, O> {
  input: I;
  output: O;
  clientId: number | string;
  /** Timestamps, for operations (events have none). */
  call?: number;
  return?: number;
  meta?: unknown;
}

export interface PartitionHistory<I, O> {
  key?: string;
  ops: PartitionOp<I, O>[];
  /** Entries in real-time order, each `op * 2` (call) or `op * 2 + 1` (return). */
  order: Int32Array;
}

function validateOperation(op: Operation<unknown, unknown>, i: number): void {
  if (typeof op !== 'object' || op === null) throw new Error(`operation ${i}: not an object`);
  if (typeof op.call !== 'number' || !Number.isFinite(op.call)) throw new Error(`operation ${i}: call must be a finite number, got ${String(op.call)}`);
  if (typeof op.return !== 'number' || Number.isNaN(op.return)) throw new Error(`operation ${i}: return must be a number (Infinity if it never returned), got ${String(op.return)}`);
  if (op.return < op.call) throw new Error(`operation ${i}: returns (${op.return}) before its call (${op.call})`);
}

/** Sorts entries by time, calls before returns on ties, then by op order (stable). */
export function orderOperations<I, O>(ops: Operation<I, O>[], key?: string): PartitionHistory<I, O> {
  ops.forEach(validateOperation);
  const n = ops.length;
  const entries = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) entries[i] = i;
  const timeOf = (e: number) => (e & 1 ? ops[e >> 1].return : ops[e >> 1].call);
  entries.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if ((a & 1) !== (b & 1)) return (a & 1) - (b & 1);
    return a - b;
  });
  return {
    key,
    ops: ops.map((o) => ({ input: o.input, output: o.output, clientId: o.clientId, call: o.call, return: o.return, meta: o.meta })),
    order: entries,
  };
}

/** Events are already in real-time order; ids are renumbered per partition. */
export function orderEvents<I, O>(events: Event<I, O>[], key?: string): PartitionHistory<I, O> {
  const local = new Map<number, number>();
  const ops: PartitionOp<I, O>[] = [];
  const returned: boolean[] = [];
  const order = new Int32Array(events.length);
  events.forEach((ev, i) => {
    if (ev.kind === 'call') {
      if (local.has(ev.id)) throw new Error(`event ${i}: a second call with id ${ev.id}`);
      local.set(ev.id, ops.length);
      order[i] = ops.length * 2;
      ops.push({ input: ev.value as I, output: undefined as O, clientId: ev.clientId ?? 0, meta: ev.meta });
      returned.push(false);
    } else if (ev.kind === 'return') {
      const op = local.get(ev.id);
      if (op === undefined) throw new Error(`event ${i}: a return with id ${ev.id} before (or without) its call`);
      if (returned[op]) throw new Error(`event ${i}: a second return with id ${ev.id}`);
      returned[op] = true;
      ops[op].output = ev.value as O;
      if (ev.meta !== undefined) ops[op].meta = ev.meta;
      order[i] = op * 2 + 1;
    } else {
      throw new Error(`event ${i}: kind must be 'call' or 'return', got ${String((ev as { kind?: unknown }).kind)}`);
    }
  });
  const open = returned.indexOf(false);
  if (open >= 0) throw new Error(`the call with id ${[...local].find(([, v]) => v === open)?.[0]} has no return event (give crashed operations a return with an output the model accepts in any state, at the end)`);
  return { key, ops, order };
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(item);
  }
  return groups;
}

export function partitionOperations<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[]): PartitionHistory<I, O>[] {
  if (!Array.isArray(ops)) throw new Error('the history must be an array of operations');
  if (model.partition) return model.partition(ops).map((p) => orderOperations(p));
  const keyOf = model.partitionKey;
  if (keyOf) return [...groupBy(ops, (o) => keyOf(o.input))].map(([k, p]) => orderOperations(p, k));
  return [orderOperations(ops)];
}

export function partitionEvents<S, I, O>(model: Model<S, I, O>, events: Event<I, O>[]): PartitionHistory<I, O>[] {
  if (!Array.isArray(events)) throw new Error('the history must be an array of events');
  if (model.partitionEvents) return model.partitionEvents(events).map((p) => orderEvents(p));
  const keyOf = model.partitionKey;
  if (keyOf) {
    const keyOfId = new Map<number, string>();
    const groups = groupBy(events, (ev) => {
      if (ev.kind === 'call') {
        const k = keyOf(ev.value as I);
        keyOfId.set(ev.id, k);
        return k;
      }
      const k = keyOfId.get(ev.id);
      if (k === undefined) throw new Error(`a return with id ${ev.id} before (or without) its call`);
      return k;
    });
    return [...groups].map(([k, p]) => orderEvents(p, k));
  }
  return [orderEvents(events)];
}
