/**
 * A SELECT whose LIMIT varies per call, prepared once per limit value.
 *
 * SQLite (3.47 and later) plans `LIMIT ?` with the bound value, so binding a value expires the
 * statement and the next run parses and plans it again. For the lease queries that re-preparation
 * was 7 % of the hub's CPU with workers leasing one task at a time. A statement with the limit
 * written in is planned once; the few limits workers use are kept, and beyond `MAX_CACHED_LIMITS`
 * distinct values the `LIMIT ?` statement is used (correct, only slower).
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

const MAX_CACHED_LIMITS = 64;

export class LimitedStatement {
  private readonly byLimit = new Map<number, Statement<unknown[]>>();
  private readonly withParameter: Statement<unknown[]>;

  /** `sql` gets the LIMIT clause's value: a literal integer, or `?` (bound after the other params). */
  constructor(
    private readonly db: Db,
    private readonly sql: (limit: string) => string,
  ) {
    this.withParameter = db.prepare(sql('?')).pluck();
  }

  /** The first column of each row (`pluck`), at most `limit` rows. */
  pluckAll(params: unknown[], limit: number): unknown[] {
    if (!Number.isSafeInteger(limit)) return this.withParameter.all(...params, limit);
    let statement = this.byLimit.get(limit);
    if (statement === undefined) {
      if (this.byLimit.size >= MAX_CACHED_LIMITS) return this.withParameter.all(...params, limit);
      statement = this.db.prepare(this.sql(String(limit))).pluck();
      this.byLimit.set(limit, statement);
    }
    return statement.all(...params);
  }
}
