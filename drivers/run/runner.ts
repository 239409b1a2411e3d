/**
 * The one way Mittelo starts a process. Drivers say *what* to run; this module owns *how*, so that
 * every agent CLI gets the same hygiene whatever its vendor:
 * - never a shell (argv goes to the OS as is) and never a TTY: the prompt is written to stdin,
 *   which is then closed, so a CLI that would wait for input gets EOF instead of hanging;
 * - the child leads its own process group inside a containment (containment.ts: a cgroup, or an
 *   environment tag found again in /proc) that also holds what leaves the group (setsid, daemons).
 *   Timeout or cancel end all of it with a kill ladder (SIGINT first so a CLI can save its session,
 *   SIGKILL last so nothing survives). Agent CLIs spawn tools, language servers and shells; killing
 *   only the direct child would leave them running. Leftovers are also ended when the child exits
 *   on its own. With a ledger, each run is noted on disk while it runs, so that an agent killed
 *   with SIGKILL has its leftovers reaped by the next one (core/agent/reap.ts);
 * - output is captured up to a cap and drained beyond it, streamed live, and redacted everywhere;
 * - the environment is an allowlist, not the hub's own (see env.ts).
 * Process failures are data (exit code, signal, spawn error), never exceptions: the caller turns
 * them into a failure class and an artifact.
 */
import fs from 'node:fs/promises';
import { execa } from 'execa';
import { OutputCapture } from './capture.js';
import { prepareChild, type ChildSetup } from './env.js';
import { confinedCommand } from './confine.js';
import { containmentMode, openContainment, TAG_VARIABLE, type Containment } from './containment.js';
import { killProcessGroup, runKillLadder, track, untrack } from './kill.js';
import { collectSecrets, createRedactor, redactEnv, type Redactor } from './redact.js';
import type { OutputStream, RunRequest, RunResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 2000;

type SpawnError = NonNullable<RunResult['spawnError']>;

function errorInfo(error: unknown, fallbackCode: string): SpawnError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { code: typeof code === 'string' ? code : fallbackCode, message: error instanceof Error ? error.message : String(error) };
}

/** A missing or non-directory cwd makes spawn report ENOENT for the *binary*; name the real culprit. */
async function checkCwd(cwd: string): Promise<SpawnError | null> {
  try {
    const stat = await fs.stat(cwd);
    return stat.isDirectory() ? null : { code: 'ENOTDIR', message: `working directory is not a directory: ${cwd}` };
  } catch (error) {
    return { ...errorInfo(error, 'ENOENT'), message: `working directory not usable: ${cwd}` };
  }
}

/** Calls the live listener without letting its exceptions break the run. */
function liveListener(req: RunRequest, stream: OutputStream): ((text: string) => void) | undefined {
  const onOutput = req.onOutput;
  if (!onOutput) return undefined;
  return (text) => {
    try {
      onOutput(stream, text);
    } catch {
      // A broken listener loses its live view; the captured output is unaffected.
    }
  };
}

export async function runProcess(req: RunRequest): Promise<RunResult> {
  const startedAt = Date.now();
  const redactor = createRedactor(collectSecrets(process.env, req.env));
  const argv = [req.command, ...req.args].map((arg) => redactor.redact(arg));
  const finish = (setup: ChildSetup | null, fields: Partial<RunResult>): RunResult => {
    const finishedAt = Date.now();
    return {
      argv,
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      timedOut: false,
      cancelled: false,
      spawnError: null,
      ...fields,
      durationMs: finishedAt - startedAt,
      startedAt,
      finishedAt,
      workdir: setup?.workdir ?? null,
      home: setup?.home ?? null,
      env: setup ? redactEnv(setup.env, redactor) : {},
    };
  };

  let setup: ChildSetup;
  try {
    setup = await prepareChild(req);
  } catch (error) {
    return finish(null, { spawnError: errorInfo(error, 'ESETUP') });
  }
  if (req.signal?.aborted) return finish(setup, { cancelled: true });
  const cwdError = await checkCwd(setup.cwd);
  if (cwdError) return finish(setup, { spawnError: cwdError });

  let spawned = { command: req.command, args: req.args };
  try {
    if (req.confine) spawned = confinedCommand(req.command, req.args, req.confine, setup.env, setup.cwd);
  } catch (error) {
    return finish(setup, { spawnError: errorInfo(error, 'ECONFINE') });
  }
  let containment: Containment;
  try {
    containment = openContainment(req.containment ?? containmentMode());
  } catch (error) {
    return finish(setup, { spawnError: errorInfo(error, 'ECONFIG') });
  }
  try {
    return await spawnAndWait(req, spawned, setup, redactor, containment, argv.join(' '), finish);
  } finally {
    // Only once nothing of the run is left: else its note stays for the next agent to reap.
    if (containment.close()) req.ledger?.remove(containment.tag);
  }
}

