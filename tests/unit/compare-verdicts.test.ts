/**
 * Verdicts per (prompt, backend) over repeats and the CI gate, on seeded fake backends that pass
 * with a known probability, and on hand-built runs for the gaps a row-by-row view misses (issue 16).
 */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { DEFAULT_GATE_POLICY, resolvePolicy } from '../../core/compare/policy.js';
import type { GatePolicy, PromptRow } from '../../core/compare/types.js';
import { fail, pass, record, task } from '../fixtures/run-records.js';
import { seededRun } from '../fixtures/seeded.js';

const policy = (values: Partial<GatePolicy> = {}): { policy: GatePolicy } => ({ policy: { ...DEFAULT_GATE_POLICY, ...values } });
const row = (rows: PromptRow[], prompt: string, backend = 'echo') => {
  const found = rows.find((r) => r.prompt_id === prompt && r.backend === backend);
  if (!found) throw new Error(`no row ${prompt} on ${backend}`);
  return found;
};

describe('verdicts over repeats (seeded fake backends)', () => {
  it('95% vs 94% over 10 repeats is not a regression, on any of 40 prompts, over 20 seeds', () => {
    let regressed = 0;
    let flaky = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const a = seededRun('a', [{ name: 'echo', pass: 0.95 }], 40, 10, seed);
      const b = seededRun('b', [{ name: 'echo', pass: 0.94 }], 40, 10, seed + 1000);
      const c = compareRuns(a, b);
      regressed += c.summary.verdicts.regressed;
      flaky += c.summary.verdicts.flaky;
      expect(c.gate.pass, c.gate.failures.map((f) => f.text).join('\n')).toBe(true);
    }
    expect(regressed).toBe(0);
    // The noise is there (and named): many prompts are flaky, none fails the gate.
    expect(flaky).toBeGreaterThan(100);
  });

  it('95% vs 40% over 10 repeats is a regression on most prompts, with counts and p-value in words', () => {
    const a = seededRun('a', [{ name: 'echo', pass: 0.95 }], 20, 10, 1);
    const b = seededRun('b', [{ name: 'echo', pass: 0.4 }], 20, 10, 2);
    const c = compareRuns(a, b);
    expect(c.gate.pass).toBe(false);
    expect(c.summary.verdicts.regressed).toBeGreaterThanOrEqual(15);
    expect(c.summary.regressions).toBe(true);
    const first = c.rows[0] as PromptRow;
    expect(first.verdict).toBe('regressed');
    expect(first.gating).toBe(true);
    expect(first.why[0]).toMatch(/^passed \d+\/10 \(\d+%\) in A, \d+\/10 \(\d+%\) in B; drop significant: p (=|<) 0\.\d+ ≤ alpha 0\.05/);
    // Rows come most significant first.
    const regressedRows = c.rows.filter((r) => r.verdict === 'regressed');
    for (let i = 1; i < regressedRows.length; i++) expect(regressedRows[i]?.p_drop ?? 0).toBeGreaterThanOrEqual(regressedRows[i - 1]?.p_drop ?? 0);
    expect(c.gate.failures.filter((f) => f.kind === 'regressed')).toHaveLength(c.summary.verdicts.regressed);
    expect(first.b?.pass_hat_k).toBeLessThan(first.a?.pass_hat_k ?? 0);
    expect(first.latency_ms.a.n).toBe(10);
    expect(first.latency_ms.p_value).not.toBeNull();
  });

  it('improved is the mirror of regressed', () => {
    const c = compareRuns(seededRun('a', [{ name: 'echo', pass: 0.3 }], 10, 10, 3), seededRun('b', [{ name: 'echo', pass: 1 }], 10, 10, 4));
    expect(c.summary.verdicts.improved).toBeGreaterThanOrEqual(8);
    expect(c.summary.verdicts.regressed).toBe(0);
    expect(c.gate.pass).toBe(true);
  });

  it('alpha and max_pass_rate_drop decide what counts; the source of the policy is named', () => {
    const a = seededRun('a', [{ name: 'echo', pass: 1 }], 1, 10, 1);
    const b = record({ run_id: 'b', pack_name: 'seeded' }, Array.from({ length: 10 }, (_, r) => task({ prompt_id: 'p0', prompt: 'prompt 0', repeat_index: r, status: r < 6 ? 'done' : 'failed', result: r < 6 ? 'ok 0' : null })));
    // 10/10 → 6/10: p = 0.043.
    expect(row(compareRuns(a, b, policy()).rows, 'p0').verdict).toBe('regressed');
    expect(row(compareRuns(a, b, policy({ alpha: 0.01 })).rows, 'p0').verdict).toBe('flaky');
    expect(row(compareRuns(a, b, policy({ max_pass_rate_drop: 0.5 })).rows, 'p0').verdict).toBe('flaky');
    const resolved = resolvePolicy([
      { source: 'pack header of seeded', values: { alpha: 0.01, min_repeats: 5 } },
      { source: 'command line', values: { alpha: 0.2 } },
    ]);
    expect(resolved).toEqual({ policy: { min_repeats: 5, alpha: 0.2, max_pass_rate_drop: 0, allow_flaky: true }, source: 'defaults, then pack header of seeded, then command line' });
    expect(resolvePolicy([{ source: 'x', values: {} }]).source).toBe('defaults');
  });

  it('a check whose pass rate drops significantly regresses the row even when the task still passes overall', () => {
    const checks = (ok: boolean) => [pass('contains "x"'), ok ? pass('json') : fail('json', 'not JSON: Unexpected token')];
    const a = record({ run_id: 'a' }, Array.from({ length: 8 }, (_, r) => task({ prompt_id: 'p', repeat_index: r, checks: checks(true), pass: true })));
    const b = record({ run_id: 'b' }, Array.from({ length: 8 }, (_, r) => task({ prompt_id: 'p', repeat_index: r, checks: checks(r < 1), pass: true })));
    const c = compareRuns(a, b);
    const p = row(c.rows, 'p');
    expect(p.verdict).toBe('regressed');
    expect(p.rate_regressed).toBe(false);
    expect(p.checks.find((t) => t.check === 'json')).toMatchObject({ a_passes: 8, b_passes: 1, regressed: true, detail: 'not JSON: Unexpected token' });
    expect(c.gate.failures).toEqual([expect.objectContaining({ kind: 'check_regression', text: expect.stringContaining('check json passed 8/8 in A, 1/8 in B (not JSON: Unexpected token)') })]);
  });

  it('allow_flaky: a prompt that passed every try in A and is flaky in B warns, or fails the gate when not allowed', () => {
    const a = seededRun('a', [{ name: 'echo', pass: 1 }], 1, 10, 1);
    const b = record({ run_id: 'b', pack_name: 'seeded' }, Array.from({ length: 10 }, (_, r) => task({ prompt_id: 'p0', prompt: 'prompt 0', repeat_index: r, status: r < 8 ? 'done' : 'failed', result: r < 8 ? 'ok 0' : null })));
    const allowed = compareRuns(a, b);
    expect(row(allowed.rows, 'p0').verdict).toBe('flaky');
    expect(allowed.gate.pass).toBe(true);
    expect(allowed.gate.warnings.map((w) => w.kind)).toEqual(['flaky']);
    const strict = compareRuns(a, b, policy({ allow_flaky: false }));
    expect(strict.gate.pass).toBe(false);
    expect(strict.gate.failures[0]?.text).toContain('p0 on echo passed every try in A and is flaky in B: passed 10/10 (100%) in A, 8/10 (80%) in B; mixed results in B');
  });

  it('many flaky prompts make one warning, not a wall of them', () => {
    const a = seededRun('a', [{ name: 'echo', pass: 1 }], 40, 10, 1);
    const b = seededRun('b', [{ name: 'echo', pass: 0.85 }], 40, 10, 9);
    const c = compareRuns(a, b);
    const flaky = c.gate.warnings.filter((w) => w.kind === 'flaky');
    expect(flaky).toHaveLength(1);
    expect(flaky[0]?.text).toMatch(/^\d+ prompts passed every try in A and are flaky in B: p\d+ on echo, .* and \d+ more$/);
  });

  it('min_repeats: fewer tries than the policy asks fails the gate and says how to fix it', () => {
    const a = seededRun('a', [{ name: 'echo', pass: 1 }], 3, 1, 1);
    const c = compareRuns(a, { ...a, run: { ...a.run, run_id: 'b' } }, policy({ min_repeats: 5 }));
    expect(c.gate.pass).toBe(false);
    expect(c.gate.failures).toEqual([expect.objectContaining({ kind: 'too_few_repeats', text: expect.stringContaining('run with --repeat 5') })]);
  });

  it('changed only when the answers moved beyond their own spread; ranked by that distance', () => {
    const tries = (id: string, answers: string[]) => answers.map((result, r) => task({ prompt_id: id, repeat_index: r, result }));
    const noisy = ['the answer is 42', 'the result is 42', 'the answer is 42', 'our answer is 42'];
    const a = record({ run_id: 'a' }, [...tries('noisy', noisy), ...tries('far', noisy), ...tries('near', noisy)]);
    const b = record({ run_id: 'b' }, [
      ...tries('noisy', ['the result is 42', 'the answer is 42', 'our answer is 42', 'the answer is 42']),
      ...tries('far', ['I cannot answer that', 'I cannot answer that', 'I cannot answer that', 'I cannot answer that']),
      ...tries('near', ['the answer is 42 , surely', 'the answer is 42 , surely', 'the answer is 42 , surely', 'the answer is 42 , surely']),
    ]);
    const c = compareRuns(a, b);
    expect(row(c.rows, 'noisy').verdict).toBe('stable-pass');
    expect(row(c.rows, 'far').verdict).toBe('changed');
    expect(row(c.rows, 'near').verdict).toBe('changed');
    const changed = c.rows.filter((r) => r.verdict === 'changed').map((r) => r.prompt_id);
    expect(changed).toEqual(['far', 'near']);
    expect(row(c.rows, 'far').why[0]).toMatch(/^answers moved 1\.00 apart, 0\.\d+ beyond their own spread \(0\.\d+\)$/);
  });
});

