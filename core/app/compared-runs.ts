/**
 * The comparison of two runs for the app, from the cheapest place that has it: the app's latest (in
 * memory), then the one kept in the database for exactly the same inputs (core/compare/kept.ts: the
 * hub keeps one when a run settles, the app each one it computes), then computed from the runs'
 * compare records. Reading and comparing two runs of 30,000 tasks takes seconds; a kept one is a row.
 *
 * Only when the app runs the hub (it reads the database in its own process); with another process's
 * hub the runs are asked of it and compared here.
 */
import { compareRuns } from '../compare/compare.js';
import { compareAndKeep, comparisonInputs, keptHead, keptPairs, type ComparisonInputs } from '../compare/kept.js';
import { policyForRun } from '../compare/policy.js';
import type { ComparedPair, Comparison } from '../compare/types.js';
import type { RunRecord } from '../runs/types.js';
import type { AppWorkspace } from './app-workspace.js';

export interface Compared {
  run_a: string;
  run_b: string;
  /** What it was computed from (null: asked of another process's hub, not kept). */
  inputs: ComparisonInputs | null;
  /** The comparison without its pairs (what the Compare page shows first). */
  head: Comparison;
  /** Its pairs once read or computed. */
  pairs: ComparedPair[] | null;
  /** The two runs' compare records once read (opening a matrix cell reuses them). */
  records: { a: RunRecord; b: RunRecord } | null;
  /** firstScreen(head), once made. */
  first_screen?: Comparison;
}

const latest = new WeakMap<AppWorkspace, Compared>();

/** The app's latest comparison, if any. */
export function latestCompared(app: AppWorkspace): Compared | undefined {
  return latest.get(app);
}

/** The runs of the hub in this process while it is up (null: the app uses another process's hub). */
export function localRuns(app: AppWorkspace) {
  const runs = app.localRuns();
  return runs && app.connection().online ? runs : null;
}

/**
 * A run's record as compare reads it: from the hub in this process (its compare record, kept for a
 * settled run), else asked of the hub (two runs of 30,000 tasks are some 40 MB of JSON over its connection).
 */
export async function compareRecordOf(app: AppWorkspace, runId: string): Promise<RunRecord> {
  const runs = localRuns(app);
  return runs ? runs.compareRecord(runId) : app.call('run_get', { run_id: runId });
}

function remember(app: AppWorkspace, entry: Compared): Compared {
  latest.set(app, entry);
  return entry;
}

function whole(inputs: ComparisonInputs | null, comparison: Comparison, records: { a: RunRecord; b: RunRecord }): Compared {
  return { run_a: comparison.a.run_id, run_b: comparison.b.run_id, inputs, head: { ...comparison, pairs: [] }, pairs: comparison.pairs, records };
}

/** Runs A and B compared with the gate policy of B's pack header (as `mittelo compare` does). */
export async function comparedRuns(app: AppWorkspace, runA: string, runB: string): Promise<Compared> {
  const runs = localRuns(app);
  if (!runs) {
    const [a, b] = await Promise.all([compareRecordOf(app, runA), compareRecordOf(app, runB)]);
    const { policy, source } = policyForRun(b);
    return remember(app, whole(null, compareRuns(a, b, { policy, policySource: source }), { a, b }));
  }
  const inputs = comparisonInputs(runs, runA, runB);
  const last = latest.get(app);
  if (last?.inputs?.key === inputs.key) return last;
  const head = keptHead(runs, inputs);
  if (head) return remember(app, { run_a: runA, run_b: runB, inputs, head, pairs: null, records: null });
  const { comparison, a, b } = compareAndKeep(runs, inputs);
  return remember(app, whole(inputs, comparison, { a, b }));
}

/**
 * What the Compare page shows first (gate, summary, matrix): the comparison without its pairs, and
 * without each row's pair keys and task ids, which only the pair list and the reports use (a quarter
 * of the answer for 30,000 tasks a side).
 */
export function firstScreen(compared: Compared): Comparison {
  compared.first_screen ??= {
    ...compared.head,
    rows: compared.head.rows.map((row) => ({ ...row, pair_keys: [], a: row.a && { ...row.a, task_ids: [] }, b: row.b && { ...row.b, task_ids: [] } })),
  };
  return compared.first_screen;
}

/** The two runs' compare records (read once per comparison). */
export async function recordsOf(app: AppWorkspace, compared: Compared): Promise<{ a: RunRecord; b: RunRecord }> {
  if (!compared.records) {
    const [a, b] = await Promise.all([compareRecordOf(app, compared.run_a), compareRecordOf(app, compared.run_b)]);
    compared.records = { a, b };
  }
  return compared.records;
}

/** The comparison with its pairs: as kept with it, else computed again from the runs. */
export async function withPairs(app: AppWorkspace, compared: Compared): Promise<Comparison> {
  const runs = localRuns(app);
  if (!compared.pairs && runs && compared.inputs) compared.pairs = keptPairs(runs, compared.inputs);
  if (!compared.pairs) {
    const { a, b } = await recordsOf(app, compared);
    const { policy, source } = policyForRun(b);
    compared.pairs = compareRuns(a, b, { policy, policySource: source }).pairs;
  }
  return { ...compared.head, pairs: compared.pairs };
}
