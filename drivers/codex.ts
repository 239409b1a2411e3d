/**
 * Codex (`codex exec --json ... -`): prompt on stdin, JSONL events on stdout (thread.started,
 * turn.started, item.completed, turn.completed with usage, error, turn.failed). Without network it
 * keeps emitting "Reconnecting..." error events for minutes, so its timeout is classified from them.
 */
import type { DriverOutcome, OneShotDriver, ParsedOutput, ToolPolicy, Usage } from './types.js';
import type { RunResult } from './run/types.js';
import { classifyMessage, describedFailure, diagnosticText, exitedCleanly, failure, processOutcome, unstructuredFailure } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, num, parseJsonLines, rec, str, type JsonRecord } from './output.js';

const CLI = 'codex';

/** Codex has no "no tools" mode: `none` runs in the read-only sandbox as well. */
export function codexSandbox(policy: ToolPolicy): 'read-only' | 'workspace-write' {
  return policy === 'workspace-write' ? 'workspace-write' : 'read-only';
}

export interface CodexEvents {
  /** Text of every completed agent_message item, in order (the last one is the answer). */
  messages: string[];
  /** `error` events and `turn.failed` errors: the CLI's own words. */
  errors: string[];
  /** Non-fatal notices (item.completed of type error, e.g. a WebSocket fallback). */
  notices: string[];
  failedTurn: string | null;
  completedTurns: number;
  usage: Usage | undefined;
  threadId: string | undefined;
  /** Events seen at all (a stream with none is not Codex JSON). */
  count: number;
}

function addUsage(total: Usage | undefined, usage: JsonRecord | undefined): Usage | undefined {
  if (!usage) return total;
  const next: Usage = { ...total };
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  if (input !== undefined) next.input_tokens = (next.input_tokens ?? 0) + input;
  if (output !== undefined) next.output_tokens = (next.output_tokens ?? 0) + output;
  return Object.keys(next).length > 0 ? next : total;
}

export function readCodexEvents(stdout: string): CodexEvents {
  const events: CodexEvents = { messages: [], errors: [], notices: [], failedTurn: null, completedTurns: 0, usage: undefined, threadId: undefined, count: 0 };
  for (const event of parseJsonLines(stdout).records) {
    const type = str(event.type);
    if (!type) continue;
    events.count += 1;
    if (type === 'thread.started') events.threadId = str(event.thread_id) ?? events.threadId;
    else if (type === 'turn.completed') {
      events.completedTurns += 1;
      events.usage = addUsage(events.usage, rec(event.usage));
    } else if (type === 'turn.failed') {
      const message = str(rec(event.error)?.message) ?? 'turn failed';
      events.failedTurn = message;
      events.errors.push(message);
    } else if (type === 'error') {
      events.errors.push(str(event.message) ?? JSON.stringify(event));
    } else if (type === 'item.completed') {
      const item = rec(event.item);
      const itemType = str(item?.type);
      if (itemType === 'agent_message') events.messages.push(str(item?.text) ?? '');
      else if (itemType === 'error') events.notices.push(str(item?.message) ?? '');
    }
  }
  return events;
}

function outputOf(events: CodexEvents, answer: string): ParsedOutput {
  const output: ParsedOutput = { answer };
  if (events.usage) output.usage = events.usage;
  if (events.threadId) output.session_id = events.threadId;
  if (events.completedTurns > 0) output.turns = events.completedTurns;
  return output;
}

export function interpretCodex(result: RunResult): DriverOutcome {
  const events = readCodexEvents(result.stdout);
  const stderr = diagnosticText(result.stderr);
  // Log lines first: the last matching line wins, and Codex's own error events say it best.
  const diagnostics = [stderr, ...events.notices, ...events.errors].join('\n');
  const early = processOutcome(result, CLI, diagnostics);
  if (early) return early;
  const answer = events.messages.at(-1);
  if (events.completedTurns > 0 && !events.failedTurn && answer !== undefined && exitedCleanly(result)) {
    return { ok: true, output: outputOf(events, answer) };
  }
  if (events.errors.length > 0) {
    // The turn.failed message may be generic; the retries before it often name the cause.
    const last = events.failedTurn ?? events.errors.at(-1) ?? '';
    const cause = classifyMessage(last) ?? [...events.errors].reverse().map(classifyMessage).find((c) => c !== null) ?? null;
    return describedFailure(last, outputOf(events, ''), cause);
  }
  if (events.count > 0 && exitedCleanly(result)) {
    const missing = events.completedTurns === 0 ? 'no turn.completed event' : 'no agent_message item';
    return failure('bad_output', `${CLI} exited 0 with ${missing} in its ${events.count} JSON events`, outputOf(events, ''));
  }
  return unstructuredFailure(result, CLI, stderr, 'JSONL events', events.count > 0 ? outputOf(events, '') : undefined);
}

export const codexDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'codex',
  aliases: ['codex_cli'],
  binary: 'codex',
  npmPackage: '@openai/codex',
  verifiedVersion: '0.169.0',
  requiredFlags: ['--json', '--skip-git-repo-check', '--color', '--ephemeral', '--sandbox', '--model'],
  helpArgs: ['exec', '--help'],
  authHints: {
    env: ['OPENAI_API_KEY', 'CODEX_API_KEY', 'CODEX_HOME'],
    files: ['~/.codex/auth.json', '~/.codex/config.toml'],
  },
  outputFormat: 'jsonl',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output, /codex-cli\s+(\d+\.\d+\.\d+\S*)/),
  // Offline, newer Codex retries until it is killed; its own reconnect lines say why.
  giveUpOn: { failure: 'network', pattern: /Reconnecting\.\.\.|waiting for network/i, meaning: 'kept saying it cannot reach the network' },

  buildInvocation(call) {
    return {
      args: [
        'exec',
        '--json',
        '--skip-git-repo-check',
        '--color',
        'never',
        '--ephemeral',
        '--sandbox',
        codexSandbox(call.toolPolicy),
        ...modelArgs('--model', call.model),
        // `-`: read the prompt from stdin.
        '-',
      ],
      stdin: call.prompt,
      freshWorkdir: call.toolPolicy === 'workspace-write',
    };
  },

  interpret: (result) => interpretCodex(result),
};
