/**
 * Which two runs Compare shows: the two given; one given and the run of its pack just before it;
 * or none given and the latest finished run (of the pack, or overall) against the previous finished
 * run of the same pack. When there is no pair, a reason in words instead.
 */
import type { ApiParsedInput, ApiResult } from '../api.js';
import { policyForRun } from '../compare/policy.js';
import { renderHtml } from '../compare/render-html.js';
import { compareRow, passCounts, passRateHistory, type PassCounts } from '../compare/row-detail.js';
import type { RunInfo } from '../runs/types.js';
import { compareRecordOf, comparedRuns, firstScreen, latestCompared, localRuns, recordsOf, withPairs, type Compared } from './compared-runs.js';
import type { AppWorkspace } from './app-workspace.js';

/** How far back the default looks for a pair (newest first). */
const HISTORY = 200;

export async function compareDefault(app: AppWorkspace, input: ApiParsedInput<'compare.runs'>): Promise<ApiResult<'compare.runs'>> {
  const chosen = await chosenPair(app, input);
  if ('reason' in chosen) return { comparison: null, reason: chosen.reason };
  const compared = await comparedRuns(app, chosen.a, chosen.b);
  // Without the pairs the answer is a fifth of the size, and a kept comparison's pairs are not even read.
  return { comparison: input.pairs ? await withPairs(app, compared) : firstScreen(compared), reason: null };
}

/** Which two runs to compare, or why there are none. */
async function chosenPair(app: AppWorkspace, input: ApiParsedInput<'compare.runs'>): Promise<{ a: string; b: string } | { reason: string }> {
  const list = async (packName?: string) =>
    (await app.call('run_list', { limit: HISTORY, ...(packName ? { pack_name: packName } : {}) })).runs.map((r) => r.run);

  if (input.run_a && input.run_b) return { a: input.run_a, b: input.run_b };

  const given = input.run_b ?? input.run_a;
  if (given) {
    const { run } = await app.call('run_summary', { run_id: given });
    const history = await list(run.pack_name);
    const before = history.filter((r) => r.run_id !== given && r.created_at <= run.created_at);
    const previous = before.find((r) => r.finished_at !== null) ?? before[0];
    if (!previous) return { reason: `Run ${given} is the first run of pack "${run.pack_name}": there is no earlier run to compare it with.` };
    return { a: previous.run_id, b: given };
  }

  const runs = await list(input.pack_name);
  if (runs.length === 0) {
    return { reason: input.pack_name ? `Pack "${input.pack_name}" has not been run yet.` : 'There are no runs yet: start one on the Runs page.' };
  }
  // A run still in progress would show its unfinished tasks as failures: prefer finished runs.
  const finished = runs.filter((run) => run.finished_at !== null);
  const pool = finished.length >= 2 ? finished : runs;
  const latest = pool[0] as RunInfo;
  const previous = pool.find((run) => run.run_id !== latest.run_id && run.pack_name === latest.pack_name && run.created_at <= latest.created_at);
  if (!previous) return { reason: `Pack "${latest.pack_name}" has only one run so far: run it again to compare the two.` };
  return { a: previous.run_id, b: latest.run_id };
}

/** The comparison of the two runs, reusing the app's latest when it is of them. */
function comparedOf(app: AppWorkspace, runA: string, runB: string): Promise<Compared> {
  const last = latestCompared(app);
  return last && last.run_a === runA && last.run_b === runB ? Promise.resolve(last) : comparedRuns(app, runA, runB);
}

/** One row of two runs in full (the matrix cell the user opened). */
export async function compareRowOf(app: AppWorkspace, input: ApiParsedInput<'compare.row'>): Promise<ApiResult<'compare.row'>> {
  const compared = await comparedOf(app, input.run_a, input.run_b);
  const runs = localRuns(app);
  // Runs not read yet (the comparison was kept): only the cell's tries are read.
  const { a, b } =
    compared.records ?? (runs ? { a: runs.rowRecord(input.run_a, input.prompt_id, input.backend), b: runs.rowRecord(input.run_b, input.prompt_id, input.backend) } : await recordsOf(app, compared));
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
  const compared = await comparedRuns(app, input.run_a, input.run_b);
  return { filename: reportName(input.run_a, input.run_b), html: renderHtml(await withPairs(app, compared)) };
}

/** Pass counts of finished runs, per app, fetched once each (a finished run's results do not change). */
const countsCache = new WeakMap<AppWorkspace, Map<string, PassCounts>>();
/** Runs whose counts are kept per app. */
const COUNTS_KEPT = 100;

/** The pass rate of a prompt on a backend over the pack's last finished runs. */
export async function historyOf(app: AppWorkspace, input: ApiParsedInput<'compare.history'>): Promise<ApiResult<'compare.history'>> {
  const { runs } = await app.call('run_list', { limit: input.limit, pack_name: input.pack_name });
  let cache = countsCache.get(app);
  if (!cache) countsCache.set(app, (cache = new Map()));
  const records = latestCompared(app)?.records;
  const known = new Map((records ? [records.a, records.b] : []).map((record) => [record.run.run_id, record]));
  const counts: PassCounts[] = [];
  for (const { run } of runs.filter((r) => r.run.finished_at !== null)) {
    const key = `${run.run_id}@${run.finished_at}`;
    let entry = cache.get(key);
    if (!entry) {
      const record = known.get(run.run_id);
      const runs = localRuns(app);
      entry = record ? passCounts(record) : runs ? runs.passCounts(run.run_id) : passCounts(await compareRecordOf(app, run.run_id));
      if (cache.size >= COUNTS_KEPT) cache.delete(cache.keys().next().value as string);
      cache.set(key, entry);
    }
    counts.push(entry);
  }
  return { points: passRateHistory(counts, input.prompt_id, input.backend) };
}
