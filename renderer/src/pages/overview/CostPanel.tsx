/** Cost and tokens per backend over the latest runs, where the CLIs reported them. */
import { useMemo } from 'react';
import { useRuns } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCost, formatCount } from '../../lib/format.js';
import { rollupByBackend } from '../../lib/rollup.js';

const LATEST_RUNS = 10;

export function CostPanel() {
  const { data, error, isPending, refetch } = useRuns({ limit: LATEST_RUNS });
  const rows = useMemo(() => rollupByBackend(data?.runs ?? []), [data]);
  const runCount = data?.runs.length ?? 0;
  return (
    <section className="card" aria-labelledby="cost-title">
      <h2 id="cost-title">Cost and tokens per backend</h2>
      <p className="muted">
        {runCount > 0 ? `Over the latest ${runCount} run${runCount === 1 ? '' : 's'}.` : 'From runs (smoke runs, system tests, matrices).'} Only what the CLIs reported is counted.
      </p>
      {isPending && <p className="muted">Loading…</p>}
      {error && <ErrorNotice title="Could not load the runs" error={error} onRetry={() => void refetch()} />}
      {data && rows.length === 0 && <p className="muted">No runs yet.</p>}
      {rows.length > 0 && (
        <table className="table" data-testid="cost-table">
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col">Tasks</th>
              <th scope="col">Done / failed</th>
              <th scope="col">Tokens in</th>
              <th scope="col">Tokens out</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.backend}>
                <th scope="row">{row.backend}</th>
                <td>{formatCount(row.total)}</td>
                <td>
                  {formatCount(row.done)} / {formatCount(row.failed)}
                </td>
                <td>{formatCount(row.input_tokens)}</td>
                <td>{formatCount(row.output_tokens)}</td>
                <td>{formatCost(row.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
