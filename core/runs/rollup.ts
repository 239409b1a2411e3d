/** Counts, latency, tokens and cost of a run's tasks, per backend and for the whole run. */
import type { RunFailure, RunRollup, RunTask } from './types.js';
import { checkInWords } from './expect.js';

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
    check_failures: tasks.filter((t) => t.status === 'done' && !t.pass && !t.checks.some((c) => c.pending)).length,
    checks_pending: tasks.filter((t) => t.status === 'done' && t.checks.some((c) => c.pending)).length,
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

/** How many failures `failures` lists at most; the rollups count them all. */
export const MAX_LISTED_FAILURES = 20;

/**
 * Why tasks did not pass, in words, for progress, history and summaries: the failed checks of done
 * tasks (`expected the answer to contain "391"`) and the errors of failed tasks; at most `limit`.
 */
export function failures(tasks: RunTask[], limit = MAX_LISTED_FAILURES): RunFailure[] {
  const out: RunFailure[] = [];
  for (const t of tasks) {
    if (out.length >= limit) break;
    if (t.status === 'failed') out.push({ task_id: t.task_id, prompt_id: t.prompt_id, backend: t.backend, repeat_index: t.repeat_index, kind: 'task', reasons: [t.error ?? 'the task failed'] });
    else if (t.status === 'done' && !t.pass) {
      const failing = t.checks.filter((c) => !c.pass && !c.pending);
      if (failing.length > 0) out.push({ task_id: t.task_id, prompt_id: t.prompt_id, backend: t.backend, repeat_index: t.repeat_index, kind: 'checks', reasons: failing.map(checkInWords) });
    }
  }
  return out;
}

/** The whole run first (backend null), then one rollup per backend in the run's order. */
export function rollups(tasks: RunTask[], backends: string[]): RunRollup[] {
  const names = [...new Set([...backends, ...tasks.map((t) => t.backend)])];
  return [rollup(tasks, null), ...names.map((name) => rollup(tasks.filter((t) => t.backend === name), name))];
}
