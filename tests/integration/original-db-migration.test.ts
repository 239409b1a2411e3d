/**
 * A database written by the original mittelo (here by the stand-in of its hub, same schema, same
 * default path) is recognised, backed up and migrated in place: switching hubs in the same folder
 * keeps every task. Anything else that merely looks like it is left untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { isOriginalDatabase } from '../../core/store/original-schema.js';
import { SCHEMA_VERSION } from '../../core/store/migrations.js';
import { HubClient } from '../../core/wire/client.js';
import { RawConnection, cliPath, rawCall, runCli, tempDir } from '../helpers.js';
import { startOriginalHub } from '../original-helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

/** Fills an original database through the original hub: 1 done, 1 failed, 1 leased by "old-worker", 1 queued. */
async function originalDatabaseIn(cwd: string): Promise<string> {
  const original = await startOriginalHub({ cwd });
  const conn = await RawConnection.open(original.port);
  try {
    for (const prompt of ['first', 'second', 'third', 'fourth']) await rawCall(conn, prompt, 'enqueue', { prompt });
    await rawCall(conn, 'l', 'lease', { worker_id: 'old-worker', max_tasks: 3 });
    await rawCall(conn, 'a1', 'ack', { task_id: 1, status: 'done', result: 'answer one', error: null });
    await rawCall(conn, 'a2', 'ack', { task_id: 2, status: 'failed', result: null, error: 'it broke' });
    await rawCall(conn, 's', 'shutdown');
  } finally {
    conn.close();
  }
  await original.stop();
  expect(isOriginalDatabase(original.dbPath)).toBe(true);
  return original.dbPath;
}

