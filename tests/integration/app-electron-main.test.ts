/**
 * The built Electron main process (out/main/index.js) run under plain Node with a stand-in for the
 * `electron` module (tests/fixtures/fake-electron), since Electron's binary cannot run here: its
 * start-up order, the window it makes, the page served on the app scheme, the API over IPC (and who
 * may use it), navigation lockdown, and a graceful quit, with the real core behind it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../core/app/csp.js';
import { repoRoot, tempDir } from '../helpers.js';

interface Line {
  event: string;
  [key: string]: unknown;
}

function runMain(env: NodeJS.ProcessEnv): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', './tests/fixtures/fake-electron/register.mjs', 'out/main/index.js'], {
      cwd: repoRoot,
      env: { ...process.env, MITTELO_BACKENDS_DIR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
      resolve({ code, lines, stderr });
    });
  });
}

const find = (lines: Line[], event: string) => lines.find((l) => l.event === event);

it('first run: asks for the workspace, opens the locked-down window on the app scheme, serves the API over IPC to it only, quits cleanly', async () => {
  const home = tempDir('mittelo-electron-');
  const { code, lines, stderr } = await runMain({ HOME: home, XDG_CONFIG_HOME: path.join(home, 'config') });
  expect(code, stderr).toBe(0);
  const order = lines.map((l) => l.event);
  // Single instance first; the scheme is registered before the app is ready; the window comes last.
  expect(order.slice(0, 3)).toEqual(['single-instance-lock', 'register-schemes', 'ready']);
  expect(find(lines, 'register-schemes')?.beforeReady).toBe(true);
  expect(order.indexOf('ipc-handle')).toBeLessThan(order.indexOf('window'));
  expect(order.indexOf('permission-request-handler')).toBeLessThan(order.indexOf('window'));

  expect(find(lines, 'message-box')?.buttons).toEqual([`Use ${path.join(home, 'Mittelo')}`, 'Choose another folder…', 'Quit']);
  expect(fs.readdirSync(path.join(home, 'Mittelo', 'packs'))).toContain('smoke.jsonl');
  expect(JSON.parse(fs.readFileSync(path.join(home, 'config', 'mittelo', 'app.json'), 'utf8'))).toEqual({ last_workspace: path.join(home, 'Mittelo'), recent_workspaces: [path.join(home, 'Mittelo')] });

  expect(find(lines, 'window')?.webPreferences).toMatchObject({ preload: path.join(repoRoot, 'out', 'preload', 'index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  expect(find(lines, 'load')?.url).toBe('mittelo-app://app/index.html');
  expect(find(lines, 'menu')?.labels).toEqual(['File', 'editMenu', 'View', 'help']);
  expect(find(lines, 'page')).toMatchObject({ status: 200, csp: CONTENT_SECURITY_POLICY });
  expect(find(lines, 'page-outside')?.status).toBe(404);

  expect(find(lines, 'ipc-status')).toMatchObject({ ok: true, online: true, workspace: path.join(home, 'Mittelo') });
  expect(find(lines, 'ipc-bad')?.error).toMatchObject({ code: 'bad_input', message: 'Prompt must not be blank.' });
  expect(find(lines, 'ipc-stranger')?.error).toMatchObject({ code: 'forbidden' });
  expect(find(lines, 'ipc-iframe')?.error).toMatchObject({ code: 'forbidden' });
  expect(find(lines, 'navigate-away')?.prevented).toBe(true);
  expect(find(lines, 'window-open')?.answer).toEqual({ action: 'deny' });

  expect(order.slice(-2)).toEqual(['quit', 'exit']);
  expect(fs.existsSync(path.join(home, 'Mittelo', '.mittelo', 'mittelo.db.hub.lock'))).toBe(false);
});

it('a remembered workspace opens without asking', async () => {
  const home = tempDir('mittelo-electron-');
  const workspace = path.join(home, 'elsewhere');
  fs.mkdirSync(path.join(home, 'config', 'mittelo'), { recursive: true });
  fs.writeFileSync(path.join(home, 'config', 'mittelo', 'app.json'), JSON.stringify({ last_workspace: workspace }));
  const { code, lines, stderr } = await runMain({ HOME: home, XDG_CONFIG_HOME: path.join(home, 'config') });
  expect(code, stderr).toBe(0);
  expect(find(lines, 'message-box')).toBeUndefined();
  expect(find(lines, 'ipc-status')).toMatchObject({ ok: true, workspace });
  // Nothing picked (the user cancelled): no switch.
  expect(find(lines, 'ipc-pick')).toEqual({ event: 'ipc-pick', native_picker: true, picked: null });
  expect(find(lines, 'ipc-switch')).toBeUndefined();
});

it('the workspace switcher uses the system folder picker, then switches to the folder picked', async () => {
  const home = tempDir('mittelo-electron-');
  const first = path.join(home, 'first');
  const picked = path.join(home, 'picked');
  fs.mkdirSync(picked, { recursive: true });
  fs.mkdirSync(path.join(home, 'config', 'mittelo'), { recursive: true });
  fs.writeFileSync(path.join(home, 'config', 'mittelo', 'app.json'), JSON.stringify({ last_workspace: first }));
  const { code, lines, stderr } = await runMain({ HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), FAKE_ELECTRON_PICK: picked });
  expect(code, stderr).toBe(0);
  expect(find(lines, 'open-dialog')).toMatchObject({ properties: ['openDirectory', 'createDirectory'] });
  expect(find(lines, 'ipc-pick')).toMatchObject({ native_picker: true, picked });
  expect(find(lines, 'ipc-switch')).toMatchObject({ ok: true, dir: picked, online: true, workspace: picked });
  expect(JSON.parse(fs.readFileSync(path.join(home, 'config', 'mittelo', 'app.json'), 'utf8'))).toEqual({ last_workspace: picked, recent_workspaces: [picked, first] });
  // Quit closed the switched-to workspace's hub; the first one's was closed by the switch.
  for (const dir of [first, picked]) expect(fs.existsSync(path.join(dir, '.mittelo', 'mittelo.db.hub.lock'))).toBe(false);
});
