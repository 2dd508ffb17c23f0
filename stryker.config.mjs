// Mutation testing of paxos/core's protocol files against the fast tier (vitest.mutation.config.ts).
// `npm run mutation`; report in reports/mutation; survivors triaged in paxos/core/MUTATION.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  // A static mutant (module-load code: constants) would run the whole tier, the model checker
  // included, for each mutant; the protocol is in the step functions.
  ignoreStatic: true,
  concurrency: 2,
  mutate: ['paxos/core/{acceptor,leader,learner,client,reads,step,state,kv,ballot,dispatch,roles}.ts'],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 10_000,
};
