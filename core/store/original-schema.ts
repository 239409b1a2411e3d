/**
 * Databases written by the original mittelo (the project this one replaces; both default to
 * `.mittelo/mittelo.db`): recognised by their one `tasks` table and no schema version, and migrated
 * in place to our schema after a backup copy, keeping every task with its id, status and times.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { HubError, errorMessage } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** The original's `tasks` columns, exactly. */
export const ORIGINAL_TASK_COLUMNS = ['id', 'prompt', 'status', 'created_at', 'updated_at', 'leased_until', 'worker_id', 'result', 'error'] as const;
const ORIGINAL_STATUSES = ['queued', 'leased', 'done', 'failed'];
/** SQLite's own tables, present in any database that used AUTOINCREMENT or ANALYZE. */
const SQLITE_INTERNAL_TABLE = /^sqlite_/;

export type OriginalDatabasePolicy = 'migrate' | 'refuse';

export interface OriginalMigration {
  file: string;
  backupPath: string;
  tasks: number;
}

/** The command that migrates `file`, for messages that refuse to. */
export function migrateCommand(file: string): string {
  return `mittelo migrate --db ${/^[\w./:@%+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`}`;
}

/** True when the open database has the original mittelo's schema and nothing else. */
export function hasOriginalSchema(db: Database.Database): boolean {
  if (Number(db.pragma('user_version', { simple: true })) !== 0) return false;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
    .map((t) => t.name)
    .filter((name) => !SQLITE_INTERNAL_TABLE.test(name));
  if (tables.length !== 1 || tables[0] !== 'tasks') return false;
  const columns = (db.prepare("SELECT name FROM pragma_table_info('tasks')").all() as { name: string }[]).map((c) => c.name).sort();
  return JSON.stringify(columns) === JSON.stringify([...ORIGINAL_TASK_COLUMNS].sort());
}

/** Reads `file` without writing to it: is it an original mittelo database? A missing, empty or unreadable file is not. */
export function isOriginalDatabase(file: string): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false;
  }
  if (size === 0) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return hasOriginalSchema(db);
  } catch {
    // Not SQLite, damaged, locked: the normal open path says what is wrong with it.
    return false;
  } finally {
    db?.close();
  }
}

function backupPathFor(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  for (let n = 0; ; n++) {
    const candidate = `${file}.original-${stamp}${n ? `-${n}` : ''}.bak`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** Refuses a table with statuses the original never wrote: the copy would not mean what it says. */
function assertOriginalStatuses(db: Database.Database): void {
  const unknown = db
    .prepare(`SELECT status, count(*) AS n FROM tasks WHERE status NOT IN (${ORIGINAL_STATUSES.map(() => '?').join(', ')}) GROUP BY status`)
    .all(...ORIGINAL_STATUSES) as { status: unknown; n: number }[];
  if (unknown.length > 0) {
    const list = unknown.map((u) => `${u.n} with status ${JSON.stringify(u.status)}`).join(', ');
    throw new HubError('database', `it has tasks the original mittelo could not have written (${list}); nothing was changed`);
  }
}

/**
 * Copies the original tasks into our schema, in one transaction: every task keeps its id, status,
 * worker, result, error and times; a leased task stays leased (its worker may still ack it, as old
 * clients ack without a lease token); new tasks continue after the original's last id.
 */
function migrateInPlace(db: Database.Database): number {
  return db.transaction(() => {
    db.exec('ALTER TABLE tasks RENAME TO mittelo_original_tasks');
    // Its indexes keep their names after the rename and could clash with ours.
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'mittelo_original_tasks' AND sql IS NOT NULL").all() as { name: string }[];
    for (const index of indexes) db.exec(`DROP INDEX "${index.name.replace(/"/g, '""')}"`);
    for (const sql of MIGRATIONS) db.exec(sql);
    const copied = db
      .prepare(
        `INSERT INTO tasks (task_id, prompt, status, attempts, worker_id, leased_until, result, error, created_at, updated_at, leased_at, finished_at)
         SELECT id, prompt, status,
                CASE status WHEN 'queued' THEN 0 ELSE 1 END,
                worker_id,
                CASE status WHEN 'leased' THEN leased_until END,
                result, error, created_at, updated_at,
                CASE status WHEN 'leased' THEN updated_at END,
                CASE WHEN status IN ('done', 'failed') THEN updated_at END
         FROM mittelo_original_tasks ORDER BY id`,
      )
      .run().changes;
    // Ids the original handed out stay used, even those of rows it no longer has.
    db.exec(`UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'mittelo_original_tasks'), 0)) WHERE name = 'tasks'`);
    db.exec('DROP TABLE mittelo_original_tasks');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return copied;
  })();
}

/**
 * When `file` is an original mittelo database: with 'migrate', back it up next to itself and migrate
 * it in place (returns what was done); with 'refuse', throw naming the command that migrates it.
 * Returns null for any other file (ours, new, foreign: the normal open path deals with those).
 */
export function handleOriginalDatabase(file: string, policy: OriginalDatabasePolicy): OriginalMigration | null {
  if (!isOriginalDatabase(file)) return null;
  if (policy === 'refuse') {
    throw new HubError(
      'database',
      `${file} was written by the original mittelo (its tasks table, no schema version); migrate it to this version with \`${migrateCommand(file)}\` (a backup copy is kept), or start \`mittelo hub\` on it, which does the same`,
    );
  }
  const backupPath = backupPathFor(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    assertOriginalStatuses(db);
    // A consistent snapshot, including what is still in a WAL file, before anything changes.
    db.prepare('VACUUM INTO ?').run(backupPath);
    const tasks = migrateInPlace(db);
    // The original table's pages are free now: give them back rather than leave the file twice its size.
    db.exec('VACUUM');
    return { file, backupPath, tasks };
  } catch (err) {
    const kept = fs.existsSync(backupPath) ? `; the backup ${backupPath} is a copy of it as it was` : '';
    throw new HubError('database', `cannot migrate the original mittelo database ${file}: ${errorMessage(err)}${kept}`);
  } finally {
    db?.close();
  }
}

/** The line that tells the user what happened to their database. */
export function describeMigration(migration: OriginalMigration): string {
  return `${migration.file} was written by the original mittelo: migrated ${migration.tasks} task${migration.tasks === 1 ? '' : 's'} in place to this version's schema; the original database is kept as ${migration.backupPath}`;
}
