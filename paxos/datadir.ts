/**
 * A node's durable state at start-up: its WAL (wal.ts) and DATA_DIR/node.id, which says that
 * the dir has run before, for which node, and the highest incarnation whose boot record is
 * durable in the WAL: {"node": "n1", "incarnation": 3}.
 *
 * Why: an acceptor that lost its WAL and started empty would vote again as if it had promised
 * nothing, and could break agreement. So a dir whose node.id exists refuses to start when its
 * wal.log is missing or holds no record, or when the WAL would boot an incarnation not above
 * node.id's (records lost from the end of the log, boot records with them). A dir without
 * node.id is fresh.
 *
 * Snapshots: DATA_DIR/snapshot.dat (if present) holds one checksummed `snap` record and is
 * replayed before the WAL. It is replaced atomically (temporary file, fsync, rename, fsync dir)
 * BEFORE the WAL is rewritten to what lies beyond it, so a crash between the two leaves the new
 * snapshot and the old, complete WAL (recovery skips what the snapshot covers). A compacted WAL
 * starts with a `base` record naming its snapshot's slot: without that snapshot (or with an
 * older one) the node refuses to start. A damaged snapshot refuses to start too.
 *
 * Order at boot (boot()): the boot record is appended durably first, then node.id is replaced
 * atomically (write a temporary file, fsync it, rename, fsync the dir), and only then does the
 * node listen or send. A node killed before its first boot record is durable has sent nothing
 * and its dir has no node.id: it starts fresh again. Killed between the boot record and node.id,
 * it has sent nothing either, and its WAL holds the boot record: it starts as the next
 * incarnation. So node.id never names an incarnation the WAL has not got, and a kill during the
 * very first boot never bricks a node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ID_FILE, SNAPSHOT_FILE, WAL_FILE } from './files.js';
import { Wal, fsyncDir, readLogFileSync, type WalOpenResult, type WalSync } from './wal.js';

export interface Identity {
  node: string;
  incarnation: number;
}

export interface Recovered extends WalOpenResult {
  /** How many of `records` came from the WAL (the rest, first, from the snapshot file). */
  walRecords: number;
  /** node.id, or null for a dir that has never booted. */
  identity: Identity | null;
}

/** Reads node.id: null when absent; throws when it is unreadable (that is damage too). */
export function readIdentity(dir: string): Identity | null {
  const file = path.join(dir, ID_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let id: Partial<Identity> | null = null;
  try {
    id = JSON.parse(text) as Partial<Identity>;
  } catch {
    // reported below
  }
  if (typeof id?.node !== 'string' || !Number.isSafeInteger(id.incarnation) || (id.incarnation as number) < 1) {
    throw new Error(`${file} is damaged (${JSON.stringify(text.slice(0, 80))}); refusing to start`);
  }
  return id as Identity;
}

/** Replaces node.id atomically and durably. */
export function writeIdentity(dir: string, identity: Identity): void {
  const file = path.join(dir, ID_FILE);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, `${JSON.stringify(identity)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/**
 * Opens the WAL of `node`'s data dir and checks it against node.id. Refuses (throws one line
 * naming the file) a dir of another node and a dir that has run but lost its WAL; a missing
 * wal.log is not created then.
 */
export function recover(dir: string, node: string, sync: WalSync): Recovered {
  const identity = readIdentity(dir);
  const walFile = path.join(dir, WAL_FILE);
  const idFile = path.join(dir, ID_FILE);
  if (identity && identity.node !== node) throw new Error(`${idFile} says this data dir belongs to node ${identity.node}, not ${node}; refusing to start`);
  const lost = (what: string) =>
    new Error(`WAL ${walFile} ${what} but ${idFile} shows node ${node} ran up to incarnation ${identity!.incarnation}: its durable state is lost; refusing to start (it could vote against its own promises)`);
  if (identity && !fs.existsSync(walFile)) throw lost('is missing');
  const snapFile = path.join(dir, SNAPSHOT_FILE);
  // The snapshot first: damage to it refuses to start like damage to the WAL.
  const snapshot = fs.existsSync(snapFile) ? readLogFileSync(snapFile) : [];
  const opened = Wal.open(walFile, sync);
  if (identity && opened.records.length === 0) {
    opened.wal.close();
    throw lost('holds no record');
  }
  return { ...opened, records: [...snapshot, ...opened.records], walRecords: opened.records.length, identity };
}

/**
 * Makes the boot durable before the node listens: refuses an incarnation that does not go
 * forward, appends the boot records, then records the incarnation in node.id.
 */
export function boot(dir: string, node: string, recovered: Recovered, incarnation: number, bootRecords: readonly unknown[]): void {
  const { wal, identity } = recovered;
  if (identity && incarnation <= identity.incarnation) {
    throw new Error(
      `WAL ${wal.file} ends before the boot record of incarnation ${identity.incarnation} that ${path.join(dir, ID_FILE)} records (it would boot incarnation ${incarnation}): records were lost from its end; refusing to start`,
    );
  }
  wal.appendSync(bootRecords);
  writeIdentity(dir, { node, incarnation });
}
