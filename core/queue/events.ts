/** In-process fan-out of task changes to subscribers (wire `subscribe`, REST SSE, the UI). */
import type { HubEvent, Task, TaskEventType } from './types.js';

export type HubEventListener = (event: HubEvent) => void;

export class EventBus {
  private readonly listeners = new Set<HubEventListener>();
  private seq = 0;

  subscribe(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  task(type: TaskEventType, task: Task): void {
    this.publish({ seq: ++this.seq, type, task });
  }

  retried(taskIds: number[]): void {
    if (taskIds.length > 0) this.publish({ seq: ++this.seq, type: 'retried', task_ids: taskIds });
  }

  private publish(event: HubEvent): void {
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
