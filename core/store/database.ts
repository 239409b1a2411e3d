/** Opens the SQLite file: directory, pragmas, integrity, migrations. Never recreates a bad file. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HubError, errorMessage } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { handleOriginalDatabase, type OriginalDatabasePolicy, type OriginalMigration } from './original-schema.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Busy timeout in ms for a second process holding the write lock. */
  busyTimeoutMs?: number;
  /** A database of the original mittelo: migrate it (after a backup copy) or refuse naming the command (default). */
  original?: OriginalDatabasePolicy;
  /** Told when an original database was migrated, to say so. */
  onMigrated?: (migration: OriginalMigration) => void;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const resolved = path.resolve(file);
  try {
    fs.mkdirSync(path.dirname(resolved), { recursive: true });
  } catch (err) {
    throw new HubError('database', `cannot create the database folder ${path.dirname(resolved)}: ${errorMessage(err)}`);
  }
  const migration = handleOriginalDatabase(resolved, options.original ?? 'refuse');
  if (migration) options.onMigrated?.(migration);
  let db: Db;
  try {
    db = new Database(resolved);
  } catch (err) {
    throw new HubError('database', `cannot open database ${resolved}: ${errorMessage(err)}`);
  }
  try {
    configure(db, options);
    migrate(db, resolved);
  } catch (err) {
    db.close();
    if (err instanceof HubError) throw err;
    throw new HubError(
      'database',
      `database ${resolved} is unreadable or corrupt (${errorMessage(err)}); it was left untouched: move it aside or restore a backup`,
    );
  }
  return db;
}

function configure(db: Db, options: OpenOptions): void {
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Reading the schema first makes a non-SQLite or damaged file fail here, before any write.
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS crash
  // or power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

function migrate(db: Db, file: string): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new HubError(
      'database',
      `database ${file} has schema version ${current}, newer than this mittelo understands (${SCHEMA_VERSION}); upgrade mittelo or use another --db`,
    );
  }
  if (current === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (tables.n > 0) {
      throw new HubError('database', `${file} is a SQLite database but not a mittelo one (it has tables and no schema version); refusing to touch it`);
    }
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    const sql = MIGRATIONS[version - 1];
    if (sql === undefined) throw new HubError('internal', `missing migration ${version}`);
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
