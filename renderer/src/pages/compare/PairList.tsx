/**
 * The compared pairs, filterable by category (chips with counts) and by text; each pair opens in
 * place. Arrow keys move between pair headers; Enter or Space opens one.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import { Badge } from '../../components/bits.js';
import type { Comparison } from '../../api/types.js';
import { CATEGORY_INFO, CATEGORY_ORDER, filterPairs, isInteresting, sortWorstFirst, type CategoryFilter } from './compare-logic.js';
import { PairDetail } from './PairDetail.js';

export interface PairListProps {
  comparison: Comparison;
  filter: CategoryFilter;
  onFilter: (filter: CategoryFilter) => void;
  aName: string;
  bName: string;
}

function moveFocus(event: KeyboardEvent<HTMLUListElement>) {
  const heads = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>('button.pair-head'));
  const index = heads.indexOf(document.activeElement as HTMLButtonElement);
  if (index === -1) return;
  const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: heads.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  heads[Math.max(0, Math.min(heads.length - 1, next))]?.focus();
}

export function PairList({ comparison, filter, onFilter, aName, bName }: PairListProps) {
  const [search, setSearch] = useState('');
  const sorted = useMemo(() => sortWorstFirst(comparison.pairs), [comparison]);
  const shown = useMemo(() => filterPairs(sorted, filter, search), [sorted, filter, search]);
  // The first regression is open from the start; the user's choices after that are kept.
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(sorted.filter(isInteresting).slice(0, 1).map((p) => p.key)));
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const counts = comparison.summary.counts;

  return (
    <section className="section" aria-labelledby="pairs-heading">
      <h2 id="pairs-heading">Prompts and backends</h2>
      <div className="chips" role="group" aria-label="Show only">
        <button type="button" className="chip" aria-pressed={filter === 'all'} onClick={() => onFilter('all')}>
          All ({comparison.summary.pairs})
        </button>
        {CATEGORY_ORDER.map((c) => (
          <button key={c} type="button" className="chip" aria-pressed={filter === c} onClick={() => onFilter(c)} title={CATEGORY_INFO[c].help} disabled={counts[c] === 0 && filter !== c}>
            {CATEGORY_INFO[c].label} ({counts[c]})
          </button>
        ))}
      </div>
      <label style={{ maxWidth: '24rem' }}>
        Search prompts and backends
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      <p className="muted" aria-live="polite">
        {shown.length} of {comparison.pairs.length} shown
      </p>
      <ul className="pair-list" onKeyDown={moveFocus}>
        {shown.map((pair) => {
          const info = CATEGORY_INFO[pair.category];
          const expanded = open.has(pair.key);
          return (
            <li key={pair.key} className="card" data-testid="pair" data-category={pair.category}>
              <button type="button" className="pair-head" aria-expanded={expanded} onClick={() => toggle(pair.key)}>
                <Badge tone={info.tone}>{info.label}</Badge>
                <strong>{pair.prompt_id}</strong>
                <span>on {pair.backend}</span>
                {pair.repeat_index > 0 && <span className="muted">repeat {pair.repeat_index + 1}</span>}
                {pair.likely_cause && <Badge tone="warn">Likely cause: {pair.likely_cause}</Badge>}
                {!pair.likely_cause && pair.cli_version_change && <Badge tone="warn">Version changed</Badge>}
                {!pair.likely_cause && pair.model_change && <Badge tone="warn">Model changed</Badge>}
              </button>
              {expanded && (
                <div className="pair-body">
                  <PairDetail pair={pair} aName={aName} bName={bName} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
