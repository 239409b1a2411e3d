/** Comparing runs across hubs: what an export/import round trip must keep. */
import type { RunRecord } from '../core/runs/types.js';

/**
 * A run as it must come back from export and import: everything but the ids the importing hub
 * gives (its run id when the original one is taken there, its own task ids); picks point at tasks
 * by position instead.
 */
export function portable(record: RunRecord): unknown {
  const position = new Map(record.tasks.map((task, i) => [task.task_id, i]));
  const { run_id: _runId, picks, ...run } = record.run;
  return {
    run: { ...run, picks: Object.fromEntries(Object.entries(picks).map(([prompt, taskId]) => [prompt, position.get(taskId)])) },
    tasks: record.tasks.map(({ task_id: _taskId, ...task }) => task),
  };
}
