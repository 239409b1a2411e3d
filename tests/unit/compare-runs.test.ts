import { describe, expect, it } from 'vitest';
import { compareRuns, hasRegressions } from '../../core/compare/compare.js';
import { numberDelta } from '../../core/compare/deltas.js';
import type { ComparedPair, Comparison } from '../../core/compare/types.js';
import { fail, pass, record, task } from '../fixtures/run-records.js';

function byPrompt(c: Comparison, backend: string, promptId: string, repeat = 0): ComparedPair {
  const pair = c.pairs.find((p) => p.backend === backend && p.prompt_id === promptId && p.repeat_index === repeat);
  if (!pair) throw new Error(`no pair ${backend}/${promptId}/${repeat}`);
  return pair;
}

/** Two runs over two backends with one pair of every category (and a second unchanged one). */
function knownRuns() {
  const a = record({ run_id: 'run-a', backends: ['claude_code', 'gemini'] }, [
    task({ prompt_id: 'same', backend: 'claude_code', result: 'hello' }),
    task({ prompt_id: 'edit', backend: 'claude_code', result: 'line one\nline two\n' }),
    task({ prompt_id: 'breaks', backend: 'claude_code', result: 'ok' }),
    task({ prompt_id: 'heals', backend: 'gemini', status: 'failed', artifact: { failure_class: 'rate_limited' } }),
    task({ prompt_id: 'broken', backend: 'gemini', status: 'failed' }),
    task({ prompt_id: 'dropped', backend: 'gemini' }),
    task({ prompt_id: 'same', backend: 'gemini', result: 'hi' }),
  ]);
  const b = record({ run_id: 'run-b', backends: ['claude_code', 'gemini'] }, [
    task({ prompt_id: 'same', backend: 'claude_code', result: 'hello' }),
    task({ prompt_id: 'edit', backend: 'claude_code', result: 'line one\nline 2\n' }),
    task({ prompt_id: 'breaks', backend: 'claude_code', status: 'failed', artifact: { failure_class: 'timeout' } }),
    task({ prompt_id: 'heals', backend: 'gemini', result: 'fine now' }),
    task({ prompt_id: 'broken', backend: 'gemini', status: 'failed' }),
    task({ prompt_id: 'same', backend: 'gemini', result: 'hi' }),
    task({ prompt_id: 'added', backend: 'gemini' }),
  ]);
  return { a, b };
}

