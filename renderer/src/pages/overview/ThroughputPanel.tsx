/**
 * Tasks done and failed per 10 s over the last 30 minutes. Counted in the browser from `acked`
 * events; the time before this window opened is seeded once from the newest finished rows.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { call } from '../../api/client.js';
import { taskKeys } from '../../api/keys.js';
import { useLive } from '../../api/provider.js';
import { Chart, type ChartSeries } from '../../components/Chart.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../lib/format.js';
import { BUCKET_SECONDS, totals, WINDOW_SECONDS } from '../../lib/throughput.js';
import { useNow } from '../../lib/useNow.js';

const SEED_LIMIT = 20_000;

export function ThroughputPanel() {
  const { throughput } = useLive();
  const seed = useQuery({
    queryKey: taskKeys.finishedSeed(SEED_LIMIT),
    queryFn: async () => {
      const [done, failed] = await Promise.all([
        call('tasks.rows', { status: 'done', limit: SEED_LIMIT }),
        call('tasks.rows', { status: 'failed', limit: SEED_LIMIT }),
      ]);
      return [...done.rows, ...failed.rows];
    },
    enabled: !throughput.isSeeded,
    gcTime: 0,
  });
  useEffect(() => {
    if (seed.data && throughput.seed(seed.data, Date.now() / 1000)) throughput.notify();
  }, [seed.data, throughput]);

  const revision = useSyncExternalStore(throughput.subscribe, throughput.getRevision);
  const now = useNow(BUCKET_SECONDS * 1000);
  // `revision` is the mutable store's version: the points change with it although the callback does
  // not read it, which the rule cannot see.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const points = useMemo(() => throughput.points(Math.max(now, Date.now() / 1000)), [throughput, revision, now]);
  const x = useMemo(() => points.map((p) => p.at), [points]);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: 'done', values: points.map((p) => p.done), colorVar: '--chart-done' },
      { label: 'failed', values: points.map((p) => p.failed), colorVar: '--chart-failed' },
    ],
    [points],
  );
  const sum = totals(points);
  const peak = points.reduce((m, p) => Math.max(m, p.done + p.failed), 0);
  const summary = `Last ${WINDOW_SECONDS / 60} minutes: ${formatCount(sum.done)} ${sum.done === 1 ? 'task' : 'tasks'} done and ${formatCount(sum.failed)} failed; at most ${formatCount(peak)} finished in one ${BUCKET_SECONDS}-second interval.`;

  return (
    <section className="card" aria-labelledby="throughput-title">
      <h2 id="throughput-title">Throughput and failures</h2>
      <p className="muted">Tasks finished per {BUCKET_SECONDS} s, last {WINDOW_SECONDS / 60} minutes.</p>
      {seed.error && <ErrorNotice title="Could not load the recent history (the plot counts from now on)" error={seed.error} onRetry={() => void seed.refetch()} />}
      <Chart x={x} series={series} summary={summary} height={180} yLabel="tasks" />
      <p data-testid="throughput-summary">{summary}</p>
    </section>
  );
}
