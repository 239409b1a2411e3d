#!/usr/bin/env node
/**
 * `npm start`: build, then open the desktop app; where Electron cannot start (its binary is not
 * downloaded, no display, it crashes at launch) say why in one line and serve the same app in the
 * browser instead (`mittelo serve`), printing its address. Installs nothing. Arguments after `--`
 * go to `mittelo serve` (e.g. `npm start -- --port 9000`). MITTELO_BROWSER_MODE=1 skips Electron;
 * MITTELO_SKIP_BUILD=1 skips the build (already built).
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

function serve(reason) {
  process.stderr.write(`Electron cannot start here: ${reason}. Opening the app in browser mode instead; open the address below in a browser.\n`);
  const child = spawn(process.execPath, [path.join(root, 'dist', 'core', 'cli', 'main.js'), 'serve', ...serveArgs], { cwd: root, stdio: 'inherit' });
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
