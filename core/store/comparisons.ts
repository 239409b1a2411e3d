/**
 * The comparisons table: the comparison of two settled runs as JSON (the part the Compare page shows
 * first, and the pairs listed below it), under a key naming everything it was computed from. Only the
 * newest few are kept: a comparison of two 30,000-task runs is some 15 MB.
 */
import type { Db } from './database.js';

/** Comparisons kept at most (the newest by when they were written). */
export const MAX_KEPT_COMPARISONS = 20;

export class ComparisonStore {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly keep = MAX_KEPT_COMPARISONS,
  ) {
    this.stmt = {
      put: db.prepare(
        `INSERT INTO comparisons (run_a, run_b, key, head, pairs, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(run_a, run_b) DO UPDATE SET key = excluded.key, head = excluded.head, pairs = excluded.pairs, created_at = excluded.created_at`,
      ),
      has: db.prepare('SELECT 1 FROM comparisons WHERE run_a = ? AND run_b = ? AND key = ?').pluck(),
      head: db.prepare('SELECT head FROM comparisons WHERE run_a = ? AND run_b = ? AND key = ?').pluck(),
      pairs: db.prepare('SELECT pairs FROM comparisons WHERE run_a = ? AND run_b = ? AND key = ?').pluck(),
      prune: db.prepare('DELETE FROM comparisons WHERE rowid NOT IN (SELECT rowid FROM comparisons ORDER BY created_at DESC, rowid DESC LIMIT ?)'),
      count: db.prepare('SELECT count(*) FROM comparisons').pluck(),
    };
  }

  put(runA: string, runB: string, key: string, head: string, pairs: string): void {
    this.db.transaction(() => {
      this.stmt.put.run(runA, runB, key, head, pairs, Date.now() / 1000);
      this.stmt.prune.run(this.keep);
    })();
  }

  has(runA: string, runB: string, key: string): boolean {
    return this.stmt.has.get(runA, runB, key) !== undefined;
  }

  head(runA: string, runB: string, key: string): string | undefined {
    return this.stmt.head.get(runA, runB, key) as string | undefined;
  }

  pairs(runA: string, runB: string, key: string): string | undefined {
    return this.stmt.pairs.get(runA, runB, key) as string | undefined;
  }

  get size(): number {
    return this.stmt.count.get() as number;
  }
}
