/**
 * The generic `acp` backend: any agent that speaks the Agent Client Protocol (v1) over stdio, started
 * from a configured command line (`options.acp_cmd`, e.g. `gemini --acp`, `kiro-cli acp`,
 * `qwen --acp`; quoting rules in command-line.ts). One run is one conversation:
 * initialize -> session/new -> session/prompt, with the answer assembled from the agent's
 * `session/update` notifications and its permission requests answered by the task's tool policy.
 * Timeout or cancel send `session/cancel`, wait one grace period for the agent to stop, then end its
 * whole process group. RunResult.stdout is the agent's raw JSON-RPC output (the transcript).
 * The conversation runs on the official ACP SDK (@agentclientprotocol/sdk: connection, types, method
 * names) over our own stream of the agent's stdio (drivers/acp/stream.ts says why).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  methods,
  PROTOCOL_VERSION,
  RequestError,
  type AgentRequestMethod,
  type AgentRequestParamsByMethod,
  type ClientConnection,
  type InitializeRequest,
} from '@agentclientprotocol/sdk';
import type { z } from 'zod';
import { refused, tail } from './builtin-result.js';
import { CommandLineError, splitCommandLine } from './command-line.js';
import { classifyMessage } from './failure.js';
import { AgentProcess } from './acp/process.js';
import { initializeResultSchema, newSessionResultSchema, promptResultSchema } from './acp/protocol.js';
import { AgentMessageStream } from './acp/stream.js';
import { AcpTurn } from './acp/turn.js';
import { prepareChild, type ChildSetup } from './run/env.js';
import { containmentMode, type ContainmentMode } from './run/containment.js';
import { collectSecrets, createRedactor, redactEnv, type Redactor } from './run/redact.js';
import { DEFAULT_KILL_GRACE_MS, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS } from './run/runner.js';
import type { RunResult } from './run/types.js';
import type { DriverOutcome, ExecuteContext, ExecutingDriver, FailureClass, ParsedOutput } from './types.js';

export const ACP_CMD_OPTION = 'acp_cmd';

const CLIENT_INFO = { name: 'mittelo', title: 'Mittelo Control Center', version: '0.1.0' };

/** ACP's code for "authentication required" (RequestError.authRequired). */
const AUTH_REQUIRED = -32000;

/** The agent answered, but not in the shape the protocol promises. */
class ProtocolError extends Error {}

/** The conversation ended (process exit, timeout, cancel) before the answer came. */
class ConversationEnded extends Error {}

interface RunState {
  stopping: 'timeout' | 'cancelled' | null;
  error: unknown;
  /** The request we are waiting for (named in failure messages). */
  calling: AgentRequestMethod;
  stopReason: string | null;
  sessionId: string | null;
  /** The ways to log in the agent offered in its initialize answer (names), for an auth failure. */
  authMethods: string[];
}

/** Sends one request and checks the fields we read of its answer (the SDK types answers but does not check them). */
async function call<M extends AgentRequestMethod, S extends z.ZodType>(
  connection: ClientConnection,
  state: RunState,
  method: M,
  params: AgentRequestParamsByMethod[M],
  schema: S,
): Promise<z.infer<S>> {
  state.calling = method;
  const answer: unknown = await connection.agent.request(method, params);
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw new ProtocolError(`${method}: unexpected answer ${JSON.stringify(answer).slice(0, 300)} (${parsed.error.message})`);
  return parsed.data;
}

/** Failure class of an agent's own error answer: its code first, then its words (the vendor drivers' patterns). */
function classifyRequestError(err: RequestError, text: string): FailureClass {
  if (err.code === AUTH_REQUIRED) return 'auth_required';
  return classifyMessage(text) ?? 'crashed';
}

function requestErrorText(method: string, err: RequestError): string {
  const data = err.data === undefined ? '' : typeof err.data === 'string' ? ` ${err.data}` : ` ${JSON.stringify(err.data).slice(0, 500)}`;
  return `${method} failed: ${err.message}${data} (code ${err.code})`;
}

