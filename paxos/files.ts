/**
 * The files a Paxos node keeps in its data dir. A module of their own so that the harness
 * (paxos/db.ts: which logs to collect) knows their names without loading the node shell.
 */
export const WAL_FILE = 'wal.log';
export const EVENT_FILE = 'events.jsonl';
export const NODE_LOG_FILE = 'node.log';
export const PID_FILE = 'node.pid';
/** Written once the first boot record is durable: this dir has run, for which node, up to which incarnation. */
export const ID_FILE = 'node.id';
/** The latest snapshot (paxos/core/snapshot.ts), one checksummed `snap` record in the WAL's format. */
export const SNAPSHOT_FILE = 'snapshot.dat';
/** Decided slots compacted out of the log, for GET /debug/log (paxos/archive.ts); never read on recovery. */
export const ARCHIVE_FILE = 'decided.jsonl';
