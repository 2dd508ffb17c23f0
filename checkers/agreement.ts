/**
 * The agreement checker: the consensus log itself, not the clients' view of it. Input is every
 * node's decided log (ctx.decidedLogs: node -> [{slot, digest, command}], collected after the
 * final heal). Three properties:
 * 1. Agreement: no slot is decided two ways, across nodes or within one node's log. Two values
 *    are the same when their digests AND their commands (as JSON, key order ignored) are equal,
 *    so a digest that hides different commands still counts as a divergence.
 *    Reports the first diverging slot with each node's value there.
 * 2. Validity: every decided command was invoked by a client, or the slot is a no-op (null).
 *    Commands are matched by canonical JSON against `commandOf(invocation)` for every client
 *    invocation in the history (whatever its outcome: a failed or crashed op may still have
 *    been proposed). The default `commandOf` knows our Paxos KV's Command shape (paxos/core/
 *    types.ts) for the register/kv ops: read -> {op:'read',key}, write -> {op:'write',key,value},
 *    cas [from,to] -> {op:'cas',key,from,to}. Workloads whose ops map to other commands (set,
 *    bank: their clients build txns at run time) pass their own `commandOf`; when some client
 *    op has no mapping (commandOf returns undefined), unmatched commands cannot be blamed on
 *    anyone and are reported as `unverified` rather than invalid. An op whose commands are
 *    built at run time but only read (the set's read txn) may map to null: unmatched READ-ONLY
 *    commands (`isReadOnly`) are then excused (a read changes no state), while every other
 *    command must still match, so the check stays strict for writes.
 *    `commandsOfDecided` splits a decided value into client commands; the default takes an
 *    array (a batch), unwraps `{id, command}` entries, and treats null as a no-op.
 * 3. Prefixes: each node's contiguous decided prefix (its applied log); a lagging node may be
 *    shorter. Their lengths and the common prefix are reported; by (1) they agree.
 * 4. Applied state (replicastate.ts, in `state`): replicas' state digests agree at common
 *    indexes and each matches a replay of its own decided log; the first divergence is named
 *    (node, index, key) in `error`. Skipped, saying so, for a db that offers no digests.
 * 5. Durability: every state-changing command of an op that completed `ok` was decided. The
 *    converse of validity: an acknowledgement is a promise that the command is in the log, so an
 *    acknowledged write missing from every node's decided log after recovery was lost. Counted
 *    as multisets (a command acknowledged twice must be decided at least twice), so equal
 *    commands (register values repeat) are judged exactly. A lost write that later writes
 *    overwrote is invisible to a linearizability checker; here it is not.
 * No decided logs at all is 'unknown'.
 */
import { canonicalJson } from '../ground/canonical.js';
import { isClientOp, pairOps, type History, type Op } from '../ground/history.js';
import { mergeValidity, type CheckContext, type CheckResult, type Checker, type DecidedEntry } from '../ground/checker.js';
import { checkReplicaStates } from './replicastate.js';

/** How the agreement checker maps a workload's ops to the commands a replica decides. */
export interface AgreementOptions {
  /**
   * The commands a client op may have proposed; null when it proposes only read-only commands
   * that cannot be predicted; undefined when this op cannot be mapped at all.
   */
  commandOf?: (op: Op) => unknown[] | null | undefined;
  /** Whether a client command changes no state (default: our Paxos KV's read, or a txn of reads). */
  isReadOnly?: (command: unknown) => boolean;
  /** The client commands inside one decided value; null for a no-op. */
  commandsOfDecided?: (value: unknown) => unknown[] | null;
  /** How many uninvoked commands to list (default 10; counts are exact). */
  maxListed?: number;
}

/** Our Paxos KV's Command for the register/kv workloads' ops. */
export function kvCommandOf(op: Op): unknown[] | undefined {
  if (op.key === undefined) return undefined;
  switch (op.f) {
    case 'read':
      return [{ op: 'read', key: op.key }];
    case 'write':
      return [{ op: 'write', key: op.key, value: op.value }];
    case 'cas': {
      if (!Array.isArray(op.value) || op.value.length !== 2) return undefined;
      return [{ op: 'cas', key: op.key, from: op.value[0], to: op.value[1] }];
    }
    default:
      return undefined;
  }
}

/** Our Paxos KV's read-only commands: a read, or a txn whose micro-ops all read ('r'). */
export function kvIsReadOnly(command: unknown): boolean {
  if (command === null || typeof command !== 'object') return false;
  const c = command as { op?: unknown; ops?: unknown };
  if (c.op === 'read') return true;
  return c.op === 'txn' && Array.isArray(c.ops) && c.ops.every((o) => Array.isArray(o) && o[0] === 'r');
}

