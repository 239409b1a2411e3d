/**
 * The app's workspace folder (default ~/Mittelo): its database, packs, config and lock file, and
 * the small per-user record of which workspace was used last (app.json in the user config dir).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_DB_RELATIVE, userConfigDir } from '../config.js';
import { HubError, errorMessage } from '../errors.js';

export const DEFAULT_WORKSPACE_NAME = 'Mittelo';

export function defaultWorkspace(home = os.homedir()): string {
  return path.join(home, DEFAULT_WORKSPACE_NAME);
}

const appRecordSchema = z.looseObject({ last_workspace: z.string().min(1).optional(), recent_workspaces: z.array(z.string().min(1)).optional() });
export type AppRecord = z.output<typeof appRecordSchema>;

/** app.json in `configDir`; a missing or unreadable file is an empty record (it only remembers). */
export function readAppRecord(configDir: string): AppRecord {
  try {
    const parsed = appRecordSchema.safeParse(JSON.parse(fs.readFileSync(path.join(configDir, 'app.json'), 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export function writeAppRecord(configDir: string, record: AppRecord): void {
  fs.mkdirSync(configDir, { recursive: true });
  const file = path.join(configDir, 'app.json');
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(temp, file);
}

/** The workspace used last, if it was recorded (first run: none, so Electron asks). */
export function lastWorkspace(configDir: string): string | null {
  return readAppRecord(configDir).last_workspace ?? null;
}

/** How many workspaces the switcher remembers. */
export const RECENT_KEPT = 8;

/** Opening `dir` makes it the last workspace and the first of the recent ones. */
export function rememberWorkspace(configDir: string, dir: string): void {
  const record = readAppRecord(configDir);
  const recent = [dir, ...(record.recent_workspaces ?? []).filter((d) => d !== dir)].slice(0, RECENT_KEPT);
  writeAppRecord(configDir, { ...record, last_workspace: dir, recent_workspaces: recent });
}

/** The workspaces opened before, newest first (the last one included; a record from before: just it). */
export function recentWorkspaces(configDir: string): string[] {
  const record = readAppRecord(configDir);
  const recent = record.recent_workspaces ?? [];
  return record.last_workspace && !recent.includes(record.last_workspace) ? [record.last_workspace, ...recent] : recent;
}

/**
 * A folder the user typed or picked to open as a workspace: an absolute path (or `~/...`) to an
 * existing folder. Anything else is refused in words, before anything is stopped.
 */
export function workspaceFolder(given: string, home = os.homedir()): string {
  const trimmed = given.trim();
  const expanded = trimmed === '~' ? home : trimmed.startsWith('~/') ? path.join(home, trimmed.slice(2)) : trimmed;
  if (!path.isAbsolute(expanded)) throw new HubError('bad_request', `"${trimmed}" is not a full path: give the folder from the root, like ${path.join(home, DEFAULT_WORKSPACE_NAME)}`);
  const dir = path.resolve(expanded);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new HubError('not_found', `there is no folder ${dir}: create it first, or pick another one`);
  }
  if (!stat.isDirectory()) throw new HubError('bad_request', `${dir} is a file, not a folder: a workspace is a folder`);
  return dir;
}

/** The packs/ folder shipped with the app: the first folder up from here holding package.json and packs/. */
export function bundledPacksDir(start = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const packs = path.join(dir, 'packs');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(packs)) return packs;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export interface WorkspacePaths {
  dir: string;
  dbPath: string;
  packsDir: string;
  backendsDir: string;
}

export function workspacePaths(dir: string): WorkspacePaths {
  const root = path.resolve(dir);
  return { dir: root, dbPath: path.join(root, DEFAULT_DB_RELATIVE), packsDir: path.join(root, 'packs'), backendsDir: path.join(root, 'backends') };
}

/**
 * Creates the workspace when needed; a workspace without packs/ gets the bundled example packs
 * (first run), one that has them is left as it is. Returns whether packs were seeded.
 */
export function prepareWorkspace(dir: string, seedFrom: string | null = bundledPacksDir()): { paths: WorkspacePaths; seeded: string[] } {
  const paths = workspacePaths(dir);
  try {
    fs.mkdirSync(path.dirname(paths.dbPath), { recursive: true });
  } catch (err) {
    throw new Error(`cannot create the workspace ${paths.dir}: ${errorMessage(err)}`, { cause: err });
  }
  const seeded: string[] = [];
  if (!fs.existsSync(paths.packsDir)) {
    fs.mkdirSync(paths.packsDir, { recursive: true });
    if (seedFrom && fs.existsSync(seedFrom)) {
      for (const name of fs.readdirSync(seedFrom).filter((n) => n.endsWith('.jsonl')).sort()) {
        fs.copyFileSync(path.join(seedFrom, name), path.join(paths.packsDir, name));
        seeded.push(name);
      }
      // The fixtures of the example system-test pack (packs/system.jsonl names them relative to itself).
      const fixtures = path.join(seedFrom, 'system');
      if (fs.existsSync(fixtures)) fs.cpSync(fixtures, path.join(paths.packsDir, 'system'), { recursive: true });
    }
  }
  return { paths, seeded };
}

/**
 * Folder backends of the app come from `<workspace>/backends` unless MITTELO_BACKENDS_DIR says
 * otherwise; set once per process (Electron main, `mittelo serve`), since every agent and check
 * reads the same environment.
 */
export function useWorkspaceBackends(workspace: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.MITTELO_BACKENDS_DIR?.trim()) env.MITTELO_BACKENDS_DIR = workspacePaths(workspace).backendsDir;
}

/** The workspace a shell opens: the one given, else the one used last, else ~/Mittelo. */
export function chooseWorkspace(given: string | undefined, configDir = userConfigDir()): string {
  return path.resolve(given ?? lastWorkspace(configDir) ?? defaultWorkspace());
}
