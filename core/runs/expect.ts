/**
 * `expect` checks of a pack entry: simple, declarative tests of an answer that mark a result pass
 * or fail (contains / regex / JSON-parses / max latency). A failed task fails its checks.
 */
import { z } from 'zod';
import { linearRegex } from './safe-regex.js';

export const expectSchema = z
  .object({
    /** Every listed string appears in the answer (case-sensitive). */
    contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** None of these appears. */
    not_contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** A regular expression the answer matches; `/pattern/flags` or a bare pattern (RE2 syntax, see safe-regex.ts). */
    regex: z.string().min(1).optional(),
    /** The answer parses as JSON. */
    json: z.boolean().optional(),
    max_latency_ms: z.number().positive().optional(),
  })
  .strict();

export type Expect = z.output<typeof expectSchema>;

export interface CheckResult {
  check: string;
  pass: boolean;
  detail: string;
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Checks an answer; `answer` null means the task did not succeed, which fails every check. */
export function runChecks(expect: Expect | undefined, answer: string | null, latencyMs: number | null): CheckResult[] {
  if (!expect) return [];
  const results: CheckResult[] = [];
  const text = answer ?? '';
  const failed = answer === null;
  for (const needle of list(expect.contains)) {
    results.push({ check: `contains ${JSON.stringify(needle)}`, pass: !failed && text.includes(needle), detail: failed ? 'the task failed' : text.includes(needle) ? 'found' : 'not found in the answer' });
  }
  for (const needle of list(expect.not_contains)) {
    results.push({ check: `does not contain ${JSON.stringify(needle)}`, pass: !failed && !text.includes(needle), detail: failed ? 'the task failed' : text.includes(needle) ? 'found in the answer' : 'absent' });
  }
  if (expect.regex !== undefined) {
    let pass = false;
    let detail: string;
    try {
      pass = !failed && linearRegex(expect.regex).test(text);
      detail = failed ? 'the task failed' : pass ? 'matches' : 'does not match';
    } catch (err) {
      detail = `invalid regex: ${err instanceof Error ? err.message : String(err)}`;
    }
    results.push({ check: `matches ${expect.regex}`, pass, detail });
  }
  if (expect.json) {
    let pass = false;
    let detail = 'the task failed';
    if (!failed) {
      try {
        JSON.parse(text);
        pass = true;
        detail = 'valid JSON';
      } catch (err) {
        detail = `not JSON: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    results.push({ check: 'parses as JSON', pass, detail });
  }
  if (expect.max_latency_ms !== undefined) {
    const pass = !failed && latencyMs !== null && latencyMs <= expect.max_latency_ms;
    results.push({ check: `latency <= ${expect.max_latency_ms} ms`, pass, detail: latencyMs === null ? 'no latency recorded' : `${Math.round(latencyMs)} ms` });
  }
  return results;
}
