/**
 * Migration of a database written by the original mittelo: time, file sizes and memory for a
 * database of N tasks (default 100,000; prompts of ~200 and answers of ~300 characters).
 *
 *   node dist/scripts/bench/migrate-original.js [--tasks 100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { handleOriginalDatabase } from '../../core/store/original-schema.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'migrate-original', measures: 'migration of a database written by the original mittelo: time, file sizes and memory' },
  {
    tasks: { kind: 'number', default: 100000, help: 'tasks in the original database' },
  },
);
const TASKS = Number(values.tasks);

const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-original-')), 'mittelo.db');
const original = new Database(dbPath);
// The original's schema; a quarter queued, the rest done, as a long-used queue looks.
original.exec(`
  CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, prompt TEXT NOT NULL, status TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, leased_until REAL, worker_id TEXT, result TEXT, error TEXT);
  CREATE INDEX idx_tasks_status ON tasks(status, id);
`);
original
  .prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO tasks (prompt, status, created_at, updated_at, worker_id, result)
     SELECT 'prompt ' || i || printf('%200s', ''), CASE i % 4 WHEN 0 THEN 'queued' ELSE 'done' END,
            1.7e9 + i, 1.7e9 + i, CASE i % 4 WHEN 0 THEN NULL ELSE 'w' END,
            CASE i % 4 WHEN 0 THEN NULL ELSE 'answer ' || i || printf('%300s', '') END
     FROM n`,
  )
  .run(TASKS);
original.close();
const sizeBefore = fs.statSync(dbPath).size;

const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const migration = handleOriginalDatabase(dbPath, 'migrate');
const elapsed = performance.now() - started;
if (!migration || migration.tasks !== TASKS) throw new Error(`expected ${TASKS} migrated tasks, got ${JSON.stringify(migration)}`);

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log(`tasks:          ${TASKS}`);
console.log(`migration:      ${(elapsed / 1000).toFixed(2)} s (backup copy, copy into the new schema, vacuum)`);
console.log(`original file:  ${mib(sizeBefore)} MiB; backup ${mib(fs.statSync(migration.backupPath).size)} MiB; migrated ${mib(fs.statSync(dbPath).size)} MiB`);
console.log(`RSS growth:     ${mib(process.memoryUsage().rss - rssBefore)} MiB`);
fs.rmSync(path.dirname(dbPath), { recursive: true, force: true });
