/**
 * A task of a system test (its pack row named a `fixture` and/or a `check`): before the agent, a
 * fresh workdir holding the fixture; after it, the workdir's diff against the fixture and the
 * check run in the workdir. The check runs through the process runner (allowlisted environment
 * without the backend's keys, containment, time limit, redaction). Only checks this agent was told
 * it may run are run (`allowedChecks`): a check arriving over the wire alone runs nothing.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import { splitCommandLine } from '../../drivers/command-line.js';
import { runProcess } from '../../drivers/run/runner.js';
import type { RunRequest } from '../../drivers/run/types.js';
import { tail } from '../../drivers/builtin-result.js';
import type { WorkspaceArtifact } from '../queue/artifact.js';
import { commandCheckSchema, commandLine, commandTimeoutSeconds, type CommandCheck } from '../runs/expect.js';
import { fixtureSnapshotSchema, type FixtureSnapshot } from '../runs/fixture.js';
import { diffWorkspace } from './workspace-diff.js';
import { keepWorkdirRuns, outsideEntries, prepareWorkdir, pruneWorkdirs, workdirsBase, type PreparedWorkdir } from './workdirs.js';

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

export async function startSystemTest(test: SystemTest, runId: string | null, taskId: number): Promise<PreparedWorkdir> {
  return prepareWorkdir(workdirsBase(), runId, taskId, test.fixture);
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

/** After the agent: the diff, the check, what escaped the workdir; then the retention of workdirs. */
export async function finishSystemTest(
  test: SystemTest,
  prepared: PreparedWorkdir,
  options: { allowed: AllowedChecks | undefined; run: Partial<RunRequest>; cancelled: boolean },
): Promise<WorkspaceArtifact> {
  const diff = await diffWorkspace(test.fixture, prepared.workdir);
  const outside = [...(await outsideEntries(prepared)).map((p) => `${p} (written next to the workdir; removed with it)`), ...diff.outside];
  const check = test.check && !options.cancelled ? await runWorkspaceCheck(test.check, prepared.workdir, options.allowed, options.run) : null;
  const keep = keepWorkdirRuns();
  if (keep === 0) await fs.rm(prepared.taskDir, { recursive: true, force: true });
  // The current run's folder stays whatever `keep` says: its other tasks may still be running.
  await pruneWorkdirs(workdirsBase(), keep, prepared.runDir);
  return { fixture: test.fixture?.name ?? null, workdir: keep === 0 ? null : prepared.workdir, ...diff, outside, check };
}