/** `mittelo hub` in `cwd` with its default database; resolves with its port and what it logged so far. */
function startOurHub(cwd: string, args: string[] = []): Promise<{ port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'hub', '--port', '0', '--print-url', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /^MITTELO_HUB tcp:\/\/\S+:(\d+)$/m.exec(stdout);
      if (match) resolve({ port: Number(match[1]), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${stderr}`)));
  });
}

function backupsOf(dbPath: string): string[] {
  return fs.readdirSync(path.dirname(dbPath)).filter((name) => name.startsWith(`${path.basename(dbPath)}.original-`) && name.endsWith('.bak'));
}

describe('a database of the original mittelo', () => {
  it('our hub started in the same folder migrates it in place after a backup copy, says so, and keeps every task', async () => {
    const cwd = tempDir();
    const dbPath = await originalDatabaseIn(cwd);
    const hub = await startOurHub(cwd);
    const [backup] = backupsOf(dbPath);
    expect(backup).toBeDefined();
    expect(hub.stderr()).toContain(`${dbPath} was written by the original mittelo: migrated 4 tasks in place`);
    expect(hub.stderr()).toContain(`kept as ${path.join(path.dirname(dbPath), backup ?? '')}`);
    // The backup is the original as it was: its schema, its four rows.
    const backupPath = path.join(path.dirname(dbPath), backup ?? '');
    expect(isOriginalDatabase(backupPath)).toBe(true);
    const copy = new Database(backupPath, { readonly: true });
    expect((copy.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n).toBe(4);
    copy.close();

    const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
    try {
      const { tasks, stats } = await client.list({ limit: 0 });
      expect(tasks.map((t) => [t.task_id, t.prompt, t.status])).toEqual([
        [4, 'fourth', 'queued'],
        [3, 'third', 'leased'],
        [2, 'second', 'failed'],
        [1, 'first', 'done'],
      ]);
      expect(stats).toEqual({ queued: 1, leased: 1, done: 1, failed: 1, cancelled: 0 });
      const done = await client.get(1);
      expect(done).toMatchObject({ result: 'answer one', worker_id: 'old-worker', priority: 0, backend: null, labels: [], metadata: {} });
      expect(done.finished_at).toBe(done.updated_at);
      expect((await client.get(2)).error).toBe('it broke');
      // The old worker still holds task 3 and acks it as old agents do, without a lease token.
      await client.ack({ task_id: 3, status: 'done', result: 'late but mine', error: null });
      expect((await client.get(3)).result).toBe('late but mine');
      // New tasks continue after the original's ids.
      expect((await client.enqueue({ prompt: 'fifth' })).task_id).toBe(5);
    } finally {
      client.close();
    }
  });

  it('`mittelo migrate --db` migrates it without starting a hub; run again it says the database is up to date', async () => {
    const dbPath = await originalDatabaseIn(tempDir());
    const first = await runCli(['migrate', '--db', dbPath]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/was written by the original mittelo: migrated 4 tasks in place to this version's schema; the original database is kept as .*\.bak/);
    expect(backupsOf(dbPath)).toHaveLength(1);
    const again = await runCli(['migrate', '--db', dbPath, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ db: dbPath, schema_version: SCHEMA_VERSION, migrated: null });
    expect(backupsOf(dbPath)).toHaveLength(1);
  });

  it('where migrating is not the caller\'s job (doctor), opening it is refused with the exact command, the file untouched', async () => {
    const dbPath = await originalDatabaseIn(tempDir());
    const before = fs.readFileSync(dbPath);
    expect(() => openDatabase(dbPath)).toThrow(`was written by the original mittelo (its tasks table, no schema version); migrate it to this version with \`mittelo migrate --db ${dbPath}\``);
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
    expect(backupsOf(dbPath)).toHaveLength(0);
  });

  it('a lookalike with another table, or with a status the original never wrote, is not migrated and stays as it was', async () => {
    const dir = tempDir();
    const extraTable = path.join(dir, 'extra.db');
    const create = (file: string, extra: string) => {
      const db = new Database(file);
      db.exec(`CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, prompt TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL,
               updated_at REAL NOT NULL, leased_until REAL, worker_id TEXT, result TEXT, error TEXT); ${extra}`);
      db.close();
    };
    create(extraTable, 'CREATE TABLE notes (x TEXT);');
    expect(isOriginalDatabase(extraTable)).toBe(false);
    expect(() => openDatabase(extraTable, { original: 'migrate' })).toThrow('a SQLite database but not a mittelo one');
    const foreign = new Database(extraTable, { readonly: true });
    const tables = foreign.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables).toEqual([{ name: 'notes' }, { name: 'sqlite_sequence' }, { name: 'tasks' }]);
    expect(foreign.pragma('user_version', { simple: true })).toBe(0);
    foreign.close();
    expect(backupsOf(extraTable)).toHaveLength(0);

    const oddStatus = path.join(dir, 'odd.db');
    create(oddStatus, "INSERT INTO tasks (prompt, status, created_at, updated_at) VALUES ('p', 'paused', 1, 1);");
    const oddBefore = fs.readFileSync(oddStatus);
    expect(() => openDatabase(oddStatus, { original: 'migrate' })).toThrow('1 with status "paused"');
    expect(fs.readFileSync(oddStatus).equals(oddBefore)).toBe(true);
    expect(backupsOf(oddStatus)).toHaveLength(0);
  });
});

describe('mittelo migrate --help', () => {
  it('explains what it does, that the hub does the same, and lists its options', async () => {
    const help = await runCli(['migrate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mittelo migrate /);
    // Commander wraps the description: compare it as one line.
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('one written by the original mittelo too: backed up, then migrated in place');
    expect(help.stdout).toContain('--db <file>');
    expect(help.stdout).toContain('`mittelo hub` does the same when it starts on such a database');
    expect((await runCli(['--help'])).stdout).toMatch(/^\s+migrate /m);
  });

  it('a missing database is an error naming it, and nothing is created', async () => {
    const dbPath = path.join(tempDir(), 'none', 'mittelo.db');
    const result = await runCli(['migrate', '--db', dbPath]);
    expect(result).toMatchObject({ code: 1, stderr: `mittelo: no database at ${dbPath}; nothing to migrate\n` });
    expect(fs.existsSync(path.dirname(dbPath))).toBe(false);
  });
});
