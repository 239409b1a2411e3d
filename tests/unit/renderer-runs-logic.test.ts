/** Pure logic of the Runs page: start-dialog defaults and checks, progress bars, latency series. */
import { describe, expect, it } from 'vitest';
import type { BackendView } from '../../core/api.js';
import { rollups } from '../../core/runs/rollup.js';
import { checkStart, defaultPack, notReadyChosen, parseRemembered, preselectedBackends, isActive, passFail, progressOf, readyBackends, splitRollups } from '../../renderer/src/pages/runs/runs-logic.js';
import { hasPoints, latencySeries, ofPack, packsByRecency, toAligned } from '../../renderer/src/pages/runs/latency-series.js';
import { record, task } from '../fixtures/run-records.js';

function backend(name: string, status: 'ok' | 'warn' | 'fail'): BackendView {
  return {
    name,
    preflight: { backend: name, status, driver: name, binary: null, version: null, problems: [], auth: { env_present: [], files_present: [], hint: null }, required_flags: [], engine: null },
    settings: { concurrency: 1, model: null, tool_policy: 'none', binary_path: null },
    local_agent: null,
    required_options: [],
  };
}

describe('the start dialog', () => {
  it('preselects the last choice of backends (an unticked echo stays unticked), else the ready ones', () => {
    const views = [backend('echo', 'ok'), backend('slow', 'ok'), backend('claude_code', 'fail')];
    expect(preselectedBackends(views, null)).toEqual(['echo', 'slow']);
    expect(preselectedBackends(views, ['slow'])).toEqual(['slow']);
    expect(preselectedBackends(views, ['slow', 'gone_backend'])).toEqual(['slow']);
    expect(preselectedBackends(views, [])).toEqual([]);
    expect(parseRemembered('["slow"]')).toEqual(['slow']);
    expect(parseRemembered('{"slow":1}')).toBeNull();
    expect(parseRemembered('not json')).toBeNull();
    expect(parseRemembered(null)).toBeNull();
  });

  it('names each chosen backend that is not ready with its first reason', () => {
    const claude = { ...backend('claude_code', 'fail'), preflight: { ...backend('claude_code', 'fail').preflight, problems: ['claude not found on PATH (install: npm install -g @anthropic-ai/claude-code)', 'second'] } };
    expect(notReadyChosen([backend('echo', 'ok'), claude], ['echo', 'claude_code'])).toEqual([{ name: 'claude_code', reason: 'claude not found on PATH (install: npm install -g @anthropic-ai/claude-code)' }]);
    expect(notReadyChosen([backend('echo', 'ok'), claude], ['echo'])).toEqual([]);
  });

  it('preselects the smoke pack when there is one, else the first pack', () => {
    expect(defaultPack([{ name: 'hello', path: '', prompts: 1 }, { name: 'smoke', path: '', prompts: 4 }])).toBe('smoke');
    expect(defaultPack([{ name: 'hello', path: '', prompts: 1 }])).toBe('hello');
    expect(defaultPack([])).toBeNull();
  });

  it('preselects the backends whose preflight is ok or warn, not the failing ones', () => {
    expect(readyBackends([backend('echo', 'ok'), backend('claude_code', 'fail'), backend('gemini', 'warn')])).toEqual(['echo', 'gemini']);
  });

  it('turns the fields into a runs.start input, or says what to fix', () => {
    expect(checkStart({ pack: 'smoke', backends: ['echo'], label: ' nightly ', repeat: '2' })).toEqual({
      ok: true,
      input: { pack: 'smoke', backends: ['echo'], preset: 'smoke', repeat: 2, label: 'nightly' },
    });
    // Blank leaves the repeat to the pack header, then mittelo.config.json (the hub decides).
    expect(checkStart({ pack: 'smoke', backends: ['echo'], label: '', repeat: '' })).toEqual({ ok: true, input: { pack: 'smoke', backends: ['echo'], preset: 'smoke' } });
    expect(checkStart({ pack: 'smoke', backends: [], label: '', repeat: '1' })).toMatchObject({ ok: false, error: expect.stringContaining('backend') });
    expect(checkStart({ pack: 'smoke', backends: ['echo'], label: '', repeat: '1.5' })).toMatchObject({ ok: false, error: expect.stringContaining('Repeat') });
  });
});

