import { describe, expect, it } from 'vitest';
import { checkTaskKinds, expectSchema, runChecks, type Expect } from '../../core/runs/expect.js';
import { parsePack } from '../../core/pack.js';

const check = (e: Expect, answer: string | null, latency: number | null = 10, figures = {}) => runChecks(expectSchema.parse(e), answer, latency, figures);

describe('expect checks', () => {
  it('contains says in words what was expected', () => {
    const [r] = check({ contains: '391' }, 'it is 390');
    expect(r).toMatchObject({ kind: 'contains', pass: false, detail: 'not found in the answer', reason: 'expected the answer to contain "391"' });
    expect(check({ contains: '391' }, 'it is 391')[0]).toMatchObject({ pass: true, reason: 'the answer contains "391"' });
  });

  it('icontains ignores case; contains does not', () => {
    expect(check({ icontains: 'OK' }, 'ok then')[0]?.pass).toBe(true);
    expect(check({ contains: 'OK' }, 'ok then')[0]?.pass).toBe(false);
    expect(check({ icontains: ['red', 'BLUE'] }, 'Red, green')).toMatchObject([{ pass: true }, { pass: false, reason: 'expected the answer to contain "BLUE" in any case' }]);
  });

  it('not_contains fails when the string is there', () => {
    expect(check({ not_contains: '```' }, '```json\n{}```')[0]).toMatchObject({ kind: 'not_contains', pass: false, reason: 'expected the answer not to contain "```", but it does' });
    expect(check({ not_contains: '```' }, '{}')[0]?.pass).toBe(true);
  });

  it('equals compares the trimmed answer exactly', () => {
    expect(check({ equals: 'OK' }, '  OK\n')[0]?.pass).toBe(true);
    expect(check({ equals: 'OK' }, 'OK.')[0]).toMatchObject({ pass: false, reason: 'expected the answer to be exactly "OK", got "OK."' });
  });

  it('starts_with ignores leading white space only', () => {
    expect(check({ starts_with: 'Yes' }, '\n Yes, because')[0]?.pass).toBe(true);
    expect(check({ starts_with: 'Yes' }, 'No. Yes')[0]).toMatchObject({ pass: false, kind: 'starts_with' });
    expect(check({ starts_with: 'Yes' }, 'No. Yes')[0]?.reason).toMatch(/^expected the answer to start with "Yes", it starts with "No\. Yes"/);
  });

  it('regex and json keep their old check and detail texts', () => {
    expect(check({ regex: '\\b391\\b' }, '391')[0]).toMatchObject({ check: 'matches \\b391\\b', pass: true, detail: 'matches' });
    expect(check({ regex: '\\b391\\b' }, '3910')[0]).toMatchObject({ pass: false, detail: 'does not match', reason: 'expected the answer to match the pattern \\b391\\b' });
    expect(check({ json: true }, '{"a":')[0]).toMatchObject({ check: 'parses as JSON', pass: false });
    expect(check({ json: true }, '{"a":')[0]?.reason).toMatch(/^expected the answer to be JSON; it does not parse/);
  });

  it('json_schema validates the parsed answer and names the problems', () => {
    const schema = { type: 'object', required: ['status'], properties: { status: { enum: ['ok'] } }, additionalProperties: false };
    expect(check({ json_schema: schema }, '{"status":"ok"}')[0]).toMatchObject({ kind: 'json_schema', pass: true });
    const bad = check({ json_schema: schema }, '{"status":"down","extra":1}')[0];
    expect(bad?.pass).toBe(false);
    expect(bad?.reason).toContain('/status must be equal to one of the allowed values');
    expect(bad?.reason).toContain('must NOT have additional properties (extra)');
    expect(check({ json_schema: schema }, 'status: ok')[0]?.reason).toMatch(/^expected the answer to be JSON matching the schema; it does not parse/);
    expect(check({ json_schema: { type: 'string', format: 'email' } }, '"a@b.org"')[0]?.pass).toBe(true);
    expect(check({ json_schema: { type: 'string', format: 'email' } }, '"not mail"')[0]?.pass).toBe(false);
  });

  it('a broken JSON Schema is refused when the pack is read, with file and line', () => {
    const line = JSON.stringify({ prompt: 'x', expect: { json_schema: { type: 'objekt' } } });
    expect(() => parsePack(`{"prompt":"ok"}\n${line}\n`, 'p.jsonl')).toThrow(/p\.jsonl:2: expect\.json_schema: not a valid JSON Schema/);
  });

  it('max_cost and max_tokens compare with what the backend reported', () => {
    expect(check({ max_cost: 0.01 }, 'a', 5, { costUsd: 0.002 })[0]).toMatchObject({ pass: true, reason: 'cost $0.0020, within $0.0100' });
    expect(check({ max_cost: 0.01 }, 'a', 5, { costUsd: 0.05 })[0]).toMatchObject({ pass: false, reason: 'expected a cost of at most $0.0100, it cost $0.0500' });
    expect(check({ max_cost: 0.01 }, 'a', 5, {})[0]).toMatchObject({ pass: false, reason: 'the backend reported no cost, so the limit of $0.0100 cannot be checked' });
    expect(check({ max_tokens: 100 }, 'a', 5, { inputTokens: 60, outputTokens: 30 })[0]).toMatchObject({ pass: true });
    expect(check({ max_tokens: 100 }, 'a', 5, { inputTokens: 60, outputTokens: 50 })[0]).toMatchObject({ pass: false, reason: 'expected at most 100 tokens (input + output), used 110' });
    expect(check({ max_tokens: 100 }, 'a', 5, { inputTokens: null, outputTokens: null })[0]?.pass).toBe(false);
  });

  it('max_latency_ms says how long it took', () => {
    expect(check({ max_latency_ms: 100 }, 'a', 250)[0]).toMatchObject({ pass: false, reason: 'expected at most 100 ms, took 250 ms' });
  });

  it('a failed task fails every check, saying so', () => {
    const results = check({ contains: 'a', equals: 'a', json_schema: true, max_cost: 1 }, null);
    expect(results).toHaveLength(4);
    for (const r of results) expect(r).toMatchObject({ pass: false, reason: 'the task failed, so there is no answer to check' });
  });

  it('command and judge are check tasks, not evaluated here', () => {
    const e = expectSchema.parse({ contains: 'a', command: 'true', judge: { backend: 'echo', rubric: 'polite' } });
    expect(runChecks(e, 'a', 1)).toHaveLength(1);
    expect(checkTaskKinds(e)).toEqual(['command', 'judge']);
    expect(() => expectSchema.parse({ judge: { backend: 'echo' } })).toThrow(/rubric/);
    expect(() => expectSchema.parse({ command: '  ' })).toThrow(/blank/);
    expect(() => expectSchema.parse({ command: { run: 'x', timeout_seconds: 99999 } })).toThrow();
  });
});