describe('compareRuns: categories', () => {
  it('two runs with known differences give exactly the expected categories and counts', () => {
    const { a, b } = knownRuns();
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => [p.backend, p.prompt_id, p.category])).toEqual([
      ['claude_code', 'same', 'unchanged'],
      ['claude_code', 'edit', 'changed'],
      ['claude_code', 'breaks', 'new_failure'],
      ['gemini', 'heals', 'fixed'],
      ['gemini', 'broken', 'still_failing'],
      ['gemini', 'dropped', 'only_in_a'],
      ['gemini', 'same', 'unchanged'],
      ['gemini', 'added', 'only_in_b'],
    ]);
    expect(c.summary.counts).toEqual({ new_failure: 1, fixed: 1, changed: 1, still_failing: 1, only_in_a: 1, only_in_b: 1, unchanged: 2 });
    expect(c.summary.pairs).toBe(8);
    expect(c.summary.regressions).toBe(true);
    expect(hasRegressions(c)).toBe(true);
    const [claude, gemini] = c.summary.by_backend;
    expect(claude?.backend).toBe('claude_code');
    expect(claude?.counts).toEqual({ new_failure: 1, fixed: 0, changed: 1, still_failing: 0, only_in_a: 0, only_in_b: 0, unchanged: 1 });
    expect(gemini?.counts).toEqual({ new_failure: 0, fixed: 1, changed: 0, still_failing: 1, only_in_a: 1, only_in_b: 1, unchanged: 1 });
    expect(claude?.a.total).toBe(3);
    expect(gemini?.b.total).toBe(4);
  });

  it('a diff is attached only where both answers exist and differ', () => {
    const { a, b } = knownRuns();
    const c = compareRuns(a, b);
    expect(byPrompt(c, 'claude_code', 'same').diff).toBeNull();
    expect(byPrompt(c, 'claude_code', 'breaks').diff).toBeNull();
    expect(byPrompt(c, 'gemini', 'dropped').diff).toBeNull();
    const diff = byPrompt(c, 'claude_code', 'edit').diff;
    expect(diff).toMatchObject({ removed: 1, added: 1, a_lines: 2, b_lines: 2, simplified: null });
    expect(diff?.hunks[0]?.lines.map((l) => [l.kind, l.text])).toEqual([
      ['context', 'line one'],
      ['removed', 'line two'],
      ['added', 'line 2'],
    ]);
  });

  it('comparing a run with itself finds nothing but unchanged pairs and no regression', () => {
    const { a } = knownRuns();
    const c = compareRuns(a, a);
    expect(c.summary.counts.unchanged).toBe(5);
    expect(c.summary.counts.still_failing).toBe(2);
    expect(c.summary.counts.new_failure).toBe(0);
    expect(hasRegressions(c)).toBe(false);
  });

  it('a failed side carries its status, failure class and error; the pair keeps both task ids', () => {
    const { a, b } = knownRuns();
    const pair = byPrompt(compareRuns(a, b), 'claude_code', 'breaks');
    expect(pair.a).toMatchObject({ status: 'done', ok: true, error: null });
    expect(pair.b).toMatchObject({ status: 'failed', ok: false, failure_class: 'timeout', error: 'it failed', answer_chars: null });
    expect(pair.key).toBe(`${pair.a?.task_id}:${pair.b?.task_id}`);
  });

  it('a task that did not finish in B (cancelled, still running) is not ok: a new failure against an ok A', () => {
    const a = record({}, [task({ prompt_id: 'x' }), task({ prompt_id: 'y' })]);
    const b = record({}, [task({ prompt_id: 'x', status: 'cancelled' }), task({ prompt_id: 'y', status: 'leased' })]);
    expect(compareRuns(a, b).pairs.map((p) => p.category)).toEqual(['new_failure', 'new_failure']);
  });
});

describe('compareRuns: checks', () => {
  it('an ok task whose check now fails is a new failure naming the check', () => {
    const a = record({}, [task({ prompt_id: 'x', result: 'has foo', checks: [pass('contains "foo"')] })]);
    const b = record({}, [task({ prompt_id: 'x', result: 'no', checks: [fail('contains "foo"')] })]);
    const [pair] = compareRuns(a, b).pairs;
    expect(pair?.category).toBe('new_failure');
    expect(pair?.check_regressions).toEqual([fail('contains "foo"')]);
    expect(pair?.b?.ok).toBe(false);
  });

  it('a check that passed in A and fails in B is a regression even when A already failed another check', () => {
    const a = record({}, [task({ prompt_id: 'x', checks: [pass('contains "a"'), fail('parses as JSON')] })]);
    const b = record({}, [task({ prompt_id: 'x', result: 'other', checks: [fail('contains "a"'), pass('parses as JSON')] })]);
    const c = compareRuns(a, b);
    const [pair] = c.pairs;
    expect(pair?.category).toBe('new_failure');
    expect(pair?.check_regressions.map((r) => r.check)).toEqual(['contains "a"']);
    expect(pair?.check_fixes).toEqual(['parses as JSON']);
    expect(hasRegressions(c)).toBe(true);
  });

  it('failing checks on both sides with nothing newly failing is still failing; all passing again is fixed', () => {
    const a = record({}, [task({ prompt_id: 'x', checks: [fail('c1')] }), task({ prompt_id: 'y', checks: [fail('c1'), pass('c2')] })]);
    const b = record({}, [task({ prompt_id: 'x', result: 'different', checks: [fail('c1')] }), task({ prompt_id: 'y', checks: [pass('c1'), pass('c2')] })]);
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => p.category)).toEqual(['still_failing', 'fixed']);
    expect(c.pairs[1]?.check_fixes).toEqual(['c1']);
    expect(hasRegressions(c)).toBe(false);
  });

  it('checks added to the pack between runs are not regressions when they pass', () => {
    const a = record({}, [task({ prompt_id: 'x' })]);
    const b = record({}, [task({ prompt_id: 'x', checks: [pass('new check')] })]);
    expect(compareRuns(a, b).pairs[0]?.category).toBe('unchanged');
  });
});

