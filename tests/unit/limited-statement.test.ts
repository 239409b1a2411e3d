import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LimitedStatement } from '../../core/store/limited-statement.js';

describe('LimitedStatement (a LIMIT written into the SQL, one statement per limit)', () => {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-limited-'));
    db = new Database(path.join(dir, 'test.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, kind TEXT, rank INTEGER)');
    const insert = db.prepare('INSERT INTO items (kind, rank) VALUES (?, ?)');
    for (let i = 0; i < 200; i++) insert.run(i % 2 === 0 ? 'even' : 'odd', i % 7);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sql = (limit: string) => `SELECT id FROM items WHERE kind IS ? ORDER BY rank DESC, id LIMIT ${limit}`;
  const expected = (kind: string, limit: number) =>
    db.prepare('SELECT id FROM items WHERE kind IS ? ORDER BY rank DESC, id LIMIT ?').pluck().all(kind, limit);

  it('answers like LIMIT ? for every limit, also past the cached ones and for odd values', () => {
    const statement = new LimitedStatement(db, sql);
    // 1..100 crosses the number of limits kept as their own statement; each is asked twice (cached and reused).
    for (const round of [1, 2]) {
      for (let limit = 1; limit <= 100; limit++) {
        expect(statement.pluckAll(['odd'], limit), `limit ${limit}, round ${round}`).toEqual(expected('odd', limit));
      }
    }
    expect(statement.pluckAll(['even'], 0)).toEqual([]);
    expect(statement.pluckAll(['even'], -1)).toHaveLength(100); // a negative LIMIT means no limit, as in SQLite
    // Not an integer: refused by SQLite as with LIMIT ? (the wire's schema never lets one through).
    expect(() => expected('even', 1.5)).toThrow(/mismatch/);
    expect(() => statement.pluckAll(['even'], 1.5)).toThrow(/mismatch/);
    expect(statement.pluckAll([null], 5)).toEqual([]);
  });

  it('sees rows written after the statement was made', () => {
    const statement = new LimitedStatement(db, sql);
    expect(statement.pluckAll(['new'], 3)).toEqual([]);
    db.prepare("INSERT INTO items (kind, rank) VALUES ('new', 9)").run();
    expect(statement.pluckAll(['new'], 3)).toHaveLength(1);
  });
});
