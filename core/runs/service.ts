/**
 * Runs: a pack of prompts × a set of backends (× repeats) enqueued as tasks sharing a run id, and
 * everything read back from them (records with artifacts and checks, history, baselines, picks,
 * import and retention). Lives in the hub, next to the queue, so every client sees the same runs.
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../store/database.js';
import { RunStore, type StoredRun } from '../store/runs.js';
import { RunAttemptStore } from '../store/run-attempts.js';
import { RunRecordStore, type KeptRecordRow } from '../store/run-records.js';
import { ComparisonStore } from '../store/comparisons.js';
import { isStorageFailure } from '../store/storage-error.js';
import { HubError } from '../errors.js';
import type { TaskQueue } from '../queue/queue.js';
import type { PackEntry } from '../pack.js';
import { checkTaskKinds, runChecks, type CheckResult, type CommandCheck, type Expect } from './expect.js';
import type { FixtureSnapshot } from './fixture.js';
import { workspaceCheckResult, workspaceOutsideResult } from './workspace-check.js';
import { checkTaskMeta, checkTaskResult, type CheckTaskKind } from './check-tasks.js';
import type { Task } from '../queue/types.js';
import type { StoredTask } from '../store/tasks.js';
import type { Artifact } from '../queue/artifact.js';
import { ImportStaging } from './import-staging.js';
import { MAX_CACHED_BYTES, RecordCache, type RecordBody } from './record-cache.js';
import { compactTask, RECORD_FORMAT, type KeptBody, type KeptSummary } from './compare-record.js';
import { compareKept, comparisonInputs, comparisonRow, type KeptComparisonRow, type KeptRuns } from '../compare/kept.js';
import { passCounts, type PassCounts } from '../compare/row-detail.js';
import { failures, rollups } from './rollup.js';
import type { LockEntryState, RunCheckTask, RunFailure, RunInfo, RunPreset, RunRecord, RunRollup, RunTask } from './types.js';
import { normalizeBackendName } from '../../drivers/backend-name.js';

export interface RunSummary {
  run: RunInfo;
  rollups: RunRollup[];
  failures: RunFailure[];
}

export interface RunCreateInput {
  run_id?: string;
  label?: string | null;
  pack_name: string;
  pack_path?: string | null;
  preset: RunPreset;
  backends: string[];
  repeat: number;
  entries: PackEntry[];
  lock_state: LockEntryState[] | null;
  host?: string;
}

/** The pack entry's id, or one derived from its text, so the same prompt pairs across runs. */
export function promptId(entry: Pick<PackEntry, 'id' | 'prompt'>): string {
  return entry.id ?? `p-${createHash('sha256').update(entry.prompt).digest('hex').slice(0, 12)}`;
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** prompts × backends × repeats of one run, at most. */
const MAX_RUN_TASKS = 100_000;

interface TaskMetadata {
  prompt_id?: string;
  repeat_index?: number;
  expect?: Expect;
  /** An imported run's `command` / `judge` results as they were decided where it ran (no check task here). */
  imported_checks?: CheckResult[];
  /** System tests: read by the agent (core/agent/workspace.ts). */
  fixture?: FixtureSnapshot;
  /** The row's `check` (named apart from a check task's own `check` kind). */
  workspace_check?: CommandCheck;
  tool_policy?: string;
}

/**
 * When each imported task ended: when its artifact says, never after the run ended, and the last one
 * exactly when the run ended, so the imported run reports the finished_at the original did.
 */
function importedEndTimes(tasks: RunTask[], runEnd: number): number[] {
  const ends = tasks.map((task) => Math.min(task.artifact?.finished_at ?? runEnd, runEnd));
  const last = ends.reduce((latest, end, i) => (end > (ends[latest] ?? -Infinity) ? i : latest), 0);
  if (ends.length > 0) ends[last] = runEnd;
  return ends;
}

function isEnded(status: Task['status']): boolean {
  return status === 'done' || status === 'failed' || status === 'cancelled';
}

/** Every check of a task: those of its text and figures, then its check tasks' verdicts. */
function checksOf(task: Task, artifact: Artifact | null, checkTask: (kind: CheckTaskKind) => Task | undefined): CheckResult[] {
  const workspace = workspaceCheckResult((task.metadata as TaskMetadata).workspace_check !== undefined, task.status, artifact);
  const outside = workspaceOutsideResult(artifact);
  const own = expectChecks(task, artifact, checkTask);
  return [...own, ...(workspace ? [workspace] : []), ...(outside ? [outside] : [])];
}

function expectChecks(task: Task, artifact: Artifact | null, checkTask: (kind: CheckTaskKind) => Task | undefined): CheckResult[] {
  const expect = (task.metadata as TaskMetadata).expect ?? null;
  if (!expect) return [];
  const answer = task.status === 'done' ? task.result : null;
  const checks = runChecks(expect, answer, artifact?.latency_ms ?? null, { inputTokens: artifact?.input_tokens ?? null, outputTokens: artifact?.output_tokens ?? null, costUsd: artifact?.cost_usd ?? null });
  const imported = (task.metadata as TaskMetadata).imported_checks ?? [];
  for (const kind of checkTaskKinds(expect)) {
    const own = checkTask(kind);
    const before = imported.find((c) => c.kind === kind);
    checks.push(!own && before ? before : checkTaskResult(kind, expect, own, answer === null));
  }
  return checks;
}

/** The `command` / `judge` results an exported task carried (they cannot be run again here). */
function importedCheckResults(task: RunTask): CheckResult[] {
  const given: unknown = (task as { checks?: unknown }).checks;
  if (!Array.isArray(given)) return [];
  return given.filter((c): c is CheckResult => {
    const r = c as Partial<CheckResult> | null;
    return r !== null && typeof r === 'object' && (r.kind === 'command' || r.kind === 'judge') && typeof r.pass === 'boolean' && typeof r.check === 'string' && typeof r.detail === 'string' && !r.pending;
  }).map(({ task_id: _where, ...rest }) => ({ ...rest, reason: typeof rest.reason === 'string' ? `${rest.reason} (decided where the run was recorded)` : 'decided where the run was recorded' }));
}

function runTask(task: StoredTask, artifact: Artifact | null, checks: CheckResult[]): RunTask {
  const meta = task.metadata as TaskMetadata;
  const expect = meta.expect ?? null;
  return {
    task_id: task.task_id,
    prompt_id: meta.prompt_id ?? promptId({ prompt: task.prompt }),
    prompt: task.prompt,
    backend: task.backend ?? '',
    repeat_index: meta.repeat_index ?? 0,
    status: task.status,
    result: task.result,
    error: task.error,
    artifact,
    expect,
    checks,
    pass: task.status === 'done' && checks.every((c) => c.pass),
  };
}

/** Everything kept of a settled run: its run_records row and, if due, a comparison to keep. */
export interface KeptRows {
  record: KeptRecordRow;
  comparison: KeptComparisonRow | null;
}

/** Builds and keeps settled runs' rows elsewhere (core/runs/settled-keeper.ts: a worker thread). */
export interface RunKeeper {
  schedule(runId: string, version: string): void;
  /** Resolves once those of these runs (all if not given) being built or waiting now are kept; null if none is. */
  whenKept(runIds?: readonly string[]): Promise<void> | null;
}

/**
 * How a settled run's rows get kept on its first read: built and written right away (`inline`),
 * handed to a keeper (`deferred`: the hub, so building them never blocks its event loop), or not at
 * all (`none`: the keeper's own read-only service, which only builds them).
 */
export type KeepingMode = { kind: 'inline' } | { kind: 'deferred'; keeper: RunKeeper } | { kind: 'none' };

/** How many earlier runs of a pack are looked at for the one a settled run is compared with. */
const PREVIOUS_LOOKED_AT = 20;

export class RunService implements KeptRuns {
  private readonly store: RunStore;
  /** Runs being imported in pieces (run_import_begin ... run_import_commit). */
  readonly staging = new ImportStaging();
  private readonly attempts: RunAttemptStore;
  /** Settled runs' tasks as their records list them (reading a 30,000-task run takes seconds). */
  private readonly records = new RecordCache();
  /** The same, as compare reads them (compare-record.ts); half the budget, as most reads are of full records. */
  private readonly compareRecords = new RecordCache(MAX_CACHED_BYTES / 2);
  /** Settled runs' compare records and summaries as kept in the database (read after a restart). */
  private readonly kept: RunRecordStore;
  /** Comparisons of settled runs kept (core/compare/kept.ts). */
  readonly comparisons: ComparisonStore;
  /** A comparison is being prepared (reading the earlier run must not prepare another). */
  private preparing = false;

  constructor(
    db: Db,
    private readonly queue: TaskQueue,
    private readonly keeping: KeepingMode = { kind: 'inline' },
  ) {
    this.store = new RunStore(db);
    this.attempts = new RunAttemptStore(db);
    this.kept = new RunRecordStore(db);
    this.comparisons = new ComparisonStore(db);
  }

  create(input: RunCreateInput): { run_id: string; task_ids: number[] } {
    if (input.backends.length === 0) throw new HubError('bad_request', 'a run needs at least one backend');
    const runId = input.run_id ?? newRunId(new Date());
    if (this.store.get(runId)) throw new HubError('conflict', `run ${runId} already exists`);
    const plan: { entry: PackEntry; backend: string; repeat: number }[] = [];
    for (let repeat = 0; repeat < input.repeat; repeat++) {
      for (const entry of input.entries) {
        const wanted = entry.backend === undefined ? undefined : normalizeBackendName(entry.backend);
        const backends = wanted ? input.backends.filter((b) => b === wanted) : input.backends;
        for (const backend of backends) plan.push({ entry, backend, repeat });
      }
    }
    if (plan.length > MAX_RUN_TASKS) {
      throw new HubError('bad_request', `a run of ${plan.length} tasks is too large (at most ${MAX_RUN_TASKS}); use fewer prompts, backends or repeats`);
    }
    for (const [index, entry] of input.entries.entries()) {
      if (typeof entry.fixture === 'string' || (entry.fixture && 'git' in entry.fixture)) {
        throw new HubError('bad_request', `entries.${index}.fixture: ${JSON.stringify(entry.fixture)} names a folder or a git repository; the client that reads the pack sends its snapshot (mittelo run, the app)`);
      }
    }
    if (plan.length === 0) {
      throw new HubError('bad_request', `no task to run: every prompt of the pack names a backend that is not among ${input.backends.join(', ')}`);
    }
    return this.queue.batch(() => {
      this.store.insert({
        run_id: runId,
        label: input.label ?? null,
        pack_name: input.pack_name,
        pack_path: input.pack_path ?? null,
        preset: input.preset,
        backends: input.backends,
        repeat: input.repeat,
        created_at: Date.now() / 1000,
        host: input.host ?? os.hostname(),
        lock_state: input.lock_state,
        baseline: false,
        picks: {},
        imported_from: null,
      });
      const taskIds = plan.map(({ entry, backend, repeat }) => {
        const metadata: TaskMetadata = { prompt_id: promptId(entry), repeat_index: repeat };
        if (entry.expect) metadata.expect = entry.expect;
        if (typeof entry.fixture === 'object' && 'files' in entry.fixture) metadata.fixture = entry.fixture;
        if (entry.check !== undefined) metadata.workspace_check = entry.check;
        const policy = entry.tool_policy ?? (entry.fixture !== undefined || entry.check !== undefined ? 'workspace-write' : undefined);
        if (policy) metadata.tool_policy = policy;
        return this.queue.enqueue({
          prompt: entry.prompt,
          backend,
          run_id: runId,
          priority: entry.priority ?? 0,
          max_attempts: entry.max_attempts ?? null,
          labels: entry.labels ?? [],
          metadata: { ...metadata },
        }).task_id;
      });
      return { run_id: runId, task_ids: taskIds };
    });
  }

  private mustGet(runId: string): StoredRun {
    const run = this.store.get(runId);
    if (!run) throw new HubError('not_found', `run ${runId} not found`);
    return run;
  }

  get(runId: string): RunRecord {
    const stored = this.mustGet(runId);
    return this.recordOf(stored, this.body(runId, stored));
  }

  private recordOf(stored: StoredRun, body: RecordBody): RunRecord {
    const tasks = body.tasks as RunTask[];
    const run = this.runInfo(stored, body.terminal && tasks.length > 0, body.last_end);
    return body.check_tasks.length > 0 ? { run, tasks, check_tasks: body.check_tasks as RunCheckTask[] } : { run, tasks };
  }

  /** The run's row with its end: when it was frozen (a retry after it ended), else its last task's end once every task has. */
  private runInfo(stored: StoredRun, ended: boolean, lastEnd: number): RunInfo {
    const { imported_from: _imported, ...info } = stored;
    return { ...info, finished_at: this.attempts.runEnd(stored.run_id) ?? (ended ? lastEnd : null) };
  }

  /**
   * The run's row and what its tasks are at now, without reading them: `version` names its tasks'
   * state (RunStore.version) and `settled` says no task of it waits or runs (only then is anything
   * built from it kept).
   */
  stamp(runId: string): { run: RunInfo; version: string; settled: boolean } {
    const stored = this.mustGet(runId);
    const { active, version, tasks, last_end } = this.store.version(runId);
    return { run: this.runInfo(stored, active === 0 && tasks > 0, last_end), version, settled: active === 0 };
  }

  /**
   * The run's record as compare reads it (compare-record.ts): a settled run's is kept in memory and
   * in the database, so after a restart it is one row to read instead of every task to rebuild.
   */
  compareRecord(runId: string): RunRecord {
    const stored = this.mustGet(runId);
    const { active, version } = this.store.version(runId);
    if (active > 0) {
      this.compareRecords.drop(runId);
      return this.compacted(this.get(runId));
    }
    const body = this.compareRecords.get(runId, version) ?? this.keptCompareBody(runId, version) ?? this.builtCompareBody(stored, version);
    return this.recordOf(stored, body);
  }

  private keptCompareBody(runId: string, version: string): RecordBody | undefined {
    const kept = this.kept.body(runId, version, RECORD_FORMAT);
    return kept === undefined ? undefined : this.compareRecords.set(runId, version, JSON.parse(kept) as KeptBody);
  }

  /** Built from the tasks (which keeps it, see keep) when nothing was kept at this version. */
  private builtCompareBody(stored: StoredRun, version: string): RecordBody {
    const full = this.body(stored.run_id, stored);
    return this.compareRecords.get(stored.run_id, version) ?? this.compareRecords.set(stored.run_id, version, this.compactBody(full));
  }

  /** How often each prompt passed on each backend in the run (the pass-rate history), as kept for a settled run. */
  passCounts(runId: string): PassCounts {
    const { run, version, settled } = this.stamp(runId);
    const kept = settled ? this.kept.counts(runId, version, RECORD_FORMAT) : undefined;
    if (kept === undefined) return passCounts(this.compareRecord(runId));
    return { run_id: run.run_id, label: run.label, created_at: run.created_at, counts: new Map(JSON.parse(kept) as [string, { passes: number; n: number }][]) };
  }

  private compacted(record: RunRecord): RunRecord {
    return { ...record, tasks: record.tasks.map(compactTask), ...(record.check_tasks ? { check_tasks: record.check_tasks.map(compactTask) } : {}) };
  }

  private compactBody(body: RecordBody): KeptBody {
    return { tasks: body.tasks.map(compactTask), check_tasks: body.check_tasks.map(compactTask), last_end: body.last_end, terminal: body.terminal };
  }

  /** The tasks of a run as its record lists them: kept while the run is settled and unchanged (RecordCache). */
  private body(runId: string, stored: StoredRun): RecordBody {
    const { active, version } = this.store.version(runId);
    if (active > 0) {
      this.records.drop(runId);
      return this.buildBody(runId);
    }
    const cached = this.records.get(runId, version);
    if (cached) return cached;
    const body = this.records.set(runId, version, this.buildBody(runId));
    this.keep(stored, version, body);
    return body;
  }

  /**
   * Writes down a settled run's compare record and summary at `version` unless already kept: the
   * first read of a finished run pays for building it, every later one (after a restart too) reads it.
   * With a keeper (the hub on a database file) the building and comparing happen in its worker
   * thread instead, and apply() writes what it built.
   */
  private keep(stored: StoredRun, version: string, body: RecordBody): void {
    if (this.keeping.kind === 'none') return;
    const current = this.kept.stamp(stored.run_id);
    if (current && current.version === version && current.format === RECORD_FORMAT) return;
    if (this.keeping.kind === 'deferred') {
      this.keeping.keeper.schedule(stored.run_id, version);
      return;
    }
    const { row, compact } = this.keptRecordRow(stored, version, body);
    this.compareRecords.set(stored.run_id, version, compact);
    this.writeKept(() => this.kept.put(row));
    const comparison = this.comparisonToKeep(stored);
    if (comparison) this.writeKept(() => this.comparisons.put(comparison.run_a, comparison.run_b, comparison.hash, comparison.head, comparison.pairs));
  }

  /** A full or read-only disk costs the next restart a rebuild, not this read its answer. */
  private writeKept(write: () => void): void {
    try {
      write();
    } catch (err) {
      if (!isStorageFailure(err)) throw err;
    }
  }

  /** The run_records row of a settled run at `version`, and its compare record. */
  private keptRecordRow(stored: StoredRun, version: string, body: RecordBody): { row: KeptRecordRow; compact: KeptBody } {
    const tasks = body.tasks as RunTask[];
    const summary: KeptSummary = { last_end: body.last_end, terminal: body.terminal, tasks: tasks.length, rollups: rollups(tasks, stored.backends), failures: failures(tasks) };
    const compact = this.compactBody(body);
    const counts = [...passCounts({ run: this.runInfo(stored, false, 0), tasks }).counts];
    return { row: { run_id: stored.run_id, version, format: RECORD_FORMAT, summary: JSON.stringify(summary), counts: JSON.stringify(counts), body: JSON.stringify(compact) }, compact };
  }

  /**
   * When the newest run of a pack has settled, its comparison with the finished run of its pack
   * before it (what the Compare page opens on), unless already kept: kept, it spares opening
   * Compare, even after a restart, reading and comparing both runs.
   */
  private comparisonToKeep(stored: StoredRun): KeptComparisonRow | null {
    if (this.preparing) return null;
    const recent = this.store.list(PREVIOUS_LOOKED_AT, stored.pack_name);
    if (recent[0]?.run_id !== stored.run_id) return null;
    const previous = recent.find((run) => run.run_id !== stored.run_id && run.created_at <= stored.created_at && this.stamp(run.run_id).run.finished_at !== null);
    if (!previous) return null;
    this.preparing = true;
    try {
      const inputs = comparisonInputs(this, previous.run_id, stored.run_id);
      if (!inputs.settled || this.comparisons.has(inputs.run_a, inputs.run_b, inputs.hash)) return null;
      return comparisonRow(inputs, compareKept(this, inputs).comparison);
    } finally {
      this.preparing = false;
    }
  }

  /**
   * Everything kept of a settled run at its current version, built without writing (what the
   * keeper's worker thread sends back to apply()); null while the run has a task waiting or running.
   */
  keptRows(runId: string): KeptRows | null {
    const stored = this.mustGet(runId);
    const { active, version } = this.store.version(runId);
    if (active > 0) return null;
    const { row, compact } = this.keptRecordRow(stored, version, this.body(runId, stored));
    this.compareRecords.set(runId, version, compact);
    return { record: row, comparison: this.comparisonToKeep(stored) };
  }

  /**
   * Once none of the run's tasks waits or runs (a task of it ended, it was imported), the keeper
   * builds its kept rows (deferred keeping only; inline keeping builds them on the first read, as
   * building blocks the caller).
   */
  keepIfSettled(runId: string): void {
    if (this.keeping.kind !== 'deferred' || !this.store.get(runId)) return;
    const { active, version } = this.store.version(runId);
    if (active > 0) return;
    const current = this.kept.stamp(runId);
    if (current && current.version === version && current.format === RECORD_FORMAT) return;
    this.keeping.keeper.schedule(runId, version);
  }

  /**
   * Resolves once the keeper has kept those of these runs (every run if not given) it is building or
   * about to: a read of them waits for that instead of building them on the hub's thread. Null when
   * there is nothing to wait for.
   */
  whenKept(runIds?: readonly string[]): Promise<void> | null {
    return this.keeping.kind === 'deferred' ? this.keeping.keeper.whenKept(runIds) : null;
  }

  /**
   * Writes rows built by keptRows (in another thread) if they still describe the runs as they are:
   * the run's version unchanged, the comparison's inputs unchanged. Returns what was written.
   */
  applyKept(rows: KeptRows): { record: boolean; comparison: boolean } {
    const written = { record: false, comparison: false };
    const { record, comparison } = rows;
    if (!this.store.get(record.run_id)) return written;
    const now = this.store.version(record.run_id);
    if (now.active > 0 || now.version !== record.version || record.format !== RECORD_FORMAT) return written;
    const current = this.kept.stamp(record.run_id);
    if (!(current && current.version === record.version && current.format === RECORD_FORMAT)) {
      this.kept.put(record);
      written.record = true;
    }
    if (comparison && this.store.get(comparison.run_a)) {
      const inputs = comparisonInputs(this, comparison.run_a, comparison.run_b);
      if (inputs.settled && inputs.hash === comparison.hash && !this.comparisons.has(inputs.run_a, inputs.run_b, inputs.hash)) {
        this.comparisons.put(comparison.run_a, comparison.run_b, comparison.hash, comparison.head, comparison.pairs);
        written.comparison = true;
      }
    }
    return written;
  }

  /**
   * The run's record with only the tries of one prompt on one backend (a matrix cell), as compare
   * reads it: read from those tasks alone, so opening a cell never waits for the whole run.
   */
  rowRecord(runId: string, promptIdValue: string, backend: string): RunRecord {
    const { run } = this.stamp(runId);
    const body = this.buildBody(runId, this.store.rowTasks(runId, promptIdValue, backend));
    const tasks = body.tasks as RunTask[];
    return this.compacted(body.check_tasks.length > 0 ? { run, tasks, check_tasks: body.check_tasks as RunCheckTask[] } : { run, tasks });
  }

  private buildBody(runId: string, taskRows = this.store.tasks(runId)): RecordBody {
    // A task retried after the run ended counts as the run recorded it; the retry is a later attempt.
    const recorded = this.attempts.recordedOfRun(runId);
    const retried = this.attempts.retriedOfRun(runId);
    const rows = taskRows.map((row) => {
      const kept = recorded.get(row.task.task_id);
      return kept ? { task: { ...kept.task, lease_token: null }, artifact: kept.artifact, now: row.task.status } : { ...row, now: null };
    });
    // Check tasks (command, judge) are part of the run but not answers of it: they are listed apart
    // and give their verdict to the task they check (the newest check task wins after a retry).
    const checkRows = new Map<string, StoredTask>();
    const answerRows: typeof rows = [];
    const checkTasks: RunCheckTask[] = [];
    for (const row of rows) {
      const meta = checkTaskMeta(row.task);
      if (!meta) {
        answerRows.push(row);
        continue;
      }
      checkRows.set(`${meta.check_of}:${meta.check}`, row.task);
      checkTasks.push({ ...runTask(row.task, row.artifact, []), check_of: meta.check_of, check_kind: meta.check });
    }
    const tasks: RunTask[] = answerRows.map(({ task, artifact, now }) => ({
      ...runTask(task, artifact, checksOf(task, artifact, (kind) => checkRows.get(`${task.task_id}:${kind}`))),
      ...(now !== null ? { retried_after_run: { attempts: retried.get(task.task_id) ?? 1, status: now } } : {}),
    }));
    let lastEnd = 0;
    for (const { task } of rows) lastEnd = Math.max(lastEnd, task.finished_at ?? task.cancelled_at ?? 0);
    const terminal = rows.every(({ task }) => isEnded(task.status));
    return { tasks, check_tasks: checkTasks, last_end: lastEnd, terminal };
  }

  /** The checks of one task of a run (task detail); empty for a task outside runs or without checks. */
  taskChecks(taskId: number): CheckResult[] {
    const task = this.queue.get(taskId);
    if (task.run_id === null || checkTaskMeta(task)) return [];
    const checkTasks = this.store.checkTasksOf(task.run_id, taskId);
    // The newest check task of a kind decides (a retried task is checked again).
    const newest = (kind: CheckTaskKind) => checkTasks.filter((t) => checkTaskMeta(t)?.check === kind).at(-1);
    return checksOf(task, this.queue.artifact(taskId), newest);
  }

  /**
   * The run, its rollups and (up to MAX_LISTED_FAILURES) why tasks failed, in words. A settled run's
   * summary is read as kept (listing runs after a restart reads no task).
   */
  summary(runId: string): RunSummary {
    const stored = this.mustGet(runId);
    const { active, version } = this.store.version(runId);
    const kept = active > 0 || this.records.get(runId, version) ? undefined : this.kept.summary(runId, version, RECORD_FORMAT);
    if (kept !== undefined) {
      const summary = JSON.parse(kept) as KeptSummary;
      return { run: this.runInfo(stored, summary.terminal && summary.tasks > 0, summary.last_end), rollups: summary.rollups, failures: summary.failures };
    }
    const record = this.get(runId);
    return { run: record.run, rollups: rollups(record.tasks, record.run.backends), failures: failures(record.tasks) };
  }

  list(filter: { pack_name?: string; limit?: number }): RunSummary[] {
    const limit = filter.limit !== undefined && filter.limit > 0 ? filter.limit : -1;
    return this.store.list(limit, filter.pack_name).map((run) => this.summary(run.run_id));
  }

  setBaseline(runId: string): { ok: true; pack_name: string } {
    const run = this.mustGet(runId);
    this.queue.batch(() => this.store.setBaseline(run.pack_name, runId));
    return { ok: true, pack_name: run.pack_name };
  }

  /** The baseline run of a pack, or null. */
  baselineOf(packName: string): string | null {
    return this.store.baselineOf(packName) ?? null;
  }

  pick(runId: string, promptIdValue: string, taskId: number): { ok: true; picks: Record<string, number> } {
    const record = this.get(runId);
    const task = record.tasks.find((t) => t.task_id === taskId);
    if (!task) throw new HubError('not_found', `task ${taskId} is not part of run ${runId}`);
    if (task.prompt_id !== promptIdValue) throw new HubError('bad_request', `task ${taskId} answers prompt ${task.prompt_id}, not ${promptIdValue}`);
    const picks = { ...record.run.picks, [promptIdValue]: taskId };
    this.queue.batch(() => this.store.setPicks(runId, picks));
    return { ok: true, picks };
  }

  /** A run exported elsewhere becomes a local run (its tasks finished as they were there). */
  import(record: RunRecord): { run_id: string; tasks: number } {
    let runId = record.run.run_id;
    for (let n = 2; this.store.get(runId); n++) runId = `${record.run.run_id}-import${n}`;
    const imported = this.importTasks(record, runId);
    // An imported run has ended: its record is built and kept now, in the keeper's worker if there is
    // one, else as a finished run's first read does.
    if (this.keeping.kind === 'deferred') this.keepIfSettled(runId);
    else this.get(runId);
    return imported;
  }

  private importTasks(record: RunRecord, runId: string): { run_id: string; tasks: number } {
    return this.queue.batch(() => {
      this.store.insert({ ...record.run, run_id: runId, baseline: false, picks: {}, imported_from: record.run.host });
      const idMap = new Map<number, number>();
      const now = record.run.created_at;
      const ends = importedEndTimes(record.tasks, record.run.finished_at ?? now);
      for (const [index, task] of record.tasks.entries()) {
        const finished = task.status === 'done' || task.status === 'failed' || task.status === 'cancelled';
        const end = ends[index] ?? now;
        const metadata: TaskMetadata = { prompt_id: task.prompt_id, repeat_index: task.repeat_index };
        if (task.expect) metadata.expect = task.expect;
        const decided = importedCheckResults(task);
        if (decided.length > 0) metadata.imported_checks = decided;
        const newId = this.queue.importFinished(
          {
            prompt: task.prompt,
            status: finished ? task.status : 'cancelled',
            backend: task.backend,
            attempts: 1,
            worker_id: task.artifact?.worker_id ?? null,
            result: task.result,
            error: finished ? task.error : `not finished when the run was exported (${task.status})`,
            labels: [],
            metadata: { ...metadata },
            run_id: runId,
            created_at: now,
            updated_at: end,
            leased_at: task.artifact?.started_at ?? null,
            finished_at: task.status === 'done' || task.status === 'failed' ? end : null,
            cancelled_at: task.status === 'cancelled' || !finished ? end : null,
          },
          task.artifact,
        );
        idMap.set(task.task_id, newId);
      }
      const picks: Record<string, number> = {};
      for (const [prompt, taskId] of Object.entries(record.run.picks)) {
        const mapped = idMap.get(taskId);
        if (mapped !== undefined) picks[prompt] = mapped;
      }
      this.store.setPicks(runId, picks);
      return { run_id: runId, tasks: record.tasks.length };
    });
  }

  /** Cancels the run's tasks that have not finished (an agent running one stops it). */
  cancel(runId: string): { cancelled: number } {
    this.mustGet(runId);
    const open = this.store.tasks(runId).filter(({ task }) => task.status === 'queued' || task.status === 'leased');
    this.queue.batch(() => {
      for (const { task } of open) this.queue.cancel(task.task_id);
    });
    return { cancelled: open.length };
  }

  /** Deletes one run with its tasks and artifacts; a run still going must be cancelled first. */
  delete(runId: string): { deleted: string; tasks: number } {
    this.mustGet(runId);
    if (this.store.tasks(runId).some(({ task }) => task.status === 'queued' || task.status === 'leased')) {
      throw new HubError('conflict', `run ${runId} is still going (tasks queued or running); cancel it first, then delete it`);
    }
    return this.queue.batch(() => {
      const tasks = this.queue.deleteRunTasks(runId);
      this.store.delete(runId);
      return { deleted: runId, tasks };
    });
  }

  /**
   * Keeps the newest `keep` runs (and every baseline, and every run still in progress: its agents
   * are working on it); deletes the rest with their tasks.
   */
  prune(keep: number): { deleted: string[]; kept_in_progress: string[] } {
    if (!Number.isInteger(keep) || keep < 0) throw new HubError('bad_request', 'keep must be a whole number >= 0');
    const baselines = this.store.baselineIds();
    const candidates = this.store.idsNewestFirst().filter((id) => !baselines.has(id)).slice(keep);
    const inProgress = candidates.filter((id) => this.store.tasks(id).some(({ task }) => task.status === 'queued' || task.status === 'leased'));
    const victims = candidates.filter((id) => !inProgress.includes(id));
    this.queue.batch(() => {
      for (const runId of victims) {
        this.queue.deleteRunTasks(runId);
        this.store.delete(runId);
      }
    });
    return { deleted: victims, kept_in_progress: inProgress };
  }
}
