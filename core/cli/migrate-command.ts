/** `mittelo migrate`: bring a database up to this version's schema, including one the original mittelo wrote. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultDbPath } from '../config.js';
import { HubError } from '../errors.js';
import { print } from './options.js';

interface MigrateFlags {
  db?: string;
  json?: boolean;
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('migrate a database to this version (one written by the original mittelo too: backed up, then migrated in place)')
    .option('--db <file>', 'the database (env MITTELO_DB, default .mittelo/mittelo.db)')
    .option('--json', 'print machine-readable JSON')
    .addHelpText('after', '\n`mittelo hub` does the same when it starts on such a database; this does it without starting a hub.')
    .action(async (flags: MigrateFlags) => {
      const dbPath = flags.db ? path.resolve(flags.db) : defaultDbPath();
      if (!fs.existsSync(dbPath)) throw new HubError('bad_request', `no database at ${dbPath}; nothing to migrate`);
      // Loaded here: the other commands start without SQLite.
      const { lockDatabase } = await import('../store/db-lock.js');
      const { openDatabase } = await import('../store/database.js');
      const { describeMigration } = await import('../store/original-schema.js');
      // A hub of ours on the file holds its lock: it has migrated the file already and must not see it change.
      const lock = lockDatabase(dbPath);
      try {
        let migrated: Parameters<typeof describeMigration>[0] | undefined;
        const db = openDatabase(dbPath, { original: 'migrate', onMigrated: (migration) => (migrated = migration) });
        const schema = Number(db.pragma('user_version', { simple: true }));
        db.close();
        const human = migrated ? describeMigration(migrated) : `${dbPath} is a Mittelo Control Center database, up to date (schema ${schema})`;
        print(flags, { db: dbPath, schema_version: schema, migrated: migrated ? { tasks: migrated.tasks, backup: migrated.backupPath } : null }, human);
      } finally {
        lock.release();
      }
    });
}
