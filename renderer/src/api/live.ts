/**
 * Turns the UiEvent stream into cache updates: no page polls. Task events are batched (debounced,
 * with a maximum wait) and patched into every cached `tasks.rows` answer; the small queries they
 * affect (hub status, workers, the open task, runs) are invalidated; `output` chunks build the live
 * output of running tasks; a recovered connection refetches everything once.
 */
import type { QueryClient } from '@tanstack/react-query';
import { call } from './client.js';
import { connection, connectionState } from './connection.js';
import { hubKeys, runKeys, taskKeys, workerKeys, type RowsFilter } from './keys.js';
import { applyTaskEvents, isTaskEvent, type RowsData } from './rows-cache.js';
import type { HubEvent, UiEvent } from './types.js';
import type { ThroughputSeries } from '../lib/throughput.js';

export interface LiveOptions {
  /** Quiet time before a batch is applied, and the longest a busy stream waits. */
  debounceMs?: number;
  maxWaitMs?: number;
  /** Runs roll up server-side: refresh them at most this often. */
  runsEveryMs?: number;
  now?: () => number;
}

/** Live output kept per running task (the artifact holds the whole output once it ends). */
export const OUTPUT_CAP_CHARS = 200_000;

export interface LiveOutput {
  text: string;
  truncated: boolean;
}

export class LiveUpdates {
  private pending: HubEvent[] = [];
  private output = new Map<number, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstPendingAt = 0;
  private lastRunsRefresh = 0;
  private runsTimer: ReturnType<typeof setTimeout> | null = null;
  /** Events kept while a rows fetch is in flight, to replay onto its answer (see fetchRows). */
  private log: { n: number; event: HubEvent }[] = [];
  private counter = 0;
  private readonly marks = new Set<number>();
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly runsEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly queryClient: QueryClient,
    private readonly throughput: ThroughputSeries | null,
    options: LiveOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 120;
    this.maxWaitMs = options.maxWaitMs ?? 400;
    this.runsEveryMs = options.runsEveryMs ?? 2000;
    this.now = options.now ?? (() => Date.now());
  }

  handle = (event: UiEvent): void => {
    if (event.kind === 'connection') {
      const previous = connection.set(connectionState(event.online, event.reconnecting));
      // Events were missed while away: one refetch of what is on screen, then events again.
      if (event.online && (previous === 'offline' || previous === 'reconnecting')) void this.queryClient.invalidateQueries();
      return;
    }
    const hubEvent = event.event;
    if (hubEvent.type === 'output') {
      this.output.set(hubEvent.task_id, (this.output.get(hubEvent.task_id) ?? '') + hubEvent.text);
    } else {
      this.pending.push(hubEvent);
      if (this.marks.size > 0) this.log.push({ n: ++this.counter, event: hubEvent });
      this.throughput?.addEvent(hubEvent);
    }
    this.schedule();
  };

  private schedule(): void {
    const now = this.now();
    if (!this.timer) this.firstPendingAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstPendingAt + this.maxWaitMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Applies everything pending now (tests call it directly). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.pending;
    const output = this.output;
    this.pending = [];
    this.output = new Map();
    if (events.length > 0) this.applyTaskEvents(events);
    for (const [taskId, text] of output) {
      this.queryClient.setQueryData<LiveOutput>(taskKeys.output(taskId), (old) => {
        const joined = (old?.text ?? '') + text;
        const truncated = (old?.truncated ?? false) || joined.length > OUTPUT_CAP_CHARS;
        return { text: joined.length > OUTPUT_CAP_CHARS ? joined.slice(-OUTPUT_CAP_CHARS) : joined, truncated };
      });
    }
    if (events.length > 0) this.throughput?.notify();
  }

  private applyTaskEvents(events: HubEvent[]): void {
    const qc = this.queryClient;
    const nowSeconds = this.now() / 1000;
    for (const query of qc.getQueryCache().findAll({ queryKey: taskKeys.rowsAll() })) {
      const data = query.state.data as RowsData | undefined;
      // No data yet: its fetch replays what it missed (fetchRows). Off-screen answers are patched
      // too: a binary search per event is far cheaper than refetching 100,000 rows on return.
      if (!data) continue;
      const filter = query.queryKey[2] as RowsFilter;
      const next = applyTaskEvents(data, events, filter, nowSeconds);
      if (next.data !== data) qc.setQueryData(query.queryKey, next.data);
      if (next.refetch) void qc.invalidateQueries({ queryKey: query.queryKey, exact: true });
    }
    const touched = new Set<number>();
    let runs = false;
    for (const event of events) {
      if (isTaskEvent(event)) {
        touched.add(event.task.task_id);
        // A check task (command, judge) decides a check of the task it checks: that detail changes too.
        const checkOf = event.task.metadata?.check_of;
        if (typeof checkOf === 'number') touched.add(checkOf);
        if (event.task.run_id) runs = true;
      } else if (event.type === 'retried') event.task_ids.forEach((id) => touched.add(id));
      else if (event.type === 'runs_deleted') runs = true;
    }
    for (const taskId of touched) {
      if (qc.getQueryState(taskKeys.detail(taskId))) void qc.invalidateQueries({ queryKey: taskKeys.detail(taskId), exact: true });
    }
    void qc.invalidateQueries({ queryKey: hubKeys.status() });
    void qc.invalidateQueries({ queryKey: workerKeys.all });
    if (runs) this.refreshRuns();
  }

  private refreshRuns(): void {
    if (this.runsTimer) return;
    const wait = Math.max(0, this.lastRunsRefresh + this.runsEveryMs - this.now());
    this.runsTimer = setTimeout(() => {
      this.runsTimer = null;
      this.lastRunsRefresh = this.now();
      void this.queryClient.invalidateQueries({ queryKey: runKeys.all });
    }, wait);
  }

  /**
   * The rows query's fetch: events that arrive while 100,000 rows are on their way are replayed
   * onto the answer, so none is lost between the server's snapshot and the answer's arrival.
   */
  async fetchRows(filter: RowsFilter): Promise<RowsData> {
    const mark = this.counter;
    this.marks.add(mark);
    try {
      const data = await call('tasks.rows', filter);
      const missed = this.log.filter((entry) => entry.n > mark).map((entry) => entry.event);
      return missed.length > 0 ? applyTaskEvents(data, missed, filter, this.now() / 1000).data : data;
    } finally {
      this.marks.delete(mark);
      const oldest = Math.min(...this.marks);
      this.log = this.marks.size === 0 ? [] : this.log.filter((entry) => entry.n > oldest);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.runsTimer) clearTimeout(this.runsTimer);
    this.timer = null;
    this.runsTimer = null;
  }
}
