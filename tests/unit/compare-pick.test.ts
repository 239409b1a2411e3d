import { describe, expect, it } from 'vitest';
import { listPrompts, sideBySide } from '../../core/compare/pick.js';
import { fail, record, task } from '../fixtures/run-records.js';

function matrix() {
  const tasks = [
    task({ prompt_id: 'greet', prompt: 'Say hi', backend: 'gemini', result: 'Hi!', artifact: { latency_ms: 800, cost_usd: 0.002, input_tokens: 10, output_tokens: 3, model: 'gemini-2.5-pro' } }),
    task({ prompt_id: 'greet', prompt: 'Say hi', backend: 'claude_code', repeat_index: 1, result: 'Hello again', artifact: { latency_ms: 1500, cost_usd: 0.001 } }),
    task({ prompt_id: 'greet', prompt: 'Say hi', backend: 'claude_code', repeat_index: 0, result: 'Hello', artifact: { latency_ms: 1200, cost_usd: null, cli_version: '2.2.0' } }),
    task({ prompt_id: 'greet', prompt: 'Say hi', backend: 'codex', status: 'failed', artifact: { latency_ms: 100, cost_usd: 0, failure_class: 'auth_required' } }),
    task({ prompt_id: 'greet', prompt: 'Say hi', backend: 'kimi', result: 'yo', checks: [fail('contains "hi"')], artifact: { latency_ms: 50, cost_usd: 0.0001 } }),
    task({ prompt_id: 'sum', prompt: 'Add 2 and 2', backend: 'gemini', result: '4' }),
  ];
  return record({ run_id: 'run-m', backends: ['claude_code', 'gemini', 'codex', 'kimi'], picks: {} }, tasks);
}

describe('sideBySide', () => {
  it('lists one prompt’s answers in the run’s backend order, then repeat order, with cost, tokens and latency', () => {
    const view = sideBySide(matrix(), 'greet');
    expect(view?.prompt).toBe('Say hi');
    expect(view?.candidates.map((c) => [c.backend, c.repeat_index, c.answer])).toEqual([
      ['claude_code', 0, 'Hello'],
      ['claude_code', 1, 'Hello again'],
      ['gemini', 0, 'Hi!'],
      ['codex', 0, null],
      ['kimi', 0, 'yo'],
    ]);
    expect(view?.candidates[2]).toMatchObject({ ok: true, latency_ms: 800, cost_usd: 0.002, input_tokens: 10, output_tokens: 3, model: 'gemini-2.5-pro' });
    expect(view?.candidates[0]).toMatchObject({ cost_usd: null, cli_version: '2.2.0' });
    expect(view?.candidates[3]).toMatchObject({ ok: false, status: 'failed', failure_class: 'auth_required', error: 'it failed' });
  });

  it('fastest and cheapest count only ok answers that reported the figure; an unknown cost is not free', () => {
    const view = sideBySide(matrix(), 'greet');
    const id = (backend: string, repeat = 0) => view?.candidates.find((c) => c.backend === backend && c.repeat_index === repeat)?.task_id;
    // kimi is faster and cheaper but failed its check; codex failed; claude_code #0 reported no cost.
    expect(view?.fastest_task_id).toBe(id('gemini'));
    expect(view?.cheapest_task_id).toBe(id('claude_code', 1));
  });

  it('marks the picked answer from run.picks, and ignores a pick that names another prompt’s task', () => {
    const run = matrix();
    const gemini = run.tasks.find((t) => t.prompt_id === 'greet' && t.backend === 'gemini')?.task_id ?? -1;
    run.run.picks = { greet: gemini, sum: gemini };
    const view = sideBySide(run, 'greet');
    expect(view?.picked_task_id).toBe(gemini);
    expect(view?.candidates.filter((c) => c.picked).map((c) => c.backend)).toEqual(['gemini']);
    expect(sideBySide(run, 'sum')?.picked_task_id).toBeNull();
  });

  it('returns null for a prompt the run does not have', () => {
    expect(sideBySide(matrix(), 'nope')).toBeNull();
  });
});

describe('listPrompts', () => {
  it('lists each prompt once in pack order with its task count and a pick that names one of its tasks', () => {
    const run = matrix();
    const sum = run.tasks.find((t) => t.prompt_id === 'sum')?.task_id ?? -1;
    run.run.picks = { sum, greet: 999_999 };
    expect(listPrompts(run)).toEqual([
      { prompt_id: 'greet', prompt: 'Say hi', tasks: 5, picked_task_id: null },
      { prompt_id: 'sum', prompt: 'Add 2 and 2', tasks: 1, picked_task_id: sum },
    ]);
  });
});
