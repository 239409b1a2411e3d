/**
 * Throughput and failures over time, built in the client: tasks that ended done or failed, counted
 * per 10 s bucket over the last 30 min. Live `acked` events feed it from the moment the app
 * listens; finished rows loaded once seed the time before that, so nothing is counted twice.
 * Pure apart from its listeners: tested in tests/unit/renderer-throughput.test.ts.
 */
import type { HubEvent, TaskRow } from '../api/types.js';

export const BUCKET_SECONDS = 10;
export const WINDOW_SECONDS = 30 * 60;

export interface SeriesPoint {
  /** Bucket start, seconds since the epoch. */
  at: number;
  done: number;
  failed: number;
}

export function bucketOf(at: number, size = BUCKET_SECONDS): number {
  return Math.floor(at / size) * size;
}

export class ThroughputSeries {
  private readonly buckets = new Map<number, { done: number; failed: number }>();
  private readonly listeners = new Set<() => void>();
  private seeded = false;
  private revision = 0;

  /** Events count from here on; seeding only fills the time before it. */
  constructor(readonly liveSince: number) {}

  add(status: 'done' | 'failed', at: number): void {
    const key = bucketOf(at);
    const bucket = this.buckets.get(key) ?? { done: 0, failed: 0 };
    bucket[status] += 1;
    this.buckets.set(key, bucket);
    this.revision += 1;
  }

  /** Counts a task that ended; true when the event changed the series. */
  addEvent(event: HubEvent): boolean {
    if (event.type !== 'acked') return false;
    const { task } = event;
    if (task.status !== 'done' && task.status !== 'failed') return false;
    this.add(task.status, task.finished_at ?? task.updated_at);
    return true;
  }

  /** Fills the window before `liveSince` from finished rows (once; later calls are ignored). */
  seed(rows: readonly TaskRow[], now: number): boolean {
    if (this.seeded) return false;
    this.seeded = true;
    const from = now - WINDOW_SECONDS;
    for (const row of rows) {
      if (row.status !== 'done' && row.status !== 'failed') continue;
      if (row.updated_at < from || row.updated_at >= this.liveSince) continue;
      this.add(row.status, row.updated_at);
    }
    return true;
  }

  get isSeeded(): boolean {
    return this.seeded;
  }

  /** One point per bucket of the window ending at `now`, oldest first, empty buckets as zero. */
  points(now: number): SeriesPoint[] {
    const last = bucketOf(now);
    const first = last - WINDOW_SECONDS + BUCKET_SECONDS;
    for (const key of this.buckets.keys()) if (key < first) this.buckets.delete(key);
    const points: SeriesPoint[] = [];
    for (let at = first; at <= last; at += BUCKET_SECONDS) {
      const bucket = this.buckets.get(at);
      points.push({ at, done: bucket?.done ?? 0, failed: bucket?.failed ?? 0 });
    }
    return points;
  }

  // For useSyncExternalStore: the revision changes whenever a count does.
  getRevision = (): number => this.revision;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export function totals(points: readonly SeriesPoint[]): { done: number; failed: number } {
  let done = 0;
  let failed = 0;
  for (const point of points) {
    done += point.done;
    failed += point.failed;
  }
  return { done, failed };
}
