/**
 * The linearizability search's default memory ceiling (checkers/linearizable/check.ts), here on
 * its own so that `test`'s option parsing can name it without loading any checker at start-up
 * (harness/cli.test.ts).
 */
import { getHeapStatistics } from 'node:v8';

/** 1 GiB, or half of V8's heap limit when that is smaller (states may live on the JS heap). */
export const DEFAULT_MEMORY_LIMIT_MB = Math.min(1024, Math.floor(getHeapStatistics().heap_size_limit / (2 * 1024 * 1024)));
