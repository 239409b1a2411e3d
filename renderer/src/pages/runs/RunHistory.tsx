/**
 * The history of runs, newest first: pass/fail counts, median latency, tokens and cost (per run,
 * and per backend one click away), the pack's baseline, and a link to compare with the run before.
 */
import { Fragment, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import type { RunSummary } from '../../api/types.js';
import { hrefFor } from '../../lib/router.js';
import { Badge } from '../../components/bits.js';
import { formatCost, formatMs, formatTokens, formatWhen, runName } from '../../lib/format.js';
import { useMarkBaseline } from '../../api/run-queries.js';
import { FailureList } from '../../components/Checks.js';
import { isActive, passFail, splitRollups } from './runs-logic.js';

function BackendRows({ summary }: { summary: RunSummary }) {
  const { backends } = splitRollups(summary.rollups);
  return (
    <tr>
      <td colSpan={8}>
        <table className="table" aria-label={`Per backend: ${runName(summary.run)}`}>
          <thead>
            <tr>
              <th>Backend</th>
              <th className="num">Passed</th>
              <th className="num">Failed</th>
              <th className="num">Median</th>
              <th className="num">p95</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {backends.map((r) => (
              <tr key={r.backend}>
                <td>{r.backend}</td>
                <td className="num">{r.passed}</td>
                <td className="num">{r.failed + r.check_failures}</td>
                <td className="num">{formatMs(r.latency_ms.p50)}</td>
                <td className="num">{formatMs(r.latency_ms.p95)}</td>
                <td className="num">{formatTokens(r.input_tokens, r.output_tokens)}</td>
                <td className="num">{formatCost(r.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </td>
    </tr>
  );
}

export function RunHistory({ runs }: { runs: RunSummary[] }) {
  const [open, setOpen] = useState<string | null>(null);
  const baseline = useMarkBaseline();
  if (runs.length === 0) return <p className="muted">No runs yet. Start a smoke run to record the first one.</p>;
  return (
    <>
      {baseline.error && <ErrorNotice title="Could not mark the run as baseline" error={baseline.error} onRetry={() => baseline.variables && baseline.mutate(baseline.variables)} />}
      <table className="table" aria-label="Runs, newest first">
        <thead>
          <tr>
            <th>Run</th>
            <th>Backends</th>
            <th className="num">Passed</th>
            <th className="num">Failed</th>
            <th className="num">Median latency</th>
            <th className="num">Tokens</th>
            <th className="num">Cost</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((summary) => {
            const { run } = summary;
            const { total } = splitRollups(summary.rollups);
            const counts = passFail(total);
            const expanded = open === run.run_id;
            return (
              <Fragment key={run.run_id}>
                <tr data-testid="run-row" data-run-id={run.run_id}>
                  <td>
                    <strong>
                      <a href={hrefFor('/runs', { run: run.run_id })}>{runName(run)}</a>
                    </strong>
                    <div className="muted">
                      {run.pack_name} · {formatWhen(run.created_at)}
                    </div>
                    <div className="row">
                      {run.baseline && <Badge tone="info">Baseline of {run.pack_name}</Badge>}
                      {isActive(total) && <Badge tone="warn">Running</Badge>}
                    </div>
                  </td>
                  <td>{run.backends.join(', ')}</td>
                  <td className="num">{counts.passed}</td>
                  <td className="num">{counts.failed}</td>
                  <td className="num">{formatMs(total?.latency_ms.p50)}</td>
                  <td className="num">{formatTokens(total?.input_tokens, total?.output_tokens)}</td>
                  <td className="num">{formatCost(total?.cost_usd)}</td>
                  <td>
                    <div className="row">
                      <button type="button" aria-expanded={expanded} onClick={() => setOpen(expanded ? null : run.run_id)}>
                        {expanded ? 'Hide backends' : 'Per backend'}
                      </button>
                      {!run.baseline && (
                        <button type="button" onClick={() => baseline.mutate(run.run_id)} disabled={baseline.isPending}>
                          Mark as baseline
                        </button>
                      )}
                      <a href={hrefFor('/compare', { b: run.run_id })}>Compare with previous</a>
                      <a href={hrefFor('/compare', { view: 'pick', run: run.run_id })}>Pick best answers</a>
                    </div>
                  </td>
                </tr>
                {expanded && <BackendRows summary={summary} />}
                {counts.failed > 0 && (summary.failures?.length ?? 0) > 0 && (
                  <tr className="failure-row" data-testid="run-failures" data-run-id={run.run_id}>
                    <td colSpan={8}>
                      <FailureList failures={(summary.failures ?? []).slice(0, expanded ? undefined : 3)} total={counts.failed} label={`Why tasks failed: ${runName(run)}`} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