describe('compareRuns: pairing', () => {
  it('pairs by prompt text when the ids differ or are missing, and says so', () => {
    const a = record({}, [task({ prompt_id: 'old-id', prompt: 'Say hi' }), task({ prompt_id: '', prompt: 'Count to 3', result: '1 2 3' })]);
    const b = record({}, [task({ prompt_id: 'new-id', prompt: 'Say hi' }), task({ prompt_id: '', prompt: 'Count to 3', result: '1, 2, 3' })]);
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => [p.prompt_id, p.matched_by, p.category])).toEqual([
      ['new-id', 'text', 'unchanged'],
      ['', 'text', 'changed'],
    ]);
    expect(c.summary.counts.only_in_a + c.summary.counts.only_in_b).toBe(0);
  });

  it('the same id wins over text; a changed prompt text under the same id is flagged', () => {
    const a = record({}, [task({ prompt_id: 'p', prompt: 'Say hi', result: 'hi' })]);
    const b = record({}, [task({ prompt_id: 'p', prompt: 'Say hello', result: 'hello' })]);
    const [pair] = compareRuns(a, b).pairs;
    expect(pair).toMatchObject({ matched_by: 'id', prompt_changed: true, prompt: 'Say hello', category: 'changed', likely_cause: 'the prompt text changed' });
  });

  it('pairs repeats by index; a repeat missing in B is only in A', () => {
    const a = record({ repeat: 3 }, [0, 1, 2].map((i) => task({ prompt_id: 'p', repeat_index: i, result: `answer ${i}` })));
    const b = record({ repeat: 2 }, [
      task({ prompt_id: 'p', repeat_index: 1, result: 'answer 1' }),
      task({ prompt_id: 'p', repeat_index: 0, result: 'answer zero' }),
    ]);
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => [p.repeat_index, p.category])).toEqual([
      [0, 'changed'],
      [1, 'unchanged'],
      [2, 'only_in_a'],
    ]);
  });

  it('does not pair across backends', () => {
    const a = record({}, [task({ prompt_id: 'p', backend: 'codex' })]);
    const b = record({}, [task({ prompt_id: 'p', backend: 'kimi' })]);
    expect(compareRuns(a, b).pairs.map((p) => p.category)).toEqual(['only_in_a', 'only_in_b']);
  });
});

