/** The task as the wire sees it: the floor fields of PROTOCOL.md plus our additive keys. */
export const TASK_STATUSES = ['queued', 'leased', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  task_id: number;
  prompt: string;
  status: TaskStatus;
  created_at: number;
  updated_at: number;
  leased_until: number | null;
  worker_id: string | null;
  result: string | null;
  error: string | null;
  priority: number;
  backend: string | null;
  attempts: number;
  max_attempts: number | null;
  labels: string[];
  metadata: Record<string, unknown>;
  run_id: string | null;
  idempotency_key: string | null;
  leased_at: number | null;
  finished_at: number | null;
  cancelled_at: number | null;
}

/** What `lease` returns: the task plus the token that fences its ack. */
export interface LeasedTask extends Task {
  lease_token: string;
}

/** The floor's four keys are always present; `cancelled` is our addition. */
export interface Stats {
  queued: number;
  leased: number;
  done: number;
  failed: number;
  cancelled: number;
}

export type TaskEventType = 'enqueued' | 'leased' | 'acked' | 'cancelled' | 'expired' | 'released';
export type HubEventType = TaskEventType | 'retried' | 'output' | 'runs_deleted';
export const HUB_EVENT_TYPES: readonly HubEventType[] = ['enqueued', 'leased', 'acked', 'cancelled', 'expired', 'released', 'retried', 'output', 'runs_deleted'];

export type HubEvent =
  | { seq: number; type: TaskEventType; task: Task }
  | { seq: number; type: 'retried'; task_ids: number[] }
  /** Live output of a running task (not stored: the artifact holds the whole output). */
  | { seq: number; type: 'output'; task_id: number; worker_id: string | null; stream: 'stdout' | 'stderr'; text: string }
  /** Runs deleted with their tasks (run_delete, run_prune): agents remove the workdirs they kept for them. */
  | { seq: number; type: 'runs_deleted'; run_ids: string[] };

export interface EnqueueInput {
  prompt: string;
  backend?: string | null;
  priority?: number;
  max_attempts?: number | null;
  labels?: string[];
  metadata?: Record<string, unknown>;
  run_id?: string | null;
  idempotency_key?: string | null;
}

export interface ListFilter {
  status?: TaskStatus;
  limit?: number;
  backend?: string;
  run_id?: string;
  /** Page backwards: only tasks with a smaller id (newest first ordering). */
  before_id?: number;
}
