/**
 * Queue semantics over the task store: the PROTOCOL.md floor plus priorities, routing, attempts,
 * lease-token fencing, cancellation and idempotent enqueue. Every state change is one transaction;
 * events are published after it commits.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import { TaskStore, type StoredTask } from '../store/tasks.js';
import { HubError } from '../errors.js';
import { EventBus } from './events.js';
import { LeaseWaiters } from './lease-waiters.js';
import type { EnqueueInput, LeasedTask, ListFilter, Stats, Task } from './types.js';

export interface LeaseRequest {
  worker_id: string;
  max_tasks: number;
  lease_seconds?: number;
  /** Backends this worker serves; unrouted tasks go to anyone. */
  backends?: string[];
  /** When nothing is available, wait up to this long for a task instead of answering empty. */
  wait_seconds?: number;
}

export interface AckRequest {
  task_id: number;
  status: 'done' | 'failed';
  result: string | null;
  error: string | null;
  lease_token?: string;
}

export type Clock = () => number;
const systemClock: Clock = () => Date.now() / 1000;

function publicTask(stored: StoredTask): Task {
  const { lease_token: _token, ...task } = stored;
  return task;
}

export class TaskQueue {
  readonly events = new EventBus();
  private readonly waiters = new LeaseWaiters();
  private readonly store: TaskStore;

  constructor(
    private readonly db: Db,
    private readonly options: { leaseSeconds: number; clock?: Clock },
  ) {
    this.store = new TaskStore(db);
  }

  private now(): number {
    return (this.options.clock ?? systemClock)();
  }

  private mustGet(taskId: number): StoredTask {
    const task = this.store.get(taskId);
    if (!task) throw new HubError('not_found', `task ${taskId} not found`);
    return task;
  }

  enqueue(input: EnqueueInput): { task_id: number; duplicate: boolean } {
    const outcome = this.db.transaction(() => {
      if (input.idempotency_key) {
        const existing = this.store.getByIdempotencyKey(input.idempotency_key);
        if (existing) return { task_id: existing.task_id, duplicate: true };
      }
      const taskId = this.store.insert({
        prompt: input.prompt,
        priority: input.priority ?? 0,
        backend: input.backend ?? null,
        max_attempts: input.max_attempts ?? null,
        labels: JSON.stringify(input.labels ?? []),
        metadata: JSON.stringify(input.metadata ?? {}),
        run_id: input.run_id ?? null,
        idempotency_key: input.idempotency_key ?? null,
        now: this.now(),
      });
      return { task_id: taskId, duplicate: false };
    })();
    if (!outcome.duplicate) {
      if (this.events.hasListeners) this.events.task('enqueued', this.get(outcome.task_id));
      if (this.waiters.size > 0) this.waiters.wake(input.backend ?? null);
    }
    return outcome;
  }

  get(taskId: number): Task {
    return publicTask(this.mustGet(taskId));
  }

  /**
   * Hands out the best queued tasks and the expired leases (which move to this worker), higher
   * priority first, then oldest. Expired leases that used up max_attempts end `failed` instead.
   */
  lease(request: LeaseRequest): LeasedTask[] {
    return this.leaseNow(request, [null, ...new Set(request.backends ?? [])]);
  }

  /** `lease`, but with `wait_seconds` an empty answer waits (long poll) until a task appears or time runs out. */
  leaseOrWait(request: LeaseRequest, signal?: AbortSignal): LeasedTask[] | Promise<LeasedTask[]> {
    const routes: (string | null)[] = [null, ...new Set(request.backends ?? [])];
    const tasks = this.leaseNow(request, routes);
    if (tasks.length > 0 || !request.wait_seconds || signal?.aborted) return tasks;
    return this.waiters.wait(routes, request.wait_seconds, () => this.leaseNow(request, routes), signal);
  }

  /** Wakes long-poll leases (expiry sweep, retries); answers every waiter at shutdown. */
  wakeWaiters(): void {
    if (this.waiters.size > 0) this.waiters.wake();
  }

  releaseWaiters(): void {
    this.waiters.releaseAll();
  }

  private leaseNow(request: LeaseRequest, routes: (string | null)[]): LeasedTask[] {
    const leaseSeconds = request.lease_seconds ?? this.options.leaseSeconds;
    const leased = this.db.transaction(() => {
      const now = this.now();
      this.failExhaustedLeases(now);
      const candidates: StoredTask[] = [];
      for (const backend of routes) {
        candidates.push(...this.store.queuedFor(backend, request.max_tasks));
        candidates.push(...this.store.expiredFor(backend, now, request.max_tasks));
      }
      candidates.sort((a, b) => b.priority - a.priority || a.task_id - b.task_id);
      const chosen = candidates.slice(0, request.max_tasks);
      return chosen.map((task): LeasedTask => {
        const token = randomBytes(12).toString('base64url');
        const leasedUntil = now + leaseSeconds;
        this.store.markLeased(task.task_id, request.worker_id, token, leasedUntil, now);
        return {
          ...publicTask(task),
          status: 'leased',
          worker_id: request.worker_id,
          leased_until: leasedUntil,
          leased_at: now,
          attempts: task.attempts + 1,
          updated_at: now,
          lease_token: token,
        };
      });
    })();
    if (this.events.hasListeners) {
      for (const task of leased) this.events.task('leased', publicTask(task));
    }
    return leased;
  }

