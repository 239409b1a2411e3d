/**
 * `expect` checks of a pack entry: declarative tests of an answer that mark a result pass or fail.
 * Checks of the answer text and the artifact's figures are evaluated here, whenever a run is read;
 * `command` and `judge` need a process or another backend, so they run once as check tasks of the
 * run (core/runs/check-tasks.ts) and are read back from those. A failed task fails its checks.
 * Every result says why in words (`reason`), e.g. `expected the answer to contain "391"`.
 */
import { z } from 'zod';
import { compileSchema } from './json-schema.js';
import { linearRegex } from './safe-regex.js';
import { formatCost } from '../display.js';
import { backendName } from '../../drivers/backend-name.js';

const oneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A JSON Schema: compiled when the pack is read, so a broken schema is an error at file:line. */
const jsonSchemaValue = z
  .union([z.record(z.string(), z.unknown()), z.boolean()])
  .superRefine((schema, ctx) => {
    const compiled = compileSchema(schema);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', message: `not a valid JSON Schema: ${compiled.error}` });
  });

/** Upper bound for a check's own time (command, judge): a check must never hold a run for hours. */
export const MAX_CHECK_TIMEOUT_SECONDS = 3600;
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;
export const DEFAULT_JUDGE_TIMEOUT_SECONDS = 300;

export const commandCheckSchema = z.union([
  z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
  z
    .object({
      run: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
      timeout_seconds: z.number().positive().max(MAX_CHECK_TIMEOUT_SECONDS).optional(),
    })
    .strict(),
]);

const judgeCheckSchema = z
  .object({
    /** The backend that grades (any backend, also one not among the run's). */
    backend: backendName,
    /** What a passing answer must do, in words. */
    rubric: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
    timeout_seconds: z.number().positive().max(MAX_CHECK_TIMEOUT_SECONDS).optional(),
    model: z.string().min(1).optional(),
  })
  .strict();

export const expectSchema = z
  .object({
    /** Every listed string appears in the answer (case-sensitive). */
    contains: oneOrMore.optional(),
    /** Every listed string appears, ignoring case. */
    icontains: oneOrMore.optional(),
    /** None of these appears. */
    not_contains: oneOrMore.optional(),
    /** The answer, without leading and trailing white space, is exactly this. */
    equals: z.string().optional(),
    /** The answer (leading white space ignored) starts with this. */
    starts_with: z.string().min(1).optional(),
    /** A regular expression the answer matches; `/pattern/flags` or a bare pattern (RE2 syntax, see safe-regex.ts). */
    regex: z.string().min(1).optional(),
    /** The answer parses as JSON. */
    json: z.boolean().optional(),
    /** The answer parses as JSON and the value is valid against this JSON Schema. */
    json_schema: jsonSchemaValue.optional(),
    max_latency_ms: z.number().positive().optional(),
    /** Reported cost in USD at most this. */
    max_cost: z.number().nonnegative().optional(),
    /** Reported tokens (input + output) at most this. */
    max_tokens: z.number().int().nonnegative().optional(),
    /** A command line that reads the answer on stdin; exit 0 passes. */
    command: commandCheckSchema.optional(),
    /** Another backend grades the answer against a rubric. */
    judge: judgeCheckSchema.optional(),
  })
  .strict();

export type Expect = z.output<typeof expectSchema>;
export type CommandCheck = z.output<typeof commandCheckSchema>;
export type JudgeCheck = z.output<typeof judgeCheckSchema>;

