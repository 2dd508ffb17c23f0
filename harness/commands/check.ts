/**
 * `jepsen-ts check --format jsonl|edn|porcupine-etcd|porcupine-kv --model NAME FILE...`: judges
 * histories recorded by any tool (ours, Jepsen/Knossos EDN, Porcupine's logs) for
 * linearizability with the named model, one verdict line per file:
 *
 *   <file>: valid|INVALID|unknown (<n> ops, <ms> ms)[: short reason]
 *
 * <n> counts the operations given to the search (a definitely failed op is dropped first), <ms>
 * is the search time. The reason of an invalid verdict names the operation no linearization gets
 * past; of an unknown one, the timeout or memory ceiling that stopped the search.
 *
 * `--checker set|bank|stats` (jsonl or edn only) judges a workload invariant instead, with the
 * same checkers a test run uses (checkers/set.ts, bank.ts with `--total N`, stats.ts): e.g. a
 * Jepsen set or bank history. <n> is then the number of client invocations.
 * `--checker elle-append|elle-wr` (jsonl or edn) judges transactions (`:f :txn`, Jepsen's
 * list-append / rw-register histories) with the Elle-style checker (checkers/elle/) under
 * `--consistency-models` (default strict-serializable); <n> is then the number of txns.
 *
 * Exit code: the worst verdict (0 valid, 1 invalid, 2 unknown); 254 for bad arguments (unknown
 * format or model, a model that does not fit the format, a missing file) and for a malformed
 * file, which is reported as `file:line: what is wrong` while the other files are still checked.
 * `--json` prints every result in full (verbose linearization info included) instead.
 * Ctrl-C (or SIGTERM) cancels the search: that file is unknown, the rest are not checked, exit 2.
 */
import { readFileSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import type { BadRead } from '../../checkers/bank.js';
import type { CheckResult, Validity } from '../../ground/checker.js';
import type { CheckOptions, CheckOutcome } from '../../checkers/linearizable/index.js';
import type { ConsistencyModel } from '../../checkers/elle/index.js';
// Only the model registry is loaded with the CLI (for --help and validation); parsers, the
// search and the invariant checkers are imported when a file is checked, so that every other
// command (`jepsen-ts test` above all) starts without them.
import { getModel, getModelSpec, modelNames } from '../../checkers/linearizable/models/index.js';
import { isClientOp, type History } from '../../ground/history.js';
import { EXIT, exitCodeFor, worstExit } from '../../ground/exit.js';
import { exactNumber, stringifyExact } from '../../ground/exact-json.js';
import { CANCEL_CHECK, Interrupts } from '../interrupts.js';
import { LIMITS } from '../options.js';
import { UsageError } from '../../ground/runtime.js';

/** 1 TiB: more than any machine this runs on; past it the number is a typo. */
const MAX_MEMORY_LIMIT_MB = 1_048_576;

export const FORMATS = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type HistoryFormat = (typeof FORMATS)[number];

/** Porcupine's logs parse straight into one model's events: the model is fixed by the format. */
const FIXED_MODEL: Partial<Record<HistoryFormat, string>> = { 'porcupine-etcd': 'etcd', 'porcupine-kv': 'porcupine-kv' };

/** linearizable needs a model; the others judge workload invariants of histories of ops. */
export const CHECKERS = ['linearizable', 'set', 'bank', 'stats', 'elle-append', 'elle-wr'] as const;
export type CheckerName = (typeof CHECKERS)[number];

export interface CheckArgs {
  format: HistoryFormat;
  checker: CheckerName;
  /** Only for the linearizable checker. */
  model?: string;
  /** Only for the bank checker: the constant sum of all balances. */
  total?: number | bigint;
  /** Only for the elle checkers: model names, checked against the checker's table when it loads. */
  consistencyModels?: string[];
  files: string[];
  timeoutMs?: number;
  memoryLimitMb?: number;
  independent: boolean;
  json: boolean;
}

interface RawArgs {
  format?: unknown;
  checker?: unknown;
  model?: unknown;
  total?: unknown;
  consistencyModels?: unknown;
  files?: unknown;
  timeout?: unknown;
  memoryLimit?: unknown;
  independent?: unknown;
  json?: unknown;
}

/** A number from the command line (undefined when absent), within `range` when one is given. */
function numberArg(raw: unknown, flag: string, range?: { min: number; max: number; unit: string }): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
  if (range && !(n >= range.min && n <= range.max)) throw new UsageError(`${flag} must be ${range.min}..${range.max} ${range.unit}, got ${JSON.stringify(raw)}`);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got ${JSON.stringify(raw)}`);
  return n;
}

export function validateCheckArgs(argv: RawArgs): CheckArgs {
  const format = argv.format as HistoryFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(argv.format)}`);
  const checker = (argv.checker ?? 'linearizable') as CheckerName;
  if (!CHECKERS.includes(checker)) throw new UsageError(`--checker must be one of ${CHECKERS.join(', ')}, got ${JSON.stringify(argv.checker)}`);
  const fixed = FIXED_MODEL[format];
  let model: string | undefined;
  let total: number | bigint | undefined;
  if (checker === 'linearizable') {
    if (argv.model === undefined) {
      if (!fixed) throw new UsageError(`--format ${format} needs --model NAME (one of: ${modelNames.join(', ')})`);
      model = fixed;
    } else {
      if (typeof argv.model !== 'string') throw new UsageError('--model must be a model name');
      model = argv.model;
    }
    getModelSpec(model); // throws a UsageError naming the known models
    if (fixed && model !== fixed) throw new UsageError(`--format ${format} histories are checked with the ${fixed} model; --model ${model} does not fit it`);
  } else {
    if (fixed) throw new UsageError(`--checker ${checker} judges histories of ops (--format jsonl or edn); ${format} logs are for linearizability only`);
    if (argv.model !== undefined) throw new UsageError(`--model applies to --checker linearizable only, not ${checker}`);
  }
  if (checker === 'bank') {
    total = numberArg(argv.total, '--total');
    if (total === undefined) throw new UsageError('--checker bank needs --total N: the constant sum of all balances');
    // Exact beyond 2^53, as the balances it is compared with.
    if (/^-?\d+$/.test(String(argv.total).trim())) total = exactNumber(String(argv.total).trim()) as number | bigint;
  } else if (argv.total !== undefined) throw new UsageError('--total applies to --checker bank only');
  let consistencyModels: string[] | undefined;
  if (checker === 'elle-append' || checker === 'elle-wr') {
    if (argv.consistencyModels !== undefined) {
      consistencyModels = String(argv.consistencyModels).split(',').map((m) => m.trim()).filter(Boolean);
      if (consistencyModels.length === 0) throw new UsageError('--consistency-models needs at least one model name, e.g. serializable');
    }
  } else if (argv.consistencyModels !== undefined) throw new UsageError('--consistency-models applies to --checker elle-append or elle-wr only');
  if (argv.independent && format !== 'edn') throw new UsageError('--independent applies to --format edn only (jepsen.independent [key value] tuples)');

  const files = (Array.isArray(argv.files) ? argv.files : [argv.files]).filter((f) => f !== undefined).map(String);
  if (files.length === 0) throw new UsageError('name at least one history FILE to check');
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch (err) {
      throw new UsageError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!isFile) throw new UsageError(`${file}: not a regular file`);
  }
  const timeoutS = numberArg(argv.timeout, '--timeout', { ...LIMITS.seconds, unit: 'seconds' });
  return {
    format,
    checker,
    ...(model !== undefined ? { model } : {}),
    ...(total !== undefined ? { total } : {}),
    ...(consistencyModels ? { consistencyModels } : {}),
    files,
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
    memoryLimitMb: numberArg(argv.memoryLimit, '--memory-limit', { min: 1, max: MAX_MEMORY_LIMIT_MB, unit: 'MB' }),
    independent: argv.independent === true,
    json: argv.json === true,
  };
}

export interface FileVerdict {
  file: string;
  checker: CheckerName;
  valid: Validity;
  /** Operations judged: for linearizable, those given to the search (`fail`s are dropped
   *  first); for the invariant checkers, every client invocation. */
  ops: number;
  elapsedMs: number;
  reason?: string;
  /** How the history's completions were counted when converting our ops (jsonl, edn). */
  counts?: { ok: number; fail: number; info: number; pending: number };
  /** The linearizability search's outcome. */
  outcome?: CheckOutcome;
  /** An invariant checker's result. */
  result?: CheckResult;
}

/** The file cannot be judged: malformed, or its ops do not fit the model. Exit 254. */
export class UncheckableFile extends Error {
  override name = 'UncheckableFile';
}

const VALIDITY: Record<CheckOutcome['result'], Validity> = { ok: true, illegal: false, unknown: 'unknown' };

