/**
 * Finds a backend CLI's executable the way a user's terminal would, even when this process was
 * started from a desktop launcher with a bare PATH: the configured path, the login shell's PATH,
 * this process's PATH, then the places npm, nvm, fnm, Homebrew and installers put binaries.
 * Every root is injectable so tests can build a fake machine in a temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from './run/runner.js';
import type { ResolvedBinary } from './types.js';

type Source = ResolvedBinary['source'];

export interface ResolveOptions {
  /** Per-backend configured path; when set it must exist (no silent fallback to another binary). */
  configuredPath?: string | null;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homeDir?: string;
  /** The login shell's PATH; default asks `$SHELL -l` once (cached). Return null when unknown. */
  loginShellPath?: () => Promise<string | null>;
  /** `npm prefix -g`; default runs it once (cached). Return null when npm is absent. */
  npmGlobalPrefix?: () => Promise<string | null>;
}

const PROBE_TIMEOUT_MS = 3000;
const PATH_MARKER = '__MITTELO_PATH__=';

const probeCache = new Map<string, Promise<string | null>>();

/** Forget cached login-shell and npm answers (tests, or after the user changed their setup). */
export function clearResolveCache(): void {
  probeCache.clear();
}

function cached(key: string, probe: () => Promise<string | null>): Promise<string | null> {
  let pending = probeCache.get(key);
  if (!pending) {
    pending = probe().catch(() => null);
    probeCache.set(key, pending);
  }
  return pending;
}

/**
 * Runs a probe through the shared runner (timeout, kill of the whole group: a login profile that
 * starts a slow helper cannot keep us waiting), passing on the variables a shell profile needs.
 * Returns stdout on exit 0, else null.
 */
async function probe(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | null> {
  const passed: Record<string, string> = { TERM: 'dumb' };
  for (const name of ['HOME', 'PATH', 'USER', 'LOGNAME', 'SHELL', 'npm_config_prefix']) {
    const value = env[name];
    if (value) passed[name] = value;
  }
  const result = await runProcess({ command, args, stdin: null, env: passed, timeoutMs, killGraceMs: 200, maxOutputBytes: 256 * 1024 });
  return result.exitCode === 0 && !result.timedOut ? result.stdout : null;
}

/**
 * PATH as the user's login shell sets it (nvm, fnm, Homebrew shellenv, ~/.local/bin additions).
 * A marker line keeps it apart from whatever the profile prints; one probe serves every backend.
 */
export function defaultLoginShellPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<string | null> {
  const shell = env.SHELL;
  if (platform === 'win32' || !shell || !path.isAbsolute(shell)) return Promise.resolve(null);
  return cached(`shell:${shell}`, async () => {
    // fish keeps PATH as a list; every other common shell has it colon-joined.
    const joined = path.basename(shell) === 'fish' ? '(string join : $PATH)' : '"$PATH"';
    const stdout = await probe(shell, ['-lc', `printf '\\n${PATH_MARKER}%s\\n' ${joined}`], env, timeoutMs);
    const line = stdout?.split('\n').find((l) => l.startsWith(PATH_MARKER));
    const value = line?.slice(PATH_MARKER.length).trim();
    return value ? value : null;
  });
}

export function defaultNpmGlobalPrefix(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.npm_config_prefix) return Promise.resolve(env.npm_config_prefix);
  return cached('npm-prefix', async () => {
    const prefix = (await probe('npm', ['prefix', '-g'], env))?.trim();
    return prefix ? prefix : null;
  });
}

/** Names to try in one folder: `NAME` on Unix; NAME.cmd/.exe/... (PATHEXT) on Windows. */
function candidateNames(name: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform !== 'win32') return [name];
  if (path.extname(name) !== '') return [name];
  const exts = (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '');
  return [...exts.map((ext) => name + ext.toLowerCase()), ...exts.map((ext) => name + ext)];
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findIn(dirs: string[], name: string, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | null {
  for (const dir of dirs) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const candidate of candidateNames(name, platform, env)) {
      const file = path.join(dir, candidate);
      if (isExecutableFile(file, platform)) return file;
    }
  }
  return null;
}

function splitPath(value: string | undefined, platform: NodeJS.Platform): string[] {
  if (!value) return [];
  return value.split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
}

/** Compares "v20.11.1" style folder names so the newest Node version is searched first. */
function byVersionDescending(a: string, b: string): number {
  const parts = (s: string) => s.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return b.localeCompare(a);
}

