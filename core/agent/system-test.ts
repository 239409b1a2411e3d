/**
 * A task of a system test (its pack row named a `fixture` and/or a `check`): before the agent, a
 * fresh workdir holding the fixture; after it, the workdir's diff against the fixture and the
 * check run in the workdir. The check runs through the process runner (allowlisted environment
 * without the backend's keys, containment, time limit, redaction). Only checks this agent was told
 * it may run are run (`allowedChecks`): a check arriving over the wire alone runs nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { splitCommandLine } from '../../drivers/command-line.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { RunRequest } from '../../drivers/run/types.js';
import { tail } from '../../drivers/builtin-result.js';
import type { WorkspaceArtifact } from '../queue/artifact.js';
import { commandCheckSchema, commandLine, commandTimeoutSeconds, type CommandCheck } from '../runs/expect.js';
import { fixtureSnapshotSchema, type FixtureSnapshot } from '../runs/fixture.js';
import { confineMode, probeConfinement, type WorkdirConfinement } from '../../drivers/run/confine.js';
import { diffWorkspace } from './workspace-diff.js';
import { guardedFolders, keepWorkdirRuns, markFinished, prepareWorkdir, pruneWorkdirs, workdirsBase, writesOutside, type OutsideWrite, type PreparedWorkdir } from './workdirs.js';

/** Check output kept in the artifact per stream (the end is what says why a test failed). */
const MAX_CHECK_OUTPUT_BYTES = 256 * 1024;

/** Which workspace checks an agent runs: `any`, or only these command lines (the pack it read). */
export type AllowedChecks = 'any' | ReadonlySet<string>;

export interface SystemTest {
  fixture: FixtureSnapshot | null;
  check: CommandCheck | null;
}

const metadataSchema = z.object({ fixture: fixtureSnapshotSchema.optional(), check: commandCheckSchema.optional() });

