/**
 * One matrix cell opened: its verdict and why, pass@k / pass^k, latency, the pass rate across the
 * pack's runs (a small chart), then every try of A and B side by side; a try opens its pair with
 * the diff against the other run.
 */
import { useState } from 'react';
import { Chart } from '../../components/Chart.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge } from '../../components/bits.js';
import { DASH, formatMs } from '../../lib/format.js';
import { useCompareRow, usePassRateHistory } from '../../api/run-queries.js';
import type { ComparedPair, PairSide, PromptRow } from '../../api/types.js';
import './compare.css';
import { historySeries, rateText, VERDICT_INFO } from './matrix-logic.js';
import { PairDetail } from './PairDetail.js';

export interface RowDetailProps {
  row: PromptRow;
  runA: string;
  runB: string;
  packName: string;
  aName: string;
  bName: string;
  onClose: () => void;
}

function TryButton({ side, pair, open, onOpen }: { side: PairSide | null; pair: ComparedPair; open: boolean; onOpen: () => void }) {
  if (!side) return <div className="muted">no try</div>;
  return (
    <button type="button" className="try" aria-pressed={open} onClick={onOpen} data-testid="try">
      <Badge tone={side.ok ? 'good' : 'bad'}>{side.ok ? 'passed' : side.status === 'done' ? 'check failed' : side.status}</Badge> <span className="muted">try {pair.repeat_index + 1}</span>
      <div className="try__text">{side.answer_excerpt ?? side.error ?? ''}</div>
    </button>
  );
}

/** Asked for once the tries are in: listing the pack's runs can take a while on big runs, and the tries matter more. */
function History({ packName, row, ready }: { packName: string; row: PromptRow; ready: boolean }) {
  const history = usePassRateHistory(ready ? { pack_name: packName, prompt_id: row.prompt_id, backend: row.backend } : null);
  if (history.error) return <ErrorNotice title="Could not load the pass-rate history" error={history.error} onRetry={() => void history.refetch()} />;
  const points = history.data?.points ?? [];
  if (points.length < 2) return <p className="muted">{history.isPending || !ready ? 'Loading the history…' : 'History: this prompt ran in fewer than two finished runs of the pack.'}</p>;
  const { x, y } = historySeries(points);
  const summary = `Pass rate of ${row.prompt_id} on ${row.backend} over the last ${points.length} runs of ${packName}: ${y.map((v) => `${v}%`).join(', ')}.`;
  return (
    <div data-testid="history">
      <h3>Pass rate across runs of {packName}</h3>
      <Chart x={x} xKind="index" series={[{ label: 'pass rate %', values: y, colorVar: '--chart-done', style: 'line' }]} height={150} yLabel="%" yMax={100} summary={summary} />
    </div>
  );
}

export function RowDetail({ row, runA, runB, packName, aName, bName, onClose }: RowDetailProps) {
  const detail = useCompareRow({ run_a: runA, run_b: runB, prompt_id: row.prompt_id, backend: row.backend });
  const [open, setOpen] = useState<string | null>(null);
  const info = VERDICT_INFO[row.verdict];
  const pairs = detail.data?.pairs ?? [];
  const opened = pairs.find((p) => p.key === open) ?? null;
  return (
    <section className="section card" aria-labelledby="row-heading" data-testid="row-detail">
      <div className="row">
        <h2 id="row-heading">
          {row.prompt_id} on {row.backend} <Badge tone={info.tone}>{info.label}</Badge>
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">{row.prompt.length > 300 ? `${row.prompt.slice(0, 300)}…` : row.prompt}</p>
      <dl className="kv">
        <dt>Passed</dt>
        <dd>
          A {row.a ? `${row.a.passes}/${row.a.n}` : DASH} ({rateText(row.a)}) → B {row.b ? `${row.b.passes}/${row.b.n}` : DASH} ({rateText(row.b)})
        </dd>
        {row.a && row.b && (row.a.n > 1 || row.b.n > 1) && (
          <>
            <dt>pass@{row.k} / pass^{row.k}</dt>
            <dd>
              {row.a.pass_at_k.toFixed(2)} / {row.a.pass_hat_k.toFixed(2)} → {row.b.pass_at_k.toFixed(2)} / {row.b.pass_hat_k.toFixed(2)}
            </dd>
          </>
        )}
        <dt>Median latency</dt>
        <dd>
          {formatMs(row.latency_ms.a.median)} → {formatMs(row.latency_ms.b.median)}
          {row.latency_ms.p_value !== null && (row.latency_ms.a.n > 1 || row.latency_ms.b.n > 1) ? ` (rank test p = ${row.latency_ms.p_value.toFixed(3)})` : ''}
        </dd>
        {row.movement && (
          <>
            <dt>Answers moved</dt>
            <dd>
              {row.movement.between.toFixed(2)} apart; their own spread {row.movement.floor.toFixed(2)}; beyond it {row.movement.beyond.toFixed(2)}
            </dd>
          </>
        )}
      </dl>
      {row.why.length > 0 && (
        <ul data-testid="row-why">
          {row.why.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <History packName={packName} row={row} ready={!detail.isPending} />
      {detail.error && <ErrorNotice title="Could not load the tries" error={detail.error} onRetry={() => void detail.refetch()} />}
      {detail.isPending && <p className="muted">Loading the tries…</p>}
      {pairs.length > 0 && (
        <>
          <h3>Every try, A next to B</h3>
          <div className="tries" data-testid="tries">
            <strong>A: {aName}</strong>
            <strong>B: {bName}</strong>
            {pairs.map((pair) => (
              <div key={pair.key} style={{ display: 'contents' }}>
                <TryButton side={pair.a} pair={pair} open={open === pair.key} onOpen={() => setOpen(open === pair.key ? null : pair.key)} />
                <TryButton side={pair.b} pair={pair} open={open === pair.key} onOpen={() => setOpen(open === pair.key ? null : pair.key)} />
              </div>
            ))}
          </div>
          {detail.data && detail.data.omitted > 0 && <p className="muted">{detail.data.omitted} more tries not shown.</p>}
        </>
      )}
      {opened && (
        <div className="pair-body" data-testid="try-detail">
          <h3>Try {opened.repeat_index + 1}: A against B</h3>
          <PairDetail pair={opened} aName={aName} bName={bName} />
        </div>
      )}
    </section>
  );
}