async function spawnAndWait(
  req: RunRequest,
  spawned: { command: string; args: string[] },
  setup: ChildSetup,
  redactor: Redactor,
  containment: Containment,
  commandLine: string,
  finish: (setup: ChildSetup, fields: Partial<RunResult>) => RunResult,
): Promise<RunResult> {
  const maxBytes = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const graceMs = req.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stdout = new OutputCapture(maxBytes, redactor, liveListener(req, 'stdout'));
  const stderr = new OutputCapture(maxBytes, redactor, liveListener(req, 'stderr'));

  let subprocess;
  try {
    subprocess = containment.spawnInside(() => execa(spawned.command, spawned.args, {
      env: { ...setup.env, [TAG_VARIABLE]: containment.tag },
      extendEnv: false,
      cwd: setup.cwd,
      // Its own process group (and session: no controlling terminal), so the ladder reaches every descendant.
      detached: process.platform !== 'win32',
      // Written by hand below rather than with execa's `input`, whose stream plumbing costs about
      // 0.5 ms per process (measured: scripts/bench/agent.ts).
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      encoding: 'buffer',
      // We read and cap the streams ourselves; execa must not buffer 200 MiB for us.
      buffer: false,
      reject: false,
      windowsHide: true,
    }));
  } catch (error) {
    return finish(setup, { spawnError: errorInfo(error, 'EINVAL') });
  }

  // The prompt, then EOF at once. A child that exits without reading it makes the write fail with
  // EPIPE: that is the child's business (its exit code says what happened), not an error here.
  subprocess.stdin?.on('error', () => undefined);
  subprocess.stdin?.end(req.stdin ?? '');
  subprocess.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

  const pid = subprocess.pid;
  if (pid === undefined) {
    const failed = await subprocess;
    return finish(setup, { spawnError: errorInfo(failed.cause ?? failed, 'ESPAWN') });
  }
  const target = containment.target(pid);
  track(target);
  const noteProblem = req.ledger?.record({
    tag: containment.tag,
    cgroup: containment.cgroup,
    task: req.taskId === undefined ? null : String(req.taskId),
    command: commandLine,
    leaderPid: pid,
  });
  if (noteProblem) req.onNotice?.(noteProblem);

  let stopReason: 'timeout' | 'cancel' | null = null;
  let ladder: Promise<unknown> | null = null;
  const terminate = (reason: 'timeout' | 'cancel' | null): void => {
    if (ladder) return;
    stopReason = reason;
    ladder = process.platform === 'win32' ? killProcessGroup(pid, graceMs) : runKillLadder(target, graceMs);
  };
  const exited = new Promise<void>((resolve) => subprocess.once('exit', () => resolve()));
  const timer = setTimeout(() => terminate('timeout'), req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onAbort = (): void => terminate('cancel');
  req.signal?.addEventListener('abort', onAbort, { once: true });

  await exited;
  clearTimeout(timer);
  req.signal?.removeEventListener('abort', onAbort);
  // The child exited on its own but left processes behind: they are orphans-to-be, end them too.
  if (!ladder && target.alive()) terminate(null);
  if (ladder) await ladder;
  untrack(target);

  // Everything is gone, so the pipes close now, unless a process that escaped the containment (the
  // `group` one misses what calls setsid) still holds them: give it one grace period, then stop
  // reading so the run can end.
  let graceTimer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    subprocess.then(() => true),
    new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(graceTimer);
  if (!settled) {
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  }
  const result = await subprocess;
  // Every chunk has been read (or reading stopped): release what the live redactors still hold.
  stdout.end();
  stderr.end();
  const out = stdout.result();
  const err = stderr.result();
  return finish(setup, {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: out.text,
    stderr: err.text,
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
    timedOut: stopReason === 'timeout',
    cancelled: stopReason === 'cancel',
  });
}
