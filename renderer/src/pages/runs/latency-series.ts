/**
 * Latency per backend across runs, shaped for the chart: runs oldest to newest on x (evenly spaced
 * by index), one series per backend (its p50), null where a run did not include the backend or
 * reported no latency, so the line has a gap instead of a fake 0.
 */
import type { RunInfo, RunRollup } from '../../api/types.js';
import { runName } from '../../lib/format.js';

export interface LatencySeries {
  /** Oldest first. */
  runs: { run_id: string; name: string; created_at: number }[];
  backends: string[];
  /** values[b][i]: backend b's p50 latency in run i, in ms. */
  values: (number | null)[][];
}

export function latencySeries(history: { run: RunInfo; rollups: RunRollup[] }[], maxRuns = 30): LatencySeries {
  const ordered = [...history].sort((x, y) => x.run.created_at - y.run.created_at).slice(-maxRuns);
  const backends: string[] = [];
  for (const { rollups } of ordered) for (const r of rollups) if (r.backend !== null && !backends.includes(r.backend)) backends.push(r.backend);
  const values = backends.map((backend) =>
    ordered.map(({ rollups }) => rollups.find((r) => r.backend === backend)?.latency_ms.p50 ?? null),
  );
  return {
    runs: ordered.map(({ run }) => ({ run_id: run.run_id, name: runName(run), created_at: run.created_at })),
    backends,
    values,
  };
}

/** The packs that have runs, the newest run's pack first: latency is only comparable within a pack. */
export function packsByRecency(history: { run: RunInfo }[]): string[] {
  const ordered = [...history].sort((x, y) => y.run.created_at - x.run.created_at);
  return [...new Set(ordered.map(({ run }) => run.pack_name))];
}

/** The runs of one pack only. */
export function ofPack<T extends { run: RunInfo }>(history: readonly T[], pack: string): T[] {
  return history.filter(({ run }) => run.pack_name === pack);
}

/** True when there is at least one point to draw. */
export function hasPoints(series: LatencySeries): boolean {
  return series.values.some((row) => row.some((v) => v !== null));
}

/** uPlot's aligned data: x (run index) first, then one array per backend. */
export function toAligned(series: LatencySeries): [number[], ...(number | null)[][]] {
  return [series.runs.map((_, i) => i), ...series.values];
}
