/**
 * A CLI installed while the app is open counts at once for the one-click system test and the start
 * dialog's list (backends.list with recheck_not_ready), not when the ~30 s check cache expires; a
 * page load (backends.list) keeps the cache, and ready backends are not checked again. Real app core,
 * real hub, the fake Claude Code (tests/fixtures/bin/claude) appearing on PATH between two calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, untilEvent, type TestApp } from '../app-helpers.js';
import { repoRoot, tempDir } from '../helpers.js';

let app: TestApp;
let bin: string;
let calls: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  bin = tempDir('mittelo-fresh-bin-');
  calls = path.join(bin, 'calls.log');
  // Only this folder, node's and the system's: no real agent CLI of the machine is found.
  process.env.PATH = [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
  app = await startTestApp();
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await app?.remove();
  fs.rmSync(bin, { recursive: true, force: true });
});

/** "Installs" Claude Code: a wrapper on PATH that logs each start and runs the fake CLI. */
function installClaude(): void {
  const fake = path.join(repoRoot, 'tests', 'fixtures', 'bin', 'claude');
  fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${process.execPath}' '${fake}' "$@"\n`, { mode: 0o755 });
}

const starts = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).length : 0);

/** Claude Code's check as the list answers it: ready (ok, or warnings only) or not. */
async function claudeReady(input: { recheck_not_ready?: boolean }): Promise<boolean> {
  const { backends } = await app.ok('backends.list', input);
  const status = backends.find((b) => b.name === 'claude_code')?.preflight.status;
  expect(status).toBeDefined();
  return status === 'ok' || status === 'warn';
}

describe('a CLI installed a moment ago', () => {
  it('is picked up at once by the one-click system test and the start dialog, while page loads keep the cache', async () => {
    const before = await app.ok('runs.startSystemTest', {});
    expect(before).toMatchObject({ started: false, reason: 'nothing_ready' });
    expect(await claudeReady({})).toBe(false);

    installClaude();
    // A page load within the cache's 30 s answers from it: no CLI is started for it.
    expect(await claudeReady({})).toBe(false);
    expect(starts()).toBe(0);

    // The start dialog's list checks the not-ready backends again and finds it.
    expect(await claudeReady({ recheck_not_ready: true })).toBe(true);
    const checked = starts();
    expect(checked).toBeGreaterThan(0);
    // Once ready it is not checked again until the cache expires, and a page load now sees it too.
    expect(await claudeReady({ recheck_not_ready: true })).toBe(true);
    expect(await claudeReady({})).toBe(true);
    expect(starts()).toBe(checked);
  });

  it('starts the one-click system test on a CLI installed after a click found nothing ready', async () => {
    fs.rmSync(path.join(bin, 'claude'));
    // Settings saved: the app checks every backend afresh (and finds no claude).
    await app.ok('backends.configure', { name: 'claude_code', concurrency: 1 });
    expect(await app.ok('runs.startSystemTest', {})).toMatchObject({ started: false, reason: 'nothing_ready' });

    installClaude();
    const started = await app.ok('runs.startSystemTest', {});
    expect(started).toMatchObject({ started: true, backends: ['claude_code'] });
    if (!started.started) return;
    const record = await untilEvent(app, async () => {
      const run = await app.ok('runs.get', { run_id: started.run_id });
      return run.run.finished_at !== null ? run : undefined;
    });
    expect(record.run.backends).toEqual(['claude_code']);
    expect(record.tasks.length).toBeGreaterThan(0);
    expect(record.tasks.every((t) => t.status === 'done' || t.status === 'failed')).toBe(true);
  });
});
