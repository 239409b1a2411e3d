/** The Tasks table's cache stays right under events without refetching 100,000 rows. */
import { describe, expect, it } from 'vitest';
import { applyTaskEvents, findRow, taskToRow } from '../../renderer/src/api/rows-cache.js';
import { ev, row, rows, stats, task } from '../renderer-helpers.js';

const ids = (data: { rows: { task_id: number }[] }) => data.rows.map((r) => r.task_id);

describe('findRow', () => {
  it('finds ids in newest-first rows by binary search, and the insertion point of missing ones', () => {
    const list = [row(9), row(7), row(4), row(2)];
    expect(findRow(list, 7)).toEqual({ index: 1, found: true });
    expect(findRow(list, 10)).toEqual({ index: 0, found: false });
    expect(findRow(list, 5)).toEqual({ index: 2, found: false });
    expect(findRow(list, 1)).toEqual({ index: 4, found: false });
    expect(findRow([], 1)).toEqual({ index: 0, found: false });
  });
});

describe('applyTaskEvents', () => {
  it('puts an enqueued task on top and updates a known one in place', () => {
    const data = { rows: rows(3), stats };
    const leased = task(2, { status: 'leased', worker_id: 'w1' });
    const next = applyTaskEvents(data, [ev('enqueued', task(4)), ev('leased', leased)], {}, 0);
    expect(ids(next.data)).toEqual([4, 3, 2, 1]);
    expect(next.data.rows[2]).toMatchObject({ task_id: 2, status: 'leased', worker_id: 'w1' });
    expect(next.refetch).toBe(false);
    expect(data.rows).toHaveLength(3); // the cached answer itself is never mutated
  });

  it('drops a task that leaves a status filter and adds one that enters it', () => {
    const data = { rows: [row(5, { status: 'failed' }), row(3, { status: 'failed' })], stats };
    const next = applyTaskEvents(
      data,
      [ev('acked', task(4, { status: 'failed' })), ev('leased', task(3, { status: 'leased' })), ev('acked', task(6, { status: 'done' }))],
      { status: 'failed' },
      0,
    );
    expect(ids(next.data)).toEqual([5, 4]);
  });

  it('applies backend, run and case-insensitive search filters to tasks it has not seen', () => {
    const data = { rows: [], stats };
    const events = [
      ev('enqueued', task(1, { backend: 'echo', prompt: 'Fix the Parser' })),
      ev('enqueued', task(2, { backend: 'claude_code', prompt: 'fix the parser' })),
      ev('enqueued', task(3, { backend: 'echo', prompt: 'write docs' })),
    ];
    expect(ids(applyTaskEvents(data, events, { backend: 'echo', search: 'PARSER' }, 0).data)).toEqual([1]);
    expect(ids(applyTaskEvents(data, [ev('enqueued', task(4, { run_id: 'r1' })), ...events], { run_id: 'r1' }, 0).data)).toEqual([4]);
  });

  it('returns the same object when no event concerns the filter, so the table does not re-render', () => {
    const data = { rows: rows(2), stats };
    const next = applyTaskEvents(data, [ev('enqueued', task(9, { backend: 'other' }))], { backend: 'echo' }, 0);
    expect(next.data).toBe(data);
  });

  it('keeps at most the limit: new tasks push the oldest out, older tasks beyond a cut answer stay out', () => {
    const data = { rows: rows(3, 10), stats }; // 12, 11, 10
    expect(ids(applyTaskEvents(data, [ev('enqueued', task(13))], { limit: 3 }, 0).data)).toEqual([13, 12, 11]);
    expect(applyTaskEvents(data, [ev('acked', task(2, { status: 'done' }))], { limit: 3 }, 0).data).toBe(data);
    // Not cut at the limit: an old task belongs at the bottom.
    expect(ids(applyTaskEvents(data, [ev('acked', task(2, { status: 'done' }))], { limit: 10 }, 0).data)).toEqual([12, 11, 10, 2]);
  });

  it('applies events in order: the last state of a task wins', () => {
    const data = { rows: [], stats };
    const t = task(1);
    const next = applyTaskEvents(
      data,
      [ev('enqueued', t), ev('leased', { ...t, status: 'leased' }), ev('acked', { ...t, status: 'done', result: 'ok' })],
      {},
      0,
    );
    expect(next.data.rows).toEqual([taskToRow({ ...t, status: 'done' })]);
  });

  it('marks retried rows queued; under a queued filter it asks for a refetch (the event carries ids only)', () => {
    const data = { rows: [row(2, { status: 'failed', worker_id: 'w' }), row(1, { status: 'cancelled' })], stats };
    const retried = { seq: 99, type: 'retried' as const, task_ids: [2] };
    const all = applyTaskEvents(data, [retried], {}, 1234);
    expect(all.data.rows[0]).toMatchObject({ task_id: 2, status: 'queued', worker_id: null, updated_at: 1234 });
    expect(all.refetch).toBe(false);
    expect(ids(applyTaskEvents(data, [retried], { status: 'failed' }, 0).data)).toEqual([1]);
    expect(applyTaskEvents(data, [retried], { status: 'queued' }, 0).refetch).toBe(true);
  });

  it('patches 100,000 rows with a batch of 1,000 events', () => {
    const data = { rows: rows(100_000), stats };
    const events = Array.from({ length: 1000 }, (_, i) => ev('acked', task(1 + i * 97, { status: 'done' })));
    const next = applyTaskEvents(data, events, {}, 0);
    expect(next.data.rows).toHaveLength(100_000);
    expect(next.data.rows.filter((r) => r.status === 'done')).toHaveLength(1000);
  });

  it('cuts the preview to 120 characters', () => {
    expect(taskToRow(task(1, { prompt: 'x'.repeat(500) })).prompt_preview).toHaveLength(120);
  });
});
