/**
 * `jepsen-ts check` end to end: the real CLI (compiled dist/, run `npx tsc` first) on Porcupine's
 * files, Knossos/Jepsen EDN and our JSONL, asserting exit codes and the lines printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../ground/runtime.js';
import { checkFile, UncheckableFile, validateCheckArgs } from './check.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}bin/jepsen-ts.js`;
const porcupine = `${root}test/fixtures/porcupine/test_data`;
const etcd = (n: string) => `${porcupine}/jepsen/etcd_${n}.log`;
const kv = (name: string) => `${porcupine}/kv/${name}.txt`;
const fixture = (name: string) => `${root}checkers/formats/fixtures/${name}`;

/** In process: one file through the same validation and checking as the CLI. */
const judge = (argv: Record<string, unknown>, file: string) => checkFile(file, validateCheckArgs({ ...argv, files: [file] }));

async function check(...args: string[]) {
  const r = await execa('node', [bin, 'check', ...args], { reject: false, cwd: root, timeout: 60_000 });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(`${root}dist/harness/commands/check.js`)) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first');
  if (!existsSync(porcupine)) throw new Error(`Porcupine test data missing at ${porcupine}`);
});

describe('jepsen-ts check', () => {
  it('porcupine-etcd: one line per file, exit code of the worst verdict, the reason for an invalid one', async () => {
    const r = await check('--format', 'porcupine-etcd', etcd('005'), etcd('038'), etcd('000'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      expect.stringMatching(/etcd_005\.log: valid \(79 ops, \d+ ms\)$/),
      expect.stringMatching(/etcd_038\.log: valid \(87 ops, \d+ ms\)$/),
      // Which op the longest prefix stops at depends on the search order: only its shape is pinned.
      expect.stringMatching(/etcd_000\.log: INVALID \(85 ops, \d+ ms\): partition 0 is not linearizable: no linearization gets past (read|write|cas)\(.* \(longest linearizable prefix: \d+ ops, ending in state (\d+|nil)\)$/),
    ]);
  });

  it('porcupine-kv: c01 ok and bad; the same files read as EDN with the porcupine-kv model agree', async () => {
    const r = await check('--format', 'porcupine-kv', kv('c01-ok'), kv('c01-bad'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/c01-ok\.txt: valid \(58 ops, \d+ ms\)\n.*c01-bad\.txt: INVALID \(38 ops, \d+ ms\): partition \d+ \(key "\d"\) is not linearizable/);
    expect(await judge({ format: 'edn', model: 'porcupine-kv' }, kv('c01-ok'))).toMatchObject({ valid: true, ops: 58 });
    expect(await judge({ format: 'edn', model: 'porcupine-kv' }, kv('c01-bad'))).toMatchObject({ valid: false, ops: 38 });
  });

  it('edn: Knossos and Jepsen histories, valid and invalid, with independent tuples', async () => {
    const files = ['cas-register-ok', 'knossos-cas-register-bug', 'knossos-memstress3-33', 'cas-register-bad', 'knossos-rethink-fail-minimal', 'knossos-immediate-failure', 'knossos-bad-analysis'];
    const r = await check('--format', 'edn', '--model', 'cas-register', ...files.map((f) => fixture(`${f}.edn`)));
    expect(r.code).toBe(1);
    expect(r.out.split('\n').map((l) => l.replace(/^.*\/|\(.*$/g, ''))).toEqual([
      'cas-register-ok.edn: valid ',
      'knossos-cas-register-bug.edn: valid ',
      'knossos-memstress3-33.edn: valid ',
      'cas-register-bad.edn: INVALID ',
      'knossos-rethink-fail-minimal.edn: INVALID ',
      'knossos-immediate-failure.edn: INVALID ',
      'knossos-bad-analysis.edn: INVALID ',
    ]);
    const tuples = { format: 'edn', model: 'kv', independent: true };
    expect(await judge(tuples, fixture('independent-ok.edn'))).toMatchObject({ valid: true, ops: 4 });
    expect(await judge(tuples, fixture('independent-bad.edn'))).toMatchObject({
      valid: false,
      // The kv model's refutation names both operations.
      reason: 'partition 1 (key "2") is not linearizable: read("2") -> 5 misses write("2", 7), which returned before the read was called, and nothing could come between them to overwrite it',
    });
  });

  it('jsonl: a valid history exits 0; a malformed file exits 254 naming file:line while the others are judged', async () => {
    // A crashed run's history: its torn last line is dropped with a warning, not an error.
    const torn = join(mkdtempSync(join(tmpdir(), 'check-test-')), 'torn.jsonl');
    writeFileSync(torn, readFileSync(fixture('register-ok.jsonl'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n{"index":2,"ti');
    const ok = await check('--format', 'jsonl', '--model', 'cas-register', fixture('register-ok.jsonl'), torn);
    rmSync(dirname(torn), { recursive: true, force: true });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/register-ok\.jsonl: valid \(4 ops, \d+ ms\)\n.*torn\.jsonl: valid \(2 ops, \d+ ms\)$/);
    expect(ok.err).toMatch(/^jepsen-ts: .*torn\.jsonl:3: warning: torn last line dropped/);
    const r = await check('--format', 'jsonl', '--model', 'cas-register', fixture('register-bad.jsonl'), fixture('malformed-pairing.jsonl'));
    expect(r.code).toBe(254);
    expect(r.out).toMatch(/register-bad\.jsonl: INVALID \(3 ops, \d+ ms\)/);
    expect(r.err).toMatch(/^jepsen-ts: .*malformed-pairing\.jsonl:3: ok read of process 1 has no open invocation\n?$/);
  });

  it('malformed EDN, a file in another format than --format, and a model misfit cannot be judged', async () => {
    await expect(judge({ format: 'edn', model: 'cas-register' }, fixture('malformed-unclosed.edn'))).rejects.toThrow(
      new UncheckableFile(`${fixture('malformed-unclosed.edn')}:3: column 52: '}' does not close '[' opened at line 3 column 48`),
    );
    await expect(judge({ format: 'porcupine-etcd' }, kv('c01-ok'))).rejects.toThrow(/c01-ok\.txt:1: not a Jepsen etcd log line/);
    await expect(judge({ format: 'edn', model: 'porcupine-kv' }, fixture('cas-register-ok.edn'))).rejects.toThrow(
      /cas-register-ok\.edn:3: does not fit the porcupine-kv model: history op 0 .*needs a string key/,
    );
    await expect(judge({ format: 'jsonl', model: 'etcd' }, fixture('register-ok.jsonl'))).resolves.toMatchObject({ valid: true });
    await expect(judge({ format: 'jsonl', model: 'porcupine-kv' }, fixture('register-ok.jsonl'))).rejects.toThrow(
      /register-ok\.jsonl:1: does not fit the porcupine-kv model: history op 0 /,
    );
  });

  it.each([
    [{ format: 'xml', model: 'etcd', files: ['f'] }, /--format must be one of jsonl, edn, porcupine-etcd, porcupine-kv/],
    [{ format: 'jsonl', files: [fixture('register-ok.jsonl')] }, /--format jsonl needs --model NAME/],
    [{ format: 'porcupine-kv', model: 'kv', files: [fixture('register-ok.jsonl')] }, /checked with the porcupine-kv model; --model kv does not fit it/],
    [{ format: 'jsonl', model: 'kv', independent: true, files: [fixture('register-ok.jsonl')] }, /--independent applies to --format edn only/],
    [{ format: 'jsonl', model: 'kv', timeout: '-3', files: [fixture('register-ok.jsonl')] }, /--timeout must be 0.001..86400 seconds, got "-3"/],
    [{ format: 'jsonl', model: 'kv', memoryLimit: 'lots', files: [fixture('register-ok.jsonl')] }, /--memory-limit must be 1..1048576 MB, got "lots"/],
    [{ format: 'jsonl', model: 'kv', files: [`${root}no-such-file.jsonl`] }, /no-such-file\.jsonl: cannot read it \(ENOENT\)/],
    [{ format: 'jsonl', model: 'kv', files: [root] }, /not a regular file/],
    [{ format: 'jsonl', model: 'kv', files: [] }, /name at least one history FILE/],
  ])('refuses bad arguments %j with a UsageError', (argv, message) => {
    expect(() => validateCheckArgs(argv)).toThrow(UsageError);
    expect(() => validateCheckArgs(argv)).toThrow(message);
  });

  it.each([
    [{ format: 'jsonl', checker: 'graph', files: [fixture('register-ok.jsonl')] }, /--checker must be one of linearizable, set, bank, stats/],
    [{ format: 'porcupine-kv', checker: 'set', files: [kv('c01-ok')] }, /--checker set judges histories of ops \(--format jsonl or edn\)/],
    [{ format: 'edn', checker: 'set', model: 'kv', files: [fixture('set-lost.edn')] }, /--model applies to --checker linearizable only/],
    [{ format: 'edn', checker: 'bank', files: [fixture('bank.edn')] }, /--checker bank needs --total N/],
    [{ format: 'edn', checker: 'bank', total: 'lots', files: [fixture('bank.edn')] }, /--total must be a number/],
    [{ format: 'edn', checker: 'stats', total: '30', files: [fixture('bank.edn')] }, /--total applies to --checker bank only/],
  ])('refuses bad invariant-checker arguments %j', (argv, message) => {
    expect(() => validateCheckArgs(argv)).toThrow(message);
  });

  it('judges invariants of Jepsen set and bank histories with the run checkers (in process)', async () => {
    const set = await checkFile(fixture('set-lost.edn'), validateCheckArgs({ format: 'edn', checker: 'set', files: [fixture('set-lost.edn')] }));
    expect(set).toMatchObject({ checker: 'set', valid: false, ops: 6, reason: '2 lost [1 4], 1 unexpected [3] of 5 attempted adds' });
    const bankArgs = validateCheckArgs({ format: 'edn', checker: 'bank', total: '30', files: [fixture('bank.edn')] });
    expect(await checkFile(fixture('bank.edn'), bankArgs)).toMatchObject({ valid: false, reason: '1 of 3 reads are wrong; the first (index 9): wrong-total, total 35' });
    const stats = await checkFile(fixture('bank.edn'), validateCheckArgs({ format: 'edn', checker: 'stats', files: [fixture('bank.edn')] }));
    expect(stats).toMatchObject({ valid: true, ops: 5 });
    const jsonlStats = await checkFile(fixture('register-bad.jsonl'), validateCheckArgs({ format: 'jsonl', checker: 'stats', files: [fixture('register-bad.jsonl')] }));
    expect(jsonlStats).toMatchObject({ valid: true, ops: 3 });
    // A register history is no set history: its reads return numbers, so the set checker cannot decide.
    const notASet = await checkFile(fixture('register-ok.jsonl'), validateCheckArgs({ format: 'jsonl', checker: 'set', files: [fixture('register-ok.jsonl')] }));
    expect(notASet).toMatchObject({ valid: 'unknown', reason: 'the final read (index 8) has a non-array value' });
  });

  it('compares numbers beyond 2^53 exactly: JSON.parse would round the bad twins to valid (issue 12)', async () => {
    const files = ['bignum-ok.jsonl', 'bignum-bad.jsonl'].map(fixture);
    const jsonl = await check('--format', 'jsonl', '--model', 'cas-register', ...files);
    expect(jsonl.code).toBe(1);
    expect(jsonl.out.split('\n')).toEqual([
      expect.stringMatching(/bignum-ok\.jsonl: valid \(3 ops, \d+ ms\)$/),
      expect.stringMatching(/bignum-bad\.jsonl: INVALID \(3 ops, \d+ ms\): .*read\(\) -> 9007199254740992 misses write\(9007199254740993\)/),
    ]);
    const edn = await check('--format', 'edn', '--model', 'cas-register', ...['bignum-ok.edn', 'bignum-bad.edn', 'bignum-decimal-bad.edn'].map(fixture));
    expect(edn.code).toBe(1);
    expect(edn.out.split('\n')).toEqual([
      expect.stringMatching(/bignum-ok\.edn: valid \(4 ops, \d+ ms\)$/),
      expect.stringMatching(/bignum-bad\.edn: INVALID \(4 ops, \d+ ms\): .*read\(\) -> 10000000000000000000000000000000000000001 misses write\(10000000000000000000000000000000000000000\)/),
      expect.stringMatching(/bignum-decimal-bad\.edn: INVALID \(2 ops, \d+ ms\): .*read\(\) -> 0\.1 misses write\(1\.0000000000000000000001e-1\)/),
    ]);
    const set = await check('--format', 'jsonl', '--checker', 'set', fixture('bignum-set.jsonl'));
    expect(set.out).toMatch(/bignum-set\.jsonl: INVALID \(2 ops, \d+ ms\): 1 lost \[9007199254740993\], 1 unexpected \[9007199254740992\] of 1 attempted adds$/);
    const bank = await check('--format', 'jsonl', '--checker', 'bank', '--total', '9007199254740993', fixture('bignum-bank.jsonl'));
    expect(bank.out).toMatch(/bignum-bank\.jsonl: INVALID \(2 ops, \d+ ms\): 1 of 2 reads are wrong; the first \(index 3\): wrong-total, total 9007199254740992$/);
    expect(bank.code).toBe(1);
  });

  it('accepts good arguments, with the format default model and the timeout in ms', () => {
    expect(validateCheckArgs({ format: 'porcupine-etcd', files: [etcd('000')], timeout: '2.5' })).toMatchObject({ model: 'etcd', timeoutMs: 2500, independent: false });
  });

  it('bad arguments on the real CLI exit 254 with one line and nothing on stdout', async () => {
    // Also proves --checker and --total reach the validation (both are read from argv).
    const r = await check('--format', 'edn', '--checker', 'bank', '--total', 'lots', fixture('bank.edn'));
    expect(r.code).toBe(254);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^jepsen-ts: --total must be a number, got "lots"/);
    expect(r.out).toBe('');
  });

  it('input nested 100k deep (JSONL, EDN): one line naming the file and line, exit 254, no stack overflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-deep-'));
    try {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const jsonl = join(dir, 'deep.jsonl');
      writeFileSync(jsonl, `{"index":0,"time":0,"process":0,"type":"invoke","f":"write","value":${deep}}\n{"index":1,"time":1,"process":0,"type":"ok","f":"write","value":1}\n`);
      const edn = join(dir, 'deep.edn');
      writeFileSync(edn, `[{:process 0 :type :invoke :f :write :value 1}\n{:process 0 :type :ok :f :write :value ${deep}}]\n`);
      const whole = join(dir, 'whole.edn');
      writeFileSync(whole, `${deep}\n`);
      const tagged = join(dir, 'tagged.edn');
      writeFileSync(tagged, `{:process 0 :type :invoke :f :write :value ${'#x '.repeat(100_000)}1}\n`);
      for (const [format, file, line, args] of [['jsonl', jsonl, 1, ['--model', 'cas-register']], ['jsonl', jsonl, 1, ['--checker', 'set']], ['edn', edn, 2, ['--model', 'cas-register']], ['edn', whole, 1, ['--checker', 'stats']], ['edn', tagged, 1, ['--checker', 'stats']]] as const) {
        const r = await check('--format', format, ...args, file);
        expect(r.code, r.err).toBe(254);
        expect(r.err).toBe(`jepsen-ts: ${file}:${line}: nested deeper than 100 levels`);
        expect(r.out).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a history with no client operation is not a silent valid: unknown, exit 2, saying nothing was checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-empty-'));
    try {
      const empty = join(dir, 'empty.txt');
      writeFileSync(empty, '');
      const nemesisOnly = join(dir, 'nemesis.jsonl');
      writeFileSync(nemesisOnly, '{"index":0,"time":0,"process":"nemesis","type":"info","f":"start-partition","value":null}\n');
      for (const args of [['--format', 'jsonl', '--model', 'kv'], ['--format', 'edn', '--model', 'cas-register'], ['--format', 'edn', '--checker', 'set'], ['--format', 'porcupine-etcd'], ['--format', 'porcupine-kv']]) {
        const r = await check(...args, empty);
        expect(r.code, `${args.join(' ')}: ${r.out}${r.err}`).toBe(2);
        expect(r.out).toMatch(new RegExp(`^${empty}: unknown \\(0 ops, \\d+ ms\\): 0 client operations: nothing was checked$`));
      }
      const r = await check('--format', 'jsonl', '--checker', 'stats', nemesisOnly);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/nemesis\.jsonl: unknown \(0 ops, \d+ ms\): 0 client operations: nothing was checked$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--timeout and --memory-limit have ranges, as every number the CLI takes', async () => {
    const r = await check('--format', 'porcupine-etcd', '--timeout', '1e300', etcd('000'));
    expect(r.code).toBe(254);
    expect(r.err).toBe('jepsen-ts: --timeout must be 0.001..86400 seconds, got "1e300"');
    expect(() => validateCheckArgs({ format: 'porcupine-etcd', files: [etcd('000')], memoryLimit: '1e300' })).toThrow(/^--memory-limit must be 1..1048576 MB, got "1e300"$/);
  });

  it('a timeout gives unknown and exit 2; --json prints full results', async () => {
    const slow = await check('--format', 'porcupine-kv', '--timeout', '0.001', kv('c50-ok'));
    expect(slow.code).toBe(2);
    expect(slow.out).toMatch(/c50-ok\.txt: unknown \(1712 ops, \d+ ms\): timed out/);
    const json = await check('--format', 'porcupine-etcd', '--json', etcd('000'));
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out);
    expect(parsed).toMatchObject({ format: 'porcupine-etcd', model: 'etcd', results: [{ valid: false, ops: 85, outcome: { result: 'illegal' } }] });
    expect(parsed.results[0].outcome.partitions[0].info.prefix.length).toBeGreaterThan(0);
  });
});
