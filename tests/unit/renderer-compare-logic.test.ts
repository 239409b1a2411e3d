/** Pure logic of the Compare page: categories, filtering, side-by-side diff rows, compare-and-pick. */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { sideBySide } from '../../core/compare/pick.js';
import { diffAnswers } from '../../core/compare/text-diff.js';
import { filterPairs, sortWorstFirst, verdict } from '../../renderer/src/pages/compare/compare-logic.js';
import { diffRows } from '../../renderer/src/pages/compare/diff-rows.js';
import { badgesOf, canPick, candidateName, candidateStatus } from '../../renderer/src/pages/compare/pick-logic.js';
import { record, task } from '../fixtures/run-records.js';

describe('the pair list', () => {
  const a = record({ run_id: 'a' }, [
    task({ prompt_id: 'same', result: 'x' }),
    task({ prompt_id: 'breaks', result: 'fine' }),
    task({ prompt_id: 'edit', result: 'one' }),
  ]);
  const b = record({ run_id: 'b', created_at: 1_764_200_000 }, [
    task({ prompt_id: 'same', result: 'x' }),
    task({ prompt_id: 'breaks', status: 'failed' }),
    task({ prompt_id: 'edit', result: 'two' }),
  ]);
  const comparison = compareRuns(a, b);

  it('filters pairs by category and by text, and lists regressions first', () => {
    expect(filterPairs(comparison.pairs, 'new_failure').map((p) => p.prompt_id)).toEqual(['breaks']);
    expect(filterPairs(comparison.pairs, 'all', 'EDI').map((p) => p.prompt_id)).toEqual(['edit']);
    expect(sortWorstFirst(comparison.pairs).map((p) => p.category)).toEqual(['new_failure', 'changed', 'unchanged']);
  });

  it('leads with new failures in the verdict', () => {
    expect(verdict(comparison.summary.counts)).toMatchObject({ tone: 'bad', text: expect.stringContaining('1 new failure') });
  });
});

describe('side-by-side diff rows', () => {
  it('puts a changed line next to its replacement, with word segments on each side', () => {
    const rows = diffRows(diffAnswers('alpha\nthe quick fox\nomega\n', 'alpha\nthe slow fox\nomega\n'));
    const lines = rows.filter((r) => r.type === 'line');
    expect(lines).toHaveLength(3);
    const changed = lines[1];
    if (changed?.type !== 'line') throw new Error('expected a line row');
    expect(changed.left?.line).toBe(2);
    expect(changed.right?.line).toBe(2);
    expect(changed.left?.segments.filter((s) => s.kind === 'removed').map((s) => s.text.trim())).toEqual(['quick']);
    expect(changed.right?.segments.filter((s) => s.kind === 'added').map((s) => s.text.trim())).toEqual(['slow']);
    expect(changed.left?.segments.map((s) => s.text).join('')).toBe('the quick fox');
  });

  it('leaves the other side empty for lines only one answer has', () => {
    const rows = diffRows(diffAnswers('a\n', 'a\nb\nc\n'));
    const added = rows.filter((r) => r.type === 'line' && r.left === null);
    expect(added).toHaveLength(2);
  });
});

describe('compare and pick', () => {
  const run = record({ run_id: 'r', picks: {} }, [
    task({ prompt_id: 'p', backend: 'claude_code', artifact: { latency_ms: 900, cost_usd: 0.02 } }),
    task({ prompt_id: 'p', backend: 'gemini', artifact: { latency_ms: 400, cost_usd: 0.05 } }),
    task({ prompt_id: 'p', backend: 'codex', status: 'failed', artifact: { latency_ms: 10, failure_class: 'auth_required' } }),
  ]);
  const sbs = sideBySide(run, 'p');

  it('marks the fastest and the cheapest ok answer, never a failed one', () => {
    if (!sbs) throw new Error('no side by side');
    const [claude, gemini, codex] = sbs.candidates;
    if (!claude || !gemini || !codex) throw new Error('three candidates expected');
    expect(badgesOf(sbs, claude)).toEqual(['cheapest']);
    expect(badgesOf(sbs, gemini)).toEqual(['fastest']);
    expect(badgesOf(sbs, codex)).toEqual([]);
    expect(candidateStatus(codex)).toEqual({ tone: 'bad', text: 'Failed (auth required)' });
    expect(canPick(sbs, codex)).toBe(false);
    expect(canPick(sbs, gemini)).toBe(true);
    expect(candidateName(gemini, sbs.candidates)).toBe('gemini');
  });
});