  /** Expired leases whose attempts are used up end `failed`, saying why. Also run on a timer by the hub. */
  failExhaustedLeases(now = this.now()): number {
    const exhausted = this.db.transaction(() => {
      const tasks = this.store.exhaustedLeases(now);
      for (const task of tasks) {
        const message = `lease expired ${task.attempts} time(s), reaching max_attempts=${task.max_attempts}; last worker: ${task.worker_id ?? 'unknown'}`;
        this.store.finish(task.task_id, 'failed', null, message, now);
      }
      return tasks;
    })();
    if (this.events.hasListeners) {
      for (const task of exhausted) this.events.task('expired', this.get(task.task_id));
    }
    return exhausted.length;
  }

  /**
   * Fencing: an ack with a lease token counts only for the current lease; an ack without one (old
   * clients) only while the task is leased. Repeating an accepted ack (a worker retrying after a
   * dropped connection) is answered ok without changing anything.
   */
  ack(request: AckRequest): { ok: true; duplicate?: true } {
    const outcome = this.db.transaction(() => {
      const task = this.mustGet(request.task_id);
      if (request.lease_token !== undefined) {
        if (task.lease_token !== request.lease_token) {
          throw new HubError(
            'stale_lease',
            `stale lease token for task ${task.task_id}: it was leased again (now ${task.status}, worker ${task.worker_id ?? 'none'}); this ack was rejected and the current result kept`,
          );
        }
        if (task.status === request.status && task.result === request.result && task.error === request.error) {
          return 'duplicate' as const;
        }
      }
      if (task.status !== 'leased') {
        throw new HubError('conflict', `task ${task.task_id} is ${task.status}; only a leased task can be acked`);
      }
      this.store.finish(task.task_id, request.status, request.result, request.error, this.now());
      return 'accepted' as const;
    })();
    if (outcome === 'duplicate') return { ok: true, duplicate: true };
    if (this.events.hasListeners) this.events.task('acked', this.get(request.task_id));
    return { ok: true };
  }

  /** Heartbeat: push the lease end forward. Fails (with the reason) once the lease is no longer ours. */
  extend(taskId: number, leaseToken: string, leaseSeconds?: number): { ok: true; leased_until: number } {
    return this.db.transaction(() => {
      const task = this.mustGet(taskId);
      if (task.status === 'cancelled') throw new HubError('conflict', `task ${taskId} was cancelled`);
      if (task.lease_token !== leaseToken || task.status !== 'leased') {
        throw new HubError('stale_lease', `lease on task ${taskId} is no longer yours (task is ${task.status}, worker ${task.worker_id ?? 'none'})`);
      }
      const now = this.now();
      const leasedUntil = now + (leaseSeconds ?? this.options.leaseSeconds);
      this.store.extend(taskId, leasedUntil, now);
      return { ok: true as const, leased_until: leasedUntil };
    })();
  }

  cancel(taskId: number): { ok: true; task: Task } {
    const task = this.db.transaction(() => {
      const current = this.mustGet(taskId);
      if (current.status !== 'queued' && current.status !== 'leased') {
        throw new HubError('conflict', `task ${taskId} is already ${current.status}; only queued or leased tasks can be cancelled`);
      }
      this.store.cancel(taskId, this.now());
      return this.get(taskId);
    })();
    this.events.task('cancelled', task);
    return { ok: true, task };
  }

  /** Floor: every failed task back to queued. With `taskId`: that one failed or cancelled task. */
  retryFailed(taskId?: number): { retried: number } {
    const ids = this.db.transaction(() => {
      const now = this.now();
      if (taskId === undefined) return this.store.requeueAllFailed(now);
      const task = this.mustGet(taskId);
      if (task.status !== 'failed' && task.status !== 'cancelled') {
        throw new HubError('conflict', `task ${taskId} is ${task.status}; only failed or cancelled tasks can be retried`);
      }
      this.store.requeue(taskId, now);
      return [taskId];
    })();
    this.events.retried(ids);
    if (ids.length > 0) this.wakeWaiters();
    return { retried: ids.length };
  }

  list(filter: ListFilter): Task[] {
    return this.store.list(filter).map(publicTask);
  }

  stats(): Stats {
    return this.store.counts();
  }
}
