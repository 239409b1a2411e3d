/** Tasks and rows for the renderer's unit tests (shapes from core/api.ts via renderer/src/api/types.ts). */
import type { HubEvent, Task, TaskRow } from '../renderer/src/api/types.js';

export function task(id: number, over: Partial<Task> = {}): Task {
  return {
    task_id: id,
    prompt: `prompt ${id}`,
    status: 'queued',
    created_at: 1_700_000_000 + id,
    updated_at: 1_700_000_000 + id,
    leased_until: null,
    worker_id: null,
    result: null,
    error: null,
    priority: 0,
    backend: 'echo',
    attempts: 0,
    max_attempts: null,
    labels: [],
    metadata: {},
    run_id: null,
    idempotency_key: null,
    leased_at: null,
    finished_at: null,
    cancelled_at: null,
    ...over,
  };
}

export function row(id: number, over: Partial<TaskRow> = {}): TaskRow {
  return {
    task_id: id,
    status: 'queued',
    backend: 'echo',
    run_id: null,
    priority: 0,
    created_at: 1_700_000_000 + id,
    updated_at: 1_700_000_000 + id,
    prompt_preview: `prompt ${id}`,
    worker_id: null,
    ...over,
  };
}

/** Newest first, like tasks.rows. */
export function rows(count: number, from = 1): TaskRow[] {
  return Array.from({ length: count }, (_, i) => row(from + count - 1 - i));
}

let seq = 0;
export function ev(type: 'enqueued' | 'leased' | 'acked' | 'cancelled' | 'expired' | 'released', t: Task): HubEvent {
  return { seq: ++seq, type, task: t };
}

export const stats = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
