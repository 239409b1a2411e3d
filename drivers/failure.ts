/**
 * Failure classification shared by every vendor driver: the outcomes decided by the process alone
 * (not installed, cancelled, timeout), the message patterns that mean auth / network / rate limit,
 * and the fallbacks (crashed, bad output). Each driver feeds in the CLI's own diagnostic text.
 */
import type { DriverOutcome, FailureClass, ParsedOutput } from './types.js';
import type { RunResult } from './run/types.js';
import { head, meaningfulLines, stripAnsi, tail } from './output.js';

export type MessageClass = Extract<FailureClass, 'auth_required' | 'rate_limited' | 'network'>;

/**
 * Checked in this order: a 401 inside a reconnect message is an auth problem, a 429 is a rate limit
 * even if the CLI says it will retry, and only then do connection words mean the network.
 */
const MESSAGE_PATTERNS: { failure: MessageClass; pattern: RegExp }[] = [
  {
    failure: 'auth_required',
    pattern:
      /not logged in|please run \/login|log ?in with|please (re-?)?(log ?in|login|authenticate)|\blogin required|unauthori[sz]ed|authentication[ _](failed|required|error)|auth(entication)? method|invalid (api[ _-]?key|x-api-key|bearer|token|credentials|authentication)|incorrect api key|api[ _-]?key (is )?(missing|not (set|valid|found)|invalid|required)|missing (api[ _-]?key|credentials|bearer)|no (api[ _-]?key|credentials) (found|provided|configured)|(token|credentials|session) (has |have )?expired|oauth token|\bLLM not set\b|no model configured|use \/login to sign in|ProviderAuthError|permission_error|\b(status|code|http)[^\n]{0,12}\b40[13]\b|\b40[13] (unauthorized|forbidden)/i,
  },
  {
    failure: 'rate_limited',
    pattern:
      /rate[ _-]?limit|too many requests|\b(status|code|http)[^\n]{0,12}\b429\b|\b429\b[^\n]{0,20}(too many|rate|limit|quota)|quota (exceeded|exhausted)|exceeded (your )?(current )?quota|resource[_ ]exhausted|usage limit|exhausted your capacity|throttl(ed|ing)/i,
  },
  {
    failure: 'network',
    pattern:
      /failed to lookup address|name does not resolve|name or service not known|temporary failure in name resolution|getaddrinfo|\bENOTFOUND\b|\bEAI_AGAIN\b|\bECONNREFUSED\b|\bECONNRESET\b|\bETIMEDOUT\b|\bENETUNREACH\b|\bEHOSTUNREACH\b|socket hang up|fetch failed|network (error|is unreachable)|connection (error|refused|reset|failed|timed out|closed)|stream disconnected|reconnecting\.\.\.|waiting for network|error sending request|unable to connect|could not resolve host|dns error|error trying to connect|failed to connect/i,
  },
];

export function classifyMessage(text: string): MessageClass | null {
  for (const { failure, pattern } of MESSAGE_PATTERNS) {
    if (pattern.test(text)) return failure;
  }
  return null;
}

/**
 * The most telling line of a CLI's diagnostics: the last line of the highest-ranked class present
 * (later lines say how things ended), or null when no line matches a known pattern.
 */
export function findClassifiedLine(text: string): { failure: MessageClass; line: string } | null {
  const lines = meaningfulLines(text).filter((line) => !/^\s*WARNING\b/i.test(line));
  for (const { failure, pattern } of MESSAGE_PATTERNS) {
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const line = lines[i] ?? '';
      if (pattern.test(line)) return { failure, line: line.trim() };
    }
  }
  return null;
}

/** Spawn failures that mean the binary is not usable where it was looked for. */
const NOT_INSTALLED_CODES = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EPERM', 'ENOEXEC']);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

export function failure(failureClass: FailureClass, message: string, output?: ParsedOutput): DriverOutcome {
  return output ? { ok: false, failure: failureClass, message, output } : { ok: false, failure: failureClass, message };
}