describe('compareRuns: versions, models and deltas', () => {
  it('a CLI version change on a changed or newly failing pair is named as the likely cause', () => {
    const v1 = { cli_version: '2.1.197', model: 'sonnet' };
    const v2 = { cli_version: '2.2.0', model: 'sonnet' };
    const a = record({}, [
      task({ prompt_id: 'p1', backend: 'claude_code', result: 'x', artifact: v1 }),
      task({ prompt_id: 'p2', backend: 'claude_code', result: 'same', artifact: v1 }),
      task({ prompt_id: 'p3', backend: 'claude_code', artifact: v1 }),
    ]);
    const b = record({}, [
      task({ prompt_id: 'p1', backend: 'claude_code', result: 'y', artifact: v2 }),
      task({ prompt_id: 'p2', backend: 'claude_code', result: 'same', artifact: v2 }),
      task({ prompt_id: 'p3', backend: 'claude_code', status: 'failed', artifact: v2 }),
    ]);
    const c = compareRuns(a, b);
    expect(c.pairs.map((p) => [p.category, p.likely_cause])).toEqual([
      ['changed', 'claude_code 2.1.197 → 2.2.0'],
      ['unchanged', null],
      ['new_failure', 'claude_code 2.1.197 → 2.2.0'],
    ]);
    expect(c.pairs[1]?.cli_version_change).toEqual({ from: '2.1.197', to: '2.2.0' });
    expect(c.pairs[0]?.model_change).toBeNull();
    expect(c.changes).toEqual([{ backend: 'claude_code', kind: 'cli_version', a: ['2.1.197'], b: ['2.2.0'], text: 'claude_code 2.1.197 → 2.2.0' }]);
  });

  it('a model change is reported per backend and as a cause; a side without artifacts is no change', () => {
    const a = record({}, [
      task({ prompt_id: 'p', backend: 'gemini', result: 'x', artifact: { model: 'gemini-2.5-pro', cli_version: '0.9.0' } }),
      task({ prompt_id: 'p', backend: 'codex', artifact: { cli_version: '1.0.0' } }),
    ]);
    const b = record({}, [
      task({ prompt_id: 'p', backend: 'gemini', result: 'y', artifact: { model: 'gemini-3-pro', cli_version: '0.9.0' } }),
      task({ prompt_id: 'p', backend: 'codex', status: 'failed', artifact: null }),
    ]);
    const c = compareRuns(a, b);
    expect(c.pairs[0]?.likely_cause).toBe('gemini model gemini-2.5-pro → gemini-3-pro');
    expect(c.pairs[1]).toMatchObject({ category: 'new_failure', likely_cause: null, cli_version_change: null });
    expect(c.changes.map((change) => change.text)).toEqual(['gemini model gemini-2.5-pro → gemini-3-pro']);
  });

  it('deltas: latency in ms and percent, tokens where reported, and a missing cost is null, not 0', () => {
    const a = record({}, [task({ prompt_id: 'p', artifact: { latency_ms: 1000, cost_usd: 0.01, input_tokens: 100, output_tokens: 50 } })]);
    const b = record({}, [task({ prompt_id: 'p', artifact: { latency_ms: 1250, cost_usd: null, input_tokens: 100, output_tokens: null } })]);
    const c = compareRuns(a, b);
    const deltas = c.pairs[0]?.deltas;
    expect(deltas?.latency_ms).toEqual({ a: 1000, b: 1250, delta: 250, pct: 25 });
    expect(deltas?.cost_usd).toEqual({ a: 0.01, b: null, delta: null, pct: null });
    expect(deltas?.input_tokens).toEqual({ a: 100, b: 100, delta: 0, pct: 0 });
    expect(deltas?.output_tokens).toEqual({ a: 50, b: null, delta: null, pct: null });
    const backend = c.summary.by_backend[0];
    expect(backend?.cost_usd).toEqual({ a: null, b: null, delta: null, pct: null });
    expect(backend?.a.cost_usd).toBe(0.01);
    expect(backend?.b.cost_usd).toBeNull();
    expect(backend?.latency_p50_ms.delta).toBe(250);
  });

  it('a backend’s cost compares like for like: only pairs where both runs reported a cost', () => {
    const a = record({}, [task({ prompt_id: 'p1', artifact: { cost_usd: 0.01 } }), task({ prompt_id: 'p2', artifact: { cost_usd: 0.05 } })]);
    const b = record({}, [task({ prompt_id: 'p1', artifact: { cost_usd: 0.02 } }), task({ prompt_id: 'p2', artifact: { cost_usd: null } })]);
    const backend = compareRuns(a, b).summary.by_backend[0];
    expect(backend?.cost_usd).toEqual({ a: 0.01, b: 0.02, delta: 0.01, pct: 100 });
    expect(backend?.a.cost_usd).toBeCloseTo(0.06, 10);
  });

  it('numberDelta: no percent from a zero base, no float noise, and a task without artifact reports nothing', () => {
    expect(numberDelta(0, 0.02)).toEqual({ a: 0, b: 0.02, delta: 0.02, pct: null });
    expect(numberDelta(0.1, 0.3).delta).toBe(0.2);
    expect(numberDelta(200, 100).pct).toBe(-50);
    // A drop too small to show is 0, not -0 (which JSON, and so a kept comparison, would turn into 0).
    expect(Object.is(numberDelta(4908, 4907).pct, 0)).toBe(true);
    const a = record({}, [task({ prompt_id: 'p', status: 'failed', artifact: null })]);
    const b = record({}, [task({ prompt_id: 'p', artifact: { latency_ms: 10 } })]);
    expect(compareRuns(a, b).pairs[0]?.deltas.latency_ms).toEqual({ a: null, b: 10, delta: null, pct: null });
  });

  it('the summary names both runs', () => {
    const { a, b } = knownRuns();
    const c = compareRuns(a, b);
    expect(c.a).toMatchObject({ run_id: 'run-a', pack_name: 'smoke', tasks: 7 });
    expect(c.b).toMatchObject({ run_id: 'run-b', tasks: 7 });
    expect(Object.keys(c)).toEqual(['a', 'b', 'summary', 'changes', 'gate', 'rows', 'pairs']);
  });
});
