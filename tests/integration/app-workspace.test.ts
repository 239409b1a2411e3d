/**
 * The app's open workspace (core/app/app-workspace.ts) on real files, a real hub and real sockets:
 * the workspace it makes, the hub it starts or finds, the connection events it emits, its agents, and a clean stop.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { UiEvent } from '../../core/api.js';
import { AppWorkspace } from '../../core/app/app-workspace.js';
import { portIsFree } from '../../core/session/open-hub.js';
import { lastWorkspace } from '../../core/app/workspace.js';
import { HubClient } from '../../core/wire/client.js';
import { hubLockOwner } from '../../core/store/db-lock.js';
import { nextEvent, startTestApp, untilEvent, type TestApp } from '../app-helpers.js';
import { repoRoot, spawnHubProcess, tempDir } from '../helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(options: Parameters<typeof startTestApp>[0] = {}, root?: string): Promise<TestApp> {
  const started = await startTestApp(options, root);
  cleanups.push(() => started.remove());
  return started;
}

/** A hub in another process (the DB lock is per process) on the workspace database of `root`. */
async function hubProcess(root: string, port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const db = path.join(root, 'workspace', '.mittelo', 'mittelo.db');
  const { child, port: listening } = await spawnHubProcess(['--db', db, '--port', String(port)]);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  cleanups.push(stop);
  return { port: listening, stop };
}

const connection = (online: boolean, reconnecting: boolean) => (event: UiEvent) => event.kind === 'connection' && event.online === online && event.reconnecting === reconnecting;