/** The task's system test, null for an ordinary task; throws (with why) when its metadata is malformed. */
export function systemTestOf(metadata: Record<string, unknown>): SystemTest | null {
  // `workspace_check`, not `check`: a check task's metadata has `check` (its kind, core/runs/check-tasks.ts).
  if (metadata.fixture === undefined && metadata.workspace_check === undefined) return null;
  const parsed = metadataSchema.safeParse({ fixture: metadata.fixture, check: metadata.workspace_check });
  if (!parsed.success) {
    throw new Error(`the task's system test is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { fixture: parsed.data.fixture ?? null, check: parsed.data.check ?? null };
}

/** How the task was kept inside its workdir: contained (writes outside fail) or detected only. */
export interface WorkdirIsolation {
  mode: NonNullable<WorkspaceArtifact['isolation']>['mode'];
  detail: string;
  /** For the runner: what the task's processes may write (null: not contained). */
  confine: WorkdirConfinement | null;
}

export interface StartedSystemTest extends PreparedWorkdir {
  isolation: WorkdirIsolation;
}

/** Contained where this machine allows (MITTELO_CONFINE_WORKDIRS: auto, on, off), else detected only. */
export function isolationFor(prepared: PreparedWorkdir, env: NodeJS.ProcessEnv = process.env): WorkdirIsolation {
  const mode = confineMode(env);
  if (mode === 'off') return { mode: 'detected_only', detail: 'MITTELO_CONFINE_WORKDIRS=off: writes outside the workdir are found after the task, not stopped', confine: null };
  const guarded = guardedFolders(prepared.base, env);
  const probe = probeConfinement();
  const why = typeof guarded === 'string' ? guarded : probe.available ? null : probe.detail;
  if (why !== null || typeof guarded === 'string') {
    if (mode === 'on') throw new Error(`MITTELO_CONFINE_WORKDIRS=on, but the task cannot be kept inside its workdir: ${why}`);
    return { mode: 'detected_only', detail: `not contained (${why}): writes outside the workdir are found after the task, not stopped`, confine: null };
  }
  return { mode: 'contained', detail: probe.detail, confine: { writable: prepared.workdir, readOnly: guarded } };
}

export async function startSystemTest(test: SystemTest, runId: string | null, taskId: number): Promise<StartedSystemTest> {
  const prepared = await prepareWorkdir(workdirsBase(), runId, taskId, test.fixture);
  try {
    return { ...prepared, isolation: isolationFor(prepared) };
  } catch (err) {
    await fs.rm(prepared.taskDir, { recursive: true, force: true });
    throw err;
  }
}

const WHERE: Record<OutsideWrite['where'], string> = {
  task: 'written next to the workdir; removed with it',
  run: "written in the run's folder",
  root: 'written in the workdirs folder',
  sibling: "written in another task's workdir",
};

/** Messages of writes the containment refused, as the agent's output shows them (EROFS). */
const REFUSED_LINE = /read-only file system|\bEROFS\b/i;
const PATH_IN_LINE = /(?:\.\.\/|\/)[^\s'"`,;:()\\]+/g;

/**
 * Paths (relative to the workdir) the agent tried to write outside it and the containment refused,
 * from its own output: a CLI shows a failed write's error to its model and in its transcript. Only
 * paths through `..` or inside the guarded folders count: a read-only /usr is not ours to report.
 */
export function refusedWrites(output: string, prepared: Pick<PreparedWorkdir, 'workdir'>, guarded: string[]): string[] {
  const found = new Set<string>();
  for (const line of output.split('\n')) {
    if (!REFUSED_LINE.test(line)) continue;
    for (const [candidate] of line.matchAll(PATH_IN_LINE)) {
      const full = path.resolve(prepared.workdir, candidate);
      const inside = (dir: string): boolean => full === dir || full.startsWith(`${dir}${path.sep}`);
      if (inside(prepared.workdir) || !guarded.some((dir) => inside(path.resolve(dir)))) continue;
      found.add(path.relative(prepared.workdir, full).split(path.sep).join('/'));
      break;
    }
    if (found.size >= 100) break;
  }
  return [...found];
}

type CheckRun = NonNullable<WorkspaceArtifact['check']>;

function checkVerdict(line: string, exitCode: number | null, signal: string | null, timedOut: boolean, timeoutSeconds: number, stderr: string): Pick<CheckRun, 'pass' | 'reason'> {
  if (exitCode === 0) return { pass: true, reason: `the check \`${line}\` passed (exit 0)` };
  const said = tail(stderr, 300);
  const why = timedOut ? `did not finish within ${timeoutSeconds} s and was stopped` : exitCode !== null ? `exited with code ${exitCode}` : `was killed by ${signal ?? 'a signal'}`;
  return { pass: false, reason: `the check \`${line}\` ${why}${said ? `: ${said}` : ''}` };
}

/** Runs the check in the workdir; refused (failed, with why) when this agent may not run it. */
export async function runWorkspaceCheck(check: CommandCheck, workdir: string, allowed: AllowedChecks | undefined, run: Partial<RunRequest>): Promise<CheckRun> {
  const line = commandLine(check);
  const timeoutSeconds = commandTimeoutSeconds(check);
  const refusedRun = (reason: string): CheckRun => ({ command: line, exit_code: null, signal: null, stdout: '', stderr: '', timed_out: false, duration_ms: 0, pass: false, reason });
  if (allowed === undefined || (allowed !== 'any' && !allowed.has(line))) {
    return refusedRun(`the check \`${line}\` was not run: this agent runs only the checks of packs it read itself (start it with --allow-workspace-checks to run any)`);
  }
  let argv: [string, ...string[]];
  try {
    argv = splitCommandLine(line);
  } catch (err) {
    return refusedRun(`the check \`${line}\` cannot be run: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [command, ...args] = argv;
  // No backend env: the check gets the allowlisted environment only, never the agent's API keys.
  const { env: _backendEnv, onOutput: _live, freshWorkdir: _fresh, cwd: _cwd, ...settings } = run;
  const result = await runProcess({ ...settings, command, args, stdin: null, workdir, timeoutMs: timeoutSeconds * 1000, maxOutputBytes: MAX_CHECK_OUTPUT_BYTES });
  if (result.spawnError) return { ...refusedRun(`the check \`${line}\` could not start: ${result.spawnError.message}`), duration_ms: result.durationMs };
  const verdict = checkVerdict(line, result.exitCode, result.signal, result.timedOut, timeoutSeconds, result.stderr);
  return { command: line, exit_code: result.exitCode, signal: result.signal, stdout: result.stdout, stderr: result.stderr, timed_out: result.timedOut, duration_ms: result.durationMs, ...verdict };
}

/**
 * After the agent: what it wrote outside the workdir (or tried to, when contained), the diff, the
 * check (confined like the agent); then the retention of workdirs.
 */
export async function finishSystemTest(
  test: SystemTest,
  started: StartedSystemTest,
  options: { allowed: AllowedChecks | undefined; run: Partial<RunRequest>; cancelled: boolean; agentOutput: string },
): Promise<WorkspaceArtifact> {
  const { isolation } = started;
  // Before the check: what the check's own command writes is not the agent's doing.
  const wrote = writesOutside(started, { siblings: isolation.mode === 'detected_only' });
  const refused = isolation.confine ? refusedWrites(options.agentOutput, started, isolation.confine.readOnly) : [];
  const diff = await diffWorkspace(test.fixture, started.workdir);
  const outside = [...wrote.map((w) => `${w.path} (${WHERE[w.where]})`), ...refused.map((p) => `${p} (refused: the task was contained, the folder is read-only)`), ...diff.outside];
  const run = isolation.confine ? { ...options.run, confine: isolation.confine } : options.run;
  const check = test.check && !options.cancelled ? await runWorkspaceCheck(test.check, started.workdir, options.allowed, run) : null;
  const keep = keepWorkdirRuns();
  if (keep === 0) await fs.rm(started.taskDir, { recursive: true, force: true });
  else await markFinished(started);
  // The current run's folder stays whatever `keep` says: its other tasks may still be running.
  await pruneWorkdirs(workdirsBase(), keep, started.runDir);
  return {
    fixture: test.fixture?.name ?? null,
    workdir: keep === 0 ? null : started.workdir,
    ...diff,
    outside,
    wrote_outside: wrote.map((w) => w.path),
    refused_outside: refused,
    isolation: { mode: isolation.mode, detail: isolation.detail },
    check,
  };
}
