/**
 * Folder backends: any executable `<dir>/<name>/run` is a backend called `<name>`. It gets the prompt on
 * stdin and answers on stdout; a non-zero exit is a crash with its stderr kept. Folders are searched
 * in `$MITTELO_BACKENDS_DIR`, then `./backends` under the current directory; the first `run` found wins.
 */
import fs from 'node:fs';
import path from 'node:path';
import { plainOutcome, refused, runRequestFor, scriptEnv } from './builtin-result.js';
import { runProcess } from './run/runner.js';
import type { ExecutingDriver, ResolvedBinary } from './types.js';

/** A plain identifier: no path separators, no leading dot, never `..`. */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class FolderBackendError extends Error {
  constructor(
    readonly code: 'invalid_name' | 'not_found' | 'not_executable',
    message: string,
  ) {
    super(message);
    this.name = 'FolderBackendError';
  }
}

/** Where to look; defaults to the process environment and current directory. */
export interface FolderLookup {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface FolderBackend {
  name: string;
  /** The backend's folder and its `run` file, absolute. */
  dir: string;
  runPath: string;
  source: 'MITTELO_BACKENDS_DIR' | './backends';
  executable: boolean;
}

/** Throws FolderBackendError('invalid_name') unless `name` is a plain identifier. */
export function checkBackendName(name: string): void {
  if (!NAME_PATTERN.test(name) || name.includes('..')) {
    throw new FolderBackendError(
      'invalid_name',
      `invalid folder backend name ${JSON.stringify(name)}: use letters, digits, "_", "-" and "." only ` +
        '(no path separators, no leading ".", no "..")',
    );
  }
}

/** The folders searched, in order, absolute and without duplicates. */
export function backendSearchDirs(lookup: FolderLookup = {}): { dir: string; source: FolderBackend['source'] }[] {
  const env = lookup.env ?? process.env;
  const cwd = lookup.cwd ?? process.cwd();
  const dirs: { dir: string; source: FolderBackend['source'] }[] = [];
  const configured = env.MITTELO_BACKENDS_DIR?.trim();
  if (configured) dirs.push({ dir: path.resolve(cwd, configured), source: 'MITTELO_BACKENDS_DIR' });
  const local = path.resolve(cwd, 'backends');
  if (!dirs.some((d) => d.dir === local)) dirs.push({ dir: local, source: './backends' });
  return dirs;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function backendIn(dir: string, source: FolderBackend['source'], name: string): FolderBackend | null {
  const runPath = path.join(dir, name, 'run');
  try {
    if (!fs.statSync(runPath).isFile()) return null;
  } catch {
    return null;
  }
  return { name, dir: path.join(dir, name), runPath, source, executable: isExecutableFile(runPath) };
}

/** The backend called `name`, or null when no searched folder has `<name>/run`. Throws on an invalid name. */
export function findFolderBackend(name: string, lookup: FolderLookup = {}): FolderBackend | null {
  checkBackendName(name);
  for (const { dir, source } of backendSearchDirs(lookup)) {
    const found = backendIn(dir, source, name);
    if (found) return found;
  }
  return null;
}

/** Every folder backend visible from here, by name; a name in MITTELO_BACKENDS_DIR hides the same name in ./backends. */
export function listFolderBackends(lookup: FolderLookup = {}): FolderBackend[] {
  const byName = new Map<string, FolderBackend>();
  for (const { dir, source } of backendSearchDirs(lookup)) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (byName.has(entry.name) || !NAME_PATTERN.test(entry.name) || entry.name.includes('..')) continue;
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const found = backendIn(dir, source, entry.name);
      if (found) byName.set(entry.name, found);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The `run` file as a resolved binary for doctor and the Backends page; null when absent or not executable. */
export function resolveFolderBinary(name: string, lookup: FolderLookup = {}): ResolvedBinary | null {
  const found = findFolderBackend(name, lookup);
  return found?.executable ? { path: found.runPath, source: 'backends-dir' } : null;
}

/** Searches the folders again at each call, so backends added while an agent runs are picked up. */
function locate(name: string, lookup: FolderLookup): FolderBackend {
  const found = findFolderBackend(name, lookup);
  if (!found) {
    const searched = backendSearchDirs(lookup).map((d) => path.join(d.dir, name, 'run'));
    throw new FolderBackendError('not_found', `folder backend "${name}" not found; looked for ${searched.join(' and ')}`);
  }
  if (!found.executable) {
    throw new FolderBackendError('not_executable', `folder backend "${name}": ${found.runPath} is not executable (chmod +x it)`);
  }
  return found;
}

/** A driver for the folder backend `name`. Throws FolderBackendError at once when the name is invalid. */
export function folderDriver(name: string, lookup: FolderLookup = {}): ExecutingDriver {
  checkBackendName(name);
  return {
    kind: 'executing',
    name,
    aliases: [],
    binary: null,
    requiredFlags: [],
    authHints: { env: [], files: [] },
    outputFormat: 'text',
    versionArgs: null,
    parseVersion: () => null,

    async execute(ctx) {
      const startedAt = Date.now();
      let runPath: string;
      let dir: string;
      if (ctx.binary?.source === 'backends-dir') {
        runPath = ctx.binary.path;
        dir = path.dirname(runPath);
      } else {
        try {
          ({ runPath, dir } = locate(name, lookup));
        } catch (err) {
          if (!(err instanceof FolderBackendError)) throw err;
          const code = err.code === 'not_executable' ? 'EACCES' : 'ENOENT';
          return refused([path.join('backends', name, 'run')], startedAt, 'not_installed', code, err.message);
        }
      }
      const env = { ...scriptEnv(ctx.call), MITTELO_BACKEND_NAME: name, MITTELO_BACKEND_DIR: dir };
      const result = await runProcess(runRequestFor(ctx, runPath, [], ctx.call.prompt, env));
      return { outcome: plainOutcome(result, `folder backend "${name}"`), result };
    },
  };
}
