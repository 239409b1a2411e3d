/**
 * One prompt × backend row of a comparison in full, for the app's matrix: every try on each side
 * paired (with its diff against the other run's try), the row's verdict, and its pass rate across
 * the pack's earlier runs (history).
 */
import type { RunRecord } from '../runs/types.js';
import { compareRuns, type CompareOptions } from './compare.js';
import { comparePair, isOk, pairTasks } from './pair.js';
import type { ComparedPair, PromptRow } from './types.js';

/** Tries shown per side of one row: enough for any sane --repeat; the rest is counted. */
export const MAX_ROW_TRIES = 50;

export interface RowDetail {
  row: PromptRow | null;
  /** Try by try (A's try i with B's try i), each with its diff. */
  pairs: ComparedPair[];
  /** Pairs left out past MAX_ROW_TRIES. */
  omitted: number;
}

export function compareRow(a: RunRecord, b: RunRecord, promptId: string, backend: string, options: CompareOptions = {}): RowDetail {
  const onBackend = (record: RunRecord) => record.tasks.filter((task) => task.backend === backend);
  const pairs = pairTasks(onBackend(a), onBackend(b)).filter((pair) => (pair.b ?? pair.a)?.prompt_id === promptId || pair.a?.prompt_id === promptId);
  // The row's verdict as the whole comparison gives it (its policy, its noise floor).
  const mine = (record: RunRecord, side: 'a' | 'b'): RunRecord => ({ ...record, tasks: pairs.flatMap((pair) => (pair[side] ? [pair[side]] : [])) });
  const { rows } = compareRuns(mine(a, 'a'), mine(b, 'b'), options);
  return {
    row: rows[0] ?? null,
    pairs: pairs.slice(0, MAX_ROW_TRIES).map((pair) => comparePair(pair, true)),
    omitted: Math.max(0, pairs.length - MAX_ROW_TRIES),
  };
}

export interface HistoryPoint {
  run_id: string;
  label: string | null;
  created_at: number;
  passes: number;
  n: number;
}

/** A run reduced to pass counts per (prompt, backend): what the history needs, small enough to keep. */
export interface PassCounts {
  run_id: string;
  label: string | null;
  created_at: number;
  counts: Map<string, { passes: number; n: number }>;
}

export function passCounts(record: RunRecord): PassCounts {
  const counts = new Map<string, { passes: number; n: number }>();
  for (const task of record.tasks) {
    const key = `${task.prompt_id}\u0000${task.backend}`;
    const entry = counts.get(key) ?? { passes: 0, n: 0 };
    entry.n++;
    if (isOk(task)) entry.passes++;
    counts.set(key, entry);
  }
  return { run_id: record.run.run_id, label: record.run.label, created_at: record.run.created_at, counts };
}

/** A prompt's pass rate on a backend in each run given (oldest first); runs where it did not run are left out. */
export function passRateHistory(runs: PassCounts[], promptId: string, backend: string): HistoryPoint[] {
  const points: HistoryPoint[] = [];
  for (const run of [...runs].sort((x, y) => x.created_at - y.created_at)) {
    const entry = run.counts.get(`${promptId}\u0000${backend}`);
    if (entry) points.push({ run_id: run.run_id, label: run.label, created_at: run.created_at, ...entry });
  }
  return points;
}
