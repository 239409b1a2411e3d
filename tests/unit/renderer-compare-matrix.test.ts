/** The Compare matrix's data: lines most urgent first, the "needs attention" filter, the gate's words. */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { buildMatrix, filterLines, gateVerdict, historySeries, rateText } from '../../renderer/src/pages/compare/matrix-logic.js';
import { record, task } from '../fixtures/run-records.js';

function comparison() {
  const tries = (id: string, backend: string, ok: boolean[], answer = 'same') => ok.map((pass, r) => task({ prompt_id: id, backend, repeat_index: r, status: pass ? 'done' : 'failed', result: pass ? answer : null }));
  const a = record({ run_id: 'a' }, [...tries('calm', 'echo', [true, true]), ...tries('calm', 'gemini', [true, true]), ...tries('breaks', 'echo', [true, true, true, true, true, true]), ...tries('wobbles', 'gemini', [true, true])]);
  const b = record({ run_id: 'b' }, [...tries('calm', 'echo', [true, true]), ...tries('calm', 'gemini', [true, true]), ...tries('breaks', 'echo', [false, false, false, false, false, false]), ...tries('wobbles', 'gemini', [true, false])]);
  return compareRuns(a, b);
}

describe('compare matrix', () => {
  it('puts prompts with the most urgent verdict first, one cell per backend (null where it did not run)', () => {
    const m = buildMatrix(comparison().rows);
    expect(m.backends.sort()).toEqual(['echo', 'gemini']);
    expect(m.lines.map((l) => [l.prompt_id, l.worst])).toEqual([
      ['breaks', 'regressed'],
      ['wobbles', 'flaky'],
      ['calm', 'stable-pass'],
    ]);
    const breaks = m.lines[0];
    expect(breaks?.cells.filter((c) => c === null)).toHaveLength(1);
    expect(rateText(breaks?.cells.find((c) => c !== null)?.b ?? null)).toBe('0%');
    expect(rateText(null)).toBe('—');
  });

  it('"needs attention" leaves out the steady prompts; search matches id and text', () => {
    const { lines } = buildMatrix(comparison().rows);
    expect(filterLines(lines, 'attention', '').map((l) => l.prompt_id)).toEqual(['breaks', 'wobbles']);
    expect(filterLines(lines, 'all', 'CALM').map((l) => l.prompt_id)).toEqual(['calm']);
  });

  it('words the gate verdict, and turns the history into percent by run', () => {
    const c = comparison();
    expect(gateVerdict(c.gate)).toEqual({ tone: 'bad', text: 'The gate fails: 1 reason.' });
    expect(gateVerdict({ ...c.gate, pass: true, failures: [] })).toEqual({ tone: 'warn', text: 'The gate passes: no significant regression (1 warning below).' });
    expect(gateVerdict({ ...c.gate, pass: true, failures: [], warnings: [] }).tone).toBe('good');
    expect(historySeries([{ passes: 3, n: 4 }, { passes: 0, n: 4 }])).toEqual({ x: [1, 2], y: [75, 0] });
  });
});
