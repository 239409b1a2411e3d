/**
 * Queue semantics over the task store: the PROTOCOL.md floor plus priorities, routing, attempts,
 * lease-token fencing, cancellation and idempotent enqueue. Every state change is one transaction;
 * events are published after it commits.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import { TaskStore, type StoredTask, type TaskRowView } from '../store/tasks.js';
import { ArtifactStore } from '../store/artifacts.js';
import { RunAttemptStore, type EarlierAttempt } from '../store/run-attempts.js';
import type { Artifact } from './artifact.js';
import { HubError } from '../errors.js';
import { storageError } from '../store/storage-error.js';
import { EventBus } from './events.js';
import { LeaseWaiters } from './lease-waiters.js';
import { WorkerRegistry, type WorkerInfo } from './workers.js';
import type { EnqueueInput, LeasedTask, ListFilter, Stats, Task } from './types.js';

export interface LeaseRequest {
  worker_id: string;
  max_tasks: number;
  lease_seconds?: number;
  /** Backends this worker serves; unrouted tasks go to anyone. */
  backends?: string[];
  /** When nothing is available, wait up to this long for a task instead of answering empty. */
  wait_seconds?: number;
  /** Only tasks routed to `backends`, not unrouted ones (a run's command-check runner). */
  routed_only?: boolean;
}

/** The routes of a worker that names no backends: unrouted tasks only (shared: most leases ask this). */
const UNROUTED_ONLY: readonly (string | null)[] = [null];

function leaseRoutes(request: LeaseRequest): readonly (string | null)[] {
  if (!request.backends?.length && !request.routed_only) return UNROUTED_ONLY;
  const routed = [...new Set(request.backends ?? [])];
  return request.routed_only ? routed : [null, ...routed];
}

export interface AckRequest {
  task_id: number;
  status: 'done' | 'failed';
  result: string | null;
  error: string | null;
  lease_token?: string;
  /** The record of the run (agents); stored with the task in the ack's transaction. */
  artifact?: Artifact;
}

export type Clock = () => number;
const systemClock: Clock = () => Date.now() / 1000;

/** Lease tokens come from a pool of random bytes: one crypto call per 512 leases instead of one each. */
const TOKEN_BYTES = 12;
let tokenPool = Buffer.alloc(0);
let tokenOffset = 0;
function newLeaseToken(): string {
  if (tokenOffset + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 512);
    tokenOffset = 0;
  }
  tokenOffset += TOKEN_BYTES;
  return tokenPool.toString('base64url', tokenOffset - TOKEN_BYTES, tokenOffset);
}

function publicTask(stored: StoredTask): Task {
  const { lease_token: _token, ...task } = stored;
  return task;
}

export class TaskQueue {
  readonly events = new EventBus();
  private readonly waiters = new LeaseWaiters();
  private readonly workers = new WorkerRegistry();
  private readonly store: TaskStore;
  private readonly artifacts: ArtifactStore;
  private readonly attempts: RunAttemptStore;
  /**
   * No lease ends before this time (a lower bound; -Infinity = unknown). While `now` is below it a
   * lease skips the queries for expired and exhausted leases, which are most of a busy hub's leases.
   */
  private earliestLeaseEnd = -Infinity;
  /** Made once: better-sqlite3 builds a wrapper per `db.transaction()` call, which is not free. */
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private inBatch = false;
  private afterAck: ((task: Task) => void) | null = null;
  private batchWrote = false;
  private batchError: unknown;

