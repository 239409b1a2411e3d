/** The run's prompts × backends grid and its HTML page: every answer in place, all text escaped. */
import { describe, expect, it } from 'vitest';
import { runGrid, runGridView } from '../../core/runs/grid.js';
import { renderRunHtml } from '../../core/runs/render-run-html.js';
import { fail, record, task } from '../fixtures/run-records.js';

function sample() {
  return record({ run_id: 'run-g', label: 'grid <i>label</i>', backends: ['echo', 'upper', 'unused'] }, [
    task({ prompt_id: 'p1', prompt: 'hello <script>alert(1)</script>', backend: 'upper', repeat_index: 1, result: 'SECOND' }),
    task({ prompt_id: 'p1', prompt: 'hello <script>alert(1)</script>', backend: 'upper', repeat_index: 0, result: 'FIRST' }),
    task({ prompt_id: 'p1', prompt: 'hello <script>alert(1)</script>', backend: 'echo', result: 'echo:hello', checks: [fail('contains "HELLO"')] }),
    task({ prompt_id: 'p2', prompt: 'two', backend: 'echo', status: 'failed', artifact: { failure_class: 'not_installed' } }),
  ]);
}

describe('the run grid', () => {
  it('puts prompts down and backends across, repeats in order, and leaves out a backend no prompt ran on', () => {
    const grid = runGrid(sample());
    expect(grid.backends).toEqual(['echo', 'upper']);
    expect(grid.rows.map((r) => r.prompt_id)).toEqual(['p1', 'p2']);
    expect(grid.rows[0]?.cells[1]?.map((t) => t.result)).toEqual(['FIRST', 'SECOND']);
    expect(grid.rows[1]?.cells[1]).toEqual([]);
    const view = runGridView(sample());
    expect(view.rows[0]?.cells[0]?.[0]?.verdict).toEqual({ tone: 'bad', text: '1 check failed' });
    expect(view.rows[1]?.cells[0]?.[0]?.verdict).toEqual({ tone: 'bad', text: 'failed: not installed' });
  });

  it('renders one HTML page with every answer, escaped, and no script allowed', () => {
    const page = renderRunHtml(sample());
    expect(page).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script|<i>/);
    expect(page).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<title>grid &lt;i&gt;label&lt;/i&gt;: Mittelo run</title>');
    for (const answer of ['FIRST', 'SECOND', 'echo:hello']) expect(page).toContain(answer);
    expect(page).toContain('not run');
  });
});