/** A batch of commands (entries `{id, command}` are unwrapped), a single command, or null. */
export function defaultCommandsOfDecided(value: unknown): unknown[] | null {
  if (value === null || value === undefined) return null;
  const items = Array.isArray(value) ? value : [value];
  return items.map((e) => (e !== null && typeof e === 'object' && 'command' in e && 'id' in e ? (e as { command: unknown }).command : e));
}

/** Replicas agree: every decided slot has one value on every node, each is a command some client proposed, and acknowledged writes are decided; plus the applied states (Db.stateDigests) against a replay. */
export function agreementChecker(opts: AgreementOptions = {}): Checker {
  return {
    name: 'agreement',
    async check(history, ctx) {
      const logs = checkAgreement(history, ctx, opts);
      const { valid, summary, ...state } = await checkReplicaStates(ctx);
      const failed = valid === false;
      return { ...logs, valid: mergeValidity(logs.valid, valid), ...(failed ? { error: logs.error ? `${summary}; ${String(logs.error)}` : summary } : {}), state: { valid, summary, ...state } };
    },
  };
}

interface SlotValue {
  digest: string;
  command: unknown;
}

/** Structural equality of JSON data, key order ignored (what canonical JSON equality means). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => sameJson(x, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const aKeys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((k) => k in bo && sameJson(ao[k], bo[k]));
}

const sameValue = (a: SlotValue, b: SlotValue) => a.digest === b.digest && sameJson(a.command, b.command);

export function checkAgreement(history: History, ctx: CheckContext, opts: AgreementOptions = {}): CheckResult {
  const logs = ctx.decidedLogs;
  if (!logs || Object.keys(logs).length === 0) return { valid: 'unknown', error: 'no decided logs were collected' };
  const nodes = Object.keys(logs).sort();

  // slot -> node -> value. A node that reports one slot twice, differently, gets a second
  // column `<node>#2`, so the slot shows up as divergent like any other disagreement.
  const slots = new Map<number, Map<string, SlotValue>>();
  const malformed: string[] = [];
  for (const node of nodes) {
    if (!Array.isArray(logs[node])) {
      malformed.push(`${node}: the decided log is not a list`);
      continue;
    }
    for (const entry of logs[node] as DecidedEntry[]) {
      if (!Number.isSafeInteger(entry?.slot) || entry.slot < 0 || typeof entry.digest !== 'string') {
        malformed.push(`${node}: ${JSON.stringify(entry)?.slice(0, 80)}`);
        continue;
      }
      let bySlot = slots.get(entry.slot);
      if (!bySlot) slots.set(entry.slot, (bySlot = new Map()));
      const value = { digest: entry.digest, command: entry.command };
      const previous = bySlot.get(node);
      if (previous && !sameValue(previous, value)) bySlot.set(`${node}#2`, value);
      else bySlot.set(node, value);
    }
  }
  if (malformed.length > 0) return { valid: 'unknown', error: `malformed decided logs: ${malformed.slice(0, 3).join('; ')}`, malformed: malformed.length };

  // Per slot, the distinct values decided (usually one); more than one is a divergence.
  const ordered = [...slots.keys()].sort((a, b) => a - b);
  const distinct = new Map<number, SlotValue[]>();
  const divergentSlots: number[] = [];
  for (const slot of ordered) {
    const values: SlotValue[] = [];
    for (const v of slots.get(slot)!.values()) if (!values.some((d) => sameValue(d, v))) values.push(v);
    distinct.set(slot, values);
    if (values.length > 1) divergentSlots.push(slot);
  }
  const firstDivergence =
    divergentSlots.length > 0 ? { slot: divergentSlots[0], values: Object.fromEntries(slots.get(divergentSlots[0])!) } : undefined;

  const validity = checkValidity(history, distinct, ordered, opts);
  const prefixes = prefixReport(logs, nodes, ordered[0] ?? 0);

  const durability = checkDurability(history, distinct, ordered, opts);

  const valid = divergentSlots.length === 0 && validity.uninvoked.count === 0 && durability.lost.count === 0;
  const errors = [
    divergentSlots.length > 0 ? `${divergentSlots.length} slot(s) decided two ways, first slot ${divergentSlots[0]}` : '',
    validity.uninvoked.count > 0 ? `${validity.uninvoked.count} decided command(s) no client invoked` : '',
    durability.lost.count > 0 ? `${durability.lost.count} acknowledged write(s) never decided, first: ${describeOp(durability.lost.first[0])}` : '',
  ].filter((e) => e !== '');
  return {
    valid,
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    nodes: prefixes.perNode,
    commonPrefix: prefixes.common,
    slots: ordered.length,
    divergentSlots: divergentSlots.slice(0, 100),
    divergentCount: divergentSlots.length,
    ...(firstDivergence ? { firstDivergence } : {}),
    validity,
    durability,
  };
}

/** e.g. `write r3 4 (process 7)`. */
function describeOp(op: Op | undefined): string {
  return op ? `${op.f} ${op.key ?? ''} ${JSON.stringify(op.value)} (process ${String(op.process)})`.replace('  ', ' ') : '?';
}