function outcomeOf(state: RunState, turn: AcpTurn, messages: AgentMessageStream, proc: AgentProcess, stderr: string, agent: string, timeoutMs: number): DriverOutcome {
  const output: ParsedOutput = { answer: turn.answer };
  const tools = turn.toolCalls;
  if (tools.length > 0) output.tool_calls = tools;
  if (state.sessionId) output.session_id = state.sessionId;
  if (state.stopReason) output.stop_reason = state.stopReason;
  const stderrTail = tail(stderr);
  const withStderr = (text: string) => (stderrTail ? `${text}; stderr: ${stderrTail}` : text);

  if (proc.spawnError) {
    const failure = proc.spawnError.code === 'ENOENT' || proc.spawnError.code === 'EACCES' ? 'not_installed' : 'crashed';
    return { ok: false, failure, message: `${agent} could not start: ${proc.spawnError.message}` };
  }
  if (state.stopping === 'timeout') {
    const how = proc.signalsSent.length > 0 ? `ended with ${proc.signalsSent.join(', ')} to its process group` : 'stopped after session/cancel';
    return { ok: false, failure: 'timeout', message: withStderr(`${agent} did not finish its turn within ${timeoutMs} ms; ${how}`), output };
  }
  if (state.stopping === 'cancelled') return { ok: false, failure: 'cancelled', message: `${agent}: cancelled`, output };
  const err = state.error;
  if (err instanceof RequestError) {
    const text = requestErrorText(state.calling, err);
    const failure = classifyRequestError(err, text);
    const logIn = failure === 'auth_required' && state.authMethods.length > 0 ? `; it offers to log in with: ${state.authMethods.join(', ')}` : '';
    return { ok: false, failure, message: withStderr(`${agent} ${text}${logIn}`), output };
  }
  if (err instanceof ProtocolError) return { ok: false, failure: 'bad_output', message: withStderr(`${agent} ${err.message}`), output };
  if (err instanceof ConversationEnded) {
    if (messages.strayCount > 0 && !messages.answered) {
      const lines = messages.strayLines.map((l) => JSON.stringify(l)).join(', ');
      return { ok: false, failure: 'bad_output', message: withStderr(`${agent} wrote ${messages.strayCount} non-JSON-RPC line(s) and never answered: ${lines}`), output };
    }
    return { ok: false, failure: 'crashed', message: withStderr(`${agent} ${err.message} before answering ${state.calling}`), output };
  }
  if (err !== null) throw err;
  if (state.stopReason === 'cancelled') return { ok: false, failure: 'cancelled', message: `${agent} ended its turn as cancelled`, output };
  return { ok: true, output };
}

/** The answer and messages were parsed from the raw protocol lines, so they get the runner's redaction here. */
function redactOutcome(outcome: DriverOutcome, redactor: Redactor): DriverOutcome {
  const redactOutput = (output: ParsedOutput): ParsedOutput => ({
    ...output,
    answer: redactor.redact(output.answer),
    ...(output.tool_calls ? { tool_calls: output.tool_calls.map((t) => (t.title ? { ...t, title: redactor.redact(t.title) } : t)) } : {}),
  });
  if (outcome.ok) return { ok: true, output: redactOutput(outcome.output) };
  return { ...outcome, message: redactor.redact(outcome.message), ...(outcome.output ? { output: redactOutput(outcome.output) } : {}) };
}

