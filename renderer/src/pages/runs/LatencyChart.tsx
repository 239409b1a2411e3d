/**
 * Median latency per backend across the last runs of one pack (different packs ask different
 * prompts, so their latencies do not belong on one line), runs placed by when they started.
 */
import { useId, useMemo, useState } from 'react';
import { Chart, type ChartSeries } from '../../components/Chart.js';
import type { RunSummary } from '../../api/types.js';
import { formatMs } from '../../lib/format.js';
import { hasPoints, latencySeries, ofPack, packsByRecency } from './latency-series.js';

const COLORS = 8;

export function LatencyChart({ runs }: { runs: RunSummary[] }) {
  const packs = useMemo(() => packsByRecency(runs), [runs]);
  const [chosen, setChosen] = useState<string | null>(null);
  const pack = chosen !== null && packs.includes(chosen) ? chosen : (packs[0] ?? '');
  const selectId = useId();
  const series = useMemo(() => latencySeries(ofPack(runs, pack)), [runs, pack]);
  const x = useMemo(() => series.runs.map((r) => r.created_at), [series]);
  const lines = useMemo<ChartSeries[]>(
    () => series.backends.map((backend, i) => ({ label: backend, values: series.values[i] ?? [], colorVar: `--series-${(i % COLORS) + 1}`, style: 'line' })),
    [series],
  );
  const chooser =
    packs.length > 1 ? (
      <p className="row">
        <label htmlFor={selectId}>Pack</label>
        <select id={selectId} value={pack} onChange={(e) => setChosen(e.target.value)} data-testid="latency-pack">
          {packs.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </p>
    ) : null;
  if (!hasPoints(series)) return <>{chooser}<p className="muted">No latency recorded yet{pack ? ` for ${pack}` : ''}: it appears here after a run finishes.</p></>;
  const last = series.backends.map((backend, i) => {
    const values = (series.values[i] ?? []).filter((v): v is number => v !== null);
    return `${backend} ${formatMs(values[values.length - 1])}`;
  });
  return (
    <>
      {chooser}
      <Chart
        x={x}
        series={lines}
        xKind="time"
        height={220}
        yLabel="ms (median)"
        summary={`Median latency per backend over the last ${series.runs.length} runs of the pack ${pack}, by start time; latest: ${last.join(', ')}.`}
      />
      <details className="detail">
        <summary>Which run is which</summary>
        <ol>
          {series.runs.map((r) => (
            <li key={r.run_id}>{r.name}</li>
          ))}
        </ol>
      </details>
    </>
  );
}
