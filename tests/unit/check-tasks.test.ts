import { describe, expect, it } from 'vitest';
import { checkTaskResult, commandRoute, judgePrompt, parseVerdict } from '../../core/runs/check-tasks.js';
import { RunProgress } from '../../core/session/progress.js';
import type { Task } from '../../core/queue/types.js';

function task(fields: Partial<Task>): Task {
  return {
    task_id: 1, prompt: 'p', status: 'done', created_at: 0, updated_at: 0, leased_until: null, worker_id: null, result: null, error: null, priority: 0,
    backend: 'echo', attempts: 1, max_attempts: null, labels: [], metadata: {}, run_id: 'r1', idempotency_key: null, leased_at: null, finished_at: 1, cancelled_at: null,
    ...fields,
  };
}

describe('judge verdicts', () => {
  it('reads a JSON verdict, also inside prose or a code fence', () => {
    expect(parseVerdict('{"pass": true, "reason": "polite"}')).toEqual({ pass: true, reason: 'polite' });
    expect(parseVerdict('Here you go:\n```json\n{"pass": false, "reason": "rude"}\n```')).toEqual({ pass: false, reason: 'rude' });
    expect(parseVerdict('{"pass": false}')).toEqual({ pass: false, reason: 'no reason given' });
  });

  it('reads a reply that starts with PASS or FAIL', () => {
    expect(parseVerdict('PASS: it names the bug')).toEqual({ pass: true, reason: 'it names the bug' });
    expect(parseVerdict('**fail** - no fix given')).toEqual({ pass: false, reason: 'no fix given' });
  });

  it('says so when the reply has no verdict', () => {
    const verdict = parseVerdict('I think it is fine {"passed": "yes"}');
    expect(verdict.pass).toBeNull();
    expect(verdict.reason).toMatch(/^the judge's reply has no verdict/);
  });

  it('gives the judge the rubric, the prompt and the answer', () => {
    const prompt = judgePrompt('Names a fix.', 'Review this', 'Use a lock.');
    expect(prompt).toContain('## Rubric\nNames a fix.');
    expect(prompt).toContain('## The prompt that was asked\nReview this');
    expect(prompt).toContain('## The answer to grade\nUse a lock.');
  });
});

describe('check task results', () => {
  const expect_ = { command: 'true', judge: { backend: 'gemini', rubric: 'r' } };
  it('is pending until the check task ends, failed for a failed answer', () => {
    expect(checkTaskResult('judge', expect_, undefined, false)).toMatchObject({ pass: false, pending: true, reason: 'waiting for the judge (gemini) to check the answer' });
    expect(checkTaskResult('command', expect_, task({ status: 'leased' }), false)).toMatchObject({ pending: true, task_id: 1 });
    expect(checkTaskResult('command', expect_, undefined, true)).toMatchObject({ pass: false, reason: 'the task failed, so there is no answer to check' });
    expect(checkTaskResult('judge', expect_, task({ status: 'failed', error: 'auth_required: log in' }), false).reason).toBe('the judge (gemini) could not grade the answer: auth_required: log in');
    expect(checkTaskResult('command', expect_, task({ status: 'cancelled' }), false)).toMatchObject({ pass: false, reason: 'the command check was cancelled before it decided' });
  });

  it('routes a run\'s command checks to a name the wire keeps as it is', () => {
    expect(commandRoute('run-20261204T142308Z-1e260b')).toBe('check.run_20261204t142308z_1e260b');
    expect(commandRoute('x'.repeat(120))).toMatch(/^check\.[0-9a-f]{24}$/);
  });
});

describe('CLI progress', () => {
  it('counts failed checks apart from passes and lists them in words; a check task joins the run by its events', () => {
    const progress = new RunProgress(
      [
        { task_id: 1, backend: 'echo', prompt_id: 'ok', expect: { contains: 'OK' } },
        { task_id: 2, backend: 'echo', prompt_id: 'number', expect: { contains: '391', judge: { backend: 'judge', rubric: 'r' } } },
      ],
      0,
      1000,
      'r1',
    );
    progress.update(task({ task_id: 1, status: 'done', result: 'echo:OK' }));
    progress.update(task({ task_id: 2, status: 'done', result: 'echo:what is 17 * 23' }));
    // The judge's task: announced by its `enqueued` event, then done with a failing verdict.
    expect(progress.update(task({ task_id: 3, backend: 'judge', status: 'queued', metadata: { check_of: 2, check: 'judge', prompt_id: 'number' } }))).toBe(true);
    expect(progress.update(task({ task_id: 99, run_id: 'other', metadata: { check_of: 2, check: 'judge' } }))).toBe(false);
    expect(progress.finished).toBe(false);
    progress.update(task({ task_id: 3, status: 'done', result: '{"pass": false, "reason": "no product"}' }));
    expect(progress.finished).toBe(true);
    expect(progress.perBackend()).toEqual([{ backend: 'echo', total: 2, queued: 0, running: 0, done: 2, failed: 0, cancelled: 0, passed: 1, checks_failed: 1 }]);
    const lines = progress.render();
    expect(lines[0]).toMatch(/^echo +\[#+\] 2\/2 {2}done 2 \(1 passed, 1 failed checks\) {2}failed 0 {2}running 0$/);
    expect(lines).toContain('failed checks:');
    expect(lines).toContain('  ✗ number on echo: expected the answer to contain "391"; the judge (judge) failed the answer: no product');
  });
});
