/**
 * Which two runs Compare shows: the two given; one given and the run of its pack just before it;
 * or none given and the latest finished run (of the pack, or overall) against the previous finished
 * run of the same pack. When there is no pair, a reason in words instead.
 */
import type { ApiParsedInput, ApiResult } from '../api.js';
import { compareRuns as compareWithoutPolicy } from '../compare/compare.js';
import { policyForRun } from '../compare/policy.js';
import { renderHtml } from '../compare/render-html.js';
import { compareRow, passCounts, passRateHistory, type PassCounts } from '../compare/row-detail.js';
import type { Comparison } from '../compare/types.js';
import type { RunInfo, RunRecord, RunRollup } from '../runs/types.js';
import type { AppWorkspace } from './app-workspace.js';

/**
 * A run's record: read in-process when the app runs the hub (two runs of 30,000 tasks are some
 * 40 MB of JSON over the hub's connection, serialised and parsed twice), else asked of the hub.
 */
async function runRecord(app: AppWorkspace, runId: string): Promise<RunRecord> {
  const runs = app.localRuns();
  if (runs && app.connection().online) return runs.get(runId);
  return app.call<RunRecord>('run_get', { run_id: runId });
}

/**
 * The app's latest comparison with its two runs: opening a matrix cell (compareRowOf) reuses the
 * runs instead of fetching two runs of up to 30,000 tasks again, and comparing the same two runs
 * again (the page reloaded, opened again) reuses the comparison while neither run changed. A
 * settled run's record keeps its task list (RunService's RecordCache), so the same list means the
 * same tasks; the runs' own fields (label, picks, baseline) and the policy are compared as values.
 */
interface Compared {
  a: RunRecord;
  b: RunRecord;
  key: string;
  comparison: Comparison;
}
const lastCompared = new WeakMap<AppWorkspace, Compared>();

/** Compared with the gate policy of B's pack header (as `mittelo compare` does). */
function compareWith(app: AppWorkspace, a: RunRecord, b: RunRecord): Comparison {
  const { policy, source } = policyForRun(b);
  const key = JSON.stringify([a.run, b.run, policy, source]);
  const last = lastCompared.get(app);
  if (last && last.a.tasks === a.tasks && last.b.tasks === b.tasks && last.key === key) return last.comparison;
  const comparison = compareWithoutPolicy(a, b, { policy, policySource: source });
  lastCompared.set(app, { a, b, key, comparison });
  return comparison;
}

/** How far back the default looks for a pair (newest first). */
const HISTORY = 200;

type Listed = { run: RunInfo; rollups: RunRollup[] }[];

export async function compareDefault(app: AppWorkspace, input: ApiParsedInput<'compare.runs'>): Promise<ApiResult<'compare.runs'>> {
  const result = await chosenComparison(app, input);
  // Without the pairs: the comparison is kept whole (compareWith), only the answer is smaller.
  return input.pairs || !result.comparison ? result : { ...result, comparison: { ...result.comparison, pairs: [] } };
}

