/**
 * opencode (`opencode run --format json`): piped stdin is appended to the (empty) message, and raw
 * JSON events come out one per line: `text` (part.text), `step_finish` (part.tokens, part.cost),
 * `tool_use`, `error` (error.name + error.data.message). With no provider reachable 1.18.33
 * prints nothing and never exits, so only the runner's timeout ends it.
 * Tool policy goes in through OPENCODE_CONFIG_CONTENT (inline config merged over the user's).
 */
import type { DriverOutcome, OneShotDriver, ParsedOutput, ToolPolicy, Usage } from './types.js';
import type { RunResult } from './run/types.js';
import { describedFailure, diagnosticText, exitedCleanly, failure, processOutcome, unstructuredFailure, type MessageClass } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, num, parseJsonLines, rec, str } from './output.js';

const CLI = 'opencode';

const READ_TOOLS = { read: 'allow', grep: 'allow', glob: 'allow', list: 'allow' } as const;

/** Permission rules per policy; the last matching rule wins, so `*` comes first. `ask` is auto-rejected by `run`. */
export function opencodePermissions(policy: ToolPolicy): Record<string, string> {
  switch (policy) {
    case 'none':
      return { '*': 'deny' };
    case 'read-only':
      return { '*': 'deny', ...READ_TOOLS };
    case 'workspace-write':
      return { '*': 'ask', ...READ_TOOLS, edit: 'allow' };
  }
}

interface OpencodeError {
  name: string;
  message: string;
  status: number | undefined;
}

export interface OpencodeEvents {
  /** Text parts grouped by message id, in order of first appearance. */
  texts: { messageId: string; text: string }[];
  errors: OpencodeError[];
  usage: Usage | undefined;
  steps: number;
  sessionId: string | undefined;
  count: number;
}

export function readOpencodeEvents(stdout: string): OpencodeEvents {
  const events: OpencodeEvents = { texts: [], errors: [], usage: undefined, steps: 0, sessionId: undefined, count: 0 };
  for (const event of parseJsonLines(stdout).records) {
    const type = str(event.type);
    if (!type) continue;
    events.count += 1;
    events.sessionId ??= str(event.sessionID);
    const part = rec(event.part);
    if (type === 'text' && part) {
      events.texts.push({ messageId: str(part.messageID) ?? '', text: str(part.text) ?? '' });
    } else if (type === 'step_finish' && part) {
      events.steps += 1;
      const tokens = rec(part.tokens);
      const usage: Usage = { ...events.usage };
      const input = num(tokens?.input);
      const output = num(tokens?.output);
      const cost = num(part.cost);
      if (input !== undefined) usage.input_tokens = (usage.input_tokens ?? 0) + input;
      if (output !== undefined) usage.output_tokens = (usage.output_tokens ?? 0) + output;
      if (cost !== undefined) usage.cost_usd = (usage.cost_usd ?? 0) + cost;
      if (Object.keys(usage).length > 0) events.usage = usage;
    } else if (type === 'error') {
      const error = rec(event.error);
      const data = rec(error?.data);
      const name = str(error?.name) ?? 'Error';
      events.errors.push({ name, message: str(data?.message) ?? name, status: num(data?.statusCode) });
    }
  }
  return events;
}

/** The answer is the text of the last assistant message (earlier ones precede tool calls). */
function answerOf(events: OpencodeEvents): string | undefined {
  const last = events.texts.at(-1);
  if (!last) return undefined;
  return events.texts
    .filter((t) => t.messageId === last.messageId)
    .map((t) => t.text)
    .join('')
    .trim();
}

function outputOf(events: OpencodeEvents, answer: string): ParsedOutput {
  const output: ParsedOutput = { answer };
  if (events.usage) output.usage = events.usage;
  if (events.sessionId) output.session_id = events.sessionId;
  if (events.steps > 0) output.turns = events.steps;
  return output;
}

function errorHint(error: OpencodeError): MessageClass | null {
  if (error.name === 'ProviderAuthError' || error.status === 401 || error.status === 403) return 'auth_required';
  if (error.status === 429) return 'rate_limited';
  return null;
}

export function interpretOpencode(result: RunResult): DriverOutcome {
  const events = readOpencodeEvents(result.stdout);
  const stderr = diagnosticText(result.stderr);
  const diagnostics = [stderr, ...events.errors.map((e) => e.message)].join('\n');
  const early = processOutcome(result, CLI, diagnostics);
  if (early) return early;
  const lastError = events.errors.at(-1);
  if (lastError) {
    const message = lastError.name === lastError.message ? lastError.message : `${lastError.name}: ${lastError.message}`;
    return describedFailure(message, outputOf(events, ''), errorHint(lastError));
  }
  const answer = answerOf(events);
  if (answer !== undefined && answer !== '' && exitedCleanly(result)) return { ok: true, output: outputOf(events, answer) };
  if (events.count > 0 && exitedCleanly(result)) {
    return failure('bad_output', `${CLI} exited 0 with no text part in its ${events.count} JSON events`, outputOf(events, ''));
  }
  return unstructuredFailure(result, CLI, stderr, 'JSON events', events.count > 0 ? outputOf(events, '') : undefined);
}

export const opencodeDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'opencode',
  aliases: [],
  binary: 'opencode',
  npmPackage: 'opencode-ai',
  verifiedVersion: '1.18.33',
  requiredFlags: ['--format', '--model'],
  helpArgs: ['run', '--help'],
  authHints: {
    env: ['OPENCODE_CONFIG', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'GEMINI_API_KEY'],
    files: ['~/.local/share/opencode/auth.json', '~/.config/opencode/opencode.json'],
  },
  outputFormat: 'jsonl',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output),

  buildInvocation(call) {
    return {
      args: ['run', '--format', 'json', ...modelArgs('--model', call.model)],
      stdin: call.prompt,
      env: { OPENCODE_CONFIG_CONTENT: JSON.stringify({ permission: opencodePermissions(call.toolPolicy) }) },
      freshWorkdir: call.toolPolicy === 'workspace-write',
    };
  },

  interpret: (result) => interpretOpencode(result),
};