/** A history and the source line of each op (by index), for naming lines in later errors. */
async function readHistory(file: string, args: CheckArgs): Promise<{ history: History; lines: number[] }> {
  const [{ readEdnFile }, { readJsonlFile }, { HistoryFormatError }] = await Promise.all([
    import('../../checkers/formats/edn.js'),
    import('../../checkers/formats/jsonl.js'),
    import('../../checkers/formats/history-validator.js'),
  ]);
  try {
    if (args.format === 'edn') {
      const lines: number[] = [];
      const history = await readEdnFile(file, { independent: args.independent, onOp: (op, line) => (lines[op.index] = line) });
      return { history, lines };
    }
    const onTornTail = (line: number) => process.stderr.write(`jepsen-ts: ${file}:${line}: warning: torn last line dropped (the run crashed mid-write?)\n`);
    const history = await readJsonlFile(file, { onTornTail });
    // No blank line may precede an op, so op N is on line N+1.
    return { history, lines: history.map((op) => op.index + 1) };
  } catch (err) {
    if (err instanceof HistoryFormatError) throw new UncheckableFile(`${file}:${err.line}: ${err.detail}`);
    throw err;
  }
}

/** A file without a single client operation: no verdict, whatever the checker would say. */
async function nothingChecked(file: string, checker: CheckerName): Promise<FileVerdict> {
  const { NOTHING_CHECKED } = await import('../../ground/checker.js');
  return { file, checker, valid: 'unknown', ops: 0, elapsedMs: 0, reason: NOTHING_CHECKED };
}

/** Parses and checks one file. Throws UncheckableFile for a malformed file or a model misfit. */
export async function checkFile(file: string, args: CheckArgs, signal?: AbortSignal): Promise<FileVerdict> {
  if (args.checker === 'elle-append' || args.checker === 'elle-wr') return checkTxns(file, args);
  if (args.checker !== 'linearizable') return checkInvariant(file, args);
  const { checkEventsAsync, checkOperationsAsync, historyToOperations } = await import('../../checkers/linearizable/index.js');
  const opts: CheckOptions = { timeoutMs: args.timeoutMs, memoryLimitMb: args.memoryLimitMb, verbose: args.json, signal };
  let run: (o: CheckOptions) => Promise<CheckOutcome>;
  let ops: number;
  let counts: FileVerdict['counts'];
  if (args.format === 'porcupine-etcd' || args.format === 'porcupine-kv') {
    const text = readFileSync(file, 'utf8');
    const { HistoryParseError, parseEtcdLog, parseKvLog } = await import('../../checkers/formats/porcupine.js');
    let events;
    try {
      events = args.format === 'porcupine-etcd' ? parseEtcdLog(text, file) : parseKvLog(text, file);
    } catch (err) {
      if (err instanceof HistoryParseError) throw new UncheckableFile(err.message);
      throw err;
    }
    ops = events.filter((e) => e.kind === 'call').length;
    if (ops === 0) return nothingChecked(file, args.checker);
    const model = getModel(args.model!);
    run = (o) => checkEventsAsync(model, events as never, o);
  } else {
    const { history, lines } = await readHistory(file, args);
    if (!history.some(isClientOp)) return nothingChecked(file, args.checker);
    const spec = getModelSpec(args.model!);
    let converted: ReturnType<typeof historyToOperations>;
    try {
      converted = historyToOperations(history, spec);
    } catch (err) {
      // The models' adapters name the op ("history op N ..."): name its line too.
      const index = /^history op (\d+) /.exec((err as Error).message)?.[1];
      const line = index === undefined ? undefined : lines[Number(index)];
      const where = line === undefined ? file : `${file}:${line}`;
      throw new UncheckableFile(`${where}: does not fit the ${args.model} model: ${(err as Error).message}`);
    }
    ops = converted.ops.length;
    counts = converted.counts;
    const model = spec.create();
    run = (o) => checkOperationsAsync(model, converted.ops, o);
  }
  const outcome = await run(opts);
  const valid = VALIDITY[outcome.result];
  let reason = outcome.message;
  if (valid === false) reason = illegalReason(opts.verbose ? outcome : await explain(run, opts, outcome)) ?? reason;
  return { file, checker: 'linearizable', valid, ops, elapsedMs: outcome.elapsedMs, ...(valid !== true && reason ? { reason } : {}), ...(counts ? { counts } : {}), outcome };
}

