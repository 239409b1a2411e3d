/**
 * Compares two runs (A the baseline, B the candidate): summary counts per category and backend,
 * the CLI versions and models that changed, then every pair of tasks (see pair.ts).
 */
import { rollup } from '../runs/rollup.js';
import type { RunRecord, RunTask } from '../runs/types.js';
import { distinct, numberDelta } from './deltas.js';
import { evaluateGate } from './gate.js';
import { comparePair, outlinePair, pairTasks, type PairOutline } from './pair.js';
import { DEFAULT_GATE_POLICY } from './policy.js';
import { promptRows } from './rows.js';
import { ROW_VERDICTS, type BackendChange, type BackendSummary, type CategoryCounts, type ComparedPair, type Comparison, type GatePolicy, type NumberDelta, type PairCategory, type PromptRow, type RunRef, type VerdictCounts } from './types.js';

/** Above this many pairs, `pairs` keeps each row's example pair only (the rest is counted, and fetched per row). */
export const MAX_LISTED_PAIRS = 5_000;

export interface CompareOptions {
  policy?: GatePolicy;
  /** Where the policy came from (shown with the gate verdict). */
  policySource?: string;
}

export function emptyCounts(): CategoryCounts {
  return { new_failure: 0, fixed: 0, changed: 0, still_failing: 0, only_in_a: 0, only_in_b: 0, unchanged: 0 };
}

function count(pairs: { category: PairCategory }[]): CategoryCounts {
  const counts = emptyCounts();
  for (const pair of pairs) counts[pair.category]++;
  return counts;
}

function runRef(record: RunRecord): RunRef {
  const { run } = record;
  return {
    run_id: run.run_id,
    label: run.label,
    pack_name: run.pack_name,
    preset: run.preset,
    created_at: run.created_at,
    host: run.host,
    tasks: record.tasks.length,
  };
}

/** Backends in A's order, then B's, then any a task names that its run does not list. */
function backendsOf(a: RunRecord, b: RunRecord): string[] {
  return [...new Set([...a.run.backends, ...b.run.backends, ...a.tasks.map((t) => t.backend), ...b.tasks.map((t) => t.backend)])];
}

function backendChanges(backend: string, a: RunTask[], b: RunTask[]): BackendChange[] {
  const changes: BackendChange[] = [];
  const fields = [
    ['cli_version', (task: RunTask) => task.artifact?.cli_version, ''],
    ['model', (task: RunTask) => task.artifact?.model, 'model '],
  ] as const;
  for (const [kind, read, prefix] of fields) {
    const before = distinct(a.map(read));
    const after = distinct(b.map(read));
    // Unknown on one side is not a change: a run whose tasks all failed before the CLI ran says nothing.
    if (before.length === 0 || after.length === 0 || before.join('\n') === after.join('\n')) continue;
    changes.push({ backend, kind, a: before, b: after, text: `${backend} ${prefix}${before.join(', ')} → ${after.join(', ')}` });
  }
  return changes;
}

/**
 * Cost summed over the pairs where both sides reported one: run totals would compare unlike sets
 * when a CLI reported cost in one run only. Null when no pair has both.
 */
function likeForLikeCost(pairs: PairOutline[]): NumberDelta {
  let a = 0;
  let b = 0;
  let both = 0;
  for (const pair of pairs) {
    if (pair.cost_a === null || pair.cost_b === null) continue;
    a += pair.cost_a;
    b += pair.cost_b;
    both++;
  }
  return both === 0 ? numberDelta(null, null) : numberDelta(a, b);
}

function verdictCounts(rows: PromptRow[]): VerdictCounts {
  const counts = Object.fromEntries(ROW_VERDICTS.map((v) => [v, 0])) as VerdictCounts;
  for (const row of rows) counts[row.verdict]++;
  return counts;
}

export function compareRuns(a: RunRecord, b: RunRecord, options: CompareOptions = {}): Comparison {
  const policy = options.policy ?? DEFAULT_GATE_POLICY;
  const taskPairs = pairTasks(a.tasks, b.tasks);
  const allPairs = taskPairs.map(outlinePair);
  const rows = promptRows(taskPairs, allPairs, policy);
  // Every pair in full when few; above MAX_LISTED_PAIRS only each row's example. Only examples get
  // a diff (the one the reports show); a row's other tries are diffed on demand (compareRow). That
  // keeps a 30,000-task comparison fast and small enough for the app.
  const examples = new Set(rows.map((row) => row.example_pair));
  const pairs: ComparedPair[] = [];
  taskPairs.forEach((pair, i) => {
    const example = examples.has(allPairs[i]?.key ?? null);
    if (example || allPairs.length <= MAX_LISTED_PAIRS) pairs.push(comparePair(pair, example));
  });
  const gate = evaluateGate(a, b, rows, policy, options.policySource ?? 'defaults');
  const backends = backendsOf(a, b);
  const byBackend: BackendSummary[] = [];
  const changes: BackendChange[] = [];
  for (const backend of backends) {
    const tasksA = a.tasks.filter((task) => task.backend === backend);
    const tasksB = b.tasks.filter((task) => task.backend === backend);
    const mine = allPairs.filter((pair) => pair.backend === backend);
    const rollupA = rollup(tasksA, backend);
    const rollupB = rollup(tasksB, backend);
    byBackend.push({
      backend,
      pairs: mine.length,
      counts: count(mine),
      a: rollupA,
      b: rollupB,
      latency_p50_ms: numberDelta(rollupA.latency_ms.p50, rollupB.latency_ms.p50),
      cost_usd: likeForLikeCost(mine),
    });
    changes.push(...backendChanges(backend, tasksA, tasksB));
  }
  const counts = count(allPairs);
  return {
    a: runRef(a),
    b: runRef(b),
    summary: { pairs: allPairs.length, listed_pairs: pairs.length, counts, regressions: !gate.pass, by_backend: byBackend, verdicts: verdictCounts(rows) },
    changes,
    gate,
    rows,
    pairs,
  };
}

/** The gate failed (significant or check regressions, failing new prompts, dropped backends, another pack...): the CLI exits non-zero. */
export function hasRegressions(comparison: Comparison): boolean {
  return !comparison.gate.pass;
}
