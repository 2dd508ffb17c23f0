/** Perf data: latency points, throughput, nemesis windows, quantiles, and compact output for 100k ops. */
import { describe, expect, it } from 'vitest';
import type { History, Op } from '../ground/history.js';
import { perfChecker, perfData, quantilesOf } from './perf.js';

const MS = 1e6;

describe('perf data', () => {
  const h: History = [
    { index: 0, time: 0, process: 0, type: 'invoke', f: 'read' },
    { index: 1, time: 10 * MS, process: 0, type: 'ok', f: 'read', value: 1 },
    { index: 2, time: 500 * MS, process: 'nemesis', type: 'info', f: 'start-partition', value: { n1: ['n2'] } },
    { index: 3, time: 600 * MS, process: 1, type: 'invoke', f: 'write', value: 2 },
    { index: 4, time: 1600 * MS, process: 1, type: 'info', f: 'write', value: 2 },
    { index: 5, time: 1700 * MS, process: 'nemesis', type: 'info', f: 'stop-partition' },
    { index: 6, time: 1800 * MS, process: 'nemesis', type: 'info', f: 'start-kill', value: ['n3'] },
    { index: 7, time: 1900 * MS, process: 'nemesis', type: 'info', f: 'bump-clock', value: 5 },
    { index: 8, time: 2100 * MS, process: 2, type: 'invoke', f: 'read' },
    { index: 9, time: 2105 * MS, process: 2, type: 'fail', f: 'read' },
    { index: 10, time: 2200 * MS, process: 3, type: 'invoke', f: 'read' },
  ];

  it('reports latency points, throughput per second, nemesis windows and quantiles; valid is data, not a verdict', async () => {
    const r = await perfChecker().check(h, {});
    expect(r.valid).toBe(true);
    const d = perfData(h);
    expect(d.durationS).toBe(2.2);
    expect(d.latencies.points).toEqual([
      [0, 10, 'ok', 'read'],
      [0.6, 1000, 'info', 'write'],
      [2.1, 5, 'fail', 'read'],
    ]);
    expect(d.throughput.series).toEqual({ 'read ok': [1, 0, 0], 'write info': [0, 1, 0], 'read fail': [0, 0, 1] });
    expect(d.nemesis.windows).toEqual([
      { f: 'partition', startS: 0.5, stopS: 1.7, value: { n1: ['n2'] } },
      { f: 'kill', startS: 1.8, stopS: null, value: ['n3'] },
    ]);
    expect(d.nemesis.events).toEqual([{ f: 'bump-clock', timeS: 1.9, value: 5 }]);
    expect(d.quantiles.read).toEqual({ ok: { count: 1, p50: 10, p95: 10, p99: 10, max: 10 }, fail: { count: 1, p50: 5, p95: 5, p99: 5, max: 5 } });
  });

  it('pairs Jepsen-style start/stop nemesis ops (an invoke and an info each)', () => {
    const ops: History = [
      { index: 0, time: 0, process: 'nemesis', type: 'invoke', f: 'start' },
      { index: 1, time: 1e9, process: 'nemesis', type: 'info', f: 'start', value: 'Cut off' },
      { index: 2, time: 3e9, process: 'nemesis', type: 'invoke', f: 'stop' },
      { index: 3, time: 4e9, process: 'nemesis', type: 'info', f: 'stop' },
    ];
    expect(perfData(ops).nemesis.windows).toEqual([{ f: 'nemesis', startS: 0, stopS: 3 }]);
  });

  it('computes nearest-rank quantiles', () => {
    const q = quantilesOf(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(q).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('keeps 100k-op output compact: sampled points, every info kept, exact counts', () => {
    const big: Op[] = [];
    for (let i = 0; i < 50_000; i++) {
      const t = i * 2 * MS;
      big.push({ index: 2 * i, time: t, process: i, type: 'invoke', f: i % 2 ? 'read' : 'write' });
      big.push({ index: 2 * i + 1, time: t + MS, process: i, type: i % 1000 === 7 ? 'info' : 'ok', f: i % 2 ? 'read' : 'write' });
    }
    const d = perfData(big, { maxPoints: 5_000 });
    expect(d.latencies.total).toBe(50_000);
    expect(d.latencies.sampled).toBe(true);
    expect(d.latencies.points.length).toBeGreaterThanOrEqual(5_000);
    expect(d.latencies.points.length).toBeLessThanOrEqual(5_050);
    expect(d.latencies.points.filter((p) => p[2] === 'info')).toHaveLength(50);
    const perSecond = d.throughput.series['read ok'];
    expect(perSecond).toHaveLength(100);
    expect(perSecond.reduce((a, b) => a + b, 0)).toBe(24_950);
    expect(JSON.stringify(d).length).toBeLessThan(400_000);
  });
});
