/**
 * The run_attempts table: earlier attempts of tasks that were retried after their run had ended.
 * Attempt 1 of a task is what its run recorded; the run's record reads it instead of the live task.
 */
import type { Db } from './database.js';
import type { Artifact } from '../queue/artifact.js';
import type { Task } from '../queue/types.js';

export interface EarlierAttempt {
  attempt: number;
  run_id: string;
  task: Task;
  artifact: Artifact | null;
}

interface AttemptRow {
  task_id: number;
  attempt: number;
  run_id: string;
  task: string;
  artifact: string | null;
}

function toAttempt(row: AttemptRow): EarlierAttempt {
  return {
    attempt: row.attempt,
    run_id: row.run_id,
    task: JSON.parse(row.task) as Task,
    artifact: row.artifact === null ? null : (JSON.parse(row.artifact) as Artifact),
  };
}

export class RunAttemptStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      insert: db.prepare('INSERT INTO run_attempts (task_id, attempt, run_id, task, artifact) VALUES (?, ?, ?, ?, ?)'),
      count: db.prepare('SELECT count(*) FROM run_attempts WHERE task_id = ?').pluck(),
      ofTask: db.prepare('SELECT * FROM run_attempts WHERE task_id = ? ORDER BY attempt'),
      recordedOfRun: db.prepare('SELECT * FROM run_attempts WHERE run_id = ? AND attempt = 1'),
      retriedOfRun: db.prepare('SELECT task_id, max(attempt) AS attempts FROM run_attempts WHERE run_id = ? GROUP BY task_id'),
      runEnd: db.prepare('SELECT finished_at FROM runs WHERE run_id = ?').pluck(),
      setRunEnd: db.prepare('UPDATE runs SET finished_at = ? WHERE run_id = ? AND finished_at IS NULL'),
      activeInRun: db.prepare("SELECT count(*) FROM tasks WHERE run_id = ? AND status IN ('queued', 'leased')").pluck(),
      lastEndOfRun: db.prepare('SELECT max(coalesce(finished_at, cancelled_at, 0)) FROM tasks WHERE run_id = ?').pluck(),
      failedInRuns: db.prepare("SELECT task_id, run_id FROM tasks WHERE status = 'failed' AND run_id IS NOT NULL"),
    };
  }

  /** The run's end once written down (a run is frozen from its first retry after it ended). */
  runEnd(runId: string): number | null {
    return (this.stmt.runEnd.get(runId) as number | null | undefined) ?? null;
  }

  /** A run has ended when it was frozen before or none of its tasks waits or runs. */
  hasEnded(runId: string): boolean {
    return this.runEnd(runId) !== null || (this.stmt.activeInRun.get(runId) as number) === 0;
  }

  /**
   * Keeps the current attempt of `task` (a task of an ended run about to be queued again) and
   * writes down the run's end if it is not yet; returns the attempt number kept.
   */
  keep(task: Task, artifact: Artifact | null): number {
    const runId = task.run_id;
    if (runId === null) throw new Error('only a task of a run has attempts kept');
    this.stmt.setRunEnd.run(this.stmt.lastEndOfRun.get(runId) as number, runId);
    const attempt = (this.stmt.count.get(task.task_id) as number) + 1;
    this.stmt.insert.run(task.task_id, attempt, runId, JSON.stringify(task), artifact === null ? null : JSON.stringify(artifact));
    return attempt;
  }

  ofTask(taskId: number): EarlierAttempt[] {
    return (this.stmt.ofTask.all(taskId) as AttemptRow[]).map(toAttempt);
  }

  /** The attempts the run recorded, by task id, for its tasks retried since. */
  recordedOfRun(runId: string): Map<number, EarlierAttempt> {
    return new Map((this.stmt.recordedOfRun.all(runId) as AttemptRow[]).map((row) => [row.task_id, toAttempt(row)]));
  }

  /** How many attempts each retried task of the run has had before its current one. */
  retriedOfRun(runId: string): Map<number, number> {
    return new Map((this.stmt.retriedOfRun.all(runId) as { task_id: number; attempts: number }[]).map((r) => [r.task_id, r.attempts]));
  }

  /** The failed tasks that belong to a run (what a retry of every failed task may have to keep). */
  failedRunTaskIds(): { task_id: number; run_id: string }[] {
    return this.stmt.failedInRuns.all() as { task_id: number; run_id: string }[];
  }
}
