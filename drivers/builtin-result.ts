/**
 * Shared by the built-in drivers (echo, shell, folder, tmux, ACP): the RunResult of work that did not
 * go through the runner, the runner request for a plain process, and the outcome of a plain
 * "stdin in, answer on stdout" process.
 */
import type { DriverCall, DriverOutcome, ExecuteContext, FailureClass } from './types.js';
import type { RunRequest, RunResult } from './run/types.js';

/** The longest stretch of stderr quoted in a failure message (the whole stderr stays in the result). */
const MESSAGE_TAIL_CHARS = 2000;

export interface SyntheticFields {
  argv: string[];
  startedAt: number;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  signal?: string | null;
  spawnError?: { code: string; message: string } | null;
  timedOut?: boolean;
  cancelled?: boolean;
  workdir?: string | null;
  home?: string | null;
  env?: Record<string, string>;
}

/** A RunResult for work done in-process or refused before any process started. */
export function syntheticResult(fields: SyntheticFields): RunResult {
  const finishedAt = Date.now();
  return {
    argv: fields.argv,
    exitCode: fields.exitCode === undefined ? (fields.spawnError ? null : 0) : fields.exitCode,
    signal: fields.signal ?? null,
    stdout: fields.stdout ?? '',
    stderr: fields.stderr ?? '',
    stdoutTruncated: false,
    stderrTruncated: false,
    timedOut: fields.timedOut ?? false,
    cancelled: fields.cancelled ?? false,
    spawnError: fields.spawnError ?? null,
    durationMs: finishedAt - fields.startedAt,
    startedAt: fields.startedAt,
    finishedAt,
    workdir: fields.workdir ?? null,
    home: fields.home ?? null,
    env: fields.env ?? {},
  };
}

/** A refusal before anything ran (bad configuration, backend not found): no process, the reason as spawnError. */
export function refused(
  argv: string[],
  startedAt: number,
  failure: FailureClass,
  code: string,
  message: string,
): { outcome: DriverOutcome; result: RunResult } {
  return {
    outcome: { ok: false, failure, message },
    result: syntheticResult({ argv, startedAt, spawnError: { code, message }, stderr: message }),
  };
}

/** The runner request for one process of an executing driver, with the agent's settings and live output. */
export function runRequestFor(
  ctx: ExecuteContext,
  command: string,
  args: string[],
  stdin: string | null,
  env: Record<string, string> = {},
): RunRequest {
  const onOutput = ctx.onOutput ?? ctx.run.onOutput;
  return {
    ...ctx.run,
    command,
    args,
    stdin,
    env: { ...ctx.run.env, ...env },
    ...(onOutput ? { onOutput } : {}),
  };
}

/** Variables every script-like backend gets: it may honour the model and the tool policy if it wants. */
export function scriptEnv(call: DriverCall): Record<string, string> {
  const env: Record<string, string> = { MITTELO_TOOL_POLICY: call.toolPolicy };
  if (call.model) env.MITTELO_MODEL = call.model;
  return env;
}

/** Answer text of a plain process: stdout without its final line break. */
export function answerFromStdout(stdout: string): string {
  return stdout.replace(/\r?\n$/, '');
}

export function tail(text: string, max = MESSAGE_TAIL_CHARS): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `...${trimmed.slice(trimmed.length - max)}`;
}

/** Outcome of a process whose stdout is the answer: exit 0 is success, anything else a failure with stderr kept. */
export function plainOutcome(result: RunResult, what: string): DriverOutcome {
  const output = { answer: answerFromStdout(result.stdout) };
  if (result.spawnError) {
    const failure: FailureClass = result.spawnError.code === 'ENOENT' || result.spawnError.code === 'EACCES' ? 'not_installed' : 'crashed';
    return { ok: false, failure, message: `${what} could not start: ${result.spawnError.message}` };
  }
  const stderr = tail(result.stderr);
  if (result.cancelled) return { ok: false, failure: 'cancelled', message: `${what} was cancelled`, output };
  if (result.timedOut) {
    return { ok: false, failure: 'timeout', message: `${what} timed out after ${result.durationMs} ms${stderr ? `: ${stderr}` : ''}`, output };
  }
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
    return { ok: false, failure: 'crashed', message: `${what} ${how}${stderr ? `: ${stderr}` : ' (no stderr)'}`, output };
  }
  // An answer cut at the capture limit is not the answer: the same class the vendor drivers give a flood.
  if (result.stdoutTruncated) {
    return { ok: false, failure: 'bad_output', message: `${what} wrote more than the capture limit; its answer was cut`, output };
  }
  return { ok: true, output };
}
