/** The tasks table: row mapping and prepared statements, created once per store. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import { LimitedStatement } from './limited-statement.js';
import type { ListFilter, Stats, Task, TaskStatus } from '../queue/types.js';

export interface TaskRow {
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

export interface TaskRowView {
  task_id: number;
  status: TaskStatus;
  backend: string | null;
  run_id: string | null;
  priority: number;
  created_at: number;
  updated_at: number;
  worker_id: string | null;
  prompt_preview: string;
}

export interface StoredTask extends Task {
  lease_token: string | null;
}

export function toTask(row: TaskRow): StoredTask {
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
  labels: string[];
  metadata: Record<string, unknown>;
  run_id: string | null;
  idempotency_key: string | null;
  now: number;
}

/** Queued and leased tasks kept in memory beyond this many are read from the database instead. */
const MAX_CACHED_ACTIVE_TASKS = 100_000;
/**
 * A task with more text than this (a long prompt) is never kept in memory: it is read from the
 * database when needed, so 200 queued 5 MiB prompts cost disk, not a gigabyte of the hub's heap.
 */
const MAX_CACHED_TASK_CHARS = 64 * 1024;
/** All cached tasks together hold at most this much text; beyond it, tasks are read on demand. */
const MAX_CACHED_CHARS = 64 * 1024 * 1024;

function isEmptyObject(value: object): boolean {
  for (const _key in value) return false;
  return true;
}

/** The text a task holds in memory, roughly (characters of its strings). */
function taskChars(task: StoredTask): number {
  let chars = task.prompt.length + (task.result?.length ?? 0) + (task.error?.length ?? 0);
  for (const label of task.labels) chars += label.length;
  for (const _key in task.metadata) return chars + JSON.stringify(task.metadata).length;
  return chars;
}

/**
 * The hub is the only writer, so the store keeps two things in memory that would otherwise cost a
 * query each time: the status counts (`stats` in O(1) at any size) and the rows of active (queued
 * or leased) tasks, so a lease or an ack does not read back rows the hub itself just wrote.
 * Both are updated only after the statement that changes the row has run; a rolled-back
 * transaction must call `reload()` (TaskQueue does).
 */
