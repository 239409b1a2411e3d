/** Compare-and-pick names a fastest or cheapest answer only when one is strictly best. */
import { describe, expect, it } from 'vitest';
import { sideBySide } from '../../core/compare/pick.js';
import { record, task } from '../fixtures/run-records.js';

describe('fastest and cheapest on a tie', () => {
  it('names nobody when the best figure is shared, and the one answer when it is not', () => {
    const tied = record({ run_id: 'run-tie', backends: ['echo', 'slow'], picks: {} }, [
      task({ prompt_id: 'p', backend: 'echo', artifact: { latency_ms: 0, cost_usd: 0.01 } }),
      task({ prompt_id: 'p', backend: 'slow', artifact: { latency_ms: 0, cost_usd: 0.02 } }),
    ]);
    const view = sideBySide(tied, 'p');
    expect(view?.fastest_task_id).toBeNull();
    expect(view?.cheapest_task_id).toBe(view?.candidates.find((c) => c.backend === 'echo')?.task_id);

    const slower = record({ run_id: 'run-tie-2', backends: ['echo', 'slow', 'slower'], picks: {} }, [
      task({ prompt_id: 'p', backend: 'echo', artifact: { latency_ms: 5, cost_usd: null } }),
      task({ prompt_id: 'p', backend: 'slow', artifact: { latency_ms: 9, cost_usd: null } }),
      task({ prompt_id: 'p', backend: 'slower', artifact: { latency_ms: 9, cost_usd: null } }),
    ]);
    // A tie behind the best does not matter.
    expect(sideBySide(slower, 'p')?.fastest_task_id).toBe(slower.tasks[0]?.task_id);
  });
});
