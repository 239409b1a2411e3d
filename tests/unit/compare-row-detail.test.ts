/** One matrix cell in full (every try paired with its diff) and a prompt's pass rate across runs. */
import { describe, expect, it } from 'vitest';
import { compareRow, MAX_ROW_TRIES, passCounts, passRateHistory } from '../../core/compare/row-detail.js';
import { record, task } from '../fixtures/run-records.js';

const tries = (id: string, backend: string, answers: (string | null)[]) =>
  answers.map((answer, r) => task({ prompt_id: id, backend, repeat_index: r, status: answer === null ? 'failed' : 'done', result: answer }));

describe('compareRow', () => {
  it('pairs every try of one prompt on one backend, each with its diff, and gives the row its verdict', () => {
    const a = record({ run_id: 'a' }, [...tries('p', 'echo', ['yes\n', 'yes\n', 'yes\n', 'yes\n']), ...tries('p', 'gemini', ['other\n']), ...tries('q', 'echo', ['q\n'])]);
    const b = record({ run_id: 'b' }, [...tries('p', 'echo', [null, null, null, 'no\n']), ...tries('p', 'gemini', ['other\n']), ...tries('q', 'echo', ['q\n'])]);
    const detail = compareRow(a, b, 'p', 'echo');
    expect(detail.pairs.map((p) => [p.backend, p.prompt_id, p.repeat_index, p.category])).toEqual([
      ['echo', 'p', 0, 'new_failure'],
      ['echo', 'p', 1, 'new_failure'],
      ['echo', 'p', 2, 'new_failure'],
      ['echo', 'p', 3, 'changed'],
    ]);
    expect(detail.pairs[3]?.diff).toMatchObject({ removed: 1, added: 1 });
    expect(detail.row).toMatchObject({ prompt_id: 'p', backend: 'echo', verdict: 'flaky', a: { passes: 4, n: 4 }, b: { passes: 1, n: 4 } });
    expect(detail.omitted).toBe(0);
    expect(compareRow(a, b, 'nope', 'echo')).toEqual({ row: null, pairs: [], omitted: 0 });
  });

  it('shows at most MAX_ROW_TRIES tries and counts the rest', () => {
    const many = Array.from({ length: MAX_ROW_TRIES + 5 }, () => 'same');
    const a = record({ run_id: 'a' }, tries('p', 'echo', many));
    const detail = compareRow(a, { ...a, run: { ...a.run, run_id: 'b' } }, 'p', 'echo');
    expect(detail.pairs).toHaveLength(MAX_ROW_TRIES);
    expect(detail.omitted).toBe(5);
    expect(detail.row?.a?.n).toBe(MAX_ROW_TRIES + 5);
  });
});

describe('passRateHistory', () => {
  it('gives the pass count per run, oldest first, leaving out runs where the prompt did not run there', () => {
    const old = record({ run_id: 'old', created_at: 100 }, tries('p', 'echo', ['a', null]));
    const mid = record({ run_id: 'mid', created_at: 200 }, tries('q', 'echo', ['a']));
    const now = record({ run_id: 'now', created_at: 300, label: 'after' }, tries('p', 'echo', ['a', 'a', null, null]));
    const points = passRateHistory([now, mid, old].map(passCounts), 'p', 'echo');
    expect(points).toEqual([
      { run_id: 'old', label: null, created_at: 100, passes: 1, n: 2 },
      { run_id: 'now', label: 'after', created_at: 300, passes: 2, n: 4 },
    ]);
    expect(passRateHistory([old].map(passCounts), 'p', 'gemini')).toEqual([]);
  });
});
