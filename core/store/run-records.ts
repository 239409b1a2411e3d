/**
 * The run_records table: a settled run's record as compare reads it and its summary, kept so a
 * restarted hub reads one row instead of every task, artifact and check of the run. A row is only
 * used while the run's version and the format it was written in are still the current ones.
 */
import type { Db } from './database.js';

/** One kept row: each part as JSON. */
export interface KeptRecordRow {
  run_id: string;
  version: string;
  format: number;
  summary: string;
  counts: string;
  body: string;
}

export class RunRecordStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      put: db.prepare(
        `INSERT INTO run_records (run_id, version, format, summary, counts, body) VALUES (@run_id, @version, @format, @summary, @counts, @body)
         ON CONFLICT(run_id) DO UPDATE SET version = excluded.version, format = excluded.format, summary = excluded.summary, counts = excluded.counts, body = excluded.body`,
      ),
      summary: db.prepare('SELECT summary FROM run_records WHERE run_id = ? AND version = ? AND format = ?').pluck(),
      counts: db.prepare('SELECT counts FROM run_records WHERE run_id = ? AND version = ? AND format = ?').pluck(),
      body: db.prepare('SELECT body FROM run_records WHERE run_id = ? AND version = ? AND format = ?').pluck(),
      stamp: db.prepare('SELECT version, format FROM run_records WHERE run_id = ?'),
      drop: db.prepare('DELETE FROM run_records WHERE run_id = ?'),
    };
  }

  put(row: KeptRecordRow): void {
    this.stmt.put.run(row);
  }

  /** The summary JSON kept for the run at this version and format, if any. */
  summary(runId: string, version: string, format: number): string | undefined {
    return this.stmt.summary.get(runId, version, format) as string | undefined;
  }

  /** The pass counts JSON kept for the run at this version and format, if any. */
  counts(runId: string, version: string, format: number): string | undefined {
    return this.stmt.counts.get(runId, version, format) as string | undefined;
  }

  /** The body JSON kept for the run at this version and format, if any. */
  body(runId: string, version: string, format: number): string | undefined {
    return this.stmt.body.get(runId, version, format) as string | undefined;
  }

  /** What the kept row was built from (tests, diagnostics). */
  stamp(runId: string): { version: string; format: number } | undefined {
    return this.stmt.stamp.get(runId) as { version: string; format: number } | undefined;
  }

  drop(runId: string): void {
    this.stmt.drop.run(runId);
  }
}
