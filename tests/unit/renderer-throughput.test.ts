/** Throughput and failures per 10 s over 30 min, counted from events and seeded from rows. */
import { describe, expect, it } from 'vitest';
import { bucketOf, ThroughputSeries, totals, WINDOW_SECONDS } from '../../renderer/src/lib/throughput.js';
import { ev, row, task } from '../renderer-helpers.js';

const NOW = 1_700_001_005; // bucket 1_700_001_000

describe('ThroughputSeries', () => {
  it('counts acked done and failed tasks in the 10 s bucket of their finish time', () => {
    const series = new ThroughputSeries(NOW - 100);
    expect(series.addEvent(ev('acked', task(1, { status: 'done', finished_at: NOW - 1 })))).toBe(true);
    series.addEvent(ev('acked', task(2, { status: 'done', finished_at: NOW - 3 })));
    series.addEvent(ev('acked', task(3, { status: 'failed', finished_at: NOW - 12 })));
    // Not endings: a lease, and an ack that put the task back in the queue for another attempt.
    expect(series.addEvent(ev('leased', task(4, { status: 'leased' })))).toBe(false);
    expect(series.addEvent(ev('acked', task(5, { status: 'queued' })))).toBe(false);
    const points = series.points(NOW);
    expect(points).toHaveLength(WINDOW_SECONDS / 10);
    expect(points.at(-1)).toEqual({ at: 1_700_001_000, done: 2, failed: 0 });
    expect(points.at(-2)).toEqual({ at: 1_700_000_990, done: 0, failed: 1 });
    expect(totals(points)).toEqual({ done: 2, failed: 1 });
  });

  it('gives one point per bucket, oldest first, zeros for quiet buckets, and forgets what left the window', () => {
    const series = new ThroughputSeries(NOW);
    series.add('done', NOW - WINDOW_SECONDS - 20);
    const points = series.points(NOW);
    expect(points[0]?.at).toBe(bucketOf(NOW) - WINDOW_SECONDS + 10);
    expect(points.every((p, i) => i === 0 || p.at - (points[i - 1]?.at ?? 0) === 10)).toBe(true);
    expect(totals(points)).toEqual({ done: 0, failed: 0 });
  });

  it('seeds only the time before it listened, once, so no task is counted twice', () => {
    const liveSince = NOW - 50;
    const series = new ThroughputSeries(liveSince);
    const seeded = [
      row(1, { status: 'done', updated_at: NOW - 100 }),
      row(2, { status: 'failed', updated_at: NOW - 100 }),
      row(3, { status: 'done', updated_at: NOW - 10 }), // after liveSince: its event counts it
      row(4, { status: 'done', updated_at: NOW - WINDOW_SECONDS - 100 }), // outside the window
      row(5, { status: 'queued', updated_at: NOW - 100 }),
    ];
    series.addEvent(ev('acked', task(3, { status: 'done', finished_at: NOW - 10 })));
    expect(series.seed(seeded, NOW)).toBe(true);
    expect(series.seed(seeded, NOW)).toBe(false);
    expect(totals(series.points(NOW))).toEqual({ done: 2, failed: 1 });
  });

  it('tells subscribers when notified and moves its revision with every count', () => {
    const series = new ThroughputSeries(NOW);
    let calls = 0;
    const unsubscribe = series.subscribe(() => calls++);
    const before = series.getRevision();
    series.add('failed', NOW);
    expect(series.getRevision()).not.toBe(before);
    series.notify();
    unsubscribe();
    series.notify();
    expect(calls).toBe(1);
  });
});
