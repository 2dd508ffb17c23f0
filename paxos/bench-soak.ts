/**
 * `npm run bench:soak [-- --minutes 10 --rate 200 --no-event-log]`: does a long night grow
 * without bound? Runs one `jepsen-ts test` (kv workload, no faults) for the given minutes at the
 * given rate and samples every node's WAL, snapshot, decided archive and event-log size and RSS
 * at a tenth, half and all of the run (1, 5 and 10 minutes by default); prints a table, the
 * growth per minute between the later samples, and the load average. Linear WAL (+ snapshot)
 * growth means the log is never compacted; the archive and the event log are debugging records
 * that grow with the run by design. --no-event-log runs the nodes without events.jsonl (through
 * a test module wrapping the paxos test, as a user would).
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ARCHIVE_FILE, EVENT_FILE, PID_FILE, SNAPSHOT_FILE, WAL_FILE } from './files.js';

let values: { minutes: string; rate: string; 'no-event-log': boolean };
try {
  values = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '200' }, 'no-event-log': { type: 'boolean', default: false } } }).values as typeof values;
} catch (err) {
  process.stderr.write(`bench:soak: ${(err as Error).message}\n`);
  process.exit(254);
}
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes > 0 && minutes <= 120) || !(rate > 0 && rate <= 100_000)) {
  process.stderr.write('bench:soak: --minutes must be in (0, 120] and --rate in (0, 100000]\n');
  process.exit(254);
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const results = mkdtempSync(join(tmpdir(), 'jt-soak-'));
const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
const rssMb = (pid: number): number => {
  try {
    const kb = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
};

interface Sample { node: string; minute: number; walMb: number; snapMb: number; archiveMb: number; eventsMb: number; rssMb: number }
const samples: Sample[] = [];

// Without the event log: the paxos test with its Db's node command given --no-event-log.
const moduleDir = mkdtempSync(join(tmpdir(), 'jt-soak-test-'));
const testModule = join(moduleDir, 'no-event-log.mjs');
if (values['no-event-log']) {
  const suite = JSON.stringify(join(ROOT, 'dist', 'paxos', 'suite.js'));
  writeFileSync(testModule, `import { paxosTest } from ${suite};\nexport default { ...paxosTest, db: { ...paxosTest.db, command: (node, extra) => paxosTest.db.command(node, [...extra, '--no-event-log']) } };\n`);
}
const dbFlags = values['no-event-log'] ? ['--test', testModule] : [];
const child = execa(process.execPath, [join(ROOT, 'bin', 'jepsen-ts.js'), 'test', ...dbFlags, '--workload', 'kv', '--nemesis', 'none', '--rate', String(rate), '--time-limit', String(minutes * 60), '--results', results], { cwd: ROOT, reject: false, all: true });
let out = '';
child.all!.on('data', (c: Buffer) => (out += c.toString()));

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 200));
};
await until(() => /^phase: main$/m.test(out) || child.exitCode !== null);
const runDir = /^run dir: (.+)$/m.exec(out)?.[1];
if (!runDir || child.exitCode !== null) {
  process.stderr.write(`bench:soak: the run did not reach its main phase:\n${out}\n`);
  process.exit(255);
}
const mainStart = Date.now();
for (const minute of [minutes / 10, minutes / 2, minutes]) {
  await new Promise((r) => setTimeout(r, Math.max(0, mainStart + minute * 60_000 - 2000 - Date.now())));
  for (const node of readdirSync(join(runDir, 'nodes')).sort()) {
    const data = join(runDir, 'nodes', node, 'data');
    const pid = Number(readFileSync(join(data, PID_FILE), 'utf8').trim());
    const mb = (file: string) => size(join(data, file)) / 2 ** 20;
    samples.push({ node, minute, walMb: mb(WAL_FILE), snapMb: mb(SNAPSHOT_FILE), archiveMb: mb(ARCHIVE_FILE), eventsMb: mb(EVENT_FILE), rssMb: rssMb(pid) });
  }
}
await child;
const verdict = /^verdict: .*/m.exec(out)?.[0] ?? 'verdict: (none)';

console.log(`bench:soak: kv, no faults, --rate ${rate}, ${minutes} min${values['no-event-log'] ? ', nodes without events.jsonl' : ''}; ${verdict}`);
console.log('node  minute  WAL MB  snapshot MB  archive MB  events MB  RSS MB');
const f2 = (x: number, w: number) => x.toFixed(2).padStart(w);
for (const s of samples) console.log(`${s.node.padEnd(5)} ${s.minute.toFixed(1).padStart(6)} ${f2(s.walMb, 7)} ${f2(s.snapMb, 12)} ${f2(s.archiveMb, 11)} ${f2(s.eventsMb, 10)} ${s.rssMb.toFixed(0).padStart(7)}`);
const [mid, end] = [minutes / 2, minutes];
for (const node of [...new Set(samples.map((s) => s.node))]) {
  const a = samples.find((s) => s.node === node && s.minute === mid)!;
  const b = samples.find((s) => s.node === node && s.minute === end)!;
  const per = (x: number, y: number) => ((y - x) / (end - mid)).toFixed(2);
  console.log(`${node}: growth per minute from ${mid} to ${end} min: WAL+snapshot ${per(a.walMb + a.snapMb, b.walMb + b.snapMb)} MB, archive ${per(a.archiveMb, b.archiveMb)} MB, events ${per(a.eventsMb, b.eventsMb)} MB, RSS ${per(a.rssMb, b.rssMb)} MB`);
}
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
rmSync(results, { recursive: true, force: true });
rmSync(moduleDir, { recursive: true, force: true });