export class TaskStore {
  private readonly listStatements = new Map<string, Statement<(string | number)[]>>();
  private readonly stmt;
  private readonly active = new Map<number, { task: StoredTask; chars: number }>();
  private cachedChars = 0;
  private counts: Stats = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO tasks (prompt, status, priority, backend, max_attempts, labels, metadata, run_id, idempotency_key, created_at, updated_at)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare('SELECT * FROM tasks WHERE task_id = ?'),
      byIdempotencyKey: db.prepare('SELECT * FROM tasks WHERE idempotency_key = ?'),
      queuedIdsFor: new LimitedStatement(
        db,
        (limit) =>
          `SELECT task_id FROM tasks INDEXED BY tasks_queued_by_backend WHERE status = 'queued' AND backend IS ? ORDER BY priority DESC, task_id LIMIT ${limit}`,
      ),
      expiredIdsFor: new LimitedStatement(
        db,
        (limit) =>
          `SELECT task_id FROM tasks INDEXED BY tasks_leased_by_backend WHERE status = 'leased' AND backend IS ? AND leased_until < ? ORDER BY priority DESC, task_id LIMIT ${limit}`,
      ),
      exhaustedLeases: db.prepare(
        "SELECT * FROM tasks INDEXED BY tasks_leased_by_backend WHERE status = 'leased' AND leased_until < ? AND max_attempts IS NOT NULL AND attempts >= max_attempts",
      ),
      earliestLeaseEnd: db.prepare("SELECT min(leased_until) FROM tasks INDEXED BY tasks_leased_by_backend WHERE status = 'leased'").pluck(),
      markLeased: db.prepare(
        `UPDATE tasks SET status = 'leased', worker_id = ?, lease_token = ?, leased_until = ?, leased_at = ?,
           attempts = attempts + 1, updated_at = ? WHERE task_id = ?`,
      ),
      release: db.prepare(
        `UPDATE tasks SET status = 'queued', worker_id = NULL, lease_token = NULL, leased_until = NULL, leased_at = NULL,
           attempts = max(attempts - 1, 0), updated_at = ? WHERE task_id = ?`,
      ),
      extend: db.prepare('UPDATE tasks SET leased_until = ?, updated_at = ? WHERE task_id = ?'),
      finish: db.prepare(
        `UPDATE tasks SET status = ?, result = ?, error = ?, leased_until = NULL, finished_at = ?, updated_at = ?
         WHERE task_id = ?`,
      ),
      cancel: db.prepare(
        "UPDATE tasks SET status = 'cancelled', leased_until = NULL, cancelled_at = ?, updated_at = ? WHERE task_id = ?",
      ),
      failedIds: db.prepare("SELECT task_id FROM tasks WHERE status = 'failed' ORDER BY task_id").pluck(),
      requeue: db.prepare(
        `UPDATE tasks SET status = 'queued', worker_id = NULL, lease_token = NULL, leased_until = NULL, result = NULL,
           error = NULL, attempts = 0, finished_at = NULL, cancelled_at = NULL, updated_at = ? WHERE task_id = ?`,
      ),
      requeueAllFailed: db.prepare(
        `UPDATE tasks SET status = 'queued', worker_id = NULL, lease_token = NULL, leased_until = NULL, result = NULL,
           error = NULL, attempts = 0, finished_at = NULL, updated_at = ? WHERE status = 'failed'`,
      ),
      insertFinished: db.prepare(
        `INSERT INTO tasks (prompt, status, priority, backend, attempts, worker_id, result, error, labels, metadata, run_id,
           created_at, updated_at, leased_at, finished_at, cancelled_at)
         VALUES (@prompt, @status, 0, @backend, @attempts, @worker_id, @result, @error, @labels, @metadata, @run_id,
           @created_at, @updated_at, @leased_at, @finished_at, @cancelled_at)`,
      ),
      runStatusCounts: db.prepare('SELECT status, count(*) AS n FROM tasks WHERE run_id = ? GROUP BY status'),
      runActiveIds: db.prepare("SELECT task_id FROM tasks WHERE run_id = ? AND status IN ('queued', 'leased')").pluck(),
      deleteRun: db.prepare('DELETE FROM tasks WHERE run_id = ?'),
      leasedAll: db.prepare("SELECT * FROM tasks INDEXED BY tasks_leased_by_backend WHERE status = 'leased'"),
      countByStatus: db.prepare('SELECT status, count(*) AS n FROM tasks INDEXED BY tasks_status_id GROUP BY status'),
    };
    this.reload();
  }

  /** Forget the in-memory state and read the counts again (after a rollback, and at open). */
  reload(): void {
    this.active.clear();
    this.cachedChars = 0;
    const counts: Stats = { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 };
    for (const row of this.stmt.countByStatus.all() as { status: TaskStatus; n: number }[]) counts[row.status] = row.n;
    this.counts = counts;
  }

  private move(from: TaskStatus, to: TaskStatus, n = 1): void {
    this.counts[from] -= n;
    this.counts[to] += n;
  }

  private remember(task: StoredTask): void {
    const previous = this.active.get(task.task_id);
    if (task.status === 'queued' || task.status === 'leased') {
      const chars = taskChars(task);
      const room = previous !== undefined || (this.active.size < MAX_CACHED_ACTIVE_TASKS && this.cachedChars + chars <= MAX_CACHED_CHARS);
      if (chars <= MAX_CACHED_TASK_CHARS && room) {
        this.active.set(task.task_id, { task, chars });
        this.cachedChars += chars - (previous?.chars ?? 0);
        return;
      }
    }
    this.forget(task.task_id);
  }

  private forget(taskId: number): void {
    const previous = this.active.get(taskId);
    if (previous === undefined) return;
    this.active.delete(taskId);
    this.cachedChars -= previous.chars;
  }

  insert(row: NewTaskRow): StoredTask {
    const info = this.stmt.insert.run(
      row.prompt,
      row.priority,
      row.backend,
      row.max_attempts,
      row.labels.length === 0 ? '[]' : JSON.stringify(row.labels),
      isEmptyObject(row.metadata) ? '{}' : JSON.stringify(row.metadata),
      row.run_id,
      row.idempotency_key,
      row.now,
      row.now,
    );
    const task: StoredTask = {
      task_id: Number(info.lastInsertRowid),
      prompt: row.prompt,
      status: 'queued',
      created_at: row.now,
      updated_at: row.now,
      leased_until: null,
      worker_id: null,
      result: null,
      error: null,
      priority: row.priority,
      backend: row.backend,
      attempts: 0,
      max_attempts: row.max_attempts,
      labels: row.labels,
      metadata: row.metadata,
      run_id: row.run_id,
      idempotency_key: row.idempotency_key,
      leased_at: null,
      finished_at: null,
      cancelled_at: null,
      lease_token: null,
    };
    this.counts.queued++;
    this.remember(task);
    return task;
  }

  get(taskId: number): StoredTask | undefined {
    const cached = this.active.get(taskId);
    if (cached) return cached.task;
    const row = this.stmt.byId.get(taskId) as TaskRow | undefined;
    return row && toTask(row);
  }

  getByIdempotencyKey(key: string): StoredTask | undefined {
    const row = this.stmt.byIdempotencyKey.get(key) as TaskRow | undefined;
    return row && toTask(row);
  }

  private getMany(ids: number[]): StoredTask[] {
    const tasks: StoredTask[] = [];
    for (const id of ids) {
      const task = this.get(id);
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /** Queued tasks routed to `backend` (null = unrouted), best first. */
  queuedFor(backend: string | null, limit: number): StoredTask[] {
    return this.getMany(this.stmt.queuedIdsFor.pluckAll([backend], limit) as number[]);
  }

  /** Leased tasks whose lease ran out before `now`, routed to `backend`, best first. */
  expiredFor(backend: string | null, now: number, limit: number): StoredTask[] {
    return this.getMany(this.stmt.expiredIdsFor.pluckAll([backend, now], limit) as number[]);
  }

  /** Expired leases that have used up their attempts. */
  exhaustedLeases(now: number): StoredTask[] {
    return (this.stmt.exhaustedLeases.all(now) as TaskRow[]).map(toTask);
  }

  /** When the first current lease ends, or null when nothing is leased. */
  earliestLeaseEnd(): number | null {
    return this.stmt.earliestLeaseEnd.get() as number | null;
  }

  markLeased(task: StoredTask, workerId: string, token: string, leasedUntil: number, now: number): StoredTask & { lease_token: string } {
    this.stmt.markLeased.run(workerId, token, leasedUntil, now, now, task.task_id);
    const leased: StoredTask & { lease_token: string } = {
      ...task,
      status: 'leased',
      worker_id: workerId,
      lease_token: token,
      leased_until: leasedUntil,
      leased_at: now,
      attempts: task.attempts + 1,
      updated_at: now,
    };
    this.move(task.status, 'leased');
    this.remember(leased);
    return leased;
  }

  /** A lease given back unused: queued again, and the attempt it took does not count. */
  release(task: StoredTask, now: number): StoredTask {
    this.stmt.release.run(now, task.task_id);
    this.move(task.status, 'queued');
    const released: StoredTask = {
      ...task,
      status: 'queued',
      worker_id: null,
      lease_token: null,
      leased_until: null,
      leased_at: null,
      attempts: Math.max(task.attempts - 1, 0),
      updated_at: now,
    };
    this.remember(released);
    return released;
  }

  extend(task: StoredTask, leasedUntil: number, now: number): void {
    this.stmt.extend.run(leasedUntil, now, task.task_id);
    this.remember({ ...task, leased_until: leasedUntil, updated_at: now });
  }

  finish(task: StoredTask, status: 'done' | 'failed', result: string | null, error: string | null, now: number): StoredTask {
    this.stmt.finish.run(status, result, error, now, now, task.task_id);
    this.move(task.status, status);
    const finished: StoredTask = { ...task, status, result, error, leased_until: null, finished_at: now, updated_at: now };
    this.remember(finished);
    return finished;
  }

  cancel(task: StoredTask, now: number): StoredTask {
    this.stmt.cancel.run(now, now, task.task_id);
    this.move(task.status, 'cancelled');
    const cancelled: StoredTask = { ...task, status: 'cancelled', leased_until: null, cancelled_at: now, updated_at: now };
    this.remember(cancelled);
    return cancelled;
  }

  requeue(task: StoredTask, now: number): void {
    this.stmt.requeue.run(now, task.task_id);
    this.move(task.status, 'queued');
    // Read back rather than rebuild: a requeue is rare and resets many fields.
    this.forget(task.task_id);
  }

  /** Every failed task back to queued; returns their ids. */
  requeueAllFailed(now: number): number[] {
    const ids = this.stmt.failedIds.all() as number[];
    if (ids.length > 0) {
      this.stmt.requeueAllFailed.run(now);
      this.move('failed', 'queued', ids.length);
    }
    return ids;
  }

  /** A finished task from another hub (a run import): inserted as it was, never leased here. */
  insertFinished(task: Omit<StoredTask, 'task_id' | 'lease_token' | 'leased_until' | 'priority' | 'max_attempts' | 'idempotency_key'>): number {
    const info = this.stmt.insertFinished.run({
      ...task,
      labels: JSON.stringify(task.labels),
      metadata: JSON.stringify(task.metadata),
    });
    this.counts[task.status]++;
    return Number(info.lastInsertRowid);
  }

  /** Deletes every task of a run (their artifacts follow by foreign key); returns how many. */
  deleteRun(runId: string): number {
    const counts = this.stmt.runStatusCounts.all(runId) as { status: TaskStatus; n: number }[];
    for (const id of this.stmt.runActiveIds.all(runId) as number[]) this.forget(id);
    const info = this.stmt.deleteRun.run(runId);
    for (const { status, n } of counts) this.counts[status] -= n;
    return info.changes;
  }

  /** Leased tasks (who runs what): few, from the partial index (the cache may not hold them all). */
  activeLeased(): StoredTask[] {
    return (this.stmt.leasedAll.all() as TaskRow[]).map(toTask);
  }

  stats(): Stats {
    return { ...this.counts };
  }

  /** Compact rows for a table (newest first): a prompt preview instead of the whole task. */
  rows(filter: ListFilter & { search?: string }): TaskRowView[] {
    const columns = 'task_id, status, backend, run_id, priority, created_at, updated_at, worker_id, substr(prompt, 1, 120) AS prompt_preview';
    return this.newestFirst(columns, filter) as TaskRowView[];
  }

  /** Newest first; limit <= 0 means no limit. */
  list(filter: ListFilter): StoredTask[] {
    return (this.newestFirst('*', filter) as TaskRow[]).map(toTask);
  }

  /** The filtered query both share; one prepared statement per filter shape, kept. */
  private newestFirst(columns: string, filter: ListFilter & { search?: string }): unknown[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const condition = (clause: string, value: string | number) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.status) condition('status = ?', filter.status);
    if (filter.backend) condition('backend = ?', filter.backend);
    if (filter.run_id) condition('run_id = ?', filter.run_id);
    if (filter.before_id !== undefined) condition('task_id < ?', filter.before_id);
    if (filter.search) condition("prompt LIKE ? ESCAPE '\\'", `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const limit = filter.limit ?? 50;
    const sql =
      `SELECT ${columns} FROM tasks` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY task_id DESC' +
      (limit > 0 ? ' LIMIT ?' : '');
    if (limit > 0) params.push(limit);
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<(string | number)[]>(sql);
      this.listStatements.set(sql, statement);
    }
    return statement.all(...params);
  }
}
