#!/usr/bin/env node
/**
 * `npm start`: build, then open the desktop app; where Electron cannot start (its binary is not
 * downloaded, no display, it crashes at launch) say why in one line and serve the same app in the
 * browser instead (`mittelo serve`), printing its address. Installs nothing. Arguments after `--`
 * go to `mittelo serve` (e.g. `npm start -- --port 9000`). MITTELO_BROWSER_MODE=1 skips Electron;
 * MITTELO_SKIP_BUILD=1 skips the build (already built). In browser mode the address is opened in
 * the default browser (or $BROWSER); MITTELO_NO_BROWSER=1 only prints it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const serveArgs = process.argv.slice(2);
/** Electron that dies this soon after launch did not start (missing libraries, no display...). */
const EARLY_EXIT_MS = 8000;

function build() {
  if (process.env.MITTELO_SKIP_BUILD === '1') return;
  const result = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * The Electron binary, or why there is none. Read from the electron package's path.txt, never by
 * `require('electron')`, which would try to download a missing binary.
 */
function electronBinary() {
  if (process.env.MITTELO_BROWSER_MODE === '1') return { reason: 'MITTELO_BROWSER_MODE=1 is set' };
  const notInstalled = { reason: "Electron's binary is not installed (npm run setup:desktop downloads it)" };
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) return notInstalled;
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(dir, 'dist'), fs.readFileSync(pathFile, 'utf8').trim());
  if (!fs.existsSync(binary)) return notInstalled;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  return { binary };
}

/**
 * npm does not pass SIGTERM on to the script it runs: stopped that way, npm exits and leaves this
 * script and the app running, holding their ports. So the app is also stopped when our parent
 * goes away (we are handed to another parent then).
 */
function stopWithParent(child) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    child.kill('SIGTERM');
  }, 500);
  child.on('exit', () => clearInterval(timer));
}

/** The opener of the user's browser: $BROWSER, else the platform's; null when there is no display to open one on. */
function browserCommand(url) {
  const custom = process.env.BROWSER?.trim();
  if (custom) return { command: custom, args: [url] };
  if (process.platform === 'darwin') return { command: 'open', args: [url] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  return { command: 'xdg-open', args: [url] };
}

function openBrowser(url) {
  if (process.env.MITTELO_NO_BROWSER === '1') return;
  const opener = browserCommand(url);
  if (!opener) return process.stderr.write('No display to open a browser on: open the address above in a browser yourself.\n');
  const child = spawn(opener.command, opener.args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => process.stderr.write(`Could not open a browser (${opener.command}: ${err.message}); open the address above yourself.\n`));
  child.unref();
}

function serve(reason) {
  process.stderr.write(`Electron cannot start here: ${reason}. Opening the app in browser mode instead, at the address below.\n`);
  const child = spawn(process.execPath, [path.join(root, 'dist', 'core', 'cli', 'main.js'), 'serve', ...serveArgs], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
  // Passed through as it comes; the first address printed is opened in the browser.
  let printed = '';
  let opened = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (opened) return;
    printed = (printed + chunk.toString()).slice(-4096);
    const found = /Mittelo Control Center: (http:\/\/\S+)/.exec(printed);
    if (found) {
      opened = true;
      openBrowser(found[1]);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  stopWithParent(child);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function desktop(binary) {
  const started = Date.now();
  let firstError = '';
  const child = spawn(binary, [root], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    if (!firstError) firstError = chunk.toString().split('\n').find((line) => line.trim() !== '') ?? '';
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  stopWithParent(child);
  child.on('error', (err) => serve(`Electron did not run (${err.message})`));
  child.on('exit', (code, signal) => {
    if (code !== 0 && !signal && Date.now() - started < EARLY_EXIT_MS) return serve(`Electron exited at launch (${firstError.trim() || `exit code ${code}`})`);
    process.exit(code ?? 0);
  });
}

build();
const electron = electronBinary();
if (electron.binary) desktop(electron.binary);
else serve(electron.reason);
