/**
 * Compare: two runs (default: the latest against the previous run of the same pack), the CI gate's
 * verdict first, then the matrix of prompts × backends (a cell opens its tries side by side), the
 * summary, then the tries paired one by one with their diffs; or, for one run, the answers a prompt got from each
 * backend side by side with a "pick best" action. State lives in the URL (#/compare?a=…&b=…).
 */
import { useState } from 'react';
import { call } from '../../api/client.js';
import { useRuns } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { hrefFor, navigate, useLocation } from '../../lib/router.js';
import { saveHtmlFile } from '../../lib/save-html.js';
import { Badge } from '../../components/bits.js';
import { runName } from '../../lib/format.js';
import { useComparisonInStages } from '../../api/run-queries.js';
import type { Comparison } from '../../api/types.js';
import { CATEGORY_ORDER, type CategoryFilter } from './compare-logic.js';
import { CompareSummary } from './CompareSummary.js';
import { GateBanner } from './GateBanner.js';
import { MatrixView } from './MatrixView.js';
import { RowDetail } from './RowDetail.js';
import { PairList } from './PairList.js';
import { PickView } from './PickView.js';
import { RunPicker } from './RunPicker.js';
import type { RunSummary } from '../../api/types.js';

function asFilter(value: string | null): CategoryFilter {
  return CATEGORY_ORDER.find((c) => c === value) ?? 'all';
}

function BaselineNote({ comparison, runs }: { comparison: Comparison; runs: RunSummary[] }) {
  const baseline = runs.find((r) => r.run.baseline && r.run.pack_name === comparison.b.pack_name);
  const isA = baseline?.run.run_id === comparison.a.run_id;
  const isB = baseline?.run.run_id === comparison.b.run_id;
  return (
    <p className="row" data-testid="baseline-note">
      {baseline ? (
        isA ? (
          <Badge tone="info">A is the baseline of pack {comparison.b.pack_name}</Badge>
        ) : isB ? (
          <Badge tone="info">B is the baseline of pack {comparison.b.pack_name}</Badge>
        ) : (
          <>
            <Badge tone="info">Baseline of {comparison.b.pack_name}: {runName(baseline.run)}</Badge>
            <a href={hrefFor('/compare', { a: baseline.run.run_id, b: comparison.b.run_id })}>Compare B with the baseline</a>
          </>
        )
      ) : (
        <span className="muted">Pack {comparison.b.pack_name} has no baseline yet; mark one on the Runs page.</span>
      )}
    </p>
  );
}

/** Saves the comparison on screen as the HTML report `mittelo compare A B --html` writes. */
function SaveReport({ comparison }: { comparison: Comparison }) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    setSaving(true);
    try {
      const { filename, html } = await call('compare.exportHtml', { run_a: comparison.a.run_id, run_b: comparison.b.run_id });
      saveHtmlFile(filename, html);
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };
  return (
    <>
      <p className="row">
        <button type="button" onClick={() => void save()} disabled={saving} title="One self-contained HTML file: verdict, summary and every diff, to share or attach to a CI job">
          {saving ? 'Saving…' : 'Save as HTML'}
        </button>
      </p>
      {error !== null && <ErrorNotice title="The HTML report was not saved" error={error} />}
    </>
  );
}

function TwoRuns() {
  const { params } = useLocation();
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  const filter = asFilter(params.get('cat'));
  const cell = params.get('cell');
  const runs = useRuns({ limit: 200 });
  // Only A chosen: against the latest run; only B: against the run of its pack before it; neither: the latest two.
  const latest = runs.data?.runs[0]?.run.run_id;
  const input = a && b ? { run_a: a, run_b: b } : b ? { run_b: b } : a && latest && latest !== a ? { run_a: a, run_b: latest } : a ? { run_b: a } : {};
  const comparison = useComparisonInStages(input, runs.data?.runs);
  const set = (next: Record<string, string>) => navigate('/compare', { a, b, cat: filter === 'all' ? '' : filter, cell: cell ?? '', ...next }, { replace: true });
  const result = comparison.data;
  const c = result?.comparison ?? null;
  const list = runs.data?.runs ?? [];
  const nameOf = (ref: Comparison['a']) => runName(ref);
  const openRow = c && cell ? (c.rows.find((row) => row.key === cell) ?? null) : null;

  return (
    <>
      <RunPicker runs={list} a={a} b={b} onChange={(na, nb) => set({ a: na, b: nb })} />
      {runs.error && <ErrorNotice title="Could not list the runs" error={runs.error} onRetry={() => void runs.refetch()} />}
      {comparison.error && <ErrorNotice title="Could not compare the runs" error={comparison.error} onRetry={() => void comparison.refetch()} />}
      {comparison.isPending && <p className="muted">Comparing…</p>}
      {result && !c && <p className="callout tone-neutral">{result.reason ?? 'There is nothing to compare yet.'}</p>}
      {c && (
        <>
          <p data-testid="compared-runs">
            Comparing <strong>A: {nameOf(c.a)}</strong> (pack {c.a.pack_name}, {c.a.tasks} tasks) with <strong>B: {nameOf(c.b)}</strong> (pack {c.b.pack_name}, {c.b.tasks} tasks).
          </p>
          <SaveReport key={`${c.a.run_id}:${c.b.run_id}`} comparison={c} />
          <GateBanner gate={c.gate} />
          <BaselineNote comparison={c} runs={list} />
          <MatrixView key={`m:${c.a.run_id}:${c.b.run_id}`} rows={c.rows} selected={cell} onOpen={(row) => set({ cell: row.key })} />
          {openRow && (
            <RowDetail key={openRow.key} row={openRow} runA={c.a.run_id} runB={c.b.run_id} packName={c.b.pack_name} aName={nameOf(c.a)} bName={nameOf(c.b)} onClose={() => set({ cell: '' })} />
          )}
          <CompareSummary comparison={c} onFilter={(f) => set({ cat: f === 'all' ? '' : f })} />
          {comparison.pairsError && <ErrorNotice title="Could not list the tries one by one" error={comparison.pairsError} onRetry={() => void comparison.refetchPairs()} />}
          {comparison.pairs ? (
            <PairList key={`${c.a.run_id}:${c.b.run_id}`} comparison={comparison.pairs} filter={filter} onFilter={(f) => set({ cat: f === 'all' ? '' : f })} aName={nameOf(c.a)} bName={nameOf(c.b)} />
          ) : (
            !comparison.pairsError && <p className="muted" data-testid="pairs-loading">Listing the tries one by one…</p>
          )}
        </>
      )}
    </>
  );
}

export default function ComparePage() {
  const { params } = useLocation();
  const pick = params.get('view') === 'pick';
  return (
    <section className="page">
      <div className="page-head">
        <h1>Compare</h1>
      </div>
      <nav className="chips" aria-label="Compare views">
        <a className="chip" href={hrefFor('/compare')} aria-current={pick ? undefined : 'page'}>
          Two runs
        </a>
        <a className="chip" href={hrefFor('/compare', { view: 'pick' })} aria-current={pick ? 'page' : undefined}>
          Answers side by side (pick best)
        </a>
      </nav>
      {pick ? <PickView /> : <TwoRuns />}
    </section>
  );
}