describe('progress and history', () => {
  const tasks = [
    task({ backend: 'echo' }),
    task({ backend: 'echo', status: 'failed' }),
    task({ backend: 'upper', status: 'leased', result: null }),
    task({ backend: 'upper', status: 'queued', result: null, artifact: null }),
  ];
  it('splits a run into done, failed, running and queued segments per backend', () => {
    const { total: whole, backends } = splitRollups(rollups(tasks, ['echo', 'upper']));
    expect(backends.map((b) => b.backend)).toEqual(['echo', 'upper']);
    const [first, second] = backends.map(progressOf);
    const echo = first;
    expect(echo?.segments).toEqual([
      { kind: 'passed', count: 1, pct: 50 },
      { kind: 'failed', count: 1, pct: 50 },
    ]);
    expect(echo?.text).toBe('2 of 2 finished: 1 passed, 1 failed');
    expect(second?.segments.map((s) => s.kind)).toEqual(['running', 'queued']);
    expect(isActive(whole)).toBe(true);
    expect(passFail(whole)).toEqual({ passed: 1, failed: 1, pending: 2 });
  });

  it('shows a done task that failed its checks as a failed check, not as done, and a check still running as pending', () => {
    const failedCheck = { check: 'contains "391"', pass: false, detail: 'not found in the answer', kind: 'contains' as const, reason: 'expected the answer to contain "391"' };
    const judging = { check: 'judge', pass: false, detail: 'not checked yet', kind: 'judge' as const, pending: true };
    const checked = [task({ backend: 'echo' }), task({ backend: 'echo', checks: [failedCheck], pass: false }), task({ backend: 'echo', checks: [judging], pass: false })];
    const { total: whole, backends } = splitRollups(rollups(checked, ['echo']));
    const echo = backends.map(progressOf)[0];
    expect(echo?.segments.map((s) => [s.kind, s.count])).toEqual([['passed', 1], ['checks_failed', 1], ['checking', 1]]);
    expect(echo?.text).toBe('3 of 3 finished: 1 passed, 1 failed checks, 1 checking');
    // A check still deciding keeps the run active and is not counted as a failure yet.
    expect(isActive(whole)).toBe(true);
    expect(passFail(whole)).toEqual({ passed: 1, failed: 1, pending: 1 });
  });

  it('plots p50 latency per backend oldest run first, with gaps where a run lacks the backend', () => {
    const older = record({ run_id: 'r1', created_at: 100 }, [task({ backend: 'echo', artifact: { latency_ms: 200 } })]);
    const newer = record({ run_id: 'r2', created_at: 200 }, [task({ backend: 'upper', artifact: { latency_ms: 50 } })]);
    const history = [newer, older].map((r) => ({ run: r.run, rollups: rollups(r.tasks, r.run.backends) }));
    const series = latencySeries(history);
    expect(series.runs.map((r) => r.run_id)).toEqual(['r1', 'r2']);
    expect(series.backends).toEqual(['echo', 'upper']);
    expect(series.values).toEqual([
      [200, null],
      [null, 50],
    ]);
    expect(toAligned(series)).toEqual([[0, 1], [200, null], [null, 50]]);
    expect(hasPoints(series)).toBe(true);
  });

  it('plots one pack at a time, the newest run’s pack first', () => {
    const smoke = record({ run_id: 's1', pack_name: 'smoke', created_at: 100 }, [task({ backend: 'echo', artifact: { latency_ms: 10 } })]);
    const big = record({ run_id: 'b1', pack_name: 'big', created_at: 200 }, [task({ backend: 'echo', artifact: { latency_ms: 9000 } })]);
    const smoke2 = record({ run_id: 's2', pack_name: 'smoke', created_at: 300 }, [task({ backend: 'echo', artifact: { latency_ms: 12 } })]);
    const history = [smoke, big, smoke2].map((r) => ({ run: r.run, rollups: rollups(r.tasks, r.run.backends) }));
    expect(packsByRecency(history)).toEqual(['smoke', 'big']);
    const series = latencySeries(ofPack(history, 'smoke'));
    expect(series.runs.map((r) => r.run_id)).toEqual(['s1', 's2']);
    expect(series.values).toEqual([[10, 12]]);
  });
});
