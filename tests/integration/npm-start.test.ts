/**
 * `npm start` (scripts/start.mjs) where Electron cannot start: one line says why, browser mode
 * serves the app and prints its address; stopping it (or the npm that ran it going away) stops
 * the app too, so no server is left holding its ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { alive, childrenOf, waitGone } from '../agent-helpers.js';
import { repoRoot, tempDir } from '../helpers.js';

const startScript = path.join(repoRoot, 'scripts', 'start.mjs');
const cleanups: (() => void)[] = [];
/** Every process a test saw, killed afterwards if still there (an orphan has no parent to find it by). */
const seen = new Set<number>();

function childrenSeen(pid: number): number[] {
  const children = childrenOf(pid);
  for (const child of children) seen.add(child);
  return children;
}

afterEach(() => {
  for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  seen.clear();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Starts `command` (which runs start.mjs) in a scratch home and workspace with no Electron binary. */
function launch(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; url: Promise<string> } {
  const home = tempDir('mittelo-start-');
  const noElectron = tempDir('mittelo-no-electron-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    MITTELO_SKIP_BUILD: '1',
    // Wherever Electron's path.txt says the binary is, it is not in an empty folder.
    ELECTRON_OVERRIDE_DIST_PATH: noElectron,
    // Never a real browser from a test; the test of the opener names its own.
    MITTELO_NO_BROWSER: '1',
    ...extraEnv,
  };
  delete env.MITTELO_BROWSER_MODE;
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const found = /Mittelo Control Center: (http:\/\/\S+)/.exec(text);
      if (found?.[1]) resolve(found[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`start exited (${code}) before serving:\n${text}`)));
  });
  if (child.pid) seen.add(child.pid);
  cleanups.push(() => {
    for (const dir of [home, noElectron]) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { child, output: () => text, url };
}

const serveArgs = (workspace: string) => ['--port', '0', '--hub-port', '0', '--no-rest', '--no-agents', '--workspace', workspace];

it('says in one line why Electron cannot start, serves the app in the browser, and stops on SIGTERM', async () => {
  const workspace = tempDir('mittelo-start-ws-');
  cleanups.push(() => fs.rmSync(workspace, { recursive: true, force: true }));
  const started = launch(process.execPath, [startScript, ...serveArgs(workspace)]);
  const url = await started.url;
  const explanation = started.output().split('\n').filter((line) => line.startsWith('Electron cannot start here:'));
  expect(explanation).toEqual([
    "Electron cannot start here: Electron's binary is not installed (npm run setup:desktop downloads it). Opening the app in browser mode instead, at the address below.",
  ]);
  // The printed address carries the workspace token once (docs/SECURITY.md); a script sends it as a bearer.
  const token = new URL(url).searchParams.get('token') ?? '';
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const status = (await (await fetch(new URL('api/call/hub.status', url), { method: 'POST', headers, body: '{}' })).json()) as {
    ok: boolean;
    result: { online: boolean; workspace: string };
  };
  expect(status).toMatchObject({ ok: true, result: { online: true, workspace } });

  const serve = childrenSeen(started.child.pid ?? 0);
  expect(serve).toHaveLength(1);
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(await waitGone(serve, 10_000), 'mittelo serve stopped').toBe(true);
}, 60_000);

it('stops the app when the process that ran it goes away without passing a signal on (as npm does with SIGTERM)', async () => {
  const workspace = tempDir('mittelo-start-ws-');
  cleanups.push(() => fs.rmSync(workspace, { recursive: true, force: true }));
  // A stand-in for npm: a shell that runs start.mjs as its child and is then killed outright.
  const quoted = [process.execPath, startScript, ...serveArgs(workspace)].map((arg) => `'${arg}'`).join(' ');
  const started = launch('/bin/sh', ['-c', `${quoted} & wait`]);
  await started.url;
  const [script] = childrenSeen(started.child.pid ?? 0);
  expect(script).toBeDefined();
  const [serve] = childrenSeen(script ?? 0);
  expect(serve).toBeDefined();

  started.child.kill('SIGKILL');
  expect(await waitGone([serve ?? 0, script ?? 0], 15_000), 'start.mjs and mittelo serve stopped after their parent died').toBe(true);
}, 60_000);

it('opens the address in the browser by itself in browser mode ($BROWSER here, a stand-in that records it)', async () => {
  const workspace = tempDir('mittelo-start-ws-');
  const scratch = tempDir('mittelo-start-browser-');
  cleanups.push(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  const opened = path.join(scratch, 'opened.txt');
  const browser = path.join(scratch, 'browser');
  fs.writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`, { mode: 0o755 });
  const started = launch(process.execPath, [startScript, ...serveArgs(workspace)], { MITTELO_NO_BROWSER: '', BROWSER: browser });
  const url = await started.url;
  await expect.poll(() => (fs.existsSync(opened) ? fs.readFileSync(opened, 'utf8') : ''), { timeout: 15_000 }).toBe(url);
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);
