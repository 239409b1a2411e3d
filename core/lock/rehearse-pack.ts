/**
 * The pack part of `mittelo lock upgrade-check`: run a pack with the candidate binary and compare
 * the run with the pack's baseline run, as the regression gate of `mittelo run --against-baseline`
 * would. The run goes to a hub of its own on a rehearsal database (.mittelo/upgrade-check.db), so
 * no agent of the user's hub picks up its tasks with the locked binary and the user's run history
 * holds no rehearsals; the baseline is read from the workspace's hub or database.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BackendSpec } from '../agent/backend.js';
import { compareRuns, hasRegressions } from '../compare/compare.js';
import { policyForRun } from '../compare/policy.js';
import { errorMessage } from '../errors.js';
import { readPackFile, type PackEntry } from '../pack.js';
import { runPack } from '../session/run-pack.js';
import type { RunRecord, RunTask } from '../runs/types.js';
import { pathWith } from './cli-cache.js';
import type { HubCall } from '../wire/contract.js';

export interface PackRehearsal {
  pack_name: string;
  /** The pack file run, or null when the prompts came from the baseline run's tasks (its file is gone). */
  pack_path: string | null;
  baseline_run: string | null;
  /** The candidate's run, in the rehearsal database. */
  candidate_run: string | null;
  db: string;
  /** pass: no regression against the baseline; regressed; no_baseline: nothing to compare with; error: the run could not be made. */
  verdict: 'pass' | 'regressed' | 'no_baseline' | 'error';
  tasks: number;
  failed: number;
  /** Prompts that passed in the baseline and fail with the candidate. */
  new_failures: number;
  fixed: number;
  /** In words: each regression, or why there was nothing to compare. */
  reasons: string[];
  /** The gate's warnings (flaky prompts...): not failing. */
  warnings: string[];
}

export const DEFAULT_KEPT_REHEARSALS = 20;

/** The hub calls the baseline is read with (a HubClient, or the app's open workspace). */
export interface RunReader {
  call: HubCall;
}

/**
 * Where the baseline runs live (the user's hub, or the workspace database opened directly); null
 * when there is no run history at all (no hub answers and there is no database yet).
 */
export type WithRuns = <T>(work: (runs: RunReader) => Promise<T>) => Promise<T | null>;

export interface PackRehearsalOptions {
  cli: string;
  /** The pack file given with --pack; undefined: the pack of the newest baseline run that ran `cli`. */
  packFile?: string;
  withRuns: WithRuns;
  /** The backend as the workspace configures it (model, options, env); binary and PATH are replaced. */
  spec: BackendSpec;
  candidate: { bin: string; pathPrefix: string | null; version: string };
  dbPath: string;
  /** How many rehearsal runs the rehearsal database keeps (the newest; default 20, at least 1). */
  keepRuns?: number;
  log: (line: string) => void;
  signal?: AbortSignal;
  specFor?: (name: string) => BackendSpec;
}

/** The newest baseline run that ran `cli`, or the baseline of `packName` when one is named. */
async function findBaseline(client: RunReader, cli: string, packName: string | null): Promise<RunRecord | null> {
  if (packName !== null) {
    const { run_id: runId } = await client.call('run_baseline_of', { pack_name: packName });
    return runId ? client.call('run_get', { run_id: runId }) : null;
  }
  const { runs } = await client.call('run_list', { limit: 0 });
  const newest = runs
    .map((r) => r.run)
    .filter((run) => run.baseline && run.backends.includes(cli))
    .sort((a, b) => b.created_at - a.created_at)[0];
  return newest ? client.call('run_get', { run_id: newest.run_id }) : null;
}

/** Only `cli`'s part of a run: the candidate replaces one CLI, the others are not being compared. */
function onlyBackend(record: RunRecord, cli: string): RunRecord {
  const keep = (task: RunTask) => task.backend === cli;
  return { ...record, run: { ...record.run, backends: [cli] }, tasks: record.tasks.filter(keep), ...(record.check_tasks ? { check_tasks: record.check_tasks.filter(keep) } : {}) };
}

/** The prompts of a baseline run (first repeat), for when its pack file is no longer there. */
function entriesOf(record: RunRecord): PackEntry[] {
  return record.tasks
    .filter((task) => task.repeat_index === 0)
    .map((task) => ({ prompt: task.prompt, id: task.prompt_id, ...(task.expect ? { expect: task.expect } : {}) }));
}

export interface PackGate {
  regressed: boolean;
  /** Prompts whose pass rate dropped significantly (or a check regressed), and those that improved. */
  new_failures: number;
  fixed: number;
  /** Why the gate failed, in words (the compare gate's findings). */
  reasons: string[];
  /** Worth a look, not failing (flaky prompts, prompts that did not run). */
  warnings: string[];
  policy_source: string;
}

