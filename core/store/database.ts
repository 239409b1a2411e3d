/**
 * Opens the SQLite file in two steps: `inspectDatabase` looks at it read-only and says what it is;
 * only a file known to be ours (or none at all) is then opened for writing, configured and migrated.
 * A file that is not ours is refused with its bytes untouched, journal mode and header included.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HubError, errorMessage } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { handleOriginalDatabase, type OriginalDatabasePolicy, type OriginalMigration } from './original-schema.js';
import { storageError } from './storage-error.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Busy timeout in ms for a second process holding the write lock. */
  busyTimeoutMs?: number;
  /** A database of the original mittelo: migrate it (after a backup copy) or refuse naming the command (default). */
  original?: OriginalDatabasePolicy;
  /** Told when an original database was migrated, to say so. */
  onMigrated?: (migration: OriginalMigration) => void;
}

/** What a database path holds, found without writing to it. */
export type DatabaseState =
  /** No file: a new database is created. */
  | { kind: 'missing' }
  /** A SQLite file with no tables and no schema version (made by `sqlite3 file 'VACUUM'`, say): ours to fill. */
  | { kind: 'blank' }
  /** A mittelo database at schema `version` (migrated on open when older than this mittelo). */
  | { kind: 'mittelo'; version: number }
  /** Not to be opened for writing; `reason` says why and what to do. */
  | { kind: 'refused'; reason: string };

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export function inspectDatabase(file: string, options: OpenOptions = {}): DatabaseState {
  const resolved = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw new HubError('database', `cannot read database ${resolved}: ${errorMessage(err)}`);
  }
  if (!stat.isFile()) return { kind: 'refused', reason: `${resolved} is not a regular file` };
  if (stat.size === 0) {
    // SQLite would take it as a new database; an empty file is more often one cut short (a copy
    // that failed, a full disk) than one meant to be new, and starting afresh would hide that.
    return {
      kind: 'refused',
      reason: `database ${resolved} is an empty file (0 bytes), not a mittelo database; if it should hold tasks it was truncated: restore a backup; to start a new database, delete it`,
    };
  }
  let db: Db;
  try {
    db = new Database(resolved, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new HubError('database', `cannot open database ${resolved}: ${errorMessage(err)}`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    return classify(db, resolved);
  } catch (err) {
    return {
      kind: 'refused',
      reason: `database ${resolved} is unreadable or corrupt (${errorMessage(err)}); it was left untouched: move it aside or restore a backup`,
    };
  } finally {
    db.close();
  }
}

function classify(db: Db, file: string): DatabaseState {
  // Reading the schema makes a non-SQLite or damaged file fail here.
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    return {
      kind: 'refused',
      reason: `database ${file} has schema version ${version}, newer than this mittelo understands (${SCHEMA_VERSION}); upgrade mittelo or use another --db`,
    };
  }
  if (version > 0) return { kind: 'mittelo', version };
  if (tables.n === 0) return { kind: 'blank' };
  return { kind: 'refused', reason: `${file} is a SQLite database but not a mittelo one (it has tables and no schema version); refusing to touch it` };
}

/** True when the file can be written (false on a read-only file or file system, for root too). */
export function databaseWritable(file: string): boolean {
  try {
    fs.accessSync(path.resolve(file), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const resolved = path.resolve(file);
  // The original mittelo's database is migrated (after a backup copy) or refused naming the command
  // before the inspection, which would otherwise refuse it as another program's SQLite file.
  const migration = handleOriginalDatabase(resolved, options.original ?? 'refuse');
  if (migration) options.onMigrated?.(migration);
  const state = inspectDatabase(resolved, options);
  if (state.kind === 'refused') throw new HubError('database', state.reason);
  if (state.kind === 'missing') {
    try {
      fs.mkdirSync(path.dirname(resolved), { recursive: true });
    } catch (err) {
      throw new HubError('database', `cannot create the database folder ${path.dirname(resolved)}: ${errorMessage(err)}`);
    }
  }
  let db: Db;
  try {
    // A file that appeared since the inspection is not ours to take: only a missing one is created.
    db = new Database(resolved, { fileMustExist: state.kind !== 'missing' });
  } catch (err) {
    throw new HubError('database', `cannot open database ${resolved}: ${errorMessage(err)}`);
  }
  try {
    configure(db, options);
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof HubError) throw err;
    const damaged = err instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(err.code);
    if (!damaged) throw new HubError('database', `cannot prepare database ${resolved}: ${storageError(err).message}`);
    throw new HubError(
      'database',
      `database ${resolved} is unreadable or corrupt (${errorMessage(err)}); it was left untouched: move it aside or restore a backup`,
    );
  }
  return db;
}

function configure(db: Db, options: OpenOptions): void {
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9); only an OS crash
  // or power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    const sql = MIGRATIONS[version - 1];
    if (sql === undefined) throw new HubError('internal', `missing migration ${version}`);
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
