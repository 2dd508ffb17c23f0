/**
 * checkAll: the composite verdict of a run (`test`, `analyze`). A history without a single client
 * operation is not a silent VALID: nothing was checked, so the verdict is unknown. < 1 s.
 */
import { describe, expect, it } from 'vitest';
import type { History } from './history.js';
import { checkAll, NOTHING_CHECKED, type Checker } from './checker.js';

const alwaysValid: Checker = { name: 'always', check: () => ({ valid: true }) };

describe('checkAll', () => {
  it('an empty history, or one of nemesis events only: unknown, saying nothing was checked', async () => {
    const nemesisOnly: History = [{ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'start-partition', value: null }];
    for (const history of [[], nemesisOnly]) {
      expect(await checkAll([alwaysValid], history, {})).toEqual({ valid: 'unknown', results: { history: { valid: 'unknown', error: NOTHING_CHECKED } } });
    }
    expect(NOTHING_CHECKED).toBe('0 client operations: nothing was checked');
  });

  it('a history with a client operation goes to the checkers', async () => {
    const history: History = [{ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null }];
    expect(await checkAll([alwaysValid], history, {})).toEqual({ valid: true, results: { always: { valid: true } } });
  });
});