export const CHECK_KINDS = [
  'contains',
  'icontains',
  'not_contains',
  'equals',
  'starts_with',
  'regex',
  'json',
  'json_schema',
  'max_latency_ms',
  'max_cost',
  'max_tokens',
  'command',
  'judge',
  'workspace_check',
  'workspace_outside',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export interface CheckResult {
  /** What was checked, short (`contains "391"`). */
  check: string;
  pass: boolean;
  /** The finding, short (`not found in the answer`). */
  detail: string;
  /** Which `expect` field this result comes from. */
  kind?: CheckKind;
  /** Why it passed or failed, as a sentence a person reads (`expected the answer to contain "391"`). */
  reason?: string;
  /** `command` / `judge`: the check task of the run that ran it. */
  task_id?: number;
  /** `command` / `judge`: still running (counts as not passed until it ends). */
  pending?: boolean;
}

/** Figures of the task's artifact that checks compare with limits. */
export interface AnswerFigures {
  latencyMs: number | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const quote = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The reason of a check on a task that did not succeed: there is no answer to check. */
const TASK_FAILED = 'the task failed, so there is no answer to check';

function result(kind: CheckKind, check: string, pass: boolean, detail: string, reason: string): CheckResult {
  return { check, pass, detail, kind, reason };
}

function textChecks(expect: Expect, text: string, failed: boolean, out: CheckResult[]): void {
  for (const needle of list(expect.contains)) {
    const found = text.includes(needle);
    out.push(result('contains', `contains ${JSON.stringify(needle)}`, !failed && found, failed ? 'the task failed' : found ? 'found' : 'not found in the answer', failed ? TASK_FAILED : found ? `the answer contains ${quote(needle)}` : `expected the answer to contain ${quote(needle)}`));
  }
  for (const needle of list(expect.icontains)) {
    const found = text.toLowerCase().includes(needle.toLowerCase());
    out.push(result('icontains', `contains ${JSON.stringify(needle)} (any case)`, !failed && found, failed ? 'the task failed' : found ? 'found' : 'not found in the answer', failed ? TASK_FAILED : found ? `the answer contains ${quote(needle)} (ignoring case)` : `expected the answer to contain ${quote(needle)} in any case`));
  }
  for (const needle of list(expect.not_contains)) {
    const found = text.includes(needle);
    out.push(result('not_contains', `does not contain ${JSON.stringify(needle)}`, !failed && !found, failed ? 'the task failed' : found ? 'found in the answer' : 'absent', failed ? TASK_FAILED : found ? `expected the answer not to contain ${quote(needle)}, but it does` : `the answer does not contain ${quote(needle)}`));
  }
  if (expect.equals !== undefined) {
    const pass = !failed && text.trim() === expect.equals.trim();
    out.push(result('equals', `equals ${JSON.stringify(expect.equals)}`, pass, failed ? 'the task failed' : pass ? 'equal' : `the answer is ${quote(text.trim())}`, failed ? TASK_FAILED : pass ? `the answer is exactly ${quote(expect.equals.trim())}` : `expected the answer to be exactly ${quote(expect.equals.trim())}, got ${quote(text.trim())}`));
  }
  if (expect.starts_with !== undefined) {
    const start = text.trimStart();
    const pass = !failed && start.startsWith(expect.starts_with);
    out.push(result('starts_with', `starts with ${JSON.stringify(expect.starts_with)}`, pass, failed ? 'the task failed' : pass ? 'it does' : `it starts with ${quote(start.slice(0, expect.starts_with.length + 10))}`, failed ? TASK_FAILED : pass ? `the answer starts with ${quote(expect.starts_with)}` : `expected the answer to start with ${quote(expect.starts_with)}, it starts with ${quote(start.slice(0, expect.starts_with.length + 10))}`));
  }
  if (expect.regex !== undefined) {
    let pass = false;
    let detail: string;
    let reason: string;
    try {
      pass = !failed && linearRegex(expect.regex).test(text);
      detail = failed ? 'the task failed' : pass ? 'matches' : 'does not match';
      reason = failed ? TASK_FAILED : pass ? `the answer matches the pattern ${expect.regex}` : `expected the answer to match the pattern ${expect.regex}`;
    } catch (err) {
      detail = `invalid regex: ${errorText(err)}`;
      reason = `the pattern ${expect.regex} is not a valid regular expression: ${errorText(err)}`;
    }
    out.push(result('regex', `matches ${expect.regex}`, pass, detail, reason));
  }
}

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: errorText(err) };
  }
}

function jsonChecks(expect: Expect, text: string, failed: boolean, out: CheckResult[]): void {
  if (!expect.json && expect.json_schema === undefined) return;
  const parsed = failed ? null : parsedJson(text);
  if (expect.json) {
    const pass = parsed?.ok === true;
    const detail = parsed === null ? 'the task failed' : parsed.ok ? 'valid JSON' : `not JSON: ${parsed.error}`;
    out.push(result('json', 'parses as JSON', pass, detail, parsed === null ? TASK_FAILED : parsed.ok ? 'the answer is valid JSON' : `expected the answer to be JSON; it does not parse (${parsed.error})`));
  }
  if (expect.json_schema !== undefined) {
    const check = 'matches the JSON Schema';
    if (parsed === null) out.push(result('json_schema', check, false, 'the task failed', TASK_FAILED));
    else if (!parsed.ok) out.push(result('json_schema', check, false, `not JSON: ${parsed.error}`, `expected the answer to be JSON matching the schema; it does not parse (${parsed.error})`));
    else {
      const compiled = compileSchema(expect.json_schema);
      if (!compiled.ok) out.push(result('json_schema', check, false, `invalid schema: ${compiled.error}`, `the check's JSON Schema is not valid: ${compiled.error}`));
      else {
        const problems = compiled.validate(parsed.value);
        out.push(
          problems.length === 0
            ? result('json_schema', check, true, 'valid', 'the answer is JSON that matches the schema')
            : result('json_schema', check, false, problems.join('; '), `expected the answer to match the JSON Schema: ${problems.join('; ')}`),
        );
      }
    }
  }
}

