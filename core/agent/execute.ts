/**
 * Runs one task on one backend and turns what happened into the ack: status, answer or error, and
 * the artifact (what ran, what came out, how it ended, what it cost).
 */
import os from 'node:os';
import { runOneShot } from '../../drivers/one-shot.js';
import { resolveModel } from '../../drivers/model.js';
import type { Driver, DriverOutcome, ResolvedBinary, ToolPolicy } from '../../drivers/types.js';
import { collectSecrets, createRedactor } from '../../drivers/run/redact.js';
import type { OutputStream, RunRequest, RunResult } from '../../drivers/run/types.js';
import type { ArtifactInput } from '../queue/artifact.js';
import type { LeasedTask } from '../queue/types.js';
import type { WorkdirConfinement } from '../../drivers/run/confine.js';
import { finishSystemTest, startSystemTest, systemTestOf, type AllowedChecks, type StartedSystemTest, type SystemTest } from './system-test.js';

export interface ReadyBackend {
  name: string;
  driver: Driver;
  binary: ResolvedBinary | null;
  version: string | null;
  options: Record<string, string>;
  model?: string;
  toolPolicy: ToolPolicy;
  timeoutMs?: number;
  /** The backend's own environment (mittelo.config.json `env`): endpoints and keys for this backend only. */
  env?: Record<string, string>;
}

export interface TaskRunSettings {
  workerId: string;
  signal: AbortSignal;
  onOutput?: (stream: OutputStream, text: string) => void;
  /** Runner settings shared by all tasks (caps, kill grace, sandbox). */
  run?: Partial<Omit<RunRequest, 'command' | 'args' | 'stdin' | 'signal' | 'onOutput'>>;
  /** Workspace checks of system tests this agent runs (none when absent; see system-test.ts). */
  allowedChecks?: AllowedChecks;
}

export interface TaskAck {
  status: 'done' | 'failed';
  result: string | null;
  error: string | null;
  artifact: ArtifactInput;
}

