/**
 * Switching the app to another workspace (the switcher of browser mode and the desktop app): paths
 * checked before anything stops, runs in progress refused until confirmed, then the old workspace's
 * agents and hub stop and the other folder opens with its own database, packs, backends and token.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceTokenPath } from '../../core/session/workspace-token.js';
import { workspacePaths } from '../../core/app/workspace.js';
import { startTestApp, untilEvent, type TestApp } from '../app-helpers.js';
import { tempDir } from '../helpers.js';

let app: TestApp;
let first: string;
let second: string;
let savedBackendsDir: string | undefined;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

beforeAll(async () => {
  const root = tempDir('mittelo-switch-');
  first = path.join(root, 'first');
  second = path.join(root, 'second');
  fs.mkdirSync(second, { recursive: true });
  // The shell took folder backends from the workspace (useWorkspaceBackends): they follow a switch.
  savedBackendsDir = process.env.MITTELO_BACKENDS_DIR;
  process.env.MITTELO_BACKENDS_DIR = workspacePaths(first).backendsDir;
  const slow = path.join(workspacePaths(first).backendsDir, 'slow');
  fs.mkdirSync(slow, { recursive: true });
  fs.writeFileSync(path.join(slow, 'run'), '#!/bin/sh\nsleep 60\ncat\n', { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'a-file'), 'not a folder\n');
  app = await startTestApp({ workspace: first }, root);
});

afterAll(async () => {
  await app.remove();
  if (savedBackendsDir === undefined) delete process.env.MITTELO_BACKENDS_DIR;
  else process.env.MITTELO_BACKENDS_DIR = savedBackendsDir;
});

describe('switching workspaces', () => {
  it('shows the open workspace; browser mode has no folder picker and says so', async () => {
    const view = await app.ok('workspace.current', {});
    expect(view).toEqual({ dir: first, recent: [], native_picker: false, runs_in_progress: [] });
    expect(await app.dispatch('workspace.pickFolder', {})).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/cannot show a folder picker/i) } });
  });

  it('refuses what is not an existing folder, in words, and leaves the workspace open', async () => {
    const cases: [string, string, RegExp][] = [
      ['relative/path', 'bad_request', /is not a full path/i],
      [path.join(app.root, 'missing'), 'not_found', /there is no folder .*missing: create it first/i],
      [path.join(app.root, 'a-file'), 'bad_request', /is a file, not a folder/i],
    ];
    for (const [given, code, message] of cases) {
      expect(await app.dispatch('workspace.check', { path: given }), given).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
      expect(await app.dispatch('workspace.switch', { path: given }), given).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
    }
    expect(await app.dispatch('workspace.switch', { path: '' })).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const status = await app.ok('hub.status', {});
    expect(status).toMatchObject({ online: true, workspace: first });
    expect(await app.ok('workspace.check', { path: second })).toEqual({ dir: second, is_workspace: false });
    expect(await app.ok('workspace.check', { path: first })).toEqual({ dir: first, is_workspace: true });
  });

  it('a run in progress is refused until confirmed; then the old hub and agents stop and the other folder opens', async () => {
    const oldPort = app.current.address.port;
    const { run_id } = await app.ok('runs.start', { pack: 'hello', backends: ['slow'], label: 'slow one' });
    // The in-process agent has taken the task: the run is going.
    await untilEvent(app, async () => ((await app.ok('tasks.rows', { run_id })).rows.some((r) => r.status === 'leased') ? true : undefined));
    expect((await app.ok('workspace.current', {})).runs_in_progress).toEqual([{ run_id, label: 'slow one', pack_name: 'hello' }]);

    const refusedSwitch = await app.dispatch('workspace.switch', { path: second });
    expect(refusedSwitch).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/^1 run is still going in .*first \(slow one\): switching stops/) } });
    expect((await app.ok('hub.status', {})).workspace).toBe(first);

    const switched = await app.ok('workspace.switch', { path: second, confirm_stop_runs: true });
    expect(switched.dir).toBe(second);
    expect(await refused(oldPort)).toBe(true);
    const status = await app.ok('hub.status', {});
    expect(status).toMatchObject({ online: true, workspace: second, db_path: workspacePaths(second).dbPath });
    expect(status.stats).toEqual({ queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 });
    // Its own packs (the examples, seeded into a folder without packs/), backends and token.
    expect((await app.ok('packs.list', {})).packs.map((p) => p.path.startsWith(second))).not.toContain(false);
    expect(process.env.MITTELO_BACKENDS_DIR).toBe(workspacePaths(second).backendsDir);
    expect(fs.readFileSync(workspaceTokenPath(second), 'utf8')).not.toBe(fs.readFileSync(workspaceTokenPath(first), 'utf8'));
    expect(app.current.address.token?.trim()).toBe(fs.readFileSync(workspaceTokenPath(second), 'utf8').trim());
    const view = await app.ok('workspace.current', {});
    expect(view).toMatchObject({ dir: second, recent: [{ dir: first, available: true }], runs_in_progress: [] });

    // Back in the first workspace: the run is there, its task given back to the queue by the stopped agent.
    await app.ok('workspace.switch', { path: first });
    expect((await app.ok('hub.status', {})).workspace).toBe(first);
    const rows = (await app.ok('tasks.rows', { run_id })).rows;
    expect(rows.map((r) => r.status)).not.toContain('leased');
    expect((await app.ok('workspace.current', {})).recent.map((r) => r.dir)).toEqual([second]);
  });

  it('a folder that cannot be opened leaves the old workspace open again, in words', async () => {
    const locked = path.join(app.root, 'locked');
    fs.mkdirSync(locked);
    // A file where the workspace's state folder must go: the hub cannot make its database there.
    fs.writeFileSync(path.join(locked, '.mittelo'), 'in the way\n');
    const answer = await app.dispatch('workspace.switch', { path: locked, confirm_stop_runs: true });
    expect(answer).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^Could not open the workspace .*locked: .*first is open again\./) } });
    expect(await app.ok('hub.status', {})).toMatchObject({ online: true, workspace: first });
  });
});