/** Property 5: acknowledged state-changing commands that no node decided. */
function checkDurability(history: History, distinct: Map<number, SlotValue[]>, ordered: number[], opts: AgreementOptions) {
  const commandOf = opts.commandOf ?? kvCommandOf;
  const split = opts.commandsOfDecided ?? defaultCommandsOfDecided;
  const isReadOnly = opts.isReadOnly ?? kvIsReadOnly;
  const maxListed = opts.maxListed ?? 10;
  const decided = new Map<string, number>();
  for (const slot of ordered) {
    for (const { command: value } of distinct.get(slot)!) {
      for (const c of split(value) ?? []) {
        const key = canonicalJson(c);
        decided.set(key, (decided.get(key) ?? 0) + 1);
      }
    }
  }
  let acknowledged = 0;
  let count = 0;
  const first: Op[] = [];
  for (const { invoke: op, complete } of pairOps(history)) {
    if (complete?.type !== 'ok') continue;
    const commands = commandOf(op);
    if (!commands) continue;
    for (const c of commands) {
      if (isReadOnly(c)) continue;
      acknowledged++;
      const key = canonicalJson(c);
      const left = decided.get(key) ?? 0;
      if (left > 0) decided.set(key, left - 1);
      else {
        count++;
        if (first.length < maxListed) first.push(op);
      }
    }
  }
  return { acknowledged, lost: { count, first } };
}

function checkValidity(history: History, distinct: Map<number, SlotValue[]>, ordered: number[], opts: AgreementOptions) {
  const commandOf = opts.commandOf ?? kvCommandOf;
  const split = opts.commandsOfDecided ?? defaultCommandsOfDecided;
  const maxListed = opts.maxListed ?? 10;
  const isReadOnly = opts.isReadOnly ?? kvIsReadOnly;
  const invoked = new Set<string>();
  const unmappedFs = new Set<string>();
  let unpredictedReads = false;
  for (const op of history) {
    if (!isClientOp(op) || op.type !== 'invoke') continue;
    const commands = commandOf(op);
    if (commands === undefined) unmappedFs.add(op.f);
    else if (commands === null) unpredictedReads = true;
    else for (const c of commands) invoked.add(canonicalJson(c));
  }
  const strict = unmappedFs.size === 0;
  let noops = 0;
  let commands = 0;
  let matched = 0;
  let excusedReads = 0;
  const uninvoked: Array<{ slot: number; command: unknown }> = [];
  let uninvokedCount = 0;
  for (const slot of ordered) {
    // Agreement is judged above; validity looks at every distinct value decided for the slot.
    for (const { command: value } of distinct.get(slot)!) {
      const cmds = split(value);
      if (cmds === null) {
        noops++;
        continue;
      }
      for (const c of cmds) {
        commands++;
        if (invoked.has(canonicalJson(c))) matched++;
        else if (unpredictedReads && isReadOnly(c)) excusedReads++;
        else {
          uninvokedCount++;
          if (uninvoked.length < maxListed) uninvoked.push({ slot, command: c });
        }
      }
    }
  }
  return {
    checked: strict,
    ...(strict ? {} : { uncheckedBecause: `no command mapping for client ops with f: ${[...unmappedFs].sort().join(', ')}` }),
    noops,
    commands,
    matched,
    /** Unmatched read-only commands, excused because some ops' reads cannot be predicted. */
    excusedReads,
    // Without a mapping for every op, an unmatched command may be one of the unmapped ops': unverified.
    uninvoked: strict ? { count: uninvokedCount, first: uninvoked } : { count: 0, first: [] },
    unverified: strict ? 0 : uninvokedCount,
  };
}

function prefixReport(logs: Record<string, DecidedEntry[]>, nodes: string[], start: number) {
  const perNode: Record<string, { entries: number; firstSlot: number | null; lastSlot: number | null; prefixLength: number }> = {};
  for (const node of nodes) {
    const have = new Set(logs[node].map((e) => e.slot));
    let prefix = 0;
    while (have.has(start + prefix)) prefix++;
    const sorted = [...have].sort((a, b) => a - b);
    perNode[node] = { entries: have.size, firstSlot: sorted[0] ?? null, lastSlot: sorted[sorted.length - 1] ?? null, prefixLength: prefix };
  }
  return { perNode, common: Math.min(...nodes.map((n) => perNode[n].prefixLength)) };
}
