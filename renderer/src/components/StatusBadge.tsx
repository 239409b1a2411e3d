/** A task's status as a word with its colour; "leased" reads "running" for people. */
import type { TaskStatus } from '../api/types.js';

export const STATUS_LABEL: Record<TaskStatus, string> = { queued: 'queued', leased: 'running', done: 'done', failed: 'failed', cancelled: 'cancelled' };

export function StatusBadge({ status }: { status: TaskStatus }) {
  return <span className={`status status--${status}`}>{STATUS_LABEL[status]}</span>;
}