/** A task may ask for its own model or tool policy (metadata), else the backend's settings apply. */
function taskSetting(task: LeasedTask, key: string): string | undefined {
  const value = task.metadata[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isToolPolicy(value: string | undefined): value is ToolPolicy {
  return value === 'none' || value === 'read-only' || value === 'workspace-write';
}

function timeoutFor(task: LeasedTask, backend: ReadyBackend): number | undefined {
  const fromTask = task.metadata.timeout_seconds;
  if (typeof fromTask === 'number' && fromTask > 0) return fromTask * 1000;
  return backend.timeoutMs;
}

/** The ack of a task whose run threw instead of ending (a driver bug, a malformed task): failed, with why. */
export function crashedAck(backend: Pick<ReadyBackend, 'name' | 'driver'>, workerId: string, what: string, message: string): TaskAck {
  return {
    status: 'failed',
    result: null,
    error: `crashed: ${what}: ${message}`,
    artifact: { backend: backend.name, driver: backend.driver.name, failure_class: 'crashed', failure_message: message, worker_id: workerId, host: os.hostname() },
  };
}

export async function executeTask(backend: ReadyBackend, task: LeasedTask, settings: TaskRunSettings): Promise<TaskAck> {
  let test: SystemTest | null;
  let prepared: StartedSystemTest | null = null;
  try {
    test = systemTestOf(task.metadata);
    if (test) prepared = await startSystemTest(test, task.run_id ?? null, task.task_id);
  } catch (err) {
    return crashedAck(backend, settings.workerId, 'preparing the system test failed', err instanceof Error ? err.message : String(err));
  }
  const ack = await executeInWorkdir(backend, task, settings, prepared ? { workdir: prepared.workdir, confine: prepared.isolation.confine } : undefined);
  if (!test || !prepared) return ack;
  try {
    const workspace = await finishSystemTest(test, prepared, {
      allowed: settings.allowedChecks,
      run: { ...settings.run, signal: settings.signal, taskId: task.task_id, workerId: settings.workerId },
      cancelled: settings.signal.aborted,
      agentOutput: `${ack.artifact.stdout ?? ''}\n${ack.artifact.stderr ?? ''}`,
    });
    return { ...ack, artifact: { ...ack.artifact, workspace } };
  } catch (err) {
    const message = `the system test's workdir could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return { ...ack, artifact: { ...ack.artifact, workspace: { fixture: test.fixture?.name ?? null, workdir: prepared.workdir, files: [], diff: '', truncated: false, outside: [], check: test.check ? { command: '', exit_code: null, signal: null, stdout: '', stderr: '', timed_out: false, duration_ms: 0, pass: false, reason: message } : null } } };
  }
}

async function executeInWorkdir(backend: ReadyBackend, task: LeasedTask, settings: TaskRunSettings, place: { workdir: string; confine: WorkdirConfinement | null } | undefined): Promise<TaskAck> {
  const requestedPolicy = taskSetting(task, 'tool_policy');
  const call = {
    prompt: task.prompt,
    model: resolveModel({ backend: backend.name, driver: backend.driver, explicit: taskSetting(task, 'model') ?? backend.model ?? null }),
    toolPolicy: isToolPolicy(requestedPolicy) ? requestedPolicy : backend.toolPolicy,
    options: backend.options,
  };
  const timeoutMs = timeoutFor(task, backend);
  const run: Omit<RunRequest, 'command' | 'args' | 'stdin'> = {
    ...settings.run,
    signal: settings.signal,
    taskId: task.task_id,
    workerId: settings.workerId,
    ...(backend.env ? { env: { ...settings.run?.env, ...backend.env } } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(place ? { workdir: place.workdir } : {}),
    ...(place?.confine ? { confine: place.confine } : {}),
    ...(settings.onOutput ? { onOutput: settings.onOutput } : {}),
  };
  const ctx = { call, run, binary: backend.binary };
  // The runner redacts what it captured; what the ack adds from elsewhere (the requested model, a
  // driver's exception) goes through the same redaction here.
  const redact = createRedactor(collectSecrets(process.env, run.env)).redact;
  let outcome: DriverOutcome;
  let result: RunResult;
  try {
    ({ outcome, result } = backend.driver.kind === 'one-shot' ? await runOneShot(backend.driver, ctx) : await backend.driver.execute(ctx));
  } catch (err) {
    // A driver bug must not lose the task: it ends failed with the reason.
    const message = redact(err instanceof Error ? err.message : String(err));
    return crashedAck(backend, settings.workerId, `the ${backend.driver.name} driver failed`, message);
  }
  const output = outcome.ok ? outcome.output : outcome.output;
  const artifact: ArtifactInput = {
    backend: backend.name,
    driver: backend.driver.name,
    argv: result.argv,
    cli_path: backend.binary?.path ?? null,
    cli_version: backend.version,
    model: redact(output?.model ?? call.model ?? '') || null,
    tool_policy: call.toolPolicy,
    env: result.env,
    stdout: result.stdout,
    stderr: result.stderr,
    stdout_truncated: result.stdoutTruncated,
    stderr_truncated: result.stderrTruncated,
    exit_code: result.exitCode,
    signal: result.signal,
    failure_class: outcome.ok ? null : outcome.failure,
    failure_message: outcome.ok ? null : outcome.message,
    latency_ms: result.durationMs,
    started_at: result.startedAt / 1000,
    finished_at: result.finishedAt / 1000,
    input_tokens: output?.usage?.input_tokens ?? null,
    output_tokens: output?.usage?.output_tokens ?? null,
    cost_usd: output?.usage?.cost_usd ?? null,
    session_id: output?.session_id ?? null,
    turns: output?.turns ?? null,
    host: os.hostname(),
    worker_id: settings.workerId,
    // Structured events the driver kept (an ACP agent's tool calls and why it stopped).
    ...(output?.tool_calls?.length || output?.stop_reason
      ? { events: [...(output.tool_calls ?? []).map((call) => ({ type: 'tool_call', ...call })), ...(output.stop_reason ? [{ type: 'stop', reason: output.stop_reason }] : [])] }
      : {}),
  };
  if (outcome.ok) return { status: 'done', result: outcome.output.answer, error: null, artifact };
  return { status: 'failed', result: outcome.output?.answer ?? null, error: `${outcome.failure}: ${outcome.message}`, artifact };
}