  constructor(
    private readonly db: Db,
    private readonly options: { leaseSeconds: number; clock?: Clock },
  ) {
    this.store = new TaskStore(db);
    this.artifacts = new ArtifactStore(db);
    this.attempts = new RunAttemptStore(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  private now(): number {
    return (this.options.clock ?? systemClock)();
  }

  private mustGet(taskId: number): StoredTask {
    const task = this.store.get(taskId);
    if (!task) throw new HubError('not_found', `task ${taskId} not found`);
    return task;
  }

  /**
   * Runs `fn` (many queue calls) as one transaction: one commit for all of them (group commit).
   * Each call inside succeeds or fails on its own (checks come before writes, so a refused call
   * leaves nothing behind); a database failure rolls the whole batch back. After the commit,
   * `deliver` gets the result (the wire server answers its clients there, so an answer always means
   * committed), then the events the batch produced are published.
   */
  batch<T>(fn: () => T, deliver?: (result: T) => void): T {
    if (this.inBatch) {
      const result = this.inOpenBatch(fn);
      deliver?.(result);
      return result;
    }
    this.inBatch = true;
    this.batchWrote = false;
    this.batchError = undefined;
    this.events.hold();
    let committed = false;
    try {
      const result = this.runInTransaction(() => {
        const value = fn();
        if (this.batchError !== undefined) throw this.batchError;
        return value;
      }) as T;
      committed = true;
      this.inBatch = false;
      deliver?.(result);
      return result;
    } catch (err) {
      // The rollback undid writes the store had mirrored in memory.
      if (!committed && (this.batchWrote || !(err instanceof HubError))) this.forgetMemory();
      throw committed ? err : storageError(err);
    } finally {
      this.inBatch = false;
      this.events.release(committed);
    }
  }

  /** One state change: a transaction of its own, or part of the open batch. */
  private tx<T>(fn: () => T): T {
    if (!this.inBatch) return this.batch(fn);
    const result = this.inOpenBatch(fn);
    this.batchWrote = true;
    return result;
  }

  /**
   * A call inside the open batch. An unexpected failure (a storage error, a value that cannot be
   * written) dooms the whole batch: SQLite may already have rolled the transaction back (a full
   * disk does), and a write after that would commit on its own, outside the batch. So nothing runs
   * after it; the caller (the wire server) replays the batch one request per transaction.
   */
  private inOpenBatch<T>(fn: () => T): T {
    if (this.batchError !== undefined) throw storageError(this.batchError);
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof HubError)) this.batchError ??= err;
      throw err;
    }
  }

  private forgetMemory(): void {
    this.store.reload();
    this.earliestLeaseEnd = -Infinity;
  }

  enqueue(input: EnqueueInput): { task_id: number; duplicate: boolean } {
    const outcome = this.tx((): { task: StoredTask; duplicate: boolean } => {
      if (input.idempotency_key) {
        const existing = this.store.getByIdempotencyKey(input.idempotency_key);
        if (existing) return { task: existing, duplicate: true };
      }
      const task = this.store.insert({
        prompt: input.prompt,
        priority: input.priority ?? 0,
        backend: input.backend ?? null,
        max_attempts: input.max_attempts ?? null,
        labels: input.labels ?? [],
        metadata: input.metadata ?? {},
        run_id: input.run_id ?? null,
        idempotency_key: input.idempotency_key ?? null,
        now: this.now(),
      });
      return { task, duplicate: false };
    });
    if (!outcome.duplicate) {
      if (this.events.hasListeners) this.events.task('enqueued', publicTask(outcome.task));
      if (this.waiters.size > 0) this.waiters.wake(input.backend ?? null);
    }
    return { task_id: outcome.task.task_id, duplicate: outcome.duplicate };
  }

  get(taskId: number): Task {
    return publicTask(this.mustGet(taskId));
  }

  /**
   * Hands out the best queued tasks and the expired leases (which move to this worker), higher
   * priority first, then oldest. Expired leases that used up max_attempts end `failed` instead.
   */
  lease(request: LeaseRequest): LeasedTask[] {
    this.workers.seen(request.worker_id, request.backends ?? [], this.now());
    return this.leaseNow(request, leaseRoutes(request));
  }

  /** `lease`, but with `wait_seconds` an empty answer waits (long poll) until a task appears or time runs out. */
  leaseOrWait(request: LeaseRequest, signal?: AbortSignal): LeasedTask[] | Promise<LeasedTask[]> {
    const routes = leaseRoutes(request);
    this.workers.seen(request.worker_id, request.backends ?? [], this.now());
    const tasks = this.leaseNow(request, routes);
    if (tasks.length > 0 || !request.wait_seconds || signal?.aborted) return tasks;
    this.workers.waiting(request.worker_id, 1);
    return this.waiters.wait(routes, request.wait_seconds, () => this.leaseNow(request, routes), signal).finally(() => {
      this.workers.waiting(request.worker_id, -1);
      this.workers.touch(request.worker_id, request.backends ?? [], this.now());
    });
  }

  /** Wakes long-poll leases (expiry sweep, retries); answers every waiter at shutdown. */
  wakeWaiters(): void {
    if (this.waiters.size > 0) this.waiters.wake();
  }

  releaseWaiters(): void {
    this.waiters.releaseAll();
  }

  private leaseNow(request: LeaseRequest, routes: readonly (string | null)[]): LeasedTask[] {
    const leaseSeconds = request.lease_seconds ?? this.options.leaseSeconds;
    const leased = this.tx(() => {
      const now = this.now();
      const someLeaseExpired = now >= this.earliestLeaseEnd;
      if (someLeaseExpired) this.failExhaustedLeases(now);
      let candidates: StoredTask[] = [];
      for (const backend of routes) {
        const queued = this.store.queuedFor(backend, request.max_tasks);
        candidates = candidates.length === 0 ? queued : candidates.concat(queued);
        if (someLeaseExpired) candidates = candidates.concat(this.store.expiredFor(backend, now, request.max_tasks));
      }
      if (routes.length > 1 || someLeaseExpired) candidates.sort((a, b) => b.priority - a.priority || a.task_id - b.task_id);
      const chosen = candidates.length > request.max_tasks ? candidates.slice(0, request.max_tasks) : candidates;
      const leasedUntil = now + leaseSeconds;
      // The stored task already carries its new lease token: it goes out as is (the token is the worker's to know).
      const result = chosen.map((task): LeasedTask => this.store.markLeased(task, request.worker_id, newLeaseToken(), leasedUntil, now));
      if (someLeaseExpired) this.earliestLeaseEnd = this.store.earliestLeaseEnd() ?? Infinity;
      else if (chosen.length > 0) this.earliestLeaseEnd = Math.min(this.earliestLeaseEnd, leasedUntil);
      return result;
    });
    if (this.events.hasListeners) {
      for (const task of leased) this.events.task('leased', publicTask(task));
    }
    return leased;
  }

  /** Expired leases whose attempts are used up end `failed`, saying why. Also run on a timer by the hub. */
  failExhaustedLeases(now = this.now()): number {
    if (now < this.earliestLeaseEnd) return 0;
    const exhausted = this.tx(() =>
      this.store.exhaustedLeases(now).map((task) => {
        const message = `lease expired ${task.attempts} time(s), reaching max_attempts=${task.max_attempts}; last worker: ${task.worker_id ?? 'unknown'}`;
        return this.store.finish(task, 'failed', null, message, now);
      }),
    );
    for (const task of exhausted) this.events.runTaskEnded(task.run_id);
    if (this.events.hasListeners) {
      for (const task of exhausted) this.events.task('expired', publicTask(task));
    }
    return exhausted.length;
  }

  /**
   * Fencing: an ack with a lease token counts only for the current lease; an ack without one (old
   * clients) only while the task is leased. Repeating an accepted ack (a worker retrying after a
   * dropped connection) is answered ok without changing anything.
   */
  ack(request: AckRequest): { ok: true; duplicate?: true } {
    const outcome = this.tx(() => {
      const task = this.mustGet(request.task_id);
      if (request.lease_token !== undefined) {
        if (task.lease_token !== request.lease_token) {
          throw new HubError(
            'stale_lease',
            `stale lease token for task ${task.task_id}: it was leased again (now ${task.status}, worker ${task.worker_id ?? 'none'}); this ack was rejected and the current result kept`,
          );
        }
        if (task.status === request.status && task.result === request.result && task.error === request.error) {
          return null;
        }
      }
      if (task.status !== 'leased') {
        throw new HubError('conflict', `task ${task.task_id} is ${task.status}; only a leased task can be acked`);
      }
      if (request.artifact) this.artifacts.save(task.task_id, request.artifact);
      return this.store.finish(task, request.status, request.result, request.error, this.now());
    });
    if (outcome === null) return { ok: true, duplicate: true };
    // Before the event: what the hook queues (a run's check tasks) is seen before the answer ends.
    this.afterAck?.(publicTask(outcome));
    this.events.runTaskEnded(outcome.run_id);
    if (this.events.hasListeners) this.events.task('acked', publicTask(outcome));
    return { ok: true };
  }

  /** Called after every accepted ack, before its event (inside the batch when there is one). */
  onAck(hook: ((task: Task) => void) | null): void {
    this.afterAck = hook;
  }

  /** Heartbeat: push the lease end forward. Fails (with the reason) once the lease is no longer ours. */
  extend(taskId: number, leaseToken: string, leaseSeconds?: number): { ok: true; leased_until: number } {
    return this.tx(() => {
      const task = this.mustHoldLease(taskId, leaseToken);
      const now = this.now();
      const leasedUntil = now + (leaseSeconds ?? this.options.leaseSeconds);
      this.store.extend(task, leasedUntil, now);
      // A heartbeat may also shorten a lease: keep the lower bound of lease ends true.
      this.earliestLeaseEnd = Math.min(this.earliestLeaseEnd, leasedUntil);
      return { ok: true as const, leased_until: leasedUntil };
    });
  }

  /** The current lease holder, or an error saying why the caller no longer holds it. */
  private mustHoldLease(taskId: number, leaseToken: string): StoredTask {
    const task = this.mustGet(taskId);
    if (task.status === 'cancelled') throw new HubError('conflict', `task ${taskId} was cancelled`);
    if (task.lease_token !== leaseToken || task.status !== 'leased') {
      throw new HubError('stale_lease', `lease on task ${taskId} is no longer yours (task is ${task.status}, worker ${task.worker_id ?? 'none'})`);
    }
    return task;
  }

  /** Give a lease back unused (an agent stopping): the task is queued again, its attempt not counted. */
  release(taskId: number, leaseToken: string): { ok: true } {
    const task = this.tx(() => publicTask(this.store.release(this.mustHoldLease(taskId, leaseToken), this.now())));
    if (this.events.hasListeners) this.events.task('released', task);
    this.wakeWaiters();
    return { ok: true };
  }

  /**
   * Live output of a running task, fanned out to subscribers (not stored). The answer tells the
   * agent whether the task is still its own: `cancelled` means stop the process.
   */
  output(taskId: number, leaseToken: string, stream: 'stdout' | 'stderr', text: string): { ok: true; status: Task['status'] } {
    const task = this.mustGet(taskId);
    if (task.status === 'cancelled') return { ok: true, status: 'cancelled' };
    if (task.lease_token !== leaseToken || task.status !== 'leased') {
      throw new HubError('stale_lease', `lease on task ${taskId} is no longer yours (task is ${task.status})`);
    }
    if (this.events.hasListeners && text !== '') this.events.output(taskId, task.worker_id, stream, text);
    return { ok: true, status: task.status };
  }

  /** Inserts a finished task with its artifact (run import); one call of a batch. */
  importFinished(task: Parameters<TaskStore['insertFinished']>[0], artifact: Artifact | null): number {
    return this.tx(() => {
      const taskId = this.store.insertFinished(task);
      if (artifact) this.artifacts.save(taskId, artifact);
      return taskId;
    });
  }

  /** Deletes the tasks of a run and their artifacts (retention). */
  deleteRunTasks(runId: string): number {
    const deleted = this.tx(() => this.store.deleteRun(runId));
    // Held with the transaction: published only once the deletion is committed.
    if (this.events.hasListeners) this.events.runsDeleted([runId]);
    return deleted;
  }

  /** An agent that stops says so (`bye`); one that vanishes stays listed until it is forgotten. */
  workerLeft(workerId: string): { ok: true; known: boolean } {
    return { ok: true, known: this.workers.left(workerId) };
  }

  /** The agents seen recently and what they run (the Overview's agents, and runs' choice of in-process agents). */
  listWorkers(): WorkerInfo[] {
    return this.workers.list(this.now(), this.store.activeLeased());
  }

  artifact(taskId: number): Artifact | null {
    this.mustGet(taskId);
    return this.artifacts.get(taskId) ?? null;
  }

  cancel(taskId: number): { ok: true; task: Task } {
    const task = this.tx(() => {
      const current = this.mustGet(taskId);
      if (current.status !== 'queued' && current.status !== 'leased') {
        throw new HubError('conflict', `task ${taskId} is already ${current.status}; only queued or leased tasks can be cancelled`);
      }
      return publicTask(this.store.cancel(current, this.now()));
    });
    this.events.runTaskEnded(task.run_id);
    this.events.task('cancelled', task);
    return { ok: true, task };
  }

  /** Floor: every failed task back to queued. With `taskId`: that one failed or cancelled task. */
  retryFailed(taskId?: number): { retried: number } {
    const ids = this.tx(() => {
      const now = this.now();
      if (taskId === undefined) {
        this.keepRecordedAttempts(this.attempts.failedRunTaskIds());
        return this.store.requeueAllFailed(now);
      }
      const task = this.mustGet(taskId);
      if (task.status !== 'failed' && task.status !== 'cancelled') {
        throw new HubError('conflict', `task ${taskId} is ${task.status}; only failed or cancelled tasks can be retried`);
      }
      this.keepRecordedAttempts([task]);
      this.store.requeue(task, now);
      return [taskId];
    });
    this.events.retried(ids);
    if (ids.length > 0) this.wakeWaiters();
    return { retried: ids.length };
  }

  /**
   * A finished run's record does not change: before tasks of a run that has ended are queued again,
   * the attempt the run recorded is kept (see RunAttemptStore), and the retry is a new attempt.
   */
  private keepRecordedAttempts(tasks: { task_id: number; run_id: string | null }[]): void {
    const ended = new Map<string, boolean>();
    for (const { task_id: id, run_id: runId } of tasks) {
      if (runId === null) continue;
      if (!ended.has(runId)) ended.set(runId, this.attempts.hasEnded(runId));
      if (ended.get(runId)) this.attempts.keep(publicTask(this.mustGet(id)), this.artifacts.get(id) ?? null);
    }
  }

  /** Attempts of a task before its current one, kept because its run had ended when it was retried. */
  earlierAttempts(taskId: number): EarlierAttempt[] {
    this.mustGet(taskId);
    return this.attempts.ofTask(taskId);
  }

  /** Compact rows for the Tasks table (see TaskStore.rows). */
  rows(filter: ListFilter & { search?: string }): TaskRowView[] {
    return this.store.rows(filter);
  }

  list(filter: ListFilter): Task[] {
    return this.store.list(filter).map(publicTask);
  }

  stats(): Stats {
    return this.store.stats();
  }
}
