/**
 * The child's environment and folders. A CLI gets only what it needs to run (an allowlist of the
 * hub's environment plus what its driver asks for), so the hub's own secrets and settings do not
 * leak into tools that may echo, log or upload their environment.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunRequest } from './types.js';

const ALLOWED_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'TERM',
  'TMPDIR',
  'TZ',
  'NODE_EXTRA_CA_CERTS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];
/** TEMP/TMP and SYSTEMDRIVE too: many Windows programs cannot find a temp folder or system files without them. */
const ALLOWED_NAMES_WINDOWS = ['SYSTEMROOT', 'COMSPEC', 'PATHEXT', 'APPDATA', 'LOCALAPPDATA', 'USERPROFILE', 'TEMP', 'TMP', 'SYSTEMDRIVE'];
const ALLOWED_PREFIXES = ['LC_'];

export interface ChildSetup {
  env: Record<string, string>;
  cwd: string;
  /** Folders made for this run (null when none was made). */
  home: string | null;
  workdir: string | null;
}

export type ChildSetupRequest = Pick<RunRequest, 'env' | 'cwd' | 'freshWorkdir' | 'workdir' | 'sandboxHome' | 'taskId' | 'workerId'>;

/** The allowlisted part of the parent environment (names compared case-insensitively on Windows). */
export function allowlistedEnv(parent: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Record<string, string> {
  const windows = platform === 'win32';
  const normalize = (name: string): string => (windows ? name.toUpperCase() : name);
  const allowed = new Set([...ALLOWED_NAMES, ...(windows ? ALLOWED_NAMES_WINDOWS : [])].map(normalize));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const key = normalize(name);
    if (allowed.has(key) || ALLOWED_PREFIXES.some((prefix) => key.startsWith(prefix))) env[name] = value;
  }
  return env;
}

/** Keeps folder names to safe characters whatever the task id looks like. */
function folderTag(id: number | string | undefined): string {
  return id === undefined ? 'run' : String(id).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
}

/** HOME and the XDG base dirs (and their Windows counterparts) under `home`, created. */
async function sandboxEnv(home: string, platform: NodeJS.Platform): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
  };
  if (platform === 'win32') {
    dirs.APPDATA = path.join(home, 'AppData', 'Roaming');
    dirs.LOCALAPPDATA = path.join(home, 'AppData', 'Local');
  }
  await Promise.all(Object.values(dirs).map((dir) => fs.mkdir(dir, { recursive: true })));
  return { HOME: home, ...(platform === 'win32' ? { USERPROFILE: home } : {}), ...dirs };
}

/**
 * Builds the environment and working directory for one run, making folders as asked:
 * - sandboxHome: HOME/XDG_* at MITTELO_SUBPROCESS_HOME (parent env) if set, else a fresh temp folder;
 * - working directory: the caller's prepared `workdir` when given; else with freshWorkdir a new per-task folder (inside MITTELO_SUBPROCESS_WORKDIR if
 *   set, else the temp dir); otherwise MITTELO_SUBPROCESS_WORKDIR (the operator's override), then
 *   the request's cwd, then the hub's own.
 */
export async function prepareChild(
  req: ChildSetupRequest,
  parent: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<ChildSetup> {
  const env = { ...allowlistedEnv(parent, platform), ...req.env };
  if (req.taskId !== undefined) env.MITTELO_TASK_ID = String(req.taskId);
  if (req.workerId !== undefined) env.MITTELO_WORKER_ID = req.workerId;

  let home: string | null = null;
  if (req.sandboxHome) {
    const configured = parent.MITTELO_SUBPROCESS_HOME;
    const dir = configured ? path.resolve(configured) : await fs.mkdtemp(path.join(os.tmpdir(), 'mittelo-home-'));
    if (!configured) home = dir;
    Object.assign(env, await sandboxEnv(dir, platform));
  }

  const workBase = parent.MITTELO_SUBPROCESS_WORKDIR ? path.resolve(parent.MITTELO_SUBPROCESS_WORKDIR) : null;
  let workdir: string | null = null;
  let cwd: string;
  if (req.workdir) {
    cwd = path.resolve(req.workdir);
  } else if (req.freshWorkdir) {
    const base = workBase ?? os.tmpdir();
    await fs.mkdir(base, { recursive: true });
    workdir = await fs.mkdtemp(path.join(base, `mittelo-task-${folderTag(req.taskId)}-`));
    cwd = workdir;
  } else if (workBase) {
    await fs.mkdir(workBase, { recursive: true });
    cwd = workBase;
  } else {
    cwd = req.cwd ? path.resolve(req.cwd) : process.cwd();
  }
  return { env, cwd, home, workdir };
}
