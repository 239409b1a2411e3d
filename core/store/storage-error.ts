/**
 * A failure of the database while the hub runs (a full disk, a read-only file, a damaged page, an
 * I/O error) as a HubError a client can read: what happened, and that its request was not applied.
 */
import Database from 'better-sqlite3';
import { HubError, errorMessage } from '../errors.js';

const CAUSES: [prefix: string, words: string][] = [
  ['SQLITE_FULL', 'the disk is full'],
  ['SQLITE_READONLY', 'the database is read-only'],
  ['SQLITE_CORRUPT', 'the database file is damaged'],
  ['SQLITE_NOTADB', 'the database file is damaged'],
  ['SQLITE_IOERR', 'the disk reported an I/O error'],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened'],
  ['SQLITE_BUSY', 'another process holds the database lock'],
  ['SQLITE_NOMEM', 'SQLite ran out of memory'],
];

export function isStorageFailure(err: unknown): boolean {
  return err instanceof Database.SqliteError;
}

/** HubErrors pass through; SQLite errors become a 'database' HubError naming the cause; others are internal. */
export function storageError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  if (err instanceof Database.SqliteError) {
    const cause = CAUSES.find(([prefix]) => err.code.startsWith(prefix))?.[1] ?? 'the database failed';
    return new HubError('database', `storage error: ${cause} (${err.code}: ${err.message}); the request was not applied`);
  }
  return new HubError('internal', `the request failed inside the hub and was not applied: ${errorMessage(err)}`);
}
