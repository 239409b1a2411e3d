/**
 * Kimi CLI (the Python `kimi-cli`, now legacy): `kimi --print` reads the prompt from stdin and, with
 * `--output-format stream-json`, prints one Message per line (`{"role":"assistant","content":...}`,
 * tool calls and tool results in between). Failures are one line on stderr ("LLM not set",
 * "LLM provider error: ...") with exit 1. Print mode approves every tool call by itself and has no
 * flag to narrow that, so every run gets a fresh working directory whatever the tool policy.
 * Where the installed `kimi` is Kimi Code (2.x), preflight serves the backend with kimi-code.ts.
 */
import type { DriverOutcome, OneShotDriver, ParsedOutput } from './types.js';
import type { RunResult } from './run/types.js';
import { diagnosticText, exitedCleanly, processOutcome, unstructuredFailure } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, parseJsonLines, rec, str } from './output.js';

const CLI = 'kimi';

/** Text of a Message's content: a string, or the `text` parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const record = rec(part);
      return record && str(record.type) === 'text' ? (str(record.text) ?? '') : '';
    })
    .join('');
}

export interface KimiMessages {
  /** Assistant messages with text, in order; the last is the final answer. */
  answers: string[];
  sessionId: string | undefined;
  count: number;
  /** Non-JSON stdout lines (errors printed by a failing run, noise). */
  other: string[];
}

export function readKimiMessages(stdout: string): KimiMessages {
  const { records, other } = parseJsonLines(stdout);
  const messages: KimiMessages = { answers: [], sessionId: undefined, count: 0, other };
  for (const record of records) {
    const role = str(record.role);
    if (!role) continue;
    messages.count += 1;
    if (role === 'assistant') {
      const text = contentText(record.content).trim();
      if (text !== '') messages.answers.push(text);
    } else if (role === 'meta') {
      messages.sessionId = str(record.session_id) ?? messages.sessionId;
    }
  }
  return messages;
}

/** Both Kimi CLIs print the same Messages in stream-json, so one reading serves both drivers. */
export function interpretKimi(result: RunResult, cli = CLI): DriverOutcome {
  const stderr = diagnosticText(result.stderr);
  const early = processOutcome(result, cli, stderr);
  if (early) return early;
  const messages = readKimiMessages(result.stdout);
  const answer = messages.answers.at(-1);
  if (answer !== undefined && exitedCleanly(result)) {
    const output: ParsedOutput = { answer };
    if (messages.sessionId) output.session_id = messages.sessionId;
    return { ok: true, output };
  }
  return unstructuredFailure(result, cli, [stderr, ...messages.other].join('\n'), 'an assistant message in stream-json');
}

/**
 * Kimi Code (npm `@moonshot-ai/kimi-code`, 2.x) installs the same `kimi` command as the legacy
 * Python CLI but speaks other flags. Its `--version` prints a bare version ("2.1.0") where the
 * Python CLI prints "kimi, version 1.13.0".
 */
export function isKimiCodeVersionOutput(output: string): boolean {
  const text = output.trim();
  return !/kimi, version/i.test(text) && /^v?(\d+)\.\d+\.\d+\S*$/m.test(text);
}

export const kimiDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'kimi',
  aliases: ['kimi_cli'],
  binary: 'kimi',
  requiredFlags: ['--print', '--output-format', '--model'],
  authHints: {
    env: ['KIMI_API_KEY', 'KIMI_BASE_URL', 'KIMI_MODEL_NAME'],
    files: ['~/.kimi/config.toml', '~/.kimi/credentials'],
  },
  outputFormat: 'stream-json',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output, /version\s+(\d+\.\d+\.\d+\S*)/i),

  buildInvocation(call) {
    return {
      args: ['--print', '--output-format', 'stream-json', ...modelArgs('--model', call.model)],
      stdin: call.prompt,
      freshWorkdir: true,
    };
  },

  interpret: (result) => interpretKimi(result),
};
