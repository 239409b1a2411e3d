/**
 * Kiro CLI (`kiro-cli chat --no-interactive`): plain text on stdout, errors on stderr, exit 1 for
 * any failure. With no positional input and a piped stdin it reads the whole stream as the prompt
 * (kiro.dev headless docs; the chat-cli source trims it). Tools are trusted only for
 * workspace-write, and then in a fresh working directory.
 */
import type { DriverOutcome, OneShotDriver, ToolPolicy } from './types.js';
import type { RunResult } from './run/types.js';
import { diagnosticText, exitedCleanly, processOutcome, unstructuredFailure } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, stripAnsi } from './output.js';

const CLI = 'kiro-cli';

/** `--trust-tools=` (empty) trusts no tool; untrusted tools that need approval fail the request. */
export function kiroTrustArgs(policy: ToolPolicy): string[] {
  return policy === 'workspace-write' ? ['--trust-all-tools'] : ['--trust-tools='];
}

/**
 * The answer text: ANSI and carriage returns removed, without the `> ` marker the chat prints
 * before a response and without the trailing "▸ Credits: ... • Time: ..." summary line.
 */
export function kiroAnswer(stdout: string): string {
  const lines = stripAnsi(stdout)
    .replace(/\r/g, '')
    .split('\n')
    .filter((line) => !/^\s*▸\s*Credits:/.test(line));
  const text = lines.join('\n').trim();
  return text.startsWith('> ') ? text.slice(2).trimStart() : text;
}

export function interpretKiro(result: RunResult): DriverOutcome {
  const stderr = diagnosticText(result.stderr);
  const early = processOutcome(result, CLI, stderr);
  if (early) return early;
  const answer = kiroAnswer(result.stdout);
  if (exitedCleanly(result) && answer !== '' && !result.stdoutTruncated) return { ok: true, output: { answer } };
  return unstructuredFailure(result, CLI, stderr, 'an answer');
}

export const kiroDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'kiro',
  aliases: ['kiro_cli'],
  binary: 'kiro-cli',
  requiredFlags: ['--no-interactive', '--wrap', '--model', '--trust-tools', '--trust-all-tools'],
  helpArgs: ['chat', '--help'],
  authHints: {
    env: ['KIRO_API_KEY'],
    files: ['~/.local/share/kiro-cli/data.sqlite3', '~/Library/Application Support/kiro-cli/data.sqlite3'],
  },
  outputFormat: 'text',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output, /kiro-cli\s+(\d+\.\d+\.\d+\S*)/),

  buildInvocation(call) {
    return {
      args: ['chat', '--no-interactive', '--wrap', 'never', ...modelArgs('--model', call.model), ...kiroTrustArgs(call.toolPolicy)],
      stdin: call.prompt,
      freshWorkdir: call.toolPolicy === 'workspace-write',
    };
  },

  interpret: (result) => interpretKiro(result),
};