/**
 * Outcomes the process itself decides, before any output is read: it never started, it was
 * cancelled, or it ran out of time. A timed-out CLI whose diagnostics say why it had no answer
 * (Codex retries an unreachable network for minutes) is classified by those words, keeping them.
 */
export function processOutcome(result: RunResult, cli: string, diagnostics: string): DriverOutcome | null {
  if (result.spawnError) {
    // A prompt that has to go in argv (a CLI that cannot read stdin) meets the OS limit on one argument.
    if (result.spawnError.code === 'E2BIG') {
      return failure('crashed', `${cli} could not be started: its arguments are longer than the OS allows (the prompt goes on its command line, at most 128 KiB on Linux): ${result.spawnError.message}`);
    }
    const cls: FailureClass = NOT_INSTALLED_CODES.has(result.spawnError.code) ? 'not_installed' : 'crashed';
    return failure(cls, `${cli} could not be started: ${result.spawnError.message}`);
  }
  if (result.cancelled) return failure('cancelled', `${cli} was cancelled after ${seconds(result.durationMs)}`);
  if (result.timedOut) {
    const found = findClassifiedLine(diagnostics);
    if (found) {
      return failure(found.failure, `${cli} was stopped after ${seconds(result.durationMs)} without an answer; it last said: ${found.line}`);
    }
    return failure('timeout', `${cli} was stopped after ${seconds(result.durationMs)} without an answer`);
  }
  return null;
}

/** "exited with code 2" / "was killed by SIGKILL". */
export function exitDescription(result: RunResult): string {
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.exitCode ?? 'unknown'}`;
}

export function exitedCleanly(result: RunResult): boolean {
  return result.exitCode === 0 && result.signal === null;
}

/**
 * A failure the CLI described in its own structured output (an error event, `is_error`): the class
 * from the message, `crashed` when the words are not recognised. `hint` lets a driver force a class
 * it knows from a status or exit code.
 */
export function describedFailure(message: string, output?: ParsedOutput, hint?: MessageClass | null): DriverOutcome {
  const cls = hint ?? classifyMessage(message) ?? 'crashed';
  return failure(cls, message.trim() === '' ? 'the CLI reported an error without a message' : message.trim(), output);
}

const ERROR_LINE = /\b(error|unknown|invalid|unexpected|panicked|exception|traceback|fatal)\b/i;

/**
 * What a crash said: the first line that reads like an error (usage errors put it before a long
 * help text), then the end of the output, where stack traces and panics finish.
 */
function crashDetail(diagnostics: string): string {
  const end = tail(diagnostics, 1200);
  const first = meaningfulLines(diagnostics).find((line) => ERROR_LINE.test(line))?.trim();
  return first && !end.includes(first) ? `${first}\n${end}` : end;
}

/**
 * When the expected output is missing or unreadable: a recognised auth / network / rate-limit line
 * wins; else a non-zero exit or a signal is `crashed` (with the stderr tail); else a clean exit
 * with unusable output is `bad_output`.
 */
export function unstructuredFailure(
  result: RunResult,
  cli: string,
  diagnostics: string,
  expected: string,
  output?: ParsedOutput,
): DriverOutcome {
  const found = findClassifiedLine(diagnostics);
  if (found) return failure(found.failure, found.line, output);
  if (!exitedCleanly(result)) {
    const detail = crashDetail(diagnostics) || tail(result.stdout, 1500);
    return failure('crashed', `${cli} ${exitDescription(result)}${detail ? `: ${detail}` : ' without output'}`, output);
  }
  const truncated = result.stdoutTruncated ? ' (stdout exceeded the capture limit and was cut)' : '';
  const printed = stripAnsi(result.stdout).trim();
  const got = printed === '' ? '' : `; it printed: ${head(printed)}`;
  return failure('bad_output', `${cli} exited 0 without ${expected}${truncated}${got}`, output);
}

/** stderr without the noise a CLI always prints (Codex's WARNING about /tmp). */
export function diagnosticText(stderr: string): string {
  return meaningfulLines(stderr)
    .filter((line) => !/^\s*WARNING: proceeding, even though we could not create PATH aliases/i.test(line))
    .join('\n');
}
