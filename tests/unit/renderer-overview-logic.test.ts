/** Overview and enqueue-form logic: cost per backend, agent health, form checks in plain words. */
import { describe, expect, it } from 'vitest';
import { workerHealth } from '../../renderer/src/lib/agents.js';
import { rollupByBackend } from '../../renderer/src/lib/rollup.js';
import { validateEnqueue } from '../../renderer/src/pages/tasks/enqueue-validation.js';
import type { RunRollup, RunSummary } from '../../renderer/src/api/types.js';

function rollup(backend: string | null, over: Partial<RunRollup> = {}): RunRollup {
  return {
    backend, total: 2, done: 2, failed: 0, running: 0, queued: 0, cancelled: 0, passed: 2, check_failures: 0, checks_pending: 0,
    latency_ms: { p50: 10, p95: 20, mean: 12 }, input_tokens: null, output_tokens: null, cost_usd: null, ...over,
  };
}
const run = (rollups: RunRollup[]) => ({ run: {} as RunSummary['run'], rollups });

describe('rollupByBackend', () => {
  it('sums per backend over runs, skips the whole-run line, and keeps "not reported" as null', () => {
    const totals = rollupByBackend([
      run([rollup(null, { total: 4 }), rollup('claude_code', { cost_usd: 0.5, input_tokens: 100, output_tokens: 10 }), rollup('echo')]),
      run([rollup('claude_code', { cost_usd: 0.25, input_tokens: null, failed: 1, done: 1 })]),
    ]);
    expect(totals.map((t) => t.backend)).toEqual(['claude_code', 'echo']);
    expect(totals[0]).toMatchObject({ runs: 2, total: 4, done: 3, failed: 1, cost_usd: 0.75, input_tokens: 100, output_tokens: 10 });
    expect(totals[1]).toMatchObject({ runs: 1, cost_usd: null, input_tokens: null });
  });
});

describe('workerHealth', () => {
  const worker = { worker_id: 'w', backends: ['echo'], last_seen: 1000, waiting: false, running: [] };
  it('reads running, waiting, idle, and silent after a minute without a word', () => {
    expect(workerHealth({ ...worker, running: [{ task_id: 1, backend: 'echo' }] }, 5000)).toBe('running');
    expect(workerHealth({ ...worker, waiting: true }, 5000)).toBe('waiting');
    expect(workerHealth(worker, 1030)).toBe('idle');
    expect(workerHealth(worker, 1061)).toBe('silent');
  });
});

describe('validateEnqueue', () => {
  it('names the field in each message and checks with the contract schema', () => {
    const bad = validateEnqueue({ prompt: '   ', backend: 'no spaces!', priority: '1.5' });
    expect(bad).toEqual({
      errors: {
        prompt: 'Prompt: must not be blank',
        backend: 'Backend: must be a backend name: letters, digits, _ . - (max 64)',
        priority: 'Priority must be a whole number, like 0 or 10.',
      },
    });
  });

  it('turns valid fields into the call input (empty backend: any agent)', () => {
    expect(validateEnqueue({ prompt: 'fix it', backend: ' echo ', priority: '5' })).toEqual({ input: { prompt: 'fix it', backend: 'echo', priority: 5 } });
    expect(validateEnqueue({ prompt: 'fix it', backend: '', priority: '' })).toEqual({ input: { prompt: 'fix it', priority: undefined } });
  });
});