it('a new workspace gets the example packs and a database; it is remembered, and stop releases the database', async () => {
  const started = await startTestApp();
  const { workspace, configDir, current } = started;
  const packs = fs.readdirSync(path.join(workspace, 'packs')).sort();
  // Every example pack, and the fixture folders the system-test pack copies into its tasks' workdirs.
  expect(packs).toEqual(fs.readdirSync(path.join(repoRoot, 'packs')).filter((n) => n.endsWith('.jsonl') || n === 'system').sort());
  const dbPath = path.join(workspace, '.mittelo', 'mittelo.db');
  expect(fs.existsSync(dbPath)).toBe(true);
  expect(current.ownsHub).toBe(true);
  expect(current.address.port).toBeGreaterThan(0);
  expect(hubLockOwner(dbPath)).toBe(process.pid);
  expect(lastWorkspace(configDir)).toBe(path.resolve(workspace));
  expect(started.events[0]).toEqual({ kind: 'connection', online: true, reconnecting: false });

  const status = await started.ok('hub.status', {});
  expect(status).toMatchObject({ online: true, reconnecting: false, port: current.address.port, workspace: path.resolve(workspace), db_path: dbPath, rest_url: null });

  await started.stop();
  expect(started.events.at(-1)).toEqual({ kind: 'connection', online: false, reconnecting: false });
  expect(hubLockOwner(dbPath)).toBeNull();
  expect(await portIsFree('127.0.0.1', current.address.port)).toBe(true);
  await started.remove();

  // A second start on the same workspace keeps its packs as they are (no re-seeding over edits).
  const root = tempDir('mittelo-app-');
  fs.mkdirSync(path.join(root, 'workspace', 'packs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'workspace', 'packs', 'mine.jsonl'), '{"prompt":"mine"}\n');
  const again = await app({}, root);
  expect(fs.readdirSync(path.join(again.workspace, 'packs'))).toEqual(['mine.jsonl']);
});

it('the workspace used last is opened when none is given', async () => {
  const root = tempDir('mittelo-app-');
  const configDir = path.join(root, 'config');
  const options = { configDir, port: 0, restPort: null, autoStartAgents: false, seedPacksDir: null };
  const first = await AppWorkspace.start({ ...options, workspace: path.join(root, 'chosen') });
  await first.stop();
  const second = await AppWorkspace.start(options);
  cleanups.push(() => second.stop());
  expect(second.workspace.dir).toBe(path.join(root, 'chosen'));
  // No example packs were asked for: the packs folder exists and is empty.
  expect(fs.readdirSync(second.workspace.packsDir)).toEqual([]);
});

it('a default port held by another program is replaced by a free one, and the app says so', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as net.AddressInfo).port;
  const started = await app({ port: taken, restPort: 0 });
  expect(started.current.address.port).not.toBe(taken);
  expect(started.current.notes.join('\n')).toContain(`port ${taken} is used by another program`);
  expect(started.current.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

it('a hub already running on the workspace database is used instead of failing', async () => {
  const root = tempDir('mittelo-app-');
  const hub = await hubProcess(root);
  const started = await app({ port: hub.port }, root);
  expect(started.current.ownsHub).toBe(false);
  expect(started.current.notes.join('\n')).toMatch(/already running on this workspace \(process \d+\)/);
  const { task_id } = await started.ok('tasks.enqueue', { prompt: 'through the running hub', backend: 'echo' });

  // Stopping the app leaves that hub alone.
  await started.stop();
  const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  expect((await client.get(task_id)).prompt).toBe('through the running hub');
  client.close();
});

it('a hub that holds the database but does not answer on the port is an error in words', async () => {
  const root = tempDir('mittelo-app-');
  const hub = await hubProcess(root);
  const wrongPort = hub.port === 65535 ? hub.port - 1 : hub.port + 1;
  await expect(startTestApp({ port: wrongPort }, root)).rejects.toThrow(/in use by another hub \(process \d+\), which does not answer at 127\.0\.0\.1:\d+/);
});

it('hub events reach subscribers; a hub that goes away shows as reconnecting, then online again when it is back', async () => {
  const root = tempDir('mittelo-app-');
  const hub = await hubProcess(root);
  const port = hub.port;
  const started = await app({ port }, root);

  const { task_id } = await started.ok('tasks.enqueue', { prompt: 'heard live' });
  await nextEvent(started, (e) => e.kind === 'hub' && e.event.type === 'enqueued' && e.event.task.task_id === task_id);

  await hub.stop();
  await nextEvent(started, connection(false, true));
  const offline = await started.dispatch('tasks.rows', {});
  expect(offline).toMatchObject({ ok: false, error: { code: 'hub_offline' } });
  expect(await started.ok('hub.status', {})).toMatchObject({ online: false, reconnecting: true });

  const back = started.events.length;
  await hubProcess(root, port); // the same port again; cleanups stop it
  await nextEvent({ events: started.events.slice(back), subscribe: started.subscribe }, connection(true, false), 15_000);
  const { rows } = await started.ok('tasks.rows', {});
  expect(rows.map((r) => r.task_id)).toContain(task_id);
});

it('agents start for the configured backends with their concurrency, run tasks, and stop on request', async () => {
  const root = tempDir('mittelo-app-');
  fs.mkdirSync(path.join(root, 'workspace'), { recursive: true });
  fs.writeFileSync(path.join(root, 'workspace', 'mittelo.config.json'), JSON.stringify({ backends: { echo: { concurrency: 3 }, 'no-such-backend': {} } }));
  const started = await app({ autoStartAgents: true }, root);
  await started.current.agentsReady;
  expect(started.current.agents.state('echo')).toMatchObject({ running: true, concurrency: 3 });
  expect(started.current.agents.state('no-such-backend')).toBeNull();

  const { task_id } = await started.ok('tasks.enqueue', { prompt: 'echo me', backend: 'echo' });
  const done = await untilEvent(started, async () => {
    const { task } = await started.ok('tasks.get', { task_id });
    return task.status === 'done' ? task : undefined;
  });
  expect(done.result).toContain('echo me');

  const { backends } = await started.ok('backends.list', {});
  expect(backends.find((b) => b.name === 'echo')?.local_agent).toEqual({ running: true, concurrency: 3 });
  await started.ok('agents.stop', { backend: 'echo' });
  expect(started.current.agents.state('echo')).toBeNull();
  await started.ok('agents.start', { backend: 'echo', concurrency: 1 });
  expect(started.current.agents.state('echo')).toMatchObject({ running: true, concurrency: 1 });
  const { workers } = await untilEvent(started, async () => {
    const answer = await started.ok('workers.list', {});
    return answer.workers.some((w) => w.backends.includes('echo')) ? answer : undefined;
  });
  expect(workers.some((w) => w.worker_id.endsWith('-app-echo'))).toBe(true);
});

it('its own hub, stopped by a shutdown request from any client, is started again and the app comes back online', async () => {
  const started = await app();
  const { current } = started;
  expect(current.ownsHub).toBe(true);
  const before = await started.ok('tasks.enqueue', { prompt: 'kept across the restart' });
  const client = await HubClient.connect(current.address);
  await client.call('shutdown');
  client.close();
  await nextEvent(started, connection(false, true));
  // Back on the same address and database: the task enqueued before is still there.
  await untilEvent(started, async () => (current.connection().online ? true : undefined));
  const rows = await started.ok('tasks.rows', {});
  expect(rows.rows.map((r) => r.task_id)).toContain(before.task_id);
  expect((await started.ok('tasks.enqueue', { prompt: 'after the restart' })).task_id).toBe(before.task_id + 1);
});
