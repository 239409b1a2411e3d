/**
 * Cost and tokens per backend over the latest runs, from the per-run rollups of `runs.list`. A sum
 * only counts what backends reported; "not reported" stays null instead of becoming 0.
 */
import type { RunSummary } from '../api/types.js';

export interface BackendTotals {
  backend: string;
  runs: number;
  total: number;
  done: number;
  failed: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}

const addReported = (sum: number | null, value: number | null): number | null => (value === null ? sum : (sum ?? 0) + value);

export function rollupByBackend(runs: readonly RunSummary[]): BackendTotals[] {
  const byBackend = new Map<string, BackendTotals>();
  for (const { rollups } of runs) {
    for (const rollup of rollups) {
      if (rollup.backend === null) continue; // the whole-run line; per-backend lines add up to it
      const totals = byBackend.get(rollup.backend) ?? {
        backend: rollup.backend,
        runs: 0,
        total: 0,
        done: 0,
        failed: 0,
        input_tokens: null,
        output_tokens: null,
        cost_usd: null,
      };
      totals.runs += 1;
      totals.total += rollup.total;
      totals.done += rollup.done;
      totals.failed += rollup.failed;
      totals.input_tokens = addReported(totals.input_tokens, rollup.input_tokens);
      totals.output_tokens = addReported(totals.output_tokens, rollup.output_tokens);
      totals.cost_usd = addReported(totals.cost_usd, rollup.cost_usd);
      byBackend.set(rollup.backend, totals);
    }
  }
  return [...byBackend.values()].sort((a, b) => (b.cost_usd ?? -1) - (a.cost_usd ?? -1) || a.backend.localeCompare(b.backend));
}