/** `<root>/<version>/<suffix>` for every version folder under root, newest first. */
function versionDirs(root: string, suffix: string): string[] {
  try {
    return fs
      .readdirSync(root)
      .sort(byVersionDescending)
      .map((version) => path.join(root, version, suffix));
  } catch {
    return [];
  }
}

/** The install places searched after PATH, in order, each with the source it reports. */
export function installPlaces(npmPrefix: string | null, options: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; homeDir: string }): { source: Source; dirs: string[] }[] {
  const { env, platform, homeDir: home } = options;
  const places: { source: Source; dirs: string[] }[] = [];
  const npmDirs: string[] = [];
  if (npmPrefix) npmDirs.push(platform === 'win32' ? npmPrefix : path.join(npmPrefix, 'bin'));
  if (platform === 'win32' && env.APPDATA) npmDirs.push(path.join(env.APPDATA, 'npm'));
  places.push({ source: 'npm-global', dirs: npmDirs });

  const nvmRoot = env.NVM_DIR ?? path.join(home, '.nvm');
  places.push({ source: 'nvm', dirs: versionDirs(path.join(nvmRoot, 'versions', 'node'), 'bin') });

  const fnmRoots = [
    env.FNM_DIR,
    path.join(home, '.local', 'share', 'fnm'),
    path.join(home, '.fnm'),
    path.join(home, 'Library', 'Application Support', 'fnm'),
  ].filter((d): d is string => typeof d === 'string' && d !== '');
  const fnmDirs = env.FNM_MULTISHELL_PATH ? [path.join(env.FNM_MULTISHELL_PATH, 'bin')] : [];
  for (const root of fnmRoots) fnmDirs.push(...versionDirs(path.join(root, 'node-versions'), path.join('installation', 'bin')));
  places.push({ source: 'fnm', dirs: fnmDirs });

  if (platform !== 'win32') places.push({ source: 'homebrew', dirs: ['/opt/homebrew/bin', '/usr/local/bin'] });
  // Installer scripts: kiro-cli and uv tools (the Python kimi) in ~/.local/bin, opencode in
  // ~/.opencode/bin, Kimi Code's own installer in ~/.kimi-code/bin.
  places.push({ source: 'local-bin', dirs: [path.join(home, '.local', 'bin'), path.join(home, '.opencode', 'bin'), path.join(home, '.kimi-code', 'bin')] });
  return places;
}

/**
 * Where `name` runs from, or null when it is nowhere to be found. A configured path wins (and
 * must exist); then the login shell's PATH, this process's PATH and the usual install places.
 */
export async function resolveBinary(name: string, options: ResolveOptions = {}): Promise<ResolvedBinary | null> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const homeDir = options.homeDir ?? os.homedir();

  const configured = options.configuredPath?.trim();
  if (configured) {
    const file = path.resolve(configured.startsWith('~/') ? path.join(homeDir, configured.slice(2)) : configured);
    return isExecutableFile(file, platform) ? { path: file, source: 'configured' } : null;
  }

  const loginPath = await (options.loginShellPath ?? (() => defaultLoginShellPath(env, platform)))();
  const fromLogin = findIn(splitPath(loginPath ?? undefined, platform), name, platform, env);
  if (fromLogin) return { path: fromLogin, source: 'login-shell-path' };

  const fromPath = findIn(splitPath(env.PATH ?? env.Path, platform), name, platform, env);
  if (fromPath) return { path: fromPath, source: 'path' };

  const npmPrefix = await (options.npmGlobalPrefix ?? (() => defaultNpmGlobalPrefix(env)))();
  for (const place of installPlaces(npmPrefix, { env, platform, homeDir })) {
    const found = findIn(place.dirs, name, platform, env);
    if (found) return { path: found, source: place.source };
  }
  return null;
}

/** How each way of finding a CLI is named to people (doctor, backend-check, the Backends page). */
export const BINARY_SOURCE_LABELS: Record<ResolvedBinary['source'], string> = {
  configured: 'configured path',
  'login-shell-path': "login shell's PATH",
  path: 'PATH',
  'npm-global': 'npm global prefix',
  nvm: 'nvm',
  fnm: 'fnm',
  homebrew: 'Homebrew',
  'local-bin': '~/.local/bin or ~/.opencode/bin',
  'backends-dir': 'folder backend',
};
