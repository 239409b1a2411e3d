/**
 * Prompts × backends: each cell is a prompt on a backend over all its tries, A's pass rate → B's,
 * coloured by verdict, with a flaky badge. Lines most urgent first, "needs attention" by default,
 * a page at a time (a 1,000-prompt comparison renders its first page at once). Click a cell to open it.
 */
import { useMemo, useState } from 'react';
import { Badge } from '../../components/bits.js';
import { PromptBackendHead } from '../../components/PromptBackendHead.js';
import { DASH } from '../../lib/format.js';
import type { PromptRow } from '../../api/types.js';
import './compare.css';
import { buildMatrix, filterLines, rateText, VERDICT_INFO, type MatrixFilter } from './matrix-logic.js';

/** Lines rendered per page. */
export const MATRIX_PAGE = 100;

export interface MatrixViewProps {
  rows: readonly PromptRow[];
  selected: string | null;
  onOpen: (row: PromptRow) => void;
}

export function MatrixView({ rows, selected, onOpen }: MatrixViewProps) {
  const matrix = useMemo(() => buildMatrix(rows), [rows]);
  const [filter, setFilter] = useState<MatrixFilter>(() => (matrix.lines.some((l) => l.worst !== 'stable-pass' && l.worst !== 'stable-fail') ? 'attention' : 'all'));
  const [search, setSearch] = useState('');
  const [pages, setPages] = useState(1);
  const shown = useMemo(() => filterLines(matrix.lines, filter, search), [matrix, filter, search]);
  const visible = shown.slice(0, pages * MATRIX_PAGE);

  return (
    <section className="section" aria-labelledby="matrix-heading">
      <h2 id="matrix-heading">Pass rate by prompt and backend</h2>
      <p className="muted">Each cell: the share of tries that passed in A → in B, over every repeat. Colour is the verdict; click a cell for its tries side by side.</p>
      <div className="row">
        <div className="chips" role="group" aria-label="Show">
          <button type="button" className="chip" aria-pressed={filter === 'attention'} onClick={() => setFilter('attention')}>
            Needs attention ({filterLines(matrix.lines, 'attention', '').length})
          </button>
          <button type="button" className="chip" aria-pressed={filter === 'all'} onClick={() => setFilter('all')}>
            All prompts ({matrix.lines.length})
          </button>
        </div>
        <label style={{ maxWidth: '20rem' }}>
          Search prompts
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
      </div>
      <div className="matrix-wrap">
        <table className="matrix" data-testid="matrix" aria-label="Pass rate by prompt and backend">
          <PromptBackendHead backends={matrix.backends} />
          <tbody>
            {visible.map((line) => (
              <tr key={line.prompt_id}>
                <th scope="row" className="matrix__prompt" title={line.prompt}>
                  {line.prompt_id}
                </th>
                {line.cells.map((row, i) =>
                  row ? (
                    <td key={row.key}>
                      <button
                        type="button"
                        className={`matrix__cell tone-${VERDICT_INFO[row.verdict].tone}`}
                        data-testid="matrix-cell"
                        data-verdict={row.verdict}
                        aria-pressed={selected === row.key}
                        aria-label={`${row.prompt_id} on ${row.backend}: ${VERDICT_INFO[row.verdict].label}, ${rateText(row.a)} in A, ${rateText(row.b)} in B`}
                        title={`${VERDICT_INFO[row.verdict].label}: ${VERDICT_INFO[row.verdict].help}`}
                        onClick={() => onOpen(row)}
                      >
                        <span>
                          {rateText(row.a)} → <strong>{rateText(row.b)}</strong>
                        </span>
                        {row.verdict === 'flaky' && <Badge tone="warn">flaky</Badge>}
                        {row.verdict === 'regressed' && <Badge tone="bad">regressed</Badge>}
                      </button>
                    </td>
                  ) : (
                    <td key={`${line.prompt_id}:${matrix.backends[i]}`} className="matrix__empty">
                      {DASH}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted" aria-live="polite">
        {visible.length} of {shown.length} prompts shown
        {visible.length < shown.length && (
          <>
            {' '}
            <button type="button" className="link-button" onClick={() => setPages((p) => p + 1)}>
              Show {Math.min(MATRIX_PAGE, shown.length - visible.length)} more
            </button>
          </>
        )}
      </p>
    </section>
  );
}
