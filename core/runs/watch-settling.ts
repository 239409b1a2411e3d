/**
 * Notices runs settling: after a task of a run ends and no other task of it has ended for a moment,
 * asks RunService.keepIfSettled to hand the run to the keeper if it has settled. Waiting for a
 * quiet moment keeps a run whose tasks end by the thousand from being looked at once per task.
 */
import type { EventBus } from '../queue/events.js';
import type { RunService } from './service.js';

const QUIET_MS = 200;

export function watchSettling(events: EventBus, runs: Pick<RunService, 'keepIfSettled'>, log?: (line: string) => void): () => void {
  const timers = new Map<string, NodeJS.Timeout>();
  // Not a subscription: with one, the queue would build and publish every event for nobody.
  const unsubscribe = events.watchRunTaskEnds((runId) => {
    clearTimeout(timers.get(runId));
    const timer = setTimeout(() => {
      timers.delete(runId);
      try {
        runs.keepIfSettled(runId);
      } catch (err) {
        log?.(`checking whether run ${runId} settled failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, QUIET_MS);
    timer.unref();
    timers.set(runId, timer);
  });
  return () => {
    unsubscribe();
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  };
}
