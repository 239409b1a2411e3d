/** UiEvents become cache updates: rows patched, small queries invalidated, output kept, misses refetched. */
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import { setTransport } from '../../renderer/src/api/client.js';
import { connection } from '../../renderer/src/api/connection.js';
import { hubKeys, taskKeys, workerKeys } from '../../renderer/src/api/keys.js';
import { LiveUpdates, OUTPUT_CAP_CHARS, type LiveOutput } from '../../renderer/src/api/live.js';
import type { RowsData } from '../../renderer/src/api/rows-cache.js';
import type { MitteloApi } from '../../core/api.js';
import type { UiEvent } from '../../renderer/src/api/types.js';
import { ThroughputSeries } from '../../renderer/src/lib/throughput.js';
import { ev, rows, stats, task } from '../renderer-helpers.js';

const hub = (event: ReturnType<typeof ev>): UiEvent => ({ kind: 'hub', event });

function setup() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
  const throughput = new ThroughputSeries(0);
  const live = new LiveUpdates(queryClient, throughput, { debounceMs: 10_000, maxWaitMs: 10_000 });
  return { queryClient, throughput, live };
}

/** A rows query with an observer, like the mounted Tasks page. */
function watchRows(queryClient: QueryClient, filter = {}, data: RowsData = { rows: rows(3), stats }) {
  queryClient.setQueryData(taskKeys.rows(filter), data);
  const observer = new QueryObserver(queryClient, { queryKey: taskKeys.rows(filter), queryFn: () => data, staleTime: Infinity });
  const unsubscribe = observer.subscribe(() => undefined);
  return { unsubscribe, get: () => queryClient.getQueryData<RowsData>(taskKeys.rows(filter)) };
}

afterEach(() => {
  setTransport(null);
  connection.set('unknown');
});

describe('LiveUpdates', () => {
  it('applies a batch of task events to every watched rows query at flush, not per event', () => {
    const { queryClient, live } = setup();
    const all = watchRows(queryClient);
    const failed = watchRows(queryClient, { status: 'failed' }, { rows: [], stats });
    live.handle(hub(ev('enqueued', task(4))));
    live.handle(hub(ev('acked', task(2, { status: 'failed' }))));
    expect(all.get()?.rows.map((r) => r.task_id)).toEqual([3, 2, 1]); // not yet: batched
    live.flush();
    expect(all.get()?.rows.map((r) => `${r.task_id}:${r.status}`)).toEqual(['4:queued', '3:queued', '2:failed', '1:queued']);
    expect(failed.get()?.rows.map((r) => r.task_id)).toEqual([2]);
    live.dispose();
  });

  it('patches rows answers that are off screen too, so going back to Tasks needs no refetch', () => {
    const { queryClient, live } = setup();
    queryClient.setQueryData(taskKeys.rows({ backend: 'echo' }), { rows: rows(2), stats });
    live.handle(hub(ev('enqueued', task(9))));
    live.flush();
    expect(queryClient.getQueryData<RowsData>(taskKeys.rows({ backend: 'echo' }))?.rows.map((r) => r.task_id)).toEqual([9, 2, 1]);
    expect(queryClient.getQueryState(taskKeys.rows({ backend: 'echo' }))?.isInvalidated).toBe(false);
  });

  it('invalidates hub status, workers and the open task the events touch', () => {
    const { queryClient, live } = setup();
    queryClient.setQueryData(hubKeys.status(), { x: 1 });
    queryClient.setQueryData(workerKeys.list(), { workers: [] });
    queryClient.setQueryData(taskKeys.detail(2), { task: task(2), artifact: null });
    queryClient.setQueryData(taskKeys.detail(3), { task: task(3), artifact: null });
    live.handle(hub(ev('leased', task(2, { status: 'leased' }))));
    live.flush();
    expect(queryClient.getQueryState(hubKeys.status())?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(workerKeys.list())?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(taskKeys.detail(2))?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(taskKeys.detail(3))?.isInvalidated).toBe(false);
  });

  it('collects output chunks per task, keeping the tail beyond the cap', () => {
    const { queryClient, live } = setup();
    const out = (text: string): UiEvent => ({ kind: 'hub', event: { seq: 1, type: 'output', task_id: 5, worker_id: 'w', stream: 'stdout', text } });
    live.handle(out('line 1\n'));
    live.handle(out('line 2\n'));
    live.flush();
    expect(queryClient.getQueryData<LiveOutput>(taskKeys.output(5))).toEqual({ text: 'line 1\nline 2\n', truncated: false });
    live.handle(out('x'.repeat(OUTPUT_CAP_CHARS)));
    live.flush();
    const capped = queryClient.getQueryData<LiveOutput>(taskKeys.output(5));
    expect(capped?.text).toHaveLength(OUTPUT_CAP_CHARS);
    expect(capped?.truncated).toBe(true);
  });

  it('counts finished tasks for the throughput plot', () => {
    const { throughput, live } = setup();
    live.handle(hub(ev('acked', task(1, { status: 'done', finished_at: 1000 }))));
    expect(throughput.points(1005).at(-1)).toEqual({ at: 1000, done: 1, failed: 0 });
  });

  it('sets the connection state and refetches everything once after a recovery', () => {
    const { queryClient, live } = setup();
    queryClient.setQueryData(hubKeys.status(), { x: 1 });
    live.handle({ kind: 'connection', online: true, reconnecting: false });
    expect(connection.get()).toBe('online');
    expect(queryClient.getQueryState(hubKeys.status())?.isInvalidated).toBe(false);
    live.handle({ kind: 'connection', online: false, reconnecting: true });
    expect(connection.get()).toBe('reconnecting');
    live.handle({ kind: 'connection', online: false, reconnecting: false });
    expect(connection.get()).toBe('offline');
    live.handle({ kind: 'connection', online: true, reconnecting: false });
    expect(connection.get()).toBe('online');
    expect(queryClient.getQueryState(hubKeys.status())?.isInvalidated).toBe(true);
  });

  it('replays events that arrive while the rows are loading onto the answer', async () => {
    const { live } = setup();
    let answer: (data: RowsData) => void = () => undefined;
    const fake = {
      call: () => new Promise<RowsData>((resolve) => (answer = resolve)),
      subscribe: () => () => undefined,
    } as unknown as MitteloApi;
    setTransport(fake);
    const loading = live.fetchRows({});
    // The server took its snapshot (tasks 1-3 queued); then task 4 arrives and task 1 finishes.
    live.handle(hub(ev('enqueued', task(4))));
    live.handle(hub(ev('acked', task(1, { status: 'done' }))));
    answer({ rows: rows(3), stats });
    const data = await loading;
    expect(data.rows.map((r) => `${r.task_id}:${r.status}`)).toEqual(['4:queued', '3:queued', '2:queued', '1:done']);
    live.dispose();
  });
});