/** set / bank / stats on a history of ops. */
async function checkInvariant(file: string, args: CheckArgs): Promise<FileVerdict> {
  const { history } = await readHistory(file, args);
  if (!history.some(isClientOp)) return nothingChecked(file, args.checker);
  const [{ checkBank }, { checkSet }, { checkStats }] = await Promise.all([import('../../checkers/bank.js'), import('../../checkers/set.js'), import('../../checkers/stats.js')]);
  const started = performance.now();
  const result = args.checker === 'set' ? checkSet(history) : args.checker === 'bank' ? checkBank(history, { total: args.total! }) : checkStats(history);
  const elapsedMs = performance.now() - started;
  const ops = history.filter((op) => isClientOp(op) && op.type === 'invoke').length;
  const reason = invariantReason(args.checker, result);
  return { file, checker: args.checker, valid: result.valid, ops, elapsedMs, ...(reason ? { reason } : {}), result };
}

/** --consistency-models against the checker's table, which loads with the checker, not the CLI. */
async function elleModels(args: CheckArgs): Promise<ConsistencyModel[] | undefined> {
  if (!args.consistencyModels) return undefined;
  const { parseModels } = await import('../../checkers/elle/index.js');
  try {
    return parseModels(args.consistencyModels.join(','));
  } catch (err) {
    throw new UsageError(`--consistency-models: ${(err as Error).message}`);
  }
}

/** elle-append / elle-wr: the Elle-style checker on a history of txns. */
async function checkTxns(file: string, args: CheckArgs): Promise<FileVerdict> {
  const { history, lines } = await readHistory(file, args);
  if (!history.some(isClientOp)) return nothingChecked(file, args.checker);
  const { checkElle, elleReason, ElleInputError } = await import('../../checkers/elle/index.js');
  const models = await elleModels(args);
  const started = performance.now();
  let result;
  try {
    result = checkElle(history, args.checker === 'elle-append' ? 'list-append' : 'rw-register', { models });
  } catch (err) {
    if (!(err instanceof ElleInputError)) throw err;
    const line = lines[err.opIndex];
    throw new UncheckableFile(`${line === undefined ? file : `${file}:${line}`}: ${err.message.replace(/^history op \d+: /, '')}`);
  }
  const elapsedMs = performance.now() - started;
  if (result.counts.txns === 0) return { file, checker: args.checker, valid: 'unknown', ops: 0, elapsedMs, reason: 'no transactions (ops with :f :txn): nothing was checked' };
  const reason = elleReason(result);
  return { file, checker: args.checker, valid: result.valid, ops: result.counts.txns, elapsedMs, ...(reason ? { reason } : {}), result };
}

const listed = (xs: unknown, max = 5) => {
  const list = Array.isArray(xs) ? xs : [];
  return list.slice(0, max).map((x) => stringifyExact(x)).join(' ') + (list.length > max ? ' ...' : '');
};

/** One line on why an invariant checker did not accept the history. */
export function invariantReason(checker: CheckerName, r: CheckResult): string | undefined {
  if (r.valid === true) return undefined;
  if (r.valid === 'unknown') return String(r.error ?? 'the checker could not decide');
  if (checker === 'set') {
    const c = r.counts as { lost: number; unexpected: number; attempted: number };
    return `${c.lost} lost [${listed(r.lost)}], ${c.unexpected} unexpected [${listed(r.unexpected)}] of ${c.attempted} attempted adds`;
  }
  if (checker === 'bank') {
    const first = (r.firstBadReads as BadRead[])[0];
    return `${r.badReads} of ${r.reads} reads are wrong; the first (index ${first.index}): ${first.kinds.join(', ')}, total ${first.total}`;
  }
  if (checker === 'stats') return `never succeeded: ${(r.neverSucceeded as string[]).join(', ')}`;
  return undefined;
}

/**
 * The plain search stops at the first illegal partition without recording why; a verbose rerun
 * finds the operation the linearization cannot get past. Given about twice the time the plain
 * search took (within the user's timeout); without it the reason is just the partition.
 */
function explain(run: (o: CheckOptions) => Promise<CheckOutcome>, opts: CheckOptions, first: CheckOutcome): Promise<CheckOutcome> {
  const budget = Math.max(1000, 2 * first.elapsedMs);
  const timeoutMs = opts.timeoutMs === undefined ? budget : Math.min(budget, opts.timeoutMs);
  return run({ ...opts, verbose: true, timeoutMs });
}

/** "partition 0 is not linearizable: no linearization gets past read() -> 2 (...)"; a model's
 *  refutation (already in the message) names the two operations itself. */
