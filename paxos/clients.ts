/**
 * The Paxos store's clients for the built-in workloads: each runs a workload's ops (see the op
 * shapes in workloads/kv.ts, set.ts, bank.ts, txn.ts) as its exchange of exchanges.ts over the
 * store's HTTP API (paxos/http.ts), which maps what came back onto ok / fail / info
 * (http-client.ts). The simulator runs the same exchanges (harness/sim/client.ts).
 */
import type { BankClient as BankClientContract, Completion, Op } from '../index.js';
import { sleep } from '../index.js';
import { accountsOpen, bankProtocol, kvProtocol, OPEN_ACCOUNTS, OPEN_RETRY_MS, setProtocol, txnProtocol, type OpProtocol } from './exchanges.js';
import { HttpClient, runExchange, type NodeHttp } from './http-client.js';

/** An HttpClient that runs each op as `protocol`'s exchange. */
abstract class ProtocolClient extends HttpClient {
  constructor(
    timeoutMs: number,
    private readonly protocol: OpProtocol,
  ) {
    super(timeoutMs);
  }

  protected isRead(op: Op): boolean {
    return this.protocol.isRead(op);
  }

  protected run(op: Op, http: NodeHttp): Promise<Completion> {
    return runExchange(this.protocol.exchange(op), http);
  }
}

export class KvClient extends ProtocolClient {
  constructor(timeoutMs: number) {
    super(timeoutMs, kvProtocol);
  }
}

export class SetClient extends ProtocolClient {
  /** `attempted()` = how many elements were handed out so far (shared by all threads). */
  constructor(timeoutMs: number, attempted: () => number) {
    super(timeoutMs, setProtocol(attempted));
  }
}

export class BankClient extends ProtocolClient implements BankClientContract {
  constructor(timeoutMs: number) {
    super(timeoutMs, bankProtocol);
  }

  /** Opens every account once; retried until it applies, the accounts exist, or `signal` aborts. */
  async openAccounts(signal: AbortSignal): Promise<void> {
    if (!this.http) throw new Error('bank setup: client not open');
    let last = '';
    while (!signal.aborted) {
      const out = await this.http.call(OPEN_ACCOUNTS.method, OPEN_ACCOUNTS.path, OPEN_ACCOUNTS.body);
      if (accountsOpen(out)) return;
      last = out.kind === 'ok' ? '' : out.error;
      await sleep(OPEN_RETRY_MS, signal);
    }
    throw new Error(`bank setup: could not open the accounts (${last || 'aborted'})`);
  }
}

/**
 * append and wr: each txn op is ONE `/txn` (exchanges.ts txnProtocol). A txn of reads only that
 * ends indeterminate is a fail (HttpClient: it changed nothing).
 */
export class TxnClient extends ProtocolClient {
  constructor(timeoutMs: number, kind: 'append' | 'wr') {
    super(timeoutMs, txnProtocol(kind));
  }
}
