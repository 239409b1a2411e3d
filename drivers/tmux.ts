/**
 * The `tmux` backend: types the prompt into a running tmux session (`options.tmux_session`) and
 * returns what the pane printed after it. The session is the user's own (often an interactive agent
 * CLI): we never start, interrupt or kill what runs in it.
 *
 * tmux has no "output finished" event, so the pane is sampled with `capture-pane` every
 * TMUX_POLL_MS until it has not changed for `tmux_stable_ms` (default 1500), or until
 * `options.tmux_marker` appears in the new output; the run's timeout bounds the wait.
 * Options: tmux_session (required), tmux_socket (tmux -S path, for a private server),
 * tmux_marker, tmux_stable_ms, tmux_history (lines of scrollback sampled, default 2000).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { syntheticResult, tail } from './builtin-result.js';
import { runProcess } from './run/runner.js';
import type { RunResult } from './run/types.js';
import type { DriverOutcome, ExecuteContext, ExecutingDriver } from './types.js';

const TMUX_POLL_MS = 200;
const TMUX_CALL_TIMEOUT_MS = 10_000;
const DEFAULT_STABLE_MS = 1500;
const DEFAULT_HISTORY_LINES = 2000;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

interface TmuxCall {
  ok: boolean;
  stdout: string;
  result: RunResult;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Pane text as lines, trailing blanks dropped (capture-pane -J keeps trailing spaces). */
function paneLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function countOf(haystack: string, needle: string): number {
  return needle === '' ? 0 : haystack.split(needle).length - 1;
}

class TmuxSession {
  readonly stderr: string[] = [];
  last: RunResult | null = null;

  constructor(
    private readonly ctx: ExecuteContext,
    private readonly tmux: string,
    private readonly prefix: string[],
  ) {}

  async call(args: string[]): Promise<TmuxCall> {
    // A tmux client call: no fresh workdir or private HOME per call, only the caller's cancel signal.
    const tmuxTmpdir = process.env.TMUX_TMPDIR;
    const result = await runProcess({
      command: this.tmux,
      args: [...this.prefix, ...args],
      stdin: null,
      env: { ...this.ctx.run.env, ...(tmuxTmpdir ? { TMUX_TMPDIR: tmuxTmpdir } : {}) },
      ...(this.ctx.run.cwd ? { cwd: this.ctx.run.cwd } : {}),
      timeoutMs: TMUX_CALL_TIMEOUT_MS,
      ...(this.ctx.run.signal ? { signal: this.ctx.run.signal } : {}),
    });
    this.last = result;
    if (result.stderr.trim()) this.stderr.push(result.stderr.trim());
    return { ok: result.exitCode === 0 && !result.spawnError, stdout: result.stdout, result };
  }

  /** Absolute line of the cursor (scrollback + row) and its column. */
  async cursor(): Promise<{ line: number; column: number; history: number } | null> {
    const r = await this.call(['display-message', '-p', '-t', this.sessionTarget(), '#{history_size} #{cursor_y} #{cursor_x}']);
    const [history, y, x] = r.stdout.trim().split(' ').map(Number);
    if (!r.ok || history === undefined || y === undefined || x === undefined || [history, y, x].some(Number.isNaN)) return null;
    return { line: history + y, column: x, history };
  }

  sessionTarget(): string {
    return this.ctx.call.options.tmux_session ?? '';
  }
}

/**
 * The text printed since the send: the capture starts at the cursor's line, so the part of that line
 * left of the cursor (a shell prompt, say) is cut, then the echo of the typed prompt, then a last line
 * that repeats the prompt we found at the cursor (the shell waiting again).
 */
function newText(capture: string, column: number, prompt: string): string {
  const lines = paneLines(capture);
  const promptPrefix = (lines[0] ?? '').slice(0, column).trim();
  if (lines.length > 0) lines[0] = (lines[0] ?? '').slice(column);
  if (lines.length > 1 && promptPrefix !== '' && lines[lines.length - 1]?.trim() === promptPrefix) lines.pop();
  let text = lines.join('\n');
  const echoed = prompt.trim();
  if (echoed && text.startsWith(echoed)) text = text.slice(echoed.length).replace(/^\r?\n/, '');
  return text.trim();
}