function limitChecks(expect: Expect, figures: AnswerFigures, failed: boolean, out: CheckResult[]): void {
  if (expect.max_latency_ms !== undefined) {
    const limit = expect.max_latency_ms;
    const ms = figures.latencyMs;
    const pass = !failed && ms !== null && ms <= limit;
    out.push(result('max_latency_ms', `latency <= ${limit} ms`, pass, ms === null ? 'no latency recorded' : `${Math.round(ms)} ms`, failed ? TASK_FAILED : ms === null ? `no latency was recorded, so the limit of ${limit} ms cannot be checked` : pass ? `took ${Math.round(ms)} ms, within ${limit} ms` : `expected at most ${limit} ms, took ${Math.round(ms)} ms`));
  }
  if (expect.max_cost !== undefined) {
    const limit = expect.max_cost;
    const cost = figures.costUsd ?? null;
    const pass = !failed && cost !== null && cost <= limit;
    const [costText, limitText] = [formatCost(cost), formatCost(limit)];
    out.push(result('max_cost', `cost <= ${limitText}`, pass, cost === null ? 'no cost reported' : costText, failed ? TASK_FAILED : cost === null ? `the backend reported no cost, so the limit of ${limitText} cannot be checked` : pass ? `cost ${costText}, within ${limitText}` : `expected a cost of at most ${limitText}, it cost ${costText}`));
  }
  if (expect.max_tokens !== undefined) {
    const limit = expect.max_tokens;
    const { inputTokens, outputTokens } = figures;
    const reported = (inputTokens ?? null) !== null || (outputTokens ?? null) !== null;
    const total = (inputTokens ?? 0) + (outputTokens ?? 0);
    const pass = !failed && reported && total <= limit;
    out.push(result('max_tokens', `tokens <= ${limit}`, pass, reported ? `${total} tokens` : 'no tokens reported', failed ? TASK_FAILED : !reported ? `the backend reported no token counts, so the limit of ${limit} cannot be checked` : pass ? `used ${total} tokens (input + output), within ${limit}` : `expected at most ${limit} tokens (input + output), used ${total}`));
  }
}

/**
 * Checks an answer; `answer` null means the task did not succeed, which fails every check.
 * `latencyMs` (and the optional figures) come from the task's artifact. Only the checks evaluated
 * here are returned: see `checkTaskKinds` for `command` and `judge`.
 */
export function runChecks(expect: Expect | undefined, answer: string | null, latencyMs: number | null, figures: Omit<AnswerFigures, 'latencyMs'> = {}): CheckResult[] {
  if (!expect) return [];
  const results: CheckResult[] = [];
  const text = answer ?? '';
  const failed = answer === null;
  textChecks(expect, text, failed, results);
  jsonChecks(expect, text, failed, results);
  limitChecks(expect, { ...figures, latencyMs }, failed, results);
  return results;
}

/** The checks of an `expect` that run as check tasks of the run (a process, another backend). */
export function checkTaskKinds(expect: Expect | null | undefined): ('command' | 'judge')[] {
  if (!expect) return [];
  return [...(expect.command !== undefined ? (['command'] as const) : []), ...(expect.judge !== undefined ? (['judge'] as const) : [])];
}

export function commandLine(check: CommandCheck): string {
  return typeof check === 'string' ? check : check.run;
}

export function commandTimeoutSeconds(check: CommandCheck): number {
  return typeof check === 'string' ? DEFAULT_COMMAND_TIMEOUT_SECONDS : (check.timeout_seconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS);
}

/** One line of a check's result for people: the reason when there is one, else check and detail. */
export function checkInWords(check: CheckResult): string {
  return check.reason ?? `${check.check}: ${check.detail}`;
}
