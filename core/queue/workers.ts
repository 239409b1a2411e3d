/**
 * The workers (agents) a hub has seen, from their lease calls: which backends each serves, when it
 * last asked for work, what it runs now. In memory: it describes the present, not history.
 */
import type { Task } from './types.js';

export interface WorkerInfo {
  worker_id: string;
  backends: string[];
  last_seen: number;
  /** Waiting in a long-poll lease right now. */
  waiting: boolean;
  running: { task_id: number; backend: string | null }[];
}

/** A worker not heard from in this long is gone (agents long-poll at most 300 s, default 10 s). */
const FORGET_AFTER_SECONDS = 330;

export class WorkerRegistry {
  private readonly workers = new Map<string, { backends: string[]; last_seen: number; waiting: number }>();

  seen(workerId: string, backends: string[], now: number): void {
    const known = this.workers.get(workerId);
    if (known === undefined) {
      this.workers.set(workerId, { backends, last_seen: now, waiting: 0 });
      return;
    }
    // Updated in place: a busy worker is seen on every lease.
    known.backends = backends;
    known.last_seen = now;
  }

  /** A sign of life from a worker already known (the end of its long poll): never brings back one that left. */
  touch(workerId: string, backends: string[], now: number): void {
    if (this.workers.has(workerId)) this.seen(workerId, backends, now);
  }

  /** The worker said it stops (`bye`): it is no longer listed, so a finished agent is not taken for a lost one. */
  left(workerId: string): boolean {
    return this.workers.delete(workerId);
  }

  waiting(workerId: string, delta: 1 | -1): void {
    const known = this.workers.get(workerId);
    if (known) known.waiting = Math.max(0, known.waiting + delta);
  }

  /** Workers seen recently, with the tasks they hold (from the queue's leased tasks). */
  list(now: number, leased: Task[]): WorkerInfo[] {
    const result: WorkerInfo[] = [];
    for (const [workerId, info] of this.workers) {
      const holding = leased.filter((t) => t.worker_id === workerId);
      if (now - info.last_seen > FORGET_AFTER_SECONDS && holding.length === 0 && info.waiting === 0) {
        this.workers.delete(workerId);
        continue;
      }
      result.push({
        worker_id: workerId,
        backends: info.backends,
        last_seen: info.last_seen,
        waiting: info.waiting > 0,
        running: holding.map((t) => ({ task_id: t.task_id, backend: t.backend })),
      });
    }
    return result.sort((a, b) => a.worker_id.localeCompare(b.worker_id));
  }
}