export function illegalReason(outcome: CheckOutcome): string | undefined {
  const info = outcome.partitions?.find((p) => p.result === 'illegal')?.info;
  if (outcome.result === 'illegal' && info?.refutation !== undefined) return outcome.message;
  if (outcome.result !== 'illegal' || !info || info.blocking === undefined) return undefined;
  const blocking = info.operations.find((op) => op.id === info.blocking);
  if (!blocking) return undefined;
  const state = info.prefix.length > 0 ? info.prefix[info.prefix.length - 1].stateAfter : info.initialState;
  return `${outcome.message}: no linearization gets past ${clip(blocking.description)} (longest linearizable prefix: ${info.prefix.length} ops, ending in state ${clip(state)})`;
}

const clip = (s: string, max = 80) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

export function verdictLine(v: FileVerdict): string {
  const word = v.valid === true ? 'valid' : v.valid === false ? 'INVALID' : 'unknown';
  return `${v.file}: ${word} (${v.ops} ops, ${Math.round(v.elapsedMs)} ms)${v.reason ? `: ${v.reason}` : ''}`;
}

export const checkCommand: CommandModule<object, RawArgs> = {
  command: 'check <files..>',
  describe: 'check recorded histories (ours, Jepsen EDN, Porcupine logs): linearizability or a workload invariant',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'history files' })
      .option('format', { type: 'string', demandOption: true, describe: `history format: ${FORMATS.join(' | ')}` })
      .option('checker', { type: 'string', default: 'linearizable', describe: `what to judge: ${CHECKERS.join(' | ')} (set, bank, stats: jsonl or edn histories of ops)` })
      .option('total', { type: 'string', describe: 'bank: the constant sum of all balances' })
      .option('consistency-models', { type: 'string', describe: 'elle-append, elle-wr: comma-separated, of read-uncommitted | read-committed | snapshot-isolation | repeatable-read | serializable | strong-session-serializable | strict-serializable (default strict-serializable)' })
      .option('model', { type: 'string', describe: `model: ${modelNames.join(' | ')} (porcupine-etcd -> etcd, porcupine-kv -> porcupine-kv by default)` })
      .option('timeout', { type: 'string', describe: 'give up on a file after S seconds (verdict unknown, exit 2)' })
      .option('memory-limit', { type: 'string', alias: 'checker-memory-mb', describe: 'give up when the search caches pass MB megabytes (verdict unknown)' })
      .option('independent', { type: 'boolean', default: false, describe: 'edn: values are jepsen.independent [key value] tuples' })
      .option('json', { type: 'boolean', default: false, describe: 'print the full results as JSON' })
      .example('$0 check --format jsonl --model kv results/latest/history.jsonl', 'a run of ours')
      .example('$0 check --format edn --model cas-register history.edn', 'a Jepsen / Knossos history')
      .example('$0 check --format porcupine-etcd --timeout 60 etcd_*.log', "Porcupine's etcd logs")
      .example('$0 check --format edn --checker bank --total 100 history.edn', 'a Jepsen bank history')
      .example('$0 check --format edn --checker elle-append --consistency-models serializable history.edn', 'a Jepsen list-append history') as never,
  handler: async (argv) => {
    const args = validateCheckArgs(argv);
    await elleModels(args); // a bad model name fails before any file is read
    const codes: number[] = [];
    const results: Array<FileVerdict | { file: string; error: string }> = [];
    const interrupts = new Interrupts((line) => process.stderr.write(`jepsen-ts: ${line}\n`), CANCEL_CHECK).install();
    for (const file of args.files) {
      if (interrupts.interrupted) {
        process.stderr.write(`jepsen-ts: interrupted: ${args.files.length - results.length} file(s) not checked\n`);
        codes.push(EXIT.unknown);
        break;
      }
      try {
        const verdict = await checkFile(file, args, interrupts.signal);
        codes.push(exitCodeFor(verdict.valid));
        results.push(verdict);
        if (!args.json) process.stdout.write(verdictLine(verdict) + '\n');
      } catch (err) {
        if (!(err instanceof UncheckableFile)) throw err;
        codes.push(EXIT.usage);
        results.push({ file, error: err.message });
        process.stderr.write(`jepsen-ts: ${err.message}\n`);
      }
    }
    interrupts.uninstall();
    if (args.json) process.stdout.write(stringifyExact({ format: args.format, checker: args.checker, ...(args.model ? { model: args.model } : {}), results }, 2) + '\n');
    process.exitCode = worstExit(codes);
  },
};