async function execute(ctx: ExecuteContext): Promise<{ outcome: DriverOutcome; result: RunResult }> {
  const startedAt = Date.now();
  const line = ctx.call.options[ACP_CMD_OPTION];
  if (line === undefined || line.trim() === '') {
    return refused(['acp'], startedAt, 'not_installed', 'EINVAL', 'the acp backend needs the agent command line: set option acp_cmd (e.g. "gemini --acp")');
  }
  let argv: [string, ...string[]];
  try {
    argv = splitCommandLine(line);
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
    return refused([line], startedAt, 'not_installed', 'EINVAL', `acp_cmd: ${err.message}`);
  }
  const [command, ...args] = argv;
  const agent = `ACP agent "${path.basename(command)}"`;
  const { run } = ctx;
  const timeoutMs = run.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const graceMs = run.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

  let setup: ChildSetup;
  let containment: ContainmentMode;
  try {
    containment = run.containment ?? containmentMode();
    // Tools that may write get a fresh per-task working directory, as with every other driver.
    setup = await prepareChild(ctx.call.toolPolicy === 'workspace-write' ? { ...run, freshWorkdir: true } : run);
    if (!(await fs.stat(setup.cwd)).isDirectory()) throw new Error(`working directory is not a directory: ${setup.cwd}`);
  } catch (err) {
    return refused([command, ...args], startedAt, 'crashed', 'ESETUP', `${agent}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const redactor = createRedactor(collectSecrets(process.env, setup.env));
  const onOutput = ctx.onOutput ?? run.onOutput;
  const proc = new AgentProcess({
    command,
    args,
    env: setup.env,
    cwd: setup.cwd,
    maxOutputBytes: run.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    killGraceMs: graceMs,
    redactor,
    containment,
    ...(run.confine ? { confine: run.confine } : {}),
    ...(run.ledger ? { ledger: run.ledger } : {}),
    ...(run.onNotice ? { onNotice: run.onNotice } : {}),
    commandLine: [command, ...args].map((arg) => redactor.redact(arg)).join(' '),
    ...(run.taskId !== undefined ? { taskId: String(run.taskId) } : {}),
    ...(onOutput
      ? {
          onOutput: (stream, text) => {
            try {
              onOutput(stream, text);
            } catch {
              // A broken live listener must not break the run.
            }
          },
        }
      : {}),
  });

  const turn = new AcpTurn(ctx.call.toolPolicy);
  const messages = new AgentMessageStream(
    (text) => proc.write(text),
    (params) => turn.onSessionUpdate(params),
  );
  proc.onLine((text) => messages.receive(text));
  const connection = turn.client().connect(messages.stream);
  const end = (reason: string): void => connection.close(new ConversationEnded(reason));
  void proc.finished.then((exit) => {
    end(proc.spawnError ? 'could not start' : exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `was killed by ${exit.signal ?? 'a signal'}`);
    messages.end();
  });

  const state: RunState = { stopping: null, error: null, calling: methods.agent.initialize, stopReason: null, sessionId: null, authMethods: [] };
  let graceTimer: NodeJS.Timeout | undefined;
  const interrupt = (why: 'timeout' | 'cancelled'): void => {
    if (state.stopping) return;
    state.stopping = why;
    turn.cancelling = true;
    const reason = why === 'timeout' ? `timed out after ${timeoutMs} ms` : 'was cancelled';
    if (!state.sessionId) return end(reason);
    // Ask the agent to stop; if it has not answered the prompt within a grace period, stop listening.
    void connection.agent.notify(methods.agent.session.cancel, { sessionId: state.sessionId }).catch(() => undefined);
    graceTimer = setTimeout(() => end(reason), graceMs);
  };
  const timer = setTimeout(() => interrupt('timeout'), timeoutMs);
  const onAbort = (): void => interrupt('cancelled');
  run.signal?.addEventListener('abort', onAbort, { once: true });
  if (run.signal?.aborted) interrupt('cancelled');

  try {
    const initialize: InitializeRequest = {
      protocolVersion: PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      clientInfo: CLIENT_INFO,
    };
    const init = await call(connection, state, methods.agent.initialize, initialize, initializeResultSchema);
    state.authMethods = (init.authMethods ?? []).map((method) => method.name ?? method.id);
    if (init.protocolVersion !== PROTOCOL_VERSION) {
      throw new ProtocolError(`speaks ACP protocol version ${init.protocolVersion}; this client speaks ${PROTOCOL_VERSION}`);
    }
    const session = await call(connection, state, methods.agent.session.new, { cwd: setup.cwd, mcpServers: [] }, newSessionResultSchema);
    state.sessionId = session.sessionId;
    const prompt = { sessionId: session.sessionId, prompt: [{ type: 'text' as const, text: ctx.call.prompt }] };
    state.stopReason = (await call(connection, state, methods.agent.session.prompt, prompt, promptResultSchema)).stopReason;
  } catch (err) {
    state.error = err;
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    run.signal?.removeEventListener('abort', onAbort);
  }

  // An agent that answered the prompt (even as cancelled) gets the polite exit: EOF, then a grace period.
  const exit = await proc.stop({ graceful: state.stopping === null || state.stopReason !== null });
  const captured = proc.output();
  connection.close();
  const outcome = redactOutcome(outcomeOf(state, turn, messages, proc, captured.stderr, agent, timeoutMs), redactor);
  const finishedAt = Date.now();
  return {
    outcome,
    result: {
      argv: [command, ...args].map((arg) => redactor.redact(arg)),
      exitCode: exit.exitCode,
      signal: exit.signal,
      ...captured,
      timedOut: state.stopping === 'timeout',
      cancelled: state.stopping === 'cancelled',
      spawnError: proc.spawnError,
      durationMs: finishedAt - startedAt,
      startedAt,
      finishedAt,
      workdir: setup.workdir,
      home: setup.home,
      env: redactEnv(setup.env, redactor),
    },
  };
}

export const acpDriver: ExecutingDriver = {
  kind: 'executing',
  name: 'acp',
  aliases: [],
  binary: null,
  requiredFlags: [],
  authHints: { env: [], files: [] },
  outputFormat: 'jsonl',
  versionArgs: null,
  parseVersion: () => null,
  execute,
};
