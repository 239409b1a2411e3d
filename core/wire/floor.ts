/**
 * The floor of the protocol as types: what every hub sends, the original mittelo's included. Our
 * additions may be missing from its answers, so code that may talk to it reads them as optional.
 */
import type { Stats, Task } from '../queue/types.js';

export const FLOOR_TASK_KEYS = ['task_id', 'prompt', 'status', 'created_at', 'updated_at', 'leased_until', 'worker_id', 'result', 'error'] as const;

export type WireTask = Pick<Task, (typeof FLOOR_TASK_KEYS)[number]> & Partial<Omit<Task, (typeof FLOOR_TASK_KEYS)[number]>>;

/** The floor's four counts are always there; `cancelled` is ours. */
export type WireStats = Pick<Stats, 'queued' | 'leased' | 'done' | 'failed'> & Partial<Pick<Stats, 'cancelled'>>;
