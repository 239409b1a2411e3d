/** Median latency per backend across the last runs (oldest left), drawn with the shared Chart. */
import { useMemo } from 'react';
import { Chart, type ChartSeries } from '../../components/Chart.js';
import type { RunSummary } from '../../api/types.js';
import { formatMs } from '../common/format.js';
import { hasPoints, latencySeries } from './latency-series.js';

const COLORS = 8;

export function LatencyChart({ runs }: { runs: RunSummary[] }) {
  const series = useMemo(() => latencySeries(runs), [runs]);
  const x = useMemo(() => series.runs.map((_, i) => i + 1), [series]);
  const lines = useMemo<ChartSeries[]>(
    () => series.backends.map((backend, i) => ({ label: backend, values: series.values[i] ?? [], colorVar: `--series-${(i % COLORS) + 1}`, style: 'line' })),
    [series],
  );
  if (!hasPoints(series)) return <p className="muted">No latency recorded yet: it appears here after the first run finishes.</p>;
  const last = series.backends.map((backend, i) => {
    const values = (series.values[i] ?? []).filter((v): v is number => v !== null);
    return `${backend} ${formatMs(values[values.length - 1])}`;
  });
  return (
    <>
      <Chart x={x} series={lines} xKind="index" height={220} yLabel="ms (median)" summary={`Median latency per backend over the last ${series.runs.length} runs; latest: ${last.join(', ')}.`} />
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
