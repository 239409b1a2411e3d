/**
 * The database file as it is found and as it fails: an empty or foreign file is refused without a
 * byte changed; a read-only file, a full disk and a damaged page are answered request by request
 * with the storage error, the connections stay open and reads keep being served.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RawConnection, cliPath, rawCall, runCli, startTestHub, tempDir } from '../helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function line(id: unknown, method: string, params?: unknown): string {
  return JSON.stringify({ id, method, params }) + '\n';
}

async function open(port: number): Promise<RawConnection> {
  const conn = await RawConnection.open(port);
  cleanups.push(() => conn.close());
  return conn;
}

async function hubOn(dbPath: string) {
  const log: string[] = [];
  const hub = await startTestHub({ dbPath, log: (entry) => log.push(entry) });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await hub.stop();
  };
  cleanups.push(stop);
  return { hub, log, stop };
}

function sideFiles(db: string): string[] {
  return ['-wal', '-shm', '-journal'].filter((suffix) => fs.existsSync(db + suffix));
}

describe('a database file that is not ours is refused untouched', () => {
  it('a 0-byte file is refused with a clear error, not made into a new database', async () => {
    const db = path.join(tempDir(), 'empty.db');
    fs.writeFileSync(db, '');
    const result = await runCli(['hub', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/empty\.db is an empty file \(0 bytes\), not a mittelo database; .*restore a backup; to start a new database, delete it/);
    expect(fs.statSync(db).size).toBe(0);
    expect(sideFiles(db)).toEqual([]);
  });

  it('a foreign SQLite file keeps every byte: its journal mode is not switched to WAL, no side file is left', async () => {
    const db = path.join(tempDir(), 'foreign.db');
    const other = new Database(db);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    const before = fs.readFileSync(db);
    // Bytes 18 and 19 of the header are the file format versions: 1 = rollback journal, 2 = WAL.
    expect([before[18], before[19]]).toEqual([1, 1]);
    const result = await runCli(['hub', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a mittelo one/);
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    expect(sideFiles(db)).toEqual([]);
  });
});

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `mittelo hub` on `db`; as root it runs as nobody, since file modes do not stop root. */
function spawnHub(db: string): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const asRoot = process.getuid?.() === 0;
  const child = spawn(process.execPath, [cliPath, 'hub', '--port', '0', '--print-url', '--db', db], {
    env: { ...process.env, MITTELO_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const port = /tcp:\/\/[^\s]+:(\d+)/.exec(stdout)?.[1];
      if (port) resolve({ child, port: Number(port), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${stderr}`)));
  });
}

describe('storage failures while the hub runs', () => {
  it('a read-only database: reads are served, each change is answered with the storage error, the connection stays', async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    const db = path.join(dir, 'hub.db');
    const { hub, stop } = await hubOn(db);
    const setup = await open(hub.port);
    expect(await rawCall(setup, 1, 'enqueue', { prompt: 'kept' })).toMatchObject({ result: { task_id: 1 } });
    setup.close();
    await stop();
    fs.chmodSync(db, 0o444);

    const { child, port, stderr } = await spawnHub(db);
    const conn = await open(port);
    conn.write(line('s', 'stats') + line('e', 'enqueue', { prompt: 'refused' }) + line('g', 'get', { task_id: 1 }) + line('l', 'list'));
    const [stats, enqueue, get, list] = await conn.readLines(4, 20_000);
    expect(stats).toMatchObject({ id: 's', error: null, result: { stats: { queued: 1 } } });
    expect(enqueue).toEqual({
      id: 'e',
      result: null,
      error: { code: 'database', message: expect.stringMatching(/^storage error: the database is read-only .*; the request was not applied$/) },
    });
    expect(get).toMatchObject({ id: 'g', error: null, result: { task: { prompt: 'kept' } } });
    expect(list).toMatchObject({ id: 'l', error: null, result: { tasks: [{ prompt: 'kept' }] } });
    expect(await rawCall(conn, 'again', 'lease', { worker_id: 'w' })).toMatchObject({ id: 'again', error: { code: 'database' } });
    expect(await rawCall(conn, 'still', 'stats')).toMatchObject({ id: 'still', error: null });
    expect(stderr()).toMatch(/hub\.db is read-only: reads are served/);
    child.kill('SIGTERM');
  });

  /** A database of 300 tasks (ids 1-300, queued for backend `archive`) with one leaf page of the tasks table in the middle overwritten with garbage. */
  async function damagedDatabase(): Promise<string> {
    const db = path.join(tempDir(), 'hub.db');
    const first = await hubOn(db);
    const setup = await open(first.hub.port);
    setup.write(Array.from({ length: 300 }, (_, i) => line(i, 'enqueue', { prompt: `task ${i + 1} ${'x'.repeat(500)}`, backend: 'archive' })).join(''));
    await setup.readLines(300, 20_000);
    setup.close();
    await first.stop();
    const raw = new Database(db);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    const leaves = raw.prepare("SELECT pageno FROM dbstat WHERE name = 'tasks' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    const pageSize = Number(raw.pragma('page_size', { simple: true }));
    raw.close();
    expect(leaves.length).toBeGreaterThan(10);
    const damaged = leaves[Math.floor(leaves.length / 2)] ?? 0;
    const fd = fs.openSync(db, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (damaged - 1) * pageSize);
    fs.closeSync(fd);
    return db;
  }

  it('a damaged page: the request that reads it fails alone with the storage error; the other requests of its batch are answered and committed', async () => {
    const { hub } = await hubOn(await damagedDatabase());
    const reader = await open(hub.port);
    const producer = await open(hub.port);
    // Written in the same turn of the hub's event loop (it runs in this process): one group commit.
    reader.write(Array.from({ length: 300 }, (_, i) => line(i + 1, 'get', { task_id: i + 1 })).join(''));
    producer.write(Array.from({ length: 100 }, (_, i) => line(`p${i}`, 'enqueue', { prompt: `new ${i}` })).join(''));

    const gets = await reader.readLines(300, 30_000);
    const failed = gets.filter((answer) => answer.error !== null);
    expect(failed.length).toBeGreaterThan(0);
    for (const answer of failed) {
      expect(answer.error).toEqual({ code: 'database', message: expect.stringMatching(/^storage error: the database file is damaged \(SQLITE_CORRUPT/) });
    }
    for (const answer of gets.filter((a) => a.error === null)) {
      expect((answer.result as { task: { prompt: string } }).task.prompt.startsWith(`task ${String(answer.id)} `)).toBe(true);
    }
    expect(failed.length).toBeLessThan(100);
    const enqueued = await producer.readLines(100, 30_000);
    expect(enqueued.filter((a) => a.error !== null)).toEqual([]);
    expect(await rawCall(reader, 'stats', 'stats')).toMatchObject({ error: null, result: { stats: { queued: 400 } } });
    expect(await rawCall(producer, 'last', 'get', { task_id: 400 })).toMatchObject({ error: null, result: { task: { prompt: 'new 99' } } });
  });

  it('a long-poll lease begun in a batch that fails is begun again, once: the next task is leased to it exactly once', async () => {
    const { hub } = await hubOn(await damagedDatabase());
    const worker = await open(hub.port);
    const reader = await open(hub.port);
    // Same turn of the hub's event loop: the lease starts waiting, then a get hits the damaged page.
    worker.write(line('wait', 'lease', { worker_id: 'w', wait_seconds: 30 }));
    reader.write(Array.from({ length: 300 }, (_, i) => line(i + 1, 'get', { task_id: i + 1 })).join(''));
    const gets = await reader.readLines(300, 30_000);
    expect(gets.some((answer) => answer.error !== null)).toBe(true);

    expect(await rawCall(reader, 'new', 'enqueue', { prompt: 'for the waiting worker' })).toMatchObject({ error: null, result: { task_id: 301 } });
    const [leased] = await worker.readLines(1, 30_000);
    expect(leased).toMatchObject({ id: 'wait', error: null, result: { tasks: [{ task_id: 301, prompt: 'for the waiting worker' }] } });
    expect(await rawCall(reader, 'second', 'enqueue', { prompt: 'nobody waits for this one' })).toMatchObject({ result: { task_id: 302 } });
    // No second answer for the first wait: the next line on the worker's connection answers its next request.
    expect(await rawCall(worker, 'after', 'stats')).toMatchObject({ id: 'after', result: { stats: { leased: 1, queued: 301 } } });
  });
});

/** A small tmpfs: a disk that really fills up. Needs root (or CAP_SYS_ADMIN); otherwise the test is skipped. */
function mountSmallDisk(sizeMiB: number): string | null {
  const dir = tempDir('mittelo-small-disk-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'ignore' });
  if (mounted.status !== 0) return null;
  cleanups.push(() => void spawnSync('umount', ['-l', dir], { stdio: 'ignore' }));
  return dir;
}

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version'], { stdio: 'ignore' }).status === 0;

describe('a full disk', () => {
  it.skipIf(!canMount)('each request gets its own answer: what cannot be written is refused with "the disk is full", reads are served, nothing answered ok is lost', async () => {
    const disk = mountSmallDisk(8);
    if (!disk) throw new Error('mount -t tmpfs failed');
    const db = path.join(disk, 'hub.db');
    const { hub, stop } = await hubOn(db);
    const producer = await open(hub.port);
    const big = await open(hub.port);
    const reader = await open(hub.port);
    expect(await rawCall(producer, 0, 'enqueue', { prompt: 'before' })).toMatchObject({ error: null });

    // Fill the rest of the disk.
    const filler = path.join(disk, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    fs.closeSync(fd);

    const bigPrompt = 'b'.repeat(2 * 1024 * 1024);
    producer.write(Array.from({ length: 50 }, (_, i) => line(`p${i}`, 'enqueue', { prompt: `small ${i}` })).join(''));
    big.write(line('big', 'enqueue', { prompt: bigPrompt }));
    reader.write(line('s', 'stats') + line('g', 'get', { task_id: 1 }));

    const [refused] = await big.readLines(1, 30_000);
    expect(refused).toEqual({ id: 'big', result: null, error: { code: 'database', message: expect.stringMatching(/^storage error: the disk is full \(SQLITE_FULL/) } });
    const [stats, get] = await reader.readLines(2, 30_000);
    expect(stats).toMatchObject({ id: 's', error: null });
    expect(get).toMatchObject({ id: 'g', error: null, result: { task: { prompt: 'before' } } });
    const smalls = await producer.readLines(50, 30_000);
    const accepted = new Set(['before']);
    for (const [i, answer] of smalls.entries()) {
      if (answer.error === null) accepted.add(`small ${i}`);
      else expect(answer.error).toMatchObject({ code: 'database', message: expect.stringContaining('the disk is full') });
    }

    // Space again: the same request now succeeds on the same connection.
    fs.rmSync(filler);
    expect(await rawCall(big, 'big again', 'enqueue', { prompt: bigPrompt })).toMatchObject({ error: null, result: { task_id: expect.any(Number) } });
    accepted.add(bigPrompt);
    await stop();

    const check = new Database(db, { readonly: true });
    const stored = check.prepare('SELECT prompt FROM tasks').pluck().all() as string[];
    check.close();
    expect(new Set(stored)).toEqual(accepted);
    expect(stored.length).toBe(accepted.size);
  });
});
