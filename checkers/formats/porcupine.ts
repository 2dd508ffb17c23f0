/**
 * Parsers for Porcupine's two test-history formats (see test/fixtures/porcupine/VERDICTS.md):
 * - `porcupine-etcd`: Jepsen etcd logs (`INFO  jepsen.util - <process> <type> <f> <value>`),
 *   for the `etcd` model;
 * - `porcupine-kv`: one Clojure map a line (`{:process P, :type T, :f F, :key "K", :value V}`),
 *   for the `porcupine-kv` model.
 * Both yield Porcupine events (calls and returns in file order, matched by id). Calls get ids in
 * file order; a completion pairs with its process's pending call. A call still pending at the end
 * of the file gets a return with `unknown: true`, appended after every other event: the op may
 * have happened at any point after its call, or never. Parsing is strict: any other line is an
 * error naming the line.
 */
import { exactNumber } from '../../ground/exact-json.js';
import type { Event } from '../linearizable/types.js';
import type { EtcdInput, EtcdInt, EtcdOutput } from '../linearizable/models/etcd.js';
import type { PorcupineKvInput, PorcupineKvOutput } from '../linearizable/models/porcupine-kv.js';

export class HistoryParseError extends Error {
  override name = 'HistoryParseError';
  constructor(
    readonly source: string,
    readonly line: number,
    what: string,
  ) {
    super(`${source}:${line}: ${what}`);
  }
}

/** Pairs calls and returns by process, as upstream's parsers do. */
class EventBuilder<I, O> {
  readonly events: Event<I, O>[] = [];
  private readonly pending = new Map<number, { id: number; f: string }>();
  private nextId = 0;

  constructor(private readonly fail: (what: string) => never) {}

  call(process: number, f: string, input: I): void {
    const open = this.pending.get(process);
    if (open) this.fail(`process ${process} invokes :${f} while its :${open.f} (op ${open.id}) is still pending`);
    const id = this.nextId++;
    this.pending.set(process, { id, f });
    this.events.push({ kind: 'call', clientId: process, id, value: input });
  }

  complete(process: number, f: string, output: O): void {
    const open = this.pending.get(process);
    if (!open) this.fail(`process ${process} completes :${f} with no pending invoke`);
    if (open.f !== f) this.fail(`process ${process} completes :${f} but its pending invoke is :${open.f}`);
    this.pending.delete(process);
    this.events.push({ kind: 'return', clientId: process, id: open.id, value: output });
  }

  /** A crash line: the op stays pending (it may or may not have happened). */
  crash(process: number, f: string): void {
    const open = this.pending.get(process);
    if (!open) this.fail(`process ${process} crashes :${f} with no pending invoke`);
    if (open.f !== f) this.fail(`process ${process} crashes :${f} but its pending invoke is :${open.f}`);
  }

  finish(unknownOutput: (f: string) => O): Event<I, O>[] {
    for (const [process, open] of this.pending) {
      this.events.push({ kind: 'return', clientId: process, id: open.id, value: unknownOutput(open.f) });
    }
    this.pending.clear();
    return this.events;
  }
}

function parseLines<I, O>(text: string, source: string, onLine: (line: string, b: EventBuilder<I, O>) => boolean, unknownOutput: (f: string) => O, expected: string): Event<I, O>[] {
  let lineNo = 0;
  const fail = (what: string): never => {
    throw new HistoryParseError(source, lineNo, what);
  };
  const builder = new EventBuilder<I, O>(fail);
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (!onLine(line, builder)) fail(`not ${expected}: ${line.length > 80 ? `${line.slice(0, 77)}...` : line}`);
  }
  return builder.finish(unknownOutput);
}

// ---- Jepsen etcd logs ------------------------------------------------------------------------

const ETCD_PREFIX = String.raw`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+`;
const etcd = (rest: string) => new RegExp(ETCD_PREFIX + rest + '$');
const E_INVOKE_READ = etcd(String.raw`:invoke\s+:read\s+nil`);
const E_INVOKE_WRITE = etcd(String.raw`:invoke\s+:write\s+(\d+)`);
const E_INVOKE_CAS = etcd(String.raw`:invoke\s+:cas\s+\[(\d+)\s+(\d+)\]`);
const E_OK_READ = etcd(String.raw`:ok\s+:read\s+(nil|\d+)`);
const E_OK_WRITE = etcd(String.raw`:ok\s+:write\s+(\d+)`);
const E_DONE_CAS = etcd(String.raw`:(ok|fail)\s+:cas\s+\[(\d+)\s+(\d+)\]`);
const E_TIMEOUT_READ = etcd(String.raw`:fail\s+:read\s+:timed-out`);
const E_INFO = etcd(String.raw`:info\s+:(read|write|cas)\s+.*`);

