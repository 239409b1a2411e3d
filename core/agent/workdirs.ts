/**
 * System-test workdirs on the agent's machine. Layout: `<base>/<run>/task-<id>-<random>/work`, where
 * `work` is the agent's working directory. Where the machine allows, the task's processes run with
 * all of `<base>` read-only except `work` (drivers/run/confine.ts). Whether or not, after the task
 * `writesOutside` looks where a `..` lands that we own (the task's folder, the run's folder, the
 * root, finished sibling tasks' workdirs) and names what was written there. Workdirs of the newest
 * N runs are kept for inspection (MITTELO_KEEP_WORKDIRS, default 5; 0 removes each when its task
 * ends); older runs' are pruned.
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultDbPath } from '../config.js';
import type { FixtureSnapshot } from '../runs/fixture.js';
import { linkStaysInside } from '../runs/fixture.js';
import { envWholeNumber } from '../env-number.js';

export const DEFAULT_KEEP_WORKDIR_RUNS = 5;
const WORK = 'work';

/** Where system-test workdirs live: MITTELO_WORKDIRS, else `mittelo-workdirs` in the temp folder. */
export function workdirsBase(env: NodeJS.ProcessEnv = process.env): string {
  return env.MITTELO_WORKDIRS ? path.resolve(env.MITTELO_WORKDIRS) : path.join(os.tmpdir(), 'mittelo-workdirs');
}

/** MITTELO_KEEP_WORKDIRS, checked: how many runs keep their workdirs. */
export function keepWorkdirRuns(env: NodeJS.ProcessEnv = process.env): number {
  return envWholeNumber(env, 'MITTELO_KEEP_WORKDIRS', DEFAULT_KEEP_WORKDIR_RUNS);
}

const safeName = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120) || '_';

export interface PreparedWorkdir {
  /** The task's private folder (holds `work`; removed as a whole). */
  taskDir: string;
  /** The agent's working directory, holding the fixture's copy. */
  workdir: string;
  runDir: string;
  /** The workdirs root (`<base>`). */
  base: string;
  /** What the root and the run's folder held before the agent started (new names are its doing). */
  before: { base: Set<string>; run: Set<string> };
  /** When the workdir was made, by the file system's clock (what file times are compared with). */
  startedMs: number;
}

/** Task folders are `task-<id>-<6 random characters>` (fs.mkdtemp). */
const TASK_FOLDER = /^task-\d+-[A-Za-z0-9]{6}$/;
/** In a run's folder: one empty file per finished task, its time when the task's workdir was final. */
const FINISHED = '.finished';

/** Makes the task's folders and writes the fixture into the workdir. */
export async function prepareWorkdir(base: string, runId: string | null, taskId: number, fixture: FixtureSnapshot | null): Promise<PreparedWorkdir> {
  const runDir = path.join(base, safeName(runId ?? 'no-run'));
  await fs.mkdir(runDir, { recursive: true });
  const taskDir = await fs.mkdtemp(path.join(runDir, `task-${taskId}-`));
  const workdir = path.join(taskDir, WORK);
  await fs.mkdir(workdir);
  if (fixture) await writeFixture(fixture, workdir);
  const [baseNames, runNames, made] = await Promise.all([fs.readdir(base), fs.readdir(runDir), fs.stat(workdir)]);
  return { taskDir, workdir, runDir, base, before: { base: new Set(baseNames), run: new Set(runNames) }, startedMs: made.mtimeMs };
}

/**
 * Writes a snapshot's files; each path is checked again (the snapshot came over the wire). Written
 * synchronously: for a thousand small files that is several times faster than the thread pool's
 * round trips (scripts/bench/system-test.ts), and it happens once per task before the agent starts.
 */
export async function writeFixture(fixture: FixtureSnapshot, workdir: string): Promise<void> {
  const made = new Set<string>([workdir]);
  for (const file of fixture.files) {
    const target = path.resolve(workdir, file.path);
    const rel = path.relative(workdir, target);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`fixture file ${JSON.stringify(file.path)} is outside the workdir`);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      fsSync.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if ('link' in file) {
      if (!linkStaysInside(workdir, target, file.link)) throw new Error(`fixture link ${file.path} points out of the workdir (${file.link})`);
      fsSync.symlinkSync(file.link, target);
    } else {
      fsSync.writeFileSync(target, Buffer.from(file.base64, 'base64'), { mode: file.executable ? 0o755 : 0o644, flag: 'wx' });
    }
  }
}

/** Where a write outside the workdir landed. */
export type OutsideWhere = 'task' | 'run' | 'root' | 'sibling';
export interface OutsideWrite {
  /** Relative to the workdir: `../x`, `../../x`, `../../task-2-abcdef/work/x`. */
  path: string;
  where: OutsideWhere;
}

const readdirOr = (dir: string): string[] => {
  try {
    return fsSync.readdirSync(dir);
  } catch {
    return [];
  }
};

