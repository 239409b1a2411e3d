/**
 * Gemini CLI in headless mode. The prompt goes on stdin and `--prompt ""` selects headless mode
 * (`-p` is appended to stdin, so an empty one adds nothing). `--output-format json` prints one
 * object: `response` + `stats` on success on stdout; on failure an `error` object that 0.61.0
 * writes to stderr, after any retry stack traces (exit 41 = no auth configured).
 */
import { z } from 'zod';
import type { DriverOutcome, OneShotDriver, ParsedOutput, ToolPolicy, Usage } from './types.js';
import type { RunResult } from './run/types.js';
import { describedFailure, diagnosticText, exitedCleanly, processOutcome, unstructuredFailure, type MessageClass } from './failure.js';
import { modelArgs } from './model.js';
import { extractVersion, lastJsonObject, num, rec } from './output.js';

const CLI = 'gemini';
/** FatalAuthenticationError's exit code. */
const EXIT_AUTH = 41;

const GeminiJsonSchema = z.object({
  session_id: z.string().optional().catch(undefined),
  response: z.string().optional().catch(undefined),
  stats: z.record(z.string(), z.unknown()).optional().catch(undefined),
  error: z
    .object({
      type: z.string().optional().catch(undefined),
      message: z.string().optional().catch(undefined),
      code: z.union([z.number(), z.string()]).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});
export type GeminiJson = z.infer<typeof GeminiJsonSchema>;

function parse(text: string): GeminiJson | null {
  const object = lastJsonObject(text);
  if (!object) return null;
  const parsed = GeminiJsonSchema.safeParse(object);
  return parsed.success && (parsed.data.response !== undefined || parsed.data.error !== undefined) ? parsed.data : null;
}

/** Approval modes: gemini has no "no tools" switch, so `none` gets the read-only `plan` mode too. */
export function geminiApprovalMode(policy: ToolPolicy): string {
  return policy === 'workspace-write' ? 'auto_edit' : 'plan';
}

/** Token counts summed over `stats.models.*.tokens` (prompt/candidates), or flat counters if present. */
export function geminiUsage(stats: Record<string, unknown> | undefined): { usage?: Usage; model?: string } {
  if (!stats) return {};
  let input: number | undefined;
  let output: number | undefined;
  const add = (sum: number | undefined, value: number | undefined) => (value === undefined ? sum : (sum ?? 0) + value);
  const models = rec(stats.models) ?? {};
  for (const entry of Object.values(models)) {
    const tokens = rec(rec(entry)?.tokens);
    if (!tokens) continue;
    input = add(input, num(tokens.prompt) ?? num(tokens.input));
    output = add(output, num(tokens.candidates) ?? num(tokens.output));
  }
  input ??= num(stats.inputTokens);
  output ??= num(stats.outputTokens);
  const usage: Usage = {};
  if (input !== undefined) usage.input_tokens = input;
  if (output !== undefined) usage.output_tokens = output;
  const model = Object.keys(models)[0];
  return { ...(Object.keys(usage).length > 0 ? { usage } : {}), ...(model ? { model } : {}) };
}

function outputOf(json: GeminiJson, answer: string): ParsedOutput {
  const output: ParsedOutput = { answer };
  const { usage, model } = geminiUsage(json.stats);
  if (usage) output.usage = usage;
  if (model) output.model = model;
  if (json.session_id) output.session_id = json.session_id;
  return output;
}

export function interpretGemini(result: RunResult): DriverOutcome {
  const stderr = diagnosticText(result.stderr);
  const early = processOutcome(result, CLI, stderr);
  if (early) return early;
  const json = parse(result.stdout) ?? parse(result.stderr);
  const authByExit: MessageClass | null = result.exitCode === EXIT_AUTH ? 'auth_required' : null;
  if (json?.error) {
    const hint = authByExit ?? (json.error.code === EXIT_AUTH ? 'auth_required' : null);
    const message = json.error.message ?? `${CLI} reported ${json.error.type ?? 'an error'} (code ${String(json.error.code ?? '?')})`;
    return describedFailure(message, outputOf(json, ''), hint);
  }
  if (json?.response !== undefined && exitedCleanly(result)) return { ok: true, output: outputOf(json, json.response) };
  if (authByExit) return describedFailure(stderr || `${CLI} exited with code ${EXIT_AUTH} (authentication)`, undefined, authByExit);
  return unstructuredFailure(result, CLI, [stderr, json ? '' : result.stdout].join('\n'), 'a JSON object with a response');
}

export const geminiDriver: OneShotDriver = {
  kind: 'one-shot',
  name: 'gemini',
  aliases: ['gemini_cli'],
  binary: 'gemini',
  npmPackage: '@google/gemini-cli',
  verifiedVersion: '0.61.0',
  requiredFlags: ['--prompt', '--output-format', '--model', '--approval-mode', '--skip-trust'],
  authHints: {
    env: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS'],
    files: ['~/.gemini/settings.json', '~/.gemini/oauth_creds.json'],
  },
  outputFormat: 'json',
  versionArgs: ['--version'],
  parseVersion: (output) => extractVersion(output),

  buildInvocation(call) {
    return {
      args: [
        '--prompt',
        '',
        '--output-format',
        'json',
        // Without it 0.61.0 refuses to run headless in an untrusted folder (exit 55).
        '--skip-trust',
        '--approval-mode',
        geminiApprovalMode(call.toolPolicy),
        ...modelArgs('--model', call.model),
      ],
      stdin: call.prompt,
      freshWorkdir: call.toolPolicy === 'workspace-write',
    };
  },

  interpret: (result) => interpretGemini(result),
};
