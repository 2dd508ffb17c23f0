import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function sink(isTTY: boolean) {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (c) => (text += c));
  return { out, text: () => text };
}

describe('Progress', () => {
  it('off a terminal writes plain lines with no control characters', async () => {
    const s = sink(false);
    const p = new Progress({ out: s.out, timeLimitMs: 10_000, plainEveryMs: 20 });
    p.start();
    p.setPhase('main');
    p.onOp({ index: 0, time: 0, process: 0, type: 'ok', f: 'read' });
    p.onOp({ index: 1, time: 1, process: 'nemesis', type: 'info', f: 'start-partition', value: {} });
    await new Promise((r) => setTimeout(r, 70));
    p.message('done');
    p.stop();
    expect(s.text()).not.toMatch(/[\r\x1b]/);
    expect(s.text()).toContain('phase: main\n');
    expect(s.text()).toMatch(/\[\d+\.\ds \/ 10s\] main {2}ok 1 {2}fail 0 {2}info 0 {2}faults: partition\n/);
    expect(s.text().endsWith('done\n')).toBe(true);
  });

  it('on a terminal redraws one line in place and clears it before a message', async () => {
    const s = sink(true);
    const p = new Progress({ out: s.out, timeLimitMs: 5_000 });
    p.start();
    p.setPhase('main');
    p.onOp({ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'start-kill', value: null });
    p.onOp({ index: 1, time: 1, process: 'nemesis', type: 'info', f: 'stop-kill', value: null });
    p.onOp({ index: 2, time: 2, process: 3, type: 'info', f: 'write' });
    await new Promise((r) => setTimeout(r, 300));
    p.message('verdict: VALID');
    p.stop();
    expect(s.text()).toMatch(/\r\x1b\[K\[\d+\.\ds \/ 5s\] main {2}ok 0 {2}fail 0 {2}info 1 {2}faults: none/);
    expect(s.text()).toContain('\r\x1b[Kverdict: VALID\n');
    expect(s.text()).not.toContain('phase: main');
  });

  it('counts the main phase: invocations and completions while it runs, and its length', async () => {
    const s = sink(false);
    const p = new Progress({ out: s.out, timeLimitMs: 1_000 });
    const invoke = (index: number) => p.onOp({ index, time: 0, process: 0, type: 'invoke', f: 'read' });
    p.setPhase('setup');
    invoke(0); // setup's ops are not the main phase's
    expect(p.mainPhase()).toBeNull();
    p.setPhase('main');
    invoke(1);
    p.onOp({ index: 2, time: 0, process: 0, type: 'ok', f: 'read' });
    invoke(3);
    await new Promise((r) => setTimeout(r, 50));
    p.setPhase('heal');
    invoke(4); // recovery: not counted
    const main = p.mainPhase()!;
    expect(main).toMatchObject({ invoked: 2, completed: 1 });
    expect(main.seconds).toBeGreaterThanOrEqual(0.045);
    expect(main.seconds).toBeLessThan(1);
  });
});
