/** The tasks table: row mapping and prepared statements, created once per store. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { ListFilter, Stats, Task, TaskStatus } from '../queue/types.js';

interface TaskRow {
  task_id: number;
  prompt: string;
  status: TaskStatus;
  priority: number;
  backend: string | null;
  attempts: number;
  max_attempts: number | null;
  worker_id: string | null;
  lease_token: string | null;
  leased_until: number | null;
  result: string | null;
  error: string | null;
  labels: string;
  metadata: string;
  run_id: string | null;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  leased_at: number | null;
  finished_at: number | null;
  cancelled_at: number | null;
}

export interface StoredTask extends Task {
  lease_token: string | null;
}

function toTask(row: TaskRow): StoredTask {
  return {
    task_id: row.task_id,
    prompt: row.prompt,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    leased_until: row.leased_until,
    worker_id: row.worker_id,
    result: row.result,
    error: row.error,
    priority: row.priority,
    backend: row.backend,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    labels: JSON.parse(row.labels) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    run_id: row.run_id,
    idempotency_key: row.idempotency_key,
    leased_at: row.leased_at,
    finished_at: row.finished_at,
    cancelled_at: row.cancelled_at,
    lease_token: row.lease_token,
  };
}

export interface NewTaskRow {
  prompt: string;
  priority: number;
  backend: string | null;
  max_attempts: number | null;
  labels: string;
  metadata: string;
  run_id: string | null;
  idempotency_key: string | null;
  now: number;
}

export class TaskStore {
  private readonly listStatements = new Map<string, Statement<(string | number)[]>>();
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO tasks (prompt, status, priority, backend, max_attempts, labels, metadata, run_id, idempotency_key, created_at, updated_at)
         VALUES (@prompt, 'queued', @priority, @backend, @max_attempts, @labels, @metadata, @run_id, @idempotency_key, @now, @now)`,
      ),
      byId: db.prepare('SELECT * FROM tasks WHERE task_id = ?'),
      byIdempotencyKey: db.prepare('SELECT * FROM tasks WHERE idempotency_key = ?'),
      queuedFor: db.prepare(
        "SELECT * FROM tasks INDEXED BY tasks_queued_by_backend WHERE status = 'queued' AND backend IS ? ORDER BY priority DESC, task_id LIMIT ?",
      ),
      expiredFor: db.prepare(
        "SELECT * FROM tasks INDEXED BY tasks_leased_by_backend WHERE status = 'leased' AND backend IS ? AND leased_until < ? ORDER BY priority DESC, task_id LIMIT ?",
      ),
      exhaustedLeases: db.prepare(
        "SELECT * FROM tasks INDEXED BY tasks_leased_until WHERE status = 'leased' AND leased_until < ? AND max_attempts IS NOT NULL AND attempts >= max_attempts",
      ),
      markLeased: db.prepare(
        `UPDATE tasks SET status = 'leased', worker_id = ?, lease_token = ?, leased_until = ?, leased_at = ?,
           attempts = attempts + 1, updated_at = ? WHERE task_id = ?`,
      ),
      extend: db.prepare('UPDATE tasks SET leased_until = ?, updated_at = ? WHERE task_id = ?'),
      finish: db.prepare(
        `UPDATE tasks SET status = ?, result = ?, error = ?, leased_until = NULL, finished_at = ?, updated_at = ?
         WHERE task_id = ?`,
      ),
      cancel: db.prepare(
        "UPDATE tasks SET status = 'cancelled', leased_until = NULL, cancelled_at = ?, updated_at = ? WHERE task_id = ?",
      ),
      failedIds: db.prepare("SELECT task_id FROM tasks WHERE status = 'failed' ORDER BY task_id"),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'queued', worker_id = NULL, lease_token = NULL, leased_until = NULL, result = NULL,
           error = NULL, attempts = 0, finished_at = NULL, cancelled_at = NULL, updated_at = ? WHERE task_id = ?`,
      ),
      requeueAllFailed: db.prepare(
        `UPDATE tasks SET status = 'queued', worker_id = NULL, lease_token = NULL, leased_until = NULL, result = NULL,
           error = NULL, attempts = 0, finished_at = NULL, updated_at = ? WHERE status = 'failed'`,
      ),
      counts: db.prepare('SELECT status, n FROM task_counts'),
    };
  }

  insert(row: NewTaskRow): number {
    return Number(this.stmt.insert.run(row).lastInsertRowid);
  }

  get(taskId: number): StoredTask | undefined {
    const row = this.stmt.byId.get(taskId) as TaskRow | undefined;
    return row && toTask(row);
  }

  getByIdempotencyKey(key: string): StoredTask | undefined {
    const row = this.stmt.byIdempotencyKey.get(key) as TaskRow | undefined;
    return row && toTask(row);
  }

  /** Queued tasks routed to `backend` (null = unrouted), best first. */
  queuedFor(backend: string | null, limit: number): StoredTask[] {
    return (this.stmt.queuedFor.all(backend, limit) as TaskRow[]).map(toTask);
  }

  /** Leased tasks whose lease ran out before `now`, routed to `backend`, best first. */
  expiredFor(backend: string | null, now: number, limit: number): StoredTask[] {
    return (this.stmt.expiredFor.all(backend, now, limit) as TaskRow[]).map(toTask);
  }

  /** Expired leases that have used up their attempts. */
  exhaustedLeases(now: number): StoredTask[] {
    return (this.stmt.exhaustedLeases.all(now) as TaskRow[]).map(toTask);
  }

  markLeased(taskId: number, workerId: string, token: string, leasedUntil: number, now: number): void {
    this.stmt.markLeased.run(workerId, token, leasedUntil, now, now, taskId);
  }

  extend(taskId: number, leasedUntil: number, now: number): void {
    this.stmt.extend.run(leasedUntil, now, taskId);
  }

  finish(taskId: number, status: 'done' | 'failed', result: string | null, error: string | null, now: number): void {
    this.stmt.finish.run(status, result, error, now, now, taskId);
  }

  cancel(taskId: number, now: number): void {
    this.stmt.cancel.run(now, now, taskId);
  }

  requeue(taskId: number, now: number): void {
    this.stmt.requeue.run(now, taskId);
  }

  /** Every failed task back to queued; returns their ids. */
  requeueAllFailed(now: number): number[] {
    const ids = (this.stmt.failedIds.all() as { task_id: number }[]).map((r) => r.task_id);
    if (ids.length > 0) this.stmt.requeueAllFailed.run(now);
    return ids;
  }

  counts(): Stats {
    const stats: Stats = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
    for (const row of this.stmt.counts.all() as { status: TaskStatus; n: number }[]) stats[row.status] = row.n;
    return stats;
  }

  /** Newest first; limit <= 0 means no limit. */
  list(filter: ListFilter): StoredTask[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.status) (where.push('status = ?'), params.push(filter.status));
    if (filter.backend) (where.push('backend = ?'), params.push(filter.backend));
    if (filter.run_id) (where.push('run_id = ?'), params.push(filter.run_id));
    if (filter.before_id !== undefined) (where.push('task_id < ?'), params.push(filter.before_id));
    const limit = filter.limit ?? 50;
    const sql =
      'SELECT * FROM tasks' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY task_id DESC' +
      (limit > 0 ? ' LIMIT ?' : '');
    if (limit > 0) params.push(limit);
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<(string | number)[]>(sql);
      this.listStatements.set(sql, statement);
    }
    return (statement.all(...params) as TaskRow[]).map(toTask);
  }
}
