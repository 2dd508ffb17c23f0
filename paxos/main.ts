#!/usr/bin/env node
/**
 * Entry point of one Paxos KV node:
 *
 *   node dist/paxos/main.js --id n1 --listen 127.0.0.1:7001 --client 127.0.0.1:8001 \
 *     --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 --data-dir DIR [--bug NAME]
 *
 * Bad flags print one line and exit 2; a node that cannot start (port in use, corrupt WAL, a
 * data dir that lost its WAL: datadir.ts) prints one line on stderr and exits 1. SIGTERM/SIGINT
 * close it cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs as parseArgv } from 'node:util';
import * as core from './core/index.js';
import { PLANTED_BUGS, type PlantedBug } from './bugs.js';
import { configError } from './core/index.js';
import { parseHostPort, type HostPort } from './transport.js';
import { PaxosNode, type NodeOptions } from './node.js';

export const EXIT_USAGE = 2;
export const EXIT_FAILED = 1;

class FlagError extends Error {}

/** Parses "n1=host:port,n2=host:port" into an ordered map. */
export function parsePeers(text: string): Record<string, HostPort> {
  const out: Record<string, HostPort> = {};
  for (const part of text.split(',')) {
    const m = /^([A-Za-z0-9_-]{1,64})=(.+)$/.exec(part.trim());
    if (!m) throw new FlagError(`--peers: bad entry ${JSON.stringify(part)}: expected name=host:port`);
    if (m[1] in out) throw new FlagError(`--peers: node ${m[1]} listed twice`);
    try {
      out[m[1]] = parseHostPort(m[2]);
    } catch (err) {
      throw new FlagError(`--peers: ${m[1]}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** mkdir -p without Node's recursive mode, which spins forever on procfs-like paths. */
function makeDirs(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw err;
    makeDirs(path.dirname(dir));
    fs.mkdirSync(dir);
  }
}

function usableDataDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    makeDirs(abs);
    const probe = path.join(abs, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (err) {
    throw new FlagError(`--data-dir ${dir} is not a writable directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return abs;
}

/**
 * Every flag: its type, default and help line. Parsed with node's util.parseArgs, not yargs:
 * this is an internal process the harness launches five at a time, and yargs costs ~0.1 s of
 * CPU per node boot.
 */
const FLAGS = {
  id: { type: 'string', required: true, describe: "this node's name; must appear in --peers" },
  listen: { type: 'string', required: true, describe: 'host:port to accept peer connections on' },
  client: { type: 'string', required: true, describe: 'host:port of the HTTP client API' },
  peers: { type: 'string', required: true, describe: 'every node as name=host:port, comma separated, in a fixed order; the address is where THIS node sends to that peer (maybe a fault proxy)' },
  'data-dir': { type: 'string', required: true, describe: 'directory for the WAL (wal.log) and event log (events.jsonl); created if absent' },
  bug: { type: 'string', describe: `switch on one deliberately unsafe variant: ${PLANTED_BUGS.join(', ')}` },
  'heartbeat-ms': { type: 'string', default: '50', describe: 'leader heartbeat interval' },
  'election-timeout-ms': { type: 'string', default: '300', describe: 'base election timeout (randomized back-off is added)' },
  'first-election-timeout-ms': { type: 'string', describe: 'election timeout and back-off range of a node on its first boot until it sees any ballot, i.e. while the cluster starts (default: --election-timeout-ms); a restarted node never uses it' },
  'request-timeout-ms': { type: 'string', default: '1000', describe: 'a client request with no answer by then gets 504 (outcome unknown)' },
  'max-batch': { type: 'string', default: '512', describe: 'most client commands batched into one slot' },
  'max-inflight': { type: 'string', describe: `most slots in phase 2 at once (pipelining; default ${core.DEFAULT_MAX_INFLIGHT})` },
  'wal-inline': { type: 'boolean', default: false, describe: 'append+fsync the WAL on the event-loop thread instead of the thread pool (fewer thread hand-offs, but the node stalls for each fsync: only for disks with sub-millisecond fsync)' },
  'wal-sync': { type: 'string', default: 'dsync', choices: ['dsync', 'fdatasync'], describe: 'how a WAL append becomes durable: an O_DSYNC writev (one system call), or writev then fdatasync' },
  'snapshot-every': { type: 'string', default: '1024', describe: 'snapshot the applied state into DATA_DIR/snapshot.dat and compact the WAL every this many applied slots (0: never)' },
  'event-log': { type: 'boolean', default: true, describe: 'write DATA_DIR/events.jsonl (send/recv events with vector clocks); --no-event-log turns it off' },
  help: { type: 'boolean', short: 'h', describe: 'show this help and exit' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; describe: string; required?: true; default?: string | boolean; choices?: readonly string[]; short?: string }>;

type FlagName = keyof typeof FLAGS;

/** The --help text: usage, then one line per flag (wrapped at 100 columns). */
export function helpText(): string {
  const lines = [
    'paxos-node --id ID --listen HOST:PORT --client HOST:PORT --peers ID=HOST:PORT,... --data-dir DIR',
    '',
    'One node of the Multi-Paxos replicated KV store.',
    '',
    'Options:',
  ];
  for (const [name, f] of Object.entries(FLAGS) as Array<[FlagName, (typeof FLAGS)[FlagName]]>) {
    const head = `  ${'short' in f ? `-${f.short}, ` : ''}--${name}${f.type === 'string' ? ' <value>' : ''}`;
    const notes = [
      'choices' in f ? `choices: ${f.choices.join(', ')}` : '',
      'default' in f ? `default: ${String(f.default)}` : '',
      'required' in f ? 'required' : '',
    ].filter(Boolean);
    lines.push(head, ...wrap(`${f.describe}${notes.length ? ` [${notes.join('; ')}]` : ''}`, 94).map((l) => `      ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...out, line] : out;
}

/** util.parseArgs with our error lines: unknown flags, repeats, missing values and required flags. */
function parseFlags(argv: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [name, { type: f.type, ...('short' in f ? { short: f.short } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv({ args: argv, options, strict: true, allowPositionals: false, allowNegative: true, tokens: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) throw new FlagError(`Unknown argument: ${unknown[1].replace(/^-+/, '')}`);
    const positional = /^Unexpected argument '([^']*)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional) throw new FlagError(`Unknown argument: ${positional[1]}`);
    throw new FlagError(e.message.split('\n')[0]);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    // --no-X must name a boolean flag (util.parseArgs would accept --no-id as "id: false").
    if (t.rawName.startsWith('--no-') && FLAGS[t.name as FlagName].type !== 'boolean') throw new FlagError(`Unknown argument: ${t.rawName.slice(2)}`);
    if (seen.has(t.name)) throw new FlagError(`--${t.name} given more than once`);
    seen.add(t.name);
  }
  const values = { ...parsed.values } as Record<string, string | boolean | undefined>; // no flag is `multiple`
  const missing = (Object.keys(FLAGS) as FlagName[]).filter((n) => 'required' in FLAGS[n] && values[n] === undefined);
  if (missing.length) throw new FlagError(`Missing required argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  for (const [name, f] of Object.entries(FLAGS)) {
    if (values[name] === undefined && 'default' in f) values[name] = f.default;
    if ('choices' in f && !(f.choices as readonly string[]).includes(values[name] as string)) {
      throw new FlagError(`--${name} must be one of ${f.choices.join(', ')}, got ${String(values[name])}`);
    }
  }
  return values;
}

function positiveInt(name: string, v: string | boolean | undefined): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new FlagError(`--${name} must be a positive integer, got ${String(v)}`);
  // A timer past 2^31-1 ms fires after 1 ms (Node): bound every -ms flag to a day.
  if (name.endsWith('-ms') && n > MAX_MS) throw new FlagError(`--${name} must be 1..${MAX_MS} ms, got ${String(v)}`);
  return n;
}

const MAX_MS = 86_400_000;

export function parseArgs(argv: string[]): NodeOptions {
  const fail = (msg: string): never => {
    throw new FlagError(msg);
  };
  const args = parseFlags(argv);
  const str = (name: FlagName) => args[name] as string;
  let listen: HostPort, client: HostPort;
  try {
    listen = parseHostPort(str('listen'));
  } catch (err) {
    throw new FlagError(`--listen: ${(err as Error).message}`);
  }
  try {
    client = parseHostPort(str('client'), true);
  } catch (err) {
    throw new FlagError(`--client: ${(err as Error).message}`);
  }
  const id = str('id');
  const peers = parsePeers(str('peers'));
  if (!(id in peers)) fail(`--id ${id} is not among --peers (${Object.keys(peers).join(', ')})`);
  if (Object.keys(peers).length < 1) fail('--peers must name at least one node');
  const bug = args.bug === undefined ? null : str('bug');
  if (bug !== null && !PLANTED_BUGS.includes(bug as PlantedBug)) fail(`--bug ${bug} is unknown; choose one of ${PLANTED_BUGS.join(', ')}`);
  const opts: NodeOptions = {
    id,
    listen,
    client,
    peers,
    dataDir: '', // set below, once everything else is valid (checking it creates the dir)
    bug: bug as PlantedBug | null,
    heartbeatMs: positiveInt('heartbeat-ms', args['heartbeat-ms']),
    electionTimeoutMs: positiveInt('election-timeout-ms', args['election-timeout-ms']),
    ...(args['first-election-timeout-ms'] !== undefined ? { firstElectionTimeoutMs: positiveInt('first-election-timeout-ms', args['first-election-timeout-ms']) } : {}),
    requestTimeoutMs: positiveInt('request-timeout-ms', args['request-timeout-ms']),
    maxBatch: positiveInt('max-batch', args['max-batch']),
    ...(args['max-inflight'] !== undefined ? { maxInflight: positiveInt('max-inflight', args['max-inflight']) } : {}),
    snapshotEvery: args['snapshot-every'] === '0' ? 0 : positiveInt('snapshot-every', args['snapshot-every']),
    eventLog: args['event-log'] as boolean,
    walInline: args['wal-inline'] as boolean,
    walSync: str('wal-sync') as 'dsync' | 'fdatasync',
  };
  const bad = configError(PaxosNode.configOf(opts));
  if (bad) fail(bad.replace('firstElectionTimeoutMs', '--first-election-timeout-ms').replace('electionTimeoutMs', '--election-timeout-ms').replace('heartbeatMs', '--heartbeat-ms'));
  opts.dataDir = usableDataDir(str('data-dir'));
  return opts;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let opts: NodeOptions;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  try {
    opts = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`paxos-node: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(EXIT_USAGE);
  }
  let node: PaxosNode;
  try {
    node = await PaxosNode.start(core, opts);
  } catch (err) {
    // One line: the reason (WAL corruption names the file and byte offset), never a stack.
    process.stderr.write(`paxos-node ${opts.id}: cannot start: ${String((err as Error)?.message ?? err).split('\n')[0]}\n`);
    process.exit(EXIT_FAILED);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    node.log(`received ${signal}, shutting down`);
    node.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`paxos-node ${opts.id}: error while closing: ${err.message}\n`);
        process.exit(EXIT_FAILED);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
