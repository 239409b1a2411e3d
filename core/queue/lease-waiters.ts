/**
 * Long-poll leases: a worker that finds nothing to do may wait (up to `wait_seconds`) instead of
 * polling. Waiters are woken when a task they could take appears, on the expiry sweep, or at shutdown.
 */
import type { LeasedTask } from './types.js';

interface Waiter {
  /** Tries to lease now; returns the tasks, or an empty list when there is still nothing. */
  attempt: () => LeasedTask[];
  routes: Set<string | null>;
  resolve: (tasks: LeasedTask[]) => void;
  timer: NodeJS.Timeout;
}

export class LeaseWaiters {
  private readonly waiters = new Set<Waiter>();

  wait(routes: readonly (string | null)[], waitSeconds: number, attempt: () => LeasedTask[], signal?: AbortSignal): Promise<LeasedTask[]> {
    return new Promise((resolve) => {
      const onAbort = () => waiter.resolve([]);
      const waiter: Waiter = {
        attempt,
        routes: new Set(routes),
        resolve: (tasks) => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          resolve(tasks);
        },
        timer: setTimeout(onAbort, waitSeconds * 1000),
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get size(): number {
    return this.waiters.size;
  }

  /**
   * One new task routed to `backend` (null = unrouted) appeared: the first waiter that can take it
   * does. Without an argument (expiry sweep, retries) many tasks may be free: every waiter tries.
   */
  wake(backend?: string | null): void {
    for (const waiter of this.waiters) {
      if (backend !== undefined && !waiter.routes.has(backend)) continue;
      const tasks = waiter.attempt();
      if (tasks.length > 0) {
        waiter.resolve(tasks);
        if (backend !== undefined) return;
      }
    }
  }

  /** Shutdown: every waiter gets an empty answer now. */
  releaseAll(): void {
    for (const waiter of [...this.waiters]) waiter.resolve([]);
  }
}
