/**
 * The summary a comparison leads with: one verdict line, the counts per category (each a button
 * that filters the list), CLI version and model changes, and the numbers per backend.
 */
import { Badge } from '../../components/bits.js';
import { formatCost, formatChange, formatMs, formatTokens } from '../../lib/format.js';
import type { Comparison } from '../../api/types.js';
import { CATEGORY_INFO, CATEGORY_ORDER, verdict, type CategoryFilter } from './compare-logic.js';

export function CompareSummary({ comparison, onFilter }: { comparison: Comparison; onFilter: (filter: CategoryFilter) => void }) {
  const { summary, changes } = comparison;
  const v = verdict(summary.counts);
  return (
    <section className="section" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Try by try</h2>
      <p className="muted">Each try in B against the same try in A (repeat 1 with repeat 1…): what changed in single answers. The gate above judges over all tries.</p>
      <p className={`callout tone-${v.tone}`} data-testid="verdict">
        {v.text}
      </p>
      <div className="tiles" data-testid="counts">
        {CATEGORY_ORDER.map((c) => (
          <button key={c} type="button" className="tile" onClick={() => onFilter(c)} title={`${CATEGORY_INFO[c].help} Click to list them.`} data-category={c}>
            <div className="tile__value">{summary.counts[c]}</div>
            <div className="tile__label">{CATEGORY_INFO[c].label}</div>
          </button>
        ))}
      </div>
      {changes.length > 0 && (
        <div className="callout tone-warn" data-testid="changes">
          What changed between the runs (a likely cause of different answers):
          <ul>
            {changes.map((c) => (
              <li key={`${c.backend}:${c.kind}`}>{c.text}</li>
            ))}
          </ul>
        </div>
      )}
      <table className="table" aria-label="Per backend">
        <thead>
          <tr>
            <th>Backend</th>
            <th className="num">New failures</th>
            <th className="num">Fixed</th>
            <th className="num">Changed</th>
            <th className="num">Median latency A → B</th>
            <th className="num">Tokens A → B</th>
            <th className="num">Cost A → B</th>
          </tr>
        </thead>
        <tbody>
          {summary.by_backend.map((b) => (
            <tr key={b.backend}>
              <td>
                {b.backend} {b.counts.new_failure > 0 && <Badge tone="bad">regressed</Badge>}
              </td>
              <td className="num">{b.counts.new_failure}</td>
              <td className="num">{b.counts.fixed}</td>
              <td className="num">{b.counts.changed}</td>
              <td className="num">
                {formatMs(b.latency_p50_ms.a)} → {formatMs(b.latency_p50_ms.b)}
                <div className="muted">{formatChange(b.latency_p50_ms.delta, b.latency_p50_ms.pct, formatMs)}</div>
              </td>
              <td className="num">
                {formatTokens(b.a.input_tokens, b.a.output_tokens)} → {formatTokens(b.b.input_tokens, b.b.output_tokens)}
              </td>
              <td className="num">
                {formatCost(b.a.cost_usd)} → {formatCost(b.b.cost_usd)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
