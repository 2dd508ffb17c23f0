/**
 * The in-process client of the Paxos suite's workloads in a simulated run. Each op runs as its
 * real client (paxos/clients.ts) runs it: the same exchange (paxos/exchanges.ts: the same
 * requests one after another, the same completion made of their outcomes, an indeterminate read
 * a fail). Each request meets paxos/core as it would meet the real node: the Command
 * paxos/http.ts parses from it goes to the core, and the core's Result becomes the response
 * http.ts would send, read as http-client.ts reads it. The connection is the simulator's: refused
 * when the node is down (fail), reset when it dies with the request in it (info), and each
 * request's own op timeout in virtual time (info), as NodeHttp's.
 */
import type { Completion } from '../../ground/client.js';
import type { OpSpec } from '../../ground/workload.js';
import { accountsOpen, bankProtocol, kvProtocol, OPEN_ACCOUNTS, OPEN_RETRY_MS, setProtocol, txnProtocol, type OpProtocol } from '../../paxos/exchanges.js';
import { asRecorded, outcomeOf, type ApiRequest, type HttpOutcome } from '../../paxos/http-client.js';
import { commandOfRequest, resultToHttp } from '../../paxos/http.js';
import type { Answer, SimCluster } from './cluster.js';
import { CLIENT_LINK_MS } from './host.js';
import type { Scheduler } from './scheduler.js';

/**
 * The client protocol of each Paxos workload the simulator runs, made once per run. The real
 * set client is told how many elements the workload handed out; here that is counted from the
 * adds as they start: the set workload hands out 0, 1, 2, ... and a simulated thread invokes
 * each op in the same callback that draws it (threads.ts), so the count is the workload's own.
 */
export const SIM_PROTOCOLS: Record<string, () => OpProtocol> = {
  register: () => kvProtocol,
  kv: () => kvProtocol,
  set: () => {
    let attempted = 0;
    const set = setProtocol(() => attempted);
    return {
      isRead: set.isRead,
      exchange(op) {
        if (op.f === 'add') attempted = Math.max(attempted, (op.value as number) + 1);
        return set.exchange(op);
      },
    };
  },
  bank: () => bankProtocol,
  append: () => txnProtocol('append'),
  wr: () => txnProtocol('wr'),
};

/** What a simulated client needs of the cluster: whether a node is up, and handing it a command. */
export type CoreLink = Pick<SimCluster, 'isUp' | 'submit'>;

/** Runs one op on `node` as `protocol`'s exchange; `done` gets its completion, as the real client records it. */
export function invokeOn(cluster: CoreLink, sched: Scheduler, node: string, opTimeoutMs: number, protocol: OpProtocol, spec: OpSpec, done: (c: Completion) => void): void {
  const exchange = protocol.exchange(spec);
  const resume = (out?: HttpOutcome): void => {
    const step = out === undefined ? exchange.next() : exchange.next(out);
    if (step.done) return done(asRecorded(step.value, protocol.isRead(spec), node));
    call(cluster, sched, node, opTimeoutMs, step.value, resume);
  };
  resume();
}

/**
 * The bank's setup as BankClient.openAccounts runs it, on `node` in virtual time: OPEN_ACCOUNTS
 * until the accounts are open, OPEN_RETRY_MS apart, each try under the op timeout; past
 * `limitMs` it throws (in the scheduler: the run crashes, as a real setup past its deadline does).
 */
export function openAccountsOn(cluster: CoreLink, sched: Scheduler, node: string, opTimeoutMs: number, limitMs: number, done: () => void): void {
  const deadline = sched.now() + limitMs;
  let last = '';
  const attempt = (): void => {
    if (sched.now() >= deadline) throw new Error(`bank setup: could not open the accounts (${last || 'aborted'})`);
    call(cluster, sched, node, opTimeoutMs, OPEN_ACCOUNTS, (out) => {
      if (accountsOpen(out)) return done();
      last = out.kind === 'ok' ? '' : out.error;
      sched.after(OPEN_RETRY_MS, attempt);
    });
  };
  attempt();
}

/** One request to `node`: its outcome (once), by the response or the request's timeout, whichever comes first. */
function call(cluster: CoreLink, sched: Scheduler, node: string, timeoutMs: number, req: ApiRequest, then: (out: HttpOutcome) => void): void {
  let settled = false;
  const settle = (a: Wire) => {
    if (settled) return;
    settled = true;
    then(outcomeOfAnswer(a));
  };
  sched.after(timeoutMs, () => settle({ type: 'timeout' }));
  // The request as sent (JSON), parsed as the node parses it.
  const parsed = commandOfRequest(req.method, req.path, req.body === undefined ? undefined : JSON.stringify(req.body));
  if ('response' in parsed) {
    // Refused without reaching the core (no client of ours sends such a request): a round trip.
    if (!cluster.isUp(node)) return settle({ type: 'refused' });
    return sched.after(2 * CLIENT_LINK_MS, () => settle({ type: 'response', response: parsed.response }));
  }
  const { command } = parsed;
  cluster.submit(node, command, (a: Answer) => settle(a.type === 'refused' || a.type === 'reset' ? a : { type: 'response', response: resultToHttp(command, a) }));
}

/** What reaches the client: a response (status, body), or the connection's fate. */
type Wire = { type: 'refused' } | { type: 'reset' } | { type: 'timeout' } | { type: 'response'; response: [number, unknown] };

/** What the client reads: a response as http-client.ts reads its bytes; the connection's fate as NodeHttp classifies it. */
function outcomeOfAnswer(a: Wire): HttpOutcome {
  switch (a.type) {
    case 'response':
      return outcomeOf(a.response[0], JSON.stringify(a.response[1]));
    case 'refused':
      return { kind: 'fail', error: 'econnrefused' };
    case 'reset':
      return { kind: 'info', error: 'econnreset' };
    case 'timeout':
      return { kind: 'info', error: 'timeout' };
  }
}
