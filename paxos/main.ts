#!/usr/bin/env node
/**
 * Entry point of one Paxos KV node:
 *
 *   node dist/paxos/main.js --id n1 --listen 127.0.0.1:7001 --client 127.0.0.1:8001 \
 *     --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 --data-dir DIR [--bug NAME]
 *
 * Bad flags print one line and exit 2; a node that cannot start (port in use, corrupt WAL)
 * prints one line and exits 1. SIGTERM/SIGINT close it cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import * as core from './core/index.js';
import { BUGS, configError, type BugName } from './core/index.js';
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

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new FlagError(`--${name} must be a positive integer, got ${String(v)}`);
  return v;
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

function cli(argv: string[]) {
  return yargs(argv)
    .scriptName('paxos-node')
    .usage('$0 --id ID --listen HOST:PORT --client HOST:PORT --peers ID=HOST:PORT,... --data-dir DIR\n\nOne node of the Multi-Paxos replicated KV store.')
    .option('id', { type: 'string', demandOption: true, describe: 'this node\'s name; must appear in --peers' })
    .option('listen', { type: 'string', demandOption: true, describe: 'host:port to accept peer connections on' })
    .option('client', { type: 'string', demandOption: true, describe: 'host:port of the HTTP client API' })
    .option('peers', { type: 'string', demandOption: true, describe: 'every node as name=host:port, comma separated, in a fixed order; the address is where THIS node sends to that peer (maybe a fault proxy)' })
    .option('data-dir', { type: 'string', demandOption: true, describe: 'directory for the WAL (wal.log) and event log (events.jsonl); created if absent' })
    .option('bug', { type: 'string', describe: `switch on one deliberately unsafe variant: ${BUGS.join(', ')}` })
    .option('heartbeat-ms', { type: 'number', default: 50, describe: 'leader heartbeat interval' })
    .option('election-timeout-ms', { type: 'number', default: 300, describe: 'base election timeout (randomized back-off is added)' })
    .option('request-timeout-ms', { type: 'number', default: 1000, describe: 'a client request with no answer by then gets 504 (outcome unknown)' })
    .option('max-batch', { type: 'number', default: 512, describe: 'most client commands batched into one slot' })
    .option('max-inflight', { type: 'number', describe: `most slots in phase 2 at once (pipelining; default ${core.DEFAULT_MAX_INFLIGHT})` })
    .option('wal-inline', { type: 'boolean', default: false, describe: 'append+fsync the WAL on the event-loop thread instead of the thread pool (fewer thread hand-offs, but the node stalls for each fsync: only for disks with sub-millisecond fsync)' })
    .option('wal-sync', { choices: ['dsync', 'fdatasync'] as const, default: 'dsync' as const, describe: 'how a WAL append becomes durable: an O_DSYNC writev (one system call), or writev then fdatasync' })
    .option('event-log', { type: 'boolean', default: true, describe: 'write DATA_DIR/events.jsonl (send/recv events with vector clocks); --no-event-log turns it off' })
    .strict()
    .help('help', 'show this help and exit')
    .alias('help', 'h')
    .version(false)
    .wrap(100)
    .exitProcess(false);
}

export function parseArgs(argv: string[]): NodeOptions {
  const fail = (msg: string): never => {
    throw new FlagError(msg);
  };
  const args = cli(argv)
    .fail((msg, err) => fail(msg ?? err?.message ?? 'bad arguments'))
    .parseSync();

  const single = (name: string, v: unknown): string => {
    if (Array.isArray(v)) fail(`--${name} given more than once`);
    return v as string;
  };
  let listen: HostPort, client: HostPort;
  try {
    listen = parseHostPort(single('listen', args.listen));
  } catch (err) {
    throw new FlagError(`--listen: ${(err as Error).message}`);
  }
  try {
    client = parseHostPort(single('client', args.client), true);
  } catch (err) {
    throw new FlagError(`--client: ${(err as Error).message}`);
  }
  const id = single('id', args.id);
  const peers = parsePeers(single('peers', args.peers));
  if (!(id in peers)) fail(`--id ${id} is not among --peers (${Object.keys(peers).join(', ')})`);
  if (Object.keys(peers).length < 1) fail('--peers must name at least one node');
  const bug = args.bug === undefined ? null : single('bug', args.bug);
  if (bug !== null && !BUGS.includes(bug as BugName)) fail(`--bug ${bug} is unknown; choose one of ${BUGS.join(', ')}`);
  const opts: NodeOptions = {
    id,
    listen,
    client,
    peers,
    dataDir: '', // set below, once everything else is valid (checking it creates the dir)
    bug: bug as BugName | null,
    heartbeatMs: positiveInt('heartbeat-ms', args['heartbeat-ms']),
    electionTimeoutMs: positiveInt('election-timeout-ms', args['election-timeout-ms']),
    requestTimeoutMs: positiveInt('request-timeout-ms', args['request-timeout-ms']),
    maxBatch: positiveInt('max-batch', args['max-batch']),
    ...(args['max-inflight'] !== undefined ? { maxInflight: positiveInt('max-inflight', args['max-inflight']) } : {}),
    eventLog: args['event-log'],
    walInline: args['wal-inline'],
    walSync: single('wal-sync', args['wal-sync']) as 'dsync' | 'fdatasync',
  };
  const bad = configError(PaxosNode.configOf(opts));
  if (bad) fail(bad.replace('electionTimeoutMs', '--election-timeout-ms').replace('heartbeatMs', '--heartbeat-ms'));
  opts.dataDir = usableDataDir(single('data-dir', args['data-dir']));
  return opts;
}

async function main(): Promise<void> {
  const argv = hideBin(process.argv);
  let opts: NodeOptions;
  if (argv.includes('--help') || argv.includes('-h')) {
    cli([]).showHelp((text) => process.stdout.write(`${text}\n`));
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
    process.stderr.write(`paxos-node ${opts.id}: cannot start: ${(err as Error).message}\n`);
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
