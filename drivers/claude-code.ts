/**
 * Claude Code (`claude -p`), also serving `glm`: the same CLI pointed at another Anthropic-compatible
 * endpoint through ANTHROPIC_BASE_URL / ANTHROPIC_AUTH_TOKEN in the backend's environment.
 * One JSON result object on stdout; `subtype` can say "success" while `is_error` is true
 * (observed with 2.1.197 when not logged in), so the outcome is read from `is_error` and `result`.
 */
import { z } from 'zod';
import type { DriverOutcome, OneShotDriver, ParsedOutput, ToolPolicy, Usage } from './types.js';
import type { RunResult } from './run/types.js';
import { describedFailure, diagnosticText, processOutcome, unstructuredFailure, type MessageClass } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, jsonHasAny, lastJsonObject } from './output.js';

const CLI = 'claude';

/** Tools that only read: enough to inspect a workspace, never to change it. */
export const CLAUDE_READ_ONLY_TOOLS = ['Read', 'Grep', 'Glob'] as const;

const optionalNumber = z.number().optional().catch(undefined);
const optionalString = z.string().optional().catch(undefined);

const ResultSchema = z.object({
  type: z.literal('result'),
  subtype: optionalString,
  is_error: z.boolean().optional().catch(undefined),
  result: optionalString,
  session_id: optionalString,
  total_cost_usd: optionalNumber,
  num_turns: optionalNumber,
  api_error_status: z.number().nullable().optional().catch(undefined),
  usage: z
    .object({ input_tokens: optionalNumber, output_tokens: optionalNumber })
    .optional()
    .catch(undefined),
  modelUsage: z.record(z.string(), z.unknown()).optional().catch(undefined),
});
export type ClaudeResult = z.infer<typeof ResultSchema>;

export function parseClaudeResult(stdout: string): ClaudeResult | null {
  const parsed = ResultSchema.safeParse(lastJsonObject(stdout));
  return parsed.success ? parsed.data : null;
}

export function claudeToolArgs(policy: ToolPolicy): string[] {
  switch (policy) {
    case 'none':
      // `--tools=` (empty) leaves the session with no tools at all (verified: init event lists []).
      return ['--tools='];
    case 'read-only': {
      const tools = CLAUDE_READ_ONLY_TOOLS.join(',');
      return [`--tools=${tools}`, `--allowedTools=${tools}`];
    }
    case 'workspace-write':
      return ['--permission-mode', 'acceptEdits'];
  }
}

function usageOf(result: ClaudeResult): Usage | undefined {
  const usage: Usage = {};
  if (result.usage?.input_tokens !== undefined) usage.input_tokens = result.usage.input_tokens;
  if (result.usage?.output_tokens !== undefined) usage.output_tokens = result.usage.output_tokens;
  if (result.total_cost_usd !== undefined) usage.cost_usd = result.total_cost_usd;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function outputOf(result: ClaudeResult, answer: string): ParsedOutput {
  const output: ParsedOutput = { answer };
  const usage = usageOf(result);
  if (usage) output.usage = usage;
  if (result.session_id) output.session_id = result.session_id;
  if (result.num_turns !== undefined) output.turns = result.num_turns;
  const model = Object.keys(result.modelUsage ?? {})[0];
  if (model) output.model = model;
  return output;
}

function statusHint(status: number | null | undefined): MessageClass | null {
  if (status === 401 || status === 403) return 'auth_required';
  if (status === 429) return 'rate_limited';
  return null;
}

export function interpretClaude(result: RunResult): DriverOutcome {
  const stderr = diagnosticText(result.stderr);
  const early = processOutcome(result, CLI, stderr);
  if (early) return early;
  const parsed = parseClaudeResult(result.stdout);
  if (!parsed) return unstructuredFailure(result, CLI, [stderr, result.stdout].join('\n'), 'a JSON result object');
  if (parsed.is_error !== true && (parsed.subtype === undefined || parsed.subtype === 'success')) {
    return { ok: true, output: outputOf(parsed, parsed.result ?? '') };
  }
  const message = parsed.result?.trim() || `${CLI} reported ${parsed.subtype ?? 'an error'}`;
  return describedFailure(message, outputOf(parsed, ''), statusHint(parsed.api_error_status));
}

export const claudeCodeDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'claude_code',
  aliases: ['glm', 'claude'],
  binary: 'claude',
  npmPackage: '@anthropic-ai/claude-code',
  verifiedVersion: '2.1.197',
  requiredFlags: [
    '--print',
    '--output-format',
    '--no-session-persistence',
    '--model',
    '--tools',
    '--allowedTools',
    '--permission-mode',
  ],
  authHints: {
    env: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_BASE_URL', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX'],
    files: ['~/.claude/.credentials.json', '~/.claude.json'],
    // Claude Code writes ~/.claude.json on its first start, logged in or not (firstStartTime,
    // userID, migrations): only an account or a stored key there is a login.
    proof: {
      '~/.claude.json': { meaning: 'oauthAccount or primaryApiKey', holds: (text) => jsonHasAny(text, ['oauthAccount', 'primaryApiKey']) },
      '~/.claude/.credentials.json': { meaning: 'claudeAiOauth', holds: (text) => jsonHasAny(text, ['claudeAiOauth']) },
    },
  },
  outputFormat: 'json',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output, /^\s*(\d+\.\d+\.\d+\S*)\s+\(Claude Code\)/),

  buildInvocation(call) {
    return {
      // Prompt on stdin: no argv length limit, and it never shows up in `ps`.
      args: ['--print', '--output-format', 'json', '--no-session-persistence', ...modelArgs('--model', call.model), ...claudeToolArgs(call.toolPolicy)],
      stdin: call.prompt,
      freshWorkdir: call.toolPolicy === 'workspace-write',
    };
  },

  interpret: (result) => interpretClaude(result),
};
