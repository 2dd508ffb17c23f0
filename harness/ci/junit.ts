/**
 * JUnit XML for CI dashboards (`--junit FILE`): one testcase per run, named by test and seed;
 * INVALID is a failure carrying the first failing checker and its reason, a run without a
 * verdict (unknown, crashed, interrupted) an error; properties hold the seed, commit and the
 * command that replays the run. Written with junit-report-builder, the format's common writer.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import junitModule, { type Builder } from 'junit-report-builder';
import { writeText } from '../store.js';
import type { RunOutcome } from './outcome.js';

// The package is CommonJS (module.exports = builder) but its types declare an ES default export:
// Node hands us the builder itself, TypeScript expects it under `.default`.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;

/** The testcase name of a run: "<test name> seed <seed>". */
export const caseName = (o: RunOutcome): string => `${o.name} seed ${o.seed ?? '?'}`;

/** The JUnit document for `outcomes` (one testsuite named `suite`). */
export function junitXml(suite: string, outcomes: readonly RunOutcome[]): string {
  const builder = junit.newBuilder();
  const ts = builder.testSuite().name(suite);
  for (const o of outcomes) {
    const tc = ts.testCase().className(`jepsen-ts.${o.name}`).name(caseName(o)).time(o.seconds);
    tc.property('seed', String(o.seed ?? ''));
    tc.property('verdict', o.verdict);
    tc.property('run', o.dir);
    if (o.commit) tc.property('commit', o.commit);
    if (o.replay) tc.property('replay', o.replay);
    if (o.verdict === 'INVALID') tc.failure(o.failure ? `${o.failure.checker}: ${o.failure.reason}` : 'INVALID', 'INVALID');
    else if (o.verdict !== 'VALID') tc.error(o.error ?? o.verdict, o.verdict);
    tc.standardOutput(`run: ${o.dir}${o.report ? `\nreport: ${o.report}` : ''}${o.replay ? `\nreplay: ${o.replay}` : ''}`);
  }
  return builder.build();
}

/** Writes the JUnit document to `file` (its directory created), atomically. */
export function writeJunit(file: string, suite: string, outcomes: readonly RunOutcome[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeText(file, junitXml(suite, outcomes));
}