async function chosenComparison(app: AppWorkspace, input: ApiParsedInput<'compare.runs'>): Promise<ApiResult<'compare.runs'>> {
  const get = (runId: string) => runRecord(app, runId);
  const list = async (packName?: string) =>
    (await app.call<{ runs: Listed }>('run_list', { limit: HISTORY, ...(packName ? { pack_name: packName } : {}) })).runs.map((r) => r.run);

  if (input.run_a && input.run_b) {
    const [a, b] = await Promise.all([get(input.run_a), get(input.run_b)]);
    return { comparison: compareWith(app, a, b), reason: null };
  }

  const given = input.run_b ?? input.run_a;
  if (given) {
    const b = await get(given);
    const history = await list(b.run.pack_name);
    const before = history.filter((run) => run.run_id !== given && run.created_at <= b.run.created_at);
    const previous = before.find((run) => run.finished_at !== null) ?? before[0];
    if (!previous) return { comparison: null, reason: `Run ${given} is the first run of pack "${b.run.pack_name}": there is no earlier run to compare it with.` };
    return { comparison: compareWith(app, await get(previous.run_id), b), reason: null };
  }

  const runs = await list(input.pack_name);
  if (runs.length === 0) {
    return { comparison: null, reason: input.pack_name ? `Pack "${input.pack_name}" has not been run yet.` : 'There are no runs yet: start one on the Runs page.' };
  }
  // A run still in progress would show its unfinished tasks as failures: prefer finished runs.
  const finished = runs.filter((run) => run.finished_at !== null);
  const pool = finished.length >= 2 ? finished : runs;
  const latest = pool[0] as RunInfo;
  const previous = pool.find((run) => run.run_id !== latest.run_id && run.pack_name === latest.pack_name && run.created_at <= latest.created_at);
  if (!previous) return { comparison: null, reason: `Pack "${latest.pack_name}" has only one run so far: run it again to compare the two.` };
  const [a, b] = await Promise.all([get(previous.run_id), get(latest.run_id)]);
  return { comparison: compareWith(app, a, b), reason: null };
}

/** One row of two runs in full (the matrix cell the user opened). */
export async function compareRowOf(app: AppWorkspace, input: ApiParsedInput<'compare.row'>): Promise<ApiResult<'compare.row'>> {
  const last = lastCompared.get(app);
  const [a, b] =
    last && last.a.run.run_id === input.run_a && last.b.run.run_id === input.run_b
      ? [last.a, last.b]
      : await Promise.all([runRecord(app, input.run_a), runRecord(app, input.run_b)]);
  const { policy, source } = policyForRun(b);
  return compareRow(a, b, input.prompt_id, input.backend, { policy, policySource: source });
}

/** A file name made of the two run ids (anything but letters, digits, _ . - replaced). */
function reportName(runA: string, runB: string): string {
  const safe = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `compare-${safe(runA)}-vs-${safe(runB)}.html`;
}

/** The comparison the Compare page shows, as the HTML report `mittelo compare A B --html` writes. */
export async function compareHtmlOf(app: AppWorkspace, input: ApiParsedInput<'compare.exportHtml'>): Promise<ApiResult<'compare.exportHtml'>> {
  // Settled runs come from the record cache and an unchanged pair reuses its comparison (compareWith).
  const [a, b] = await Promise.all([runRecord(app, input.run_a), runRecord(app, input.run_b)]);
  return { filename: reportName(input.run_a, input.run_b), html: renderHtml(compareWith(app, a, b)) };
}

/** Pass counts of finished runs, per app, fetched once each (a finished run's results do not change). */
const countsCache = new WeakMap<AppWorkspace, Map<string, PassCounts>>();
/** Runs whose counts are kept per app. */
const COUNTS_KEPT = 100;

/** The pass rate of a prompt on a backend over the pack's last finished runs. */
export async function historyOf(app: AppWorkspace, input: ApiParsedInput<'compare.history'>): Promise<ApiResult<'compare.history'>> {
  const { runs } = await app.call<{ runs: Listed }>('run_list', { limit: input.limit, pack_name: input.pack_name });
  let cache = countsCache.get(app);
  if (!cache) countsCache.set(app, (cache = new Map()));
  const last = lastCompared.get(app);
  const known = new Map((last ? [last.a, last.b] : []).map((record) => [record.run.run_id, record]));
  const counts: PassCounts[] = [];
  for (const { run } of runs.filter((r) => r.run.finished_at !== null)) {
    const key = `${run.run_id}@${run.finished_at}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = passCounts(known.get(run.run_id) ?? (await runRecord(app, run.run_id)));
      if (cache.size >= COUNTS_KEPT) cache.delete(cache.keys().next().value as string);
      cache.set(key, entry);
    }
    counts.push(entry);
  }
  return { points: passRateHistory(counts, input.prompt_id, input.backend) };
}
