/** In-process fan-out of task changes to subscribers (wire `subscribe`, REST SSE, the UI). */
import type { HubEvent, Task, TaskEventType } from './types.js';

export type HubEventListener = (event: HubEvent) => void;

export class EventBus {
  private readonly listeners = new Set<HubEventListener>();
  /** In-hub watchers of runs' tasks ending (settling runs): told the run id only, so the queue need
   * not build and publish every event when no client subscribes. */
  private readonly runTaskEndWatchers = new Set<(runId: string) => void>();
  private seq = 0;
  /** While a batch transaction is open, events wait here so nobody sees a change before it commits. */
  private held: HubEvent[] | null = null;

  subscribe(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  watchRunTaskEnds(watcher: (runId: string) => void): () => void {
    this.runTaskEndWatchers.add(watcher);
    return () => this.runTaskEndWatchers.delete(watcher);
  }

  /** A task ended (acked, expired, cancelled): watchers of its run hear of it. */
  runTaskEnded(runId: string | null): void {
    if (runId === null) return;
    for (const watcher of this.runTaskEndWatchers) {
      try {
        watcher(runId);
      } catch {
        // A watcher's failure must never break the queue.
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  task(type: TaskEventType, task: Task): void {
    this.publish({ seq: ++this.seq, type, task });
  }

  output(taskId: number, workerId: string | null, stream: 'stdout' | 'stderr', text: string): void {
    this.publish({ seq: ++this.seq, type: 'output', task_id: taskId, worker_id: workerId, stream, text });
  }

  retried(taskIds: number[]): void {
    if (taskIds.length > 0) this.publish({ seq: ++this.seq, type: 'retried', task_ids: taskIds });
  }

  runsDeleted(runIds: string[]): void {
    if (runIds.length > 0) this.publish({ seq: ++this.seq, type: 'runs_deleted', run_ids: runIds });
  }

  hold(): void {
    this.held ??= [];
  }

  /** Publishes what was held (after a commit), or drops it (after a rollback). */
  release(publish: boolean): void {
    const held = this.held ?? [];
    this.held = null;
    if (publish) for (const event of held) this.publish(event);
  }

  private publish(event: HubEvent): void {
    if (this.held) {
      this.held.push(event);
      return;
    }
    for (const listener of this.listeners) {
      // A failing subscriber (a closed socket, say) must never break the queue or other subscribers.
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}