/** Files and folders under `dir` changed after `sinceMs` (a folder's time changes when an entry is added or removed). */
function changedSince(dir: string, sinceMs: number, found: string[], limit: number): void {
  for (const entry of fsSync.readdirSync(dir, { withFileTypes: true })) {
    if (found.length >= limit) return;
    const full = path.join(dir, entry.name);
    const stat = fsSync.lstatSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.mtimeMs > sinceMs || stat.ctimeMs > sinceMs) found.push(full);
    if (entry.isDirectory()) changedSince(full, sinceMs, found, limit);
  }
  const self = fsSync.statSync(dir, { throwIfNoEntry: false });
  if (self && self.mtimeMs > sinceMs && !found.includes(dir)) found.push(dir);
}

/** At most this many writes outside are named per task (the artifact caps `outside` too). */
const MAX_OUTSIDE = 200;

/**
 * What this task's processes wrote outside its workdir, in the places a `..` reaches that are ours:
 * its own task folder, the run's folder (`../../x`), the workdirs root (`../../../x`) and, with
 * `siblings`, the workdirs of the run's tasks that had already finished (a change after they
 * finished is not theirs). A sibling still running shows such a change in its own diff; with tasks
 * running at once, a write into the shared folders is named by each task that was running.
 */
export function writesOutside(prepared: PreparedWorkdir, options: { siblings: boolean }): OutsideWrite[] {
  const found: OutsideWrite[] = [];
  const fromWorkdir = (full: string): string => path.relative(prepared.workdir, full).split(path.sep).join('/');
  for (const name of readdirOr(prepared.taskDir)) if (name !== WORK) found.push({ path: `../${name}`, where: 'task' });
  const ownFolder = path.basename(prepared.taskDir);
  const runNames = readdirOr(prepared.runDir);
  for (const name of runNames) {
    if (name === ownFolder || name === FINISHED || prepared.before.run.has(name) || TASK_FOLDER.test(name)) continue;
    found.push({ path: fromWorkdir(path.join(prepared.runDir, name)), where: 'run' });
  }
  const runFolder = path.basename(prepared.runDir);
  for (const name of readdirOr(prepared.base)) {
    if (name === runFolder || prepared.before.base.has(name)) continue;
    const full = path.join(prepared.base, name);
    // Another run that started meanwhile has task folders; anything else is a write.
    const isRun = fsSync.lstatSync(full, { throwIfNoEntry: false })?.isDirectory() && readdirOr(full).some((child) => TASK_FOLDER.test(child) || child === FINISHED);
    if (!isRun) found.push({ path: fromWorkdir(full), where: 'root' });
  }
  if (options.siblings) {
    for (const name of runNames) {
      if (name === ownFolder || !TASK_FOLDER.test(name)) continue;
      const finished = fsSync.statSync(path.join(prepared.runDir, FINISHED, name), { throwIfNoEntry: false });
      if (!finished) continue;
      const changed: string[] = [];
      changedSince(path.join(prepared.runDir, name), Math.max(finished.mtimeMs, prepared.startedMs), changed, MAX_OUTSIDE);
      for (const full of changed) found.push({ path: fromWorkdir(full), where: 'sibling' });
    }
  }
  return found.slice(0, MAX_OUTSIDE);
}

/** Notes that the task's workdir is final: a later change to it is another task's doing. */
export async function markFinished(prepared: PreparedWorkdir): Promise<void> {
  const dir = path.join(prepared.runDir, FINISHED);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, path.basename(prepared.taskDir)), '');
}

/**
 * The folders a confined task may not write (drivers/run/confine.ts): the workdirs root and the
 * workspace's `.mittelo/` (database, token). Null with why, when the root is a folder others share
 * (the temp folder itself, the home folder): making it read-only would break the CLI.
 */
export function guardedFolders(base: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] | string {
  const shared = new Set(['/', os.tmpdir(), os.homedir(), cwd].map((dir) => path.resolve(dir)));
  if (shared.has(path.resolve(base))) return `MITTELO_WORKDIRS is ${base}, a folder others use too (give the workdirs a folder of their own)`;
  const state = new Set([path.join(cwd, '.mittelo'), path.dirname(defaultDbPath(env, cwd))].filter((dir) => path.basename(dir) === '.mittelo'));
  return [base, ...state];
}

/** Removes run folders beyond the newest `keep` (by modification time), never `current`'s. */
export async function pruneWorkdirs(base: string, keep: number, current: string | null): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(base);
  } catch {
    return;
  }
  const dated = await Promise.all(
    entries.map(async (name) => {
      const full = path.join(base, name);
      const stat = await fs.stat(full).catch(() => null);
      return { full, mtime: stat?.isDirectory() ? stat.mtimeMs : null };
    }),
  );
  const runs = dated.filter((d): d is { full: string; mtime: number } => d.mtime !== null).sort((a, b) => b.mtime - a.mtime);
  const kept = new Set(runs.slice(0, keep).map((r) => r.full));
  if (current) kept.add(current);
  await Promise.all(runs.filter((r) => !kept.has(r.full)).map((r) => fs.rm(r.full, { recursive: true, force: true })));
}

/** Removes the workdirs of deleted runs (runs prune on the machine that kept them). */
export async function removeRunWorkdirs(base: string, runIds: string[]): Promise<void> {
  await Promise.all(runIds.map((id) => fs.rm(path.join(base, safeName(id)), { recursive: true, force: true })));
}