/**
 * The regression verdict of the candidate's run against the baseline: the compare gate of
 * `mittelo run --against-baseline` (its policy from the pack header), in one place.
 */
export function packGate(baseline: RunRecord, candidate: RunRecord): PackGate {
  const { policy, source } = policyForRun(candidate);
  const comparison = compareRuns(baseline, candidate, { policy, policySource: source });
  return {
    regressed: hasRegressions(comparison),
    new_failures: comparison.summary.verdicts.regressed,
    fixed: comparison.summary.verdicts.improved,
    reasons: comparison.gate.failures.map((f) => f.text),
    warnings: comparison.gate.warnings.map((f) => f.text),
    policy_source: comparison.gate.policy_source,
  };
}

export async function rehearsePack(options: PackRehearsalOptions): Promise<PackRehearsal> {
  const { cli } = options;
  const packName = options.packFile === undefined ? null : path.basename(options.packFile).replace(/\.jsonl$/i, '');
  const result: PackRehearsal = {
    pack_name: packName ?? '-',
    pack_path: options.packFile === undefined ? null : path.resolve(options.packFile),
    baseline_run: null,
    candidate_run: null,
    db: options.dbPath,
    verdict: 'error',
    tasks: 0,
    failed: 0,
    new_failures: 0,
    fixed: 0,
    reasons: [],
    warnings: [],
  };
  let entries: PackEntry[] = [];
  let baseline: RunRecord | null;
  try {
    if (options.packFile !== undefined) entries = readPackFile(options.packFile);
    // No run history at all: no baseline run (a --pack still runs). A hub that fails is an error.
    baseline = (await options.withRuns((client) => findBaseline(client, cli, packName))) ?? null;
  } catch (err) {
    return { ...result, reasons: [`could not read the pack or its baseline: ${errorMessage(err)}`] };
  }
  if (options.packFile === undefined) {
    if (!baseline) {
      return { ...result, verdict: 'no_baseline', reasons: [`no baseline run of ${cli} in this workspace: give --pack FILE, or mark a run as baseline (mittelo runs baseline RUN)`] };
    }
    result.pack_name = baseline.run.pack_name;
    const file = baseline.run.pack_path;
    if (file && fs.existsSync(file)) {
      result.pack_path = file;
      entries = readPackFile(file);
    } else {
      entries = entriesOf(onlyBackend(baseline, cli));
    }
  }
  entries = entries.filter((entry) => entry.backend === undefined || entry.backend === cli);
  if (entries.length === 0) return { ...result, reasons: [`pack ${result.pack_name} has no prompt for ${cli}`] };
  result.baseline_run = baseline?.run.run_id ?? null;

  const spec: BackendSpec = {
    ...options.spec,
    name: cli,
    binaryPath: options.candidate.bin,
    ...(options.candidate.pathPrefix ? { env: { ...options.spec.env, PATH: pathWith(options.candidate.pathPrefix, options.spec.env?.PATH) } } : {}),
  };
  fs.mkdirSync(path.dirname(options.dbPath), { recursive: true });
  const { startHub } = await import('../hub.js');
  const hub = await startHub({ dbPath: options.dbPath, port: 0, log: () => undefined });
  let record: RunRecord;
  try {
    const outcome = await runPack({
      address: { host: hub.host, port: hub.port },
      embeddedDbPath: null,
      packName: result.pack_name,
      packPath: result.pack_path,
      entries,
      backends: [spec],
      preset: 'custom',
      label: `upgrade-check ${cli} ${options.candidate.version}`,
      repeat: baseline?.run.repeat ?? 1,
      concurrency: spec.concurrency ?? 2,
      lockState: null,
      log: options.log,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.specFor ? { specFor: options.specFor } : {}),
    });
    record = outcome.record;
    // Each rehearsal adds a run to a database nobody else prunes: keep the newest ones only.
    const { deleted } = hub.runs.prune(Math.max(1, options.keepRuns ?? DEFAULT_KEPT_REHEARSALS));
    if (deleted.length > 0) options.log(`removed ${deleted.length} older rehearsal run(s) from ${options.dbPath}`);
  } catch (err) {
    return { ...result, reasons: [`the pack run failed: ${errorMessage(err)}`] };
  } finally {
    await hub.stop();
  }
  result.candidate_run = record.run.run_id;
  result.tasks = record.tasks.length;
  result.failed = record.tasks.filter((t) => !t.pass).length;
  if (!baseline) {
    return {
      ...result,
      verdict: 'no_baseline',
      reasons: [`pack ${result.pack_name} has no baseline run to compare with (${result.failed} of ${result.tasks} task(s) did not pass): mark one with mittelo runs baseline RUN`],
    };
  }
  const gate = packGate(onlyBackend(baseline, cli), record);
  return { ...result, verdict: gate.regressed ? 'regressed' : 'pass', new_failures: gate.new_failures, fixed: gate.fixed, reasons: gate.reasons, warnings: gate.warnings };
}