/** A register value: exact, a bigint beyond 2^53 (the process ids are small). */
const int = (digits: string) => exactNumber(digits) as EtcdInt;

const etcdOut = (o: Partial<EtcdOutput>): EtcdOutput => ({ ok: false, exists: false, value: 0, unknown: false, ...o });

/** Parses a Jepsen etcd log (Porcupine's `test_data/jepsen/etcd_NNN.log`). */
export function parseEtcdLog(text: string, source = 'etcd log'): Event<EtcdInput, EtcdOutput>[] {
  return parseLines<EtcdInput, EtcdOutput>(
    text,
    source,
    (line, b) => {
      let m: RegExpExecArray | null;
      if ((m = E_INVOKE_READ.exec(line))) b.call(+m[1], 'read', { op: 'read' });
      else if ((m = E_INVOKE_WRITE.exec(line))) b.call(+m[1], 'write', { op: 'write', value: int(m[2]) });
      else if ((m = E_INVOKE_CAS.exec(line))) b.call(+m[1], 'cas', { op: 'cas', from: int(m[2]), to: int(m[3]) });
      else if ((m = E_OK_READ.exec(line))) b.complete(+m[1], 'read', m[2] === 'nil' ? etcdOut({}) : etcdOut({ exists: true, value: int(m[2]) }));
      else if ((m = E_OK_WRITE.exec(line))) b.complete(+m[1], 'write', etcdOut({ ok: true }));
      else if ((m = E_DONE_CAS.exec(line))) b.complete(+m[1], 'cas', etcdOut({ ok: m[2] === 'ok' }));
      else if ((m = E_TIMEOUT_READ.exec(line))) b.complete(+m[1], 'read', etcdOut({ unknown: true }));
      else if ((m = E_INFO.exec(line))) b.crash(+m[1], m[2]);
      else return false;
      return true;
    },
    () => etcdOut({ unknown: true }),
    'a Jepsen etcd log line (INFO  jepsen.util - <process> :invoke|:ok|:fail|:info :read|:write|:cas <value>)',
  );
}

// ---- Knossos-style kv histories -----------------------------------------------------------------

const KV_PREFIX = String.raw`^\{:process (\d+), :type `;
const kv = (rest: string) => new RegExp(KV_PREFIX + rest + String.raw`\}$`);
const K_INVOKE_GET = kv(String.raw`:invoke, :f :get, :key "((?:[^"\\]|\\.)*)", :value nil`);
const K_INVOKE_WRITE = kv(String.raw`:invoke, :f :(put|append), :key "((?:[^"\\]|\\.)*)", :value "((?:[^"\\]|\\.)*)"`);
const K_OK_GET = kv(String.raw`:ok, :f :get, :key "(?:[^"\\]|\\.)*", :value "((?:[^"\\]|\\.)*)"`);
const K_OK_WRITE = kv(String.raw`:ok, :f :(put|append), :key "(?:[^"\\]|\\.)*", :value "(?:[^"\\]|\\.)*"`);
const K_INFO = kv(String.raw`:info, :f :(get|put|append), .*`);

/** Clojure string escapes that can appear in these files. */
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));

/** Parses a Knossos-style kv history (Porcupine's `test_data/kv/cNN-{ok,bad}.txt`). */
export function parseKvLog(text: string, source = 'kv history'): Event<PorcupineKvInput, PorcupineKvOutput>[] {
  return parseLines<PorcupineKvInput, PorcupineKvOutput>(
    text,
    source,
    (line, b) => {
      let m: RegExpExecArray | null;
      if ((m = K_INVOKE_GET.exec(line))) b.call(+m[1], 'get', { op: 'get', key: unescape(m[2]), value: '' });
      else if ((m = K_INVOKE_WRITE.exec(line))) b.call(+m[1], m[2], { op: m[2] as 'put' | 'append', key: unescape(m[3]), value: unescape(m[4]) });
      else if ((m = K_OK_GET.exec(line))) b.complete(+m[1], 'get', { value: unescape(m[2]) });
      else if ((m = K_OK_WRITE.exec(line))) b.complete(+m[1], m[2], { value: '' });
      else if ((m = K_INFO.exec(line))) b.crash(+m[1], m[2]);
      else return false;
      return true;
    },
    () => ({ value: '', unknown: true }),
    'a kv history line ({:process P, :type :invoke|:ok|:info, :f :get|:put|:append, :key "K", :value V})',
  );
}
