/** The runs and baselines tables: prepared statements, row mapping. */
import type { Db } from './database.js';
import { toTask, type StoredTask, type TaskRow } from './tasks.js';
import type { Artifact } from '../queue/artifact.js';
import type { LockEntryState, RunInfo, RunPreset } from '../runs/types.js';

interface RunRow {
  run_id: string;
  label: string | null;
  pack_name: string;
  pack_path: string | null;
  preset: RunPreset;
  backends: string;
  repeat: number;
  created_at: number;
  host: string;
  lock_state: string | null;
  picks: string;
  imported_from: string | null;
  baseline: number;
}

export type StoredRun = Omit<RunInfo, 'finished_at'> & { imported_from: string | null };

function toRun(row: RunRow): StoredRun {
  return {
    run_id: row.run_id,
    label: row.label,
    pack_name: row.pack_name,
    pack_path: row.pack_path,
    preset: row.preset,
    backends: JSON.parse(row.backends) as string[],
    repeat: row.repeat,
    created_at: row.created_at,
    host: row.host,
    lock_state: row.lock_state === null ? null : (JSON.parse(row.lock_state) as LockEntryState[]),
    baseline: row.baseline === 1,
    picks: JSON.parse(row.picks) as Record<string, number>,
    imported_from: row.imported_from,
  };
}

type TaskWithArtifact = TaskRow & { artifact: string | null };

function withArtifact(row: TaskWithArtifact): { task: StoredTask; artifact: Artifact | null } {
  return { task: toTask(row), artifact: row.artifact === null ? null : (JSON.parse(row.artifact) as Artifact) };
}

const SELECT_RUN = `SELECT r.*, (b.run_id IS NOT NULL) AS baseline FROM runs r LEFT JOIN baselines b ON b.run_id = r.run_id`;

export class RunStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO runs (run_id, label, pack_name, pack_path, preset, backends, repeat, created_at, host, lock_state, imported_from)
         VALUES (@run_id, @label, @pack_name, @pack_path, @preset, @backends, @repeat, @created_at, @host, @lock_state, @imported_from)`,
      ),
      get: db.prepare(`${SELECT_RUN} WHERE r.run_id = ?`),
      list: db.prepare(`${SELECT_RUN} ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`),
      listByPack: db.prepare(`${SELECT_RUN} WHERE r.pack_name = ? ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`),
      tasks: db.prepare('SELECT t.*, a.data AS artifact FROM tasks t LEFT JOIN artifacts a ON a.task_id = t.task_id WHERE t.run_id = ? ORDER BY t.task_id'),
      rowTasks: db.prepare(
        `WITH mine AS (SELECT task_id FROM tasks WHERE run_id = @run AND backend = @backend AND json_extract(metadata, '$.prompt_id') = @prompt)
         SELECT t.*, a.data AS artifact FROM tasks t LEFT JOIN artifacts a ON a.task_id = t.task_id
         WHERE t.run_id = @run AND (t.task_id IN mine OR json_extract(t.metadata, '$.check_of') IN mine) ORDER BY t.task_id`,
      ),
      checkTasksOf: db.prepare(
        "SELECT t.*, NULL AS artifact FROM tasks t WHERE t.run_id = ? AND json_extract(t.metadata, '$.check_of') = ? ORDER BY t.task_id",
      ),
      setBaseline: db.prepare('INSERT INTO baselines (pack_name, run_id) VALUES (?, ?) ON CONFLICT(pack_name) DO UPDATE SET run_id = excluded.run_id'),
      baselineOf: db.prepare('SELECT run_id FROM baselines WHERE pack_name = ?').pluck(),
      setPicks: db.prepare('UPDATE runs SET picks = ? WHERE run_id = ?'),
      delete: db.prepare('DELETE FROM runs WHERE run_id = ?'),
      allIdsNewestFirst: db.prepare('SELECT run_id FROM runs ORDER BY created_at DESC, rowid DESC').pluck(),
      baselineIds: db.prepare('SELECT run_id FROM baselines').pluck(),
      version: db.prepare(
        `SELECT count(*) AS tasks, total(status IN ('queued', 'leased')) AS active, max(updated_at) AS updated, total(attempts) AS attempts, max(task_id) AS last_id,
                max(coalesce(finished_at, cancelled_at, 0)) AS last_end,
                (SELECT count(*) FROM run_attempts WHERE run_id = @run) AS kept
         FROM tasks WHERE run_id = @run`,
      ),
    };
  }

  insert(run: StoredRun): void {
    this.stmt.insert.run({
      run_id: run.run_id,
      label: run.label,
      pack_name: run.pack_name,
      pack_path: run.pack_path,
      preset: run.preset,
      backends: JSON.stringify(run.backends),
      repeat: run.repeat,
      created_at: run.created_at,
      host: run.host,
      lock_state: run.lock_state === null ? null : JSON.stringify(run.lock_state),
      imported_from: run.imported_from,
    });
  }

  get(runId: string): StoredRun | undefined {
    const row = this.stmt.get.get(runId) as RunRow | undefined;
    return row && toRun(row);
  }

  list(limit: number, packName?: string): StoredRun[] {
    const rows = (packName === undefined ? this.stmt.list.all(limit) : this.stmt.listByPack.all(packName, limit)) as RunRow[];
    return rows.map(toRun);
  }

  tasks(runId: string): { task: StoredTask; artifact: Artifact | null }[] {
    return (this.stmt.tasks.all(runId) as TaskWithArtifact[]).map(withArtifact);
  }

  /** The tasks of one prompt on one backend of a run, with their check tasks (command, judge). */
  rowTasks(runId: string, promptId: string, backend: string): { task: StoredTask; artifact: Artifact | null }[] {
    return (this.stmt.rowTasks.all({ run: runId, prompt: promptId, backend }) as TaskWithArtifact[]).map(withArtifact);
  }

  /** The check tasks (command, judge) of one task of a run, oldest first. */
  checkTasksOf(runId: string, taskId: number): StoredTask[] {
    return (this.stmt.checkTasksOf.all(runId, taskId) as TaskRow[]).map(toTask);
  }

  /**
   * What a run's tasks are at now, in one string that changes whenever a task of it is added,
   * deleted, leased, finished, cancelled or retried (each sets updated_at; a retry after the run
   * ended also keeps an attempt); `active`: tasks queued or running; `last_end`: the latest end of
   * a task of the run as it is now (0 without one).
   */
  version(runId: string): { active: number; version: string; tasks: number; last_end: number } {
    const row = this.stmt.version.get({ run: runId }) as { tasks: number; active: number; updated: number | null; attempts: number; last_id: number | null; last_end: number | null; kept: number };
    return { active: row.active, version: `${row.tasks}/${row.last_id ?? 0}/${row.updated ?? 0}/${row.attempts}/${row.kept}`, tasks: row.tasks, last_end: row.last_end ?? 0 };
  }

  setBaseline(packName: string, runId: string): void {
    this.stmt.setBaseline.run(packName, runId);
  }

  baselineOf(packName: string): string | undefined {
    return this.stmt.baselineOf.get(packName) as string | undefined;
  }

  setPicks(runId: string, picks: Record<string, number>): void {
    this.stmt.setPicks.run(JSON.stringify(picks), runId);
  }

  delete(runId: string): void {
    this.stmt.delete.run(runId);
  }

  idsNewestFirst(): string[] {
    return this.stmt.allIdsNewestFirst.all() as string[];
  }

  baselineIds(): Set<string> {
    return new Set(this.stmt.baselineIds.all() as string[]);
  }
}
