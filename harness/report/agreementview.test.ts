/** The agreement view of a replica-state failure (decided logs agree, applied state does not). */
import { describe, expect, it } from 'vitest';
import { findStateFailure, stateFailureView } from './agreementview.js';

describe('agreement view: replica state', () => {
  it('takes the failed state check from the agreement result and shows the key, escaped', () => {
    const result = { valid: false, state: { valid: false, summary: 'state digests: n5 <differs>', firstDivergence: { node: 'n5', index: 32, key: 'r5', value: 4, expected: 1 } } };
    const f = findStateFailure(result)!;
    expect(f.firstDivergence).toMatchObject({ node: 'n5', key: 'r5' });
    const html = stateFailureView(f);
    expect(html).toContain('state digests: n5 &lt;differs&gt;');
    expect(html).toContain('<td>r5</td><td><code>4</code></td><td><code>1</code></td>');
  });

  it('nothing when the state check passed or was skipped', () => {
    expect(findStateFailure({ valid: false, state: { valid: true, summary: 'ok' } })).toBeUndefined();
    expect(findStateFailure({ valid: false })).toBeUndefined();
  });
});
