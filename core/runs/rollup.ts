/** Counts, latency, tokens and cost of a run's tasks, per backend and for the whole run. */
import type { RunRollup, RunTask } from './types.js';

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

/** Sums what was reported; null when no task of the group reported it (unknown is not zero). */
function sumReported(values: (number | null | undefined)[]): number | null {
  const reported = values.filter((v): v is number => typeof v === 'number');
  return reported.length === 0 ? null : reported.reduce((a, b) => a + b, 0);
}

export function rollup(tasks: RunTask[], backend: string | null): RunRollup {
  const latencies = tasks
    .filter((t) => t.status === 'done' || t.status === 'failed')
    .map((t) => t.artifact?.latency_ms)
    .filter((v): v is number => typeof v === 'number')
    .sort((a, b) => a - b);
  const count = (status: RunTask['status']) => tasks.filter((t) => t.status === status).length;
  return {
    backend,
    total: tasks.length,
    done: count('done'),
    failed: count('failed'),
    running: count('leased'),
    queued: count('queued'),
    cancelled: count('cancelled'),
    passed: tasks.filter((t) => t.pass).length,
    check_failures: tasks.filter((t) => t.status === 'done' && !t.pass).length,
    latency_ms: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      mean: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null,
    },
    input_tokens: sumReported(tasks.map((t) => t.artifact?.input_tokens)),
    output_tokens: sumReported(tasks.map((t) => t.artifact?.output_tokens)),
    cost_usd: sumReported(tasks.map((t) => t.artifact?.cost_usd)),
  };
}

/** The whole run first (backend null), then one rollup per backend in the run's order. */
export function rollups(tasks: RunTask[], backends: string[]): RunRollup[] {
  const names = [...new Set([...backends, ...tasks.map((t) => t.backend)])];
  return [rollup(tasks, null), ...names.map((name) => rollup(tasks.filter((t) => t.backend === name), name))];
}