async function execute(ctx: ExecuteContext): Promise<{ outcome: DriverOutcome; result: RunResult }> {
  const startedAt = Date.now();
  const { call } = ctx;
  const session = call.options.tmux_session ?? '';
  const tmux = ctx.binary?.path ?? 'tmux';
  const prefix = call.options.tmux_socket ? ['-S', call.options.tmux_socket] : [];
  const sendArgv = [tmux, ...prefix, 'send-keys', '-t', session, '-l', '--', call.prompt];
  const t = new TmuxSession(ctx, tmux, prefix);
  const finish = (outcome: DriverOutcome, stdout = '', flags: { timedOut?: boolean; cancelled?: boolean } = {}) => ({
    outcome,
    result: syntheticResult({
      argv: sendArgv,
      startedAt,
      stdout,
      stderr: t.stderr.join('\n'),
      exitCode: flags.timedOut || flags.cancelled ? null : 0,
      ...flags,
      env: t.last?.env ?? {},
    }),
  });

  if (!session) return finish({ ok: false, failure: 'not_installed', message: 'the tmux backend needs a session name: set option tmux_session' });
  const has = await t.call(['has-session', '-t', session]);
  if (has.result.spawnError) {
    return {
      outcome: { ok: false, failure: 'not_installed', message: `tmux could not start: ${has.result.spawnError.message}` },
      result: has.result,
    };
  }
  if (has.result.cancelled) return finish({ ok: false, failure: 'cancelled', message: `tmux session "${session}": cancelled before sending` }, '', { cancelled: true });
  if (!has.ok) return finish({ ok: false, failure: 'crashed', message: `tmux session "${session}": ${tail(has.result.stderr) || `exit ${has.result.exitCode}`}` });

  const history = positiveInt(call.options.tmux_history, DEFAULT_HISTORY_LINES);
  const stableMs = positiveInt(call.options.tmux_stable_ms, DEFAULT_STABLE_MS);
  const marker = call.options.tmux_marker ?? '';
  const sample = async () => (await t.call(['capture-pane', '-p', '-J', '-t', session, '-S', `-${history}`])).stdout;

  const before = await t.cursor();
  const beforeSample = await sample();
  if (!before) return finish({ ok: false, failure: 'crashed', message: `tmux could not read the cursor of "${session}": ${t.stderr.join('; ')}` });
  for (const keys of [['-l', '--', call.prompt], ['Enter']]) {
    const sent = await t.call(['send-keys', '-t', session, ...keys]);
    if (!sent.ok) return finish({ ok: false, failure: 'crashed', message: `tmux send-keys failed: ${tail(sent.result.stderr)}` });
  }

  // The marker counts once per occurrence already on screen and once more per copy in the typed prompt.
  const markersExpected = countOf(beforeSample, marker) + countOf(call.prompt, marker) + 1;
  const deadline = startedAt + (ctx.run.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let previous = beforeSample;
  let changedAt = Date.now();
  let state: 'done' | 'timeout' | 'cancelled' = 'timeout';
  while (Date.now() < deadline) {
    try {
      await sleep(Math.min(TMUX_POLL_MS, Math.max(0, deadline - Date.now())), undefined, ctx.run.signal ? { signal: ctx.run.signal } : {});
    } catch {
      state = 'cancelled';
      break;
    }
    const now = await sample();
    if (ctx.run.signal?.aborted) {
      state = 'cancelled';
      break;
    }
    if (marker ? countOf(now, marker) >= markersExpected : now === previous && Date.now() - changedAt >= stableMs) {
      state = 'done';
      break;
    }
    if (now !== previous) {
      previous = now;
      changedAt = Date.now();
    }
  }

  const after = await t.cursor();
  const start = after ? before.line - after.history : -history;
  const capture = await t.call(['capture-pane', '-p', '-J', '-t', session, '-S', String(Math.max(start, -history))]);
  let text = newText(capture.stdout, start >= -history ? before.column : 0, call.prompt);
  if (marker && state === 'done') text = text.slice(0, text.lastIndexOf(marker)).trimEnd();
  const output = { answer: text };
  (ctx.onOutput ?? ctx.run.onOutput)?.('stdout', text);
  if (state === 'cancelled') return finish({ ok: false, failure: 'cancelled', message: `tmux session "${session}": cancelled while waiting for output`, output }, text, { cancelled: true });
  if (state === 'timeout') {
    const waitedFor = marker ? `marker ${JSON.stringify(marker)}` : 'stable output';
    return finish({ ok: false, failure: 'timeout', message: `tmux session "${session}": no ${waitedFor} within ${deadline - startedAt} ms`, output }, text, { timedOut: true });
  }
  return finish({ ok: true, output }, text);
}

export const tmuxDriver: ExecutingDriver = {
  kind: 'executing',
  name: 'tmux',
  aliases: [],
  binary: 'tmux',
  requiredFlags: [],
  authHints: { env: [], files: [] },
  outputFormat: 'text',
  versionArgs: ['-V'],
  parseVersion: (output) => /tmux\s+(\S+)/.exec(output)?.[1] ?? null,
  execute,
};
