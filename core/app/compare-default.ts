/**
 * Which two runs Compare shows: the two given; one given and the run of its pack just before it;
 * or none given and the latest finished run (of the pack, or overall) against the previous finished
 * run of the same pack. When there is no pair, a reason in words instead.
 */
import type { ApiParsedInput, ApiResult } from '../api.js';
import { compareRuns as compareWithoutPolicy } from '../compare/compare.js';
import { policyForRun } from '../compare/policy.js';
import { compareRow, passRateHistory } from '../compare/row-detail.js';
import type { RunInfo, RunRecord, RunRollup } from '../runs/types.js';
import type { Orchestrator } from './orchestrator.js';

/** Compared with the gate policy of B's pack header (as `mittelo compare` does). */
function compareRuns(a: RunRecord, b: RunRecord) {
  const { policy, source } = policyForRun(b);
  return compareWithoutPolicy(a, b, { policy, policySource: source });
}

/** How far back the default looks for a pair (newest first). */
const HISTORY = 200;

type Listed = { run: RunInfo; rollups: RunRollup[] }[];

export async function compareDefault(app: Orchestrator, input: ApiParsedInput<'compare.runs'>): Promise<ApiResult<'compare.runs'>> {
  const get = (runId: string) => app.call<RunRecord>('run_get', { run_id: runId });
  const list = async (packName?: string) =>
    (await app.call<{ runs: Listed }>('run_list', { limit: HISTORY, ...(packName ? { pack_name: packName } : {}) })).runs.map((r) => r.run);

  if (input.run_a && input.run_b) {
    const [a, b] = await Promise.all([get(input.run_a), get(input.run_b)]);
    return { comparison: compareRuns(a, b), reason: null };
  }

  const given = input.run_b ?? input.run_a;
  if (given) {
    const b = await get(given);
    const history = await list(b.run.pack_name);
    const before = history.filter((run) => run.run_id !== given && run.created_at <= b.run.created_at);
    const previous = before.find((run) => run.finished_at !== null) ?? before[0];
    if (!previous) return { comparison: null, reason: `Run ${given} is the first run of pack "${b.run.pack_name}": there is no earlier run to compare it with.` };
    return { comparison: compareRuns(await get(previous.run_id), b), reason: null };
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
  return { comparison: compareRuns(a, b), reason: null };
}

/** One row of two runs in full (the matrix cell the user opened). */
export async function compareRowOf(app: Orchestrator, input: ApiParsedInput<'compare.row'>): Promise<ApiResult<'compare.row'>> {
  const [a, b] = await Promise.all([app.call<RunRecord>('run_get', { run_id: input.run_a }), app.call<RunRecord>('run_get', { run_id: input.run_b })]);
  const { policy, source } = policyForRun(b);
  return compareRow(a, b, input.prompt_id, input.backend, { policy, policySource: source });
}

/** The pass rate of a prompt on a backend over the pack's last finished runs. */
export async function historyOf(app: Orchestrator, input: ApiParsedInput<'compare.history'>): Promise<ApiResult<'compare.history'>> {
  const { runs } = await app.call<{ runs: Listed }>('run_list', { limit: input.limit, pack_name: input.pack_name });
  const records = await Promise.all(runs.filter((r) => r.run.finished_at !== null).map((r) => app.call<RunRecord>('run_get', { run_id: r.run.run_id })));
  return { points: passRateHistory(records, input.prompt_id, input.backend) };
}
