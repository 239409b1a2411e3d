/**
 * System-test workdirs on the agent's machine. Layout: `<base>/<run>/task-<id>-<random>/work`, where
 * `work` is the agent's working directory. The task folder around it is private to the task, so an
 * agent that writes next to its workdir (`../notes.txt`) writes into that folder: contained, found
 * by `outsideEntries` and reported. Workdirs of the newest N runs are kept for inspection
 * (MITTELO_KEEP_WORKDIRS, default 5; 0 removes each when its task ends); older runs' are pruned.
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
}

/** Makes the task's folders and writes the fixture into the workdir. */
export async function prepareWorkdir(base: string, runId: string | null, taskId: number, fixture: FixtureSnapshot | null): Promise<PreparedWorkdir> {
  const runDir = path.join(base, safeName(runId ?? 'no-run'));
  await fs.mkdir(runDir, { recursive: true });
  const taskDir = await fs.mkdtemp(path.join(runDir, `task-${taskId}-`));
  const workdir = path.join(taskDir, WORK);
  await fs.mkdir(workdir);
  if (fixture) await writeFixture(fixture, workdir);
  return { taskDir, workdir, runDir };
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

/** What appeared in the task's folder next to the workdir (the agent wrote through `..`). */
export async function outsideEntries(prepared: PreparedWorkdir): Promise<string[]> {
  const names = await fs.readdir(prepared.taskDir);
  return names.filter((name) => name !== WORK).map((name) => `../${name}`);
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
