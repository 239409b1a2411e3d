/**
 * Keeps a cached `tasks.rows` answer live from hub events without refetching 100,000 rows: each
 * batch of events patches the newest-first row array in place of a copy (binary search by id), and
 * asks for a refetch only when events cannot say which rows now match (a retry seen through a
 * `queued` filter). Pure: tested in tests/unit/renderer-rows-cache.test.ts.
 */
import type { RowsFilter } from './keys.js';
import type { ApiResult, HubEvent, Task, TaskRow } from './types.js';

export type RowsData = ApiResult<'tasks.rows'>;

export const DEFAULT_ROWS_LIMIT = 100_000;
const PREVIEW_LENGTH = 120;

export function taskToRow(task: Task): TaskRow {
  return {
    task_id: task.task_id,
    status: task.status,
    backend: task.backend,
    run_id: task.run_id,
    priority: task.priority,
    created_at: task.created_at,
    updated_at: task.updated_at,
    prompt_preview: task.prompt.slice(0, PREVIEW_LENGTH),
    worker_id: task.worker_id,
  };
}

/** Does the task belong in a table with this filter? (Search: case-insensitive, like the store's LIKE.) */
export function taskMatches(task: Task, filter: RowsFilter): boolean {
  if (filter.status && task.status !== filter.status) return false;
  if (filter.backend && task.backend !== filter.backend) return false;
  if (filter.run_id && task.run_id !== filter.run_id) return false;
  if (filter.search && !task.prompt.toLowerCase().includes(filter.search.toLowerCase())) return false;
  return true;
}

/** Index of `taskId` in rows sorted by task_id descending, or where it would be inserted. */
export function findRow(rows: readonly TaskRow[], taskId: number): { index: number; found: boolean } {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const id = (rows[mid] as TaskRow).task_id;
    if (id === taskId) return { index: mid, found: true };
    if (id > taskId) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: false };
}

export function isTaskEvent(event: HubEvent): event is Extract<HubEvent, { task: Task }> {
  return 'task' in event;
}

/**
 * Applies hub events (in order) to one cached rows answer. Returns the same object when nothing
 * changed, so React Query does not re-render the table for events that concern other filters.
 */
export function applyTaskEvents(
  data: RowsData,
  events: readonly HubEvent[],
  filter: RowsFilter,
  now: number,
): { data: RowsData; refetch: boolean } {
  const limit = filter.limit ?? DEFAULT_ROWS_LIMIT;
  let rows: TaskRow[] = data.rows;
  let copied = false;
  let refetch = false;
  const writable = (): TaskRow[] => {
    if (!copied) {
      rows = rows.slice();
      copied = true;
    }
    return rows;
  };

  for (const event of events) {
    if (isTaskEvent(event)) {
      const { task } = event;
      const { index, found } = findRow(rows, task.task_id);
      const matches = taskMatches(task, filter);
      if (found && matches) writable()[index] = taskToRow(task);
      else if (found) writable().splice(index, 1);
      else if (matches) {
        // Older than everything loaded while the answer was cut at the limit: not ours to show.
        if (index === rows.length && rows.length >= limit) continue;
        const target = writable();
        target.splice(index, 0, taskToRow(task));
        if (target.length > limit) target.pop();
      }
    } else if (event.type === 'retried') {
      // Retried tasks go back to queued; the event has ids only.
      if (filter.status === 'queued' && event.task_ids.length > 0) refetch = true;
      for (const taskId of event.task_ids) {
        const { index, found } = findRow(rows, taskId);
        if (!found) continue;
        if (filter.status && filter.status !== 'queued') {
          writable().splice(index, 1);
          continue;
        }
        const row = rows[index] as TaskRow;
        writable()[index] = { ...row, status: 'queued', worker_id: null, updated_at: now };
      }
    }
  }
  return { data: copied ? { ...data, rows } : data, refetch };
}