describe('the gate sees what pairs alone miss (issue 16)', () => {
  it('a failing row only in B fails the gate; a passing one does not', () => {
    const a = record({ run_id: 'a' }, [task({ prompt_id: 'p', backend: 'echo' })]);
    const b = record({ run_id: 'b' }, [task({ prompt_id: 'p', backend: 'echo' }), task({ prompt_id: 'p', backend: 'claude_code', status: 'failed', error: 'spawn claude ENOENT' })]);
    const c = compareRuns(a, b);
    expect(c.gate.pass).toBe(false);
    expect(c.summary.regressions).toBe(true);
    expect(c.gate.failures).toEqual([{ kind: 'new_prompt_fails', row_key: 'p\u0000claude_code', text: 'p on claude_code is not in A and fails in B (passed 0/1)' }]);
    expect(row(c.rows, 'p', 'claude_code')).toMatchObject({ verdict: 'only-in-b', gating: true });
    const ok = compareRuns(a, record({ run_id: 'b' }, [task({ prompt_id: 'p' }), task({ prompt_id: 'q' })]));
    expect(ok.gate.pass).toBe(true);
  });

  it('a backend present in A and absent in B fails the gate', () => {
    const a = record({ run_id: 'a' }, [task({ prompt_id: 'p', backend: 'echo' }), task({ prompt_id: 'p', backend: 'gemini' }), task({ prompt_id: 'q', backend: 'gemini' })]);
    const b = record({ run_id: 'b' }, [task({ prompt_id: 'p', backend: 'echo' })]);
    const c = compareRuns(a, b);
    expect(c.gate.pass).toBe(false);
    expect(c.gate.failures.map((f) => f.text)).toEqual(['backend gemini ran 2 task(s) in A and none in B']);
    // Prompts dropped on a backend B still ran only warn.
    const fewer = compareRuns(record({ run_id: 'a' }, [task({ prompt_id: 'p' }), task({ prompt_id: 'q' })]), record({ run_id: 'b' }, [task({ prompt_id: 'p' })]));
    expect(fewer.gate.pass).toBe(true);
    expect(fewer.gate.warnings.map((w) => w.text)).toEqual(['1 prompt(s) of A did not run in B on echo: q']);
  });

  it('runs of different packs fail the gate, saying which packs', () => {
    const a = record({ run_id: 'a', pack_name: 'smoke' }, [task({ prompt_id: 'p' })]);
    const b = record({ run_id: 'b', pack_name: 'coding' }, [task({ prompt_id: 'p' })]);
    const c = compareRuns(a, b);
    expect(c.gate.pass).toBe(false);
    expect(c.gate.failures).toEqual([{ kind: 'different_packs', row_key: null, text: 'A ran pack "smoke" and B pack "coding": their prompts are not like for like' }]);
  });

  it('one try a side keeps the strict rule: pass → fail regresses, and says to repeat', () => {
    const c = compareRuns(record({ run_id: 'a' }, [task({ prompt_id: 'p' })]), record({ run_id: 'b' }, [task({ prompt_id: 'p', status: 'failed' })]));
    expect(row(c.rows, 'p').verdict).toBe('regressed');
    expect(row(c.rows, 'p').why[0]).toContain('one try a side, so any failure counts (repeat the run to judge noise)');
  });
});
