/**
 * The one contract between the UI and the core: every call the renderer can make, with the zod
 * schema of its input and the type of its result. Electron IPC (electron/preload + main) and the
 * HTTP bridge of browser mode (`mittelo serve`) both serve exactly this list, derived from
 * `API_CALLS`; the renderer cannot tell which one it talks to.
 *
 * Inputs are checked at each edge with these schemas. Results are produced by core/app/handlers.ts
 * and typed here, so both sides share one source of truth.
 */
import { z } from 'zod';
import type { Comparison } from './compare/types.js';
import type { SideBySide, PromptEntry } from './compare/pick.js';
import type { HistoryPoint, RowDetail } from './compare/row-detail.js';
import type { DriftReport } from './lock/check.js';
import type { RecordResult } from './lock/record.js';
import type { LockEntry } from './lock/file.js';
import type { UpgradeJob } from './app/upgrade-jobs.js';
import type { Artifact } from './queue/artifact.js';
import type { EarlierAttempt } from './store/run-attempts.js';
import type { HubEvent, Stats, Task } from './queue/types.js';
import { TASK_STATUSES } from './queue/types.js';
import type { RunFailure, RunInfo, RunRecord, RunRollup } from './runs/types.js';
import type { CheckResult } from './runs/expect.js';
import { RUN_PRESETS } from './runs/types.js';
import type { RunGridView } from './runs/grid.js';
import type { HubResult } from './wire/contract.js';
import type { Preflight } from './agent/backend.js';
import { TOOL_POLICIES } from '../drivers/types.js';
import { backendName } from '../drivers/backend-name.js';

const taskId = z.number().int().positive();
const runId = z.string().min(1).max(200);

/** A task as one row of the Tasks table: small, so 100,000 of them load at once. */
export interface TaskRow {
  task_id: number;
  status: Task['status'];
  backend: string | null;
  run_id: string | null;
  priority: number;
  created_at: number;
  updated_at: number;
  /** The first 120 characters of the prompt. */
  prompt_preview: string;
  worker_id: string | null;
}

export interface HubStatus {
  online: boolean;
  /** Set while the app tries to reach a hub that went away. */
  reconnecting: boolean;
  host: string;
  port: number;
  rest_url: string | null;
  version: string;
  workspace: string;
  db_path: string;
  stats: Stats;
}

/** A backend as the Backends page shows it: preflight, settings, and the local agent serving it. */
export interface BackendView {
  name: string;
  preflight: Preflight;
  settings: {
    concurrency: number;
    model: string | null;
    tool_policy: (typeof TOOL_POLICIES)[number];
    binary_path: string | null;
  };
  /** The in-process agent of this app serving it, if started. */
  local_agent: { running: boolean; concurrency: number } | null;
  /** Options it cannot run without (the shell backend's command line...), with their saved values. */
  required_options: { key: string; description: string; value: string | null }[];
}

/** Why a queued task waits: no agent serves its backend right now (and whether the app can start one). */
export interface WaitHint {
  backend: string | null;
  /** The app can start a local agent for this backend (a driver or folder backend has its name). */
  can_start: boolean;
  message: string;
}

/** A task in full for its detail panel. */
export interface TaskDetail {
  task: Task;
  artifact: Artifact | null;
  /** Attempts before the current one, kept because the task's run had ended when it was retried. */
  earlier_attempts: EarlierAttempt[];
  /** Set while the task is queued and no agent serves its backend. */
  waiting: WaitHint | null;
  /** The task's check results in words, when it belongs to a run and has checks. */
  checks?: CheckResult[];
  /** How to fix what failed it, when that is known (its CLI is not installed: the install command). */
  failure_hint: string | null;
}

/** The workspace the app has open, the ones opened before, and what a switch would interrupt. */
export interface WorkspaceView {
  dir: string;
  /** Workspaces opened before (newest first, the current one excluded); `available`: still a folder. */
  recent: { dir: string; available: boolean }[];
  /** The desktop app can show the system's folder picker; browser mode cannot (a path field instead). */
  native_picker: boolean;
  /** Runs of this workspace not finished yet: switching stops following them (the UI asks first). */
  runs_in_progress: { run_id: string; label: string | null; pack_name: string }[];
}

/** What a one-click system test did: started a run, or stopped to ask (`candidates`: the backends to offer). */
export type SystemTestStart =
  | { started: true; run_id: string; tasks: number; backends: string[]; why: string }
  | { started: false; reason: 'choose' | 'nothing_ready'; message: string; candidates: string[] };

export interface PackInfo {
  name: string;
  path: string;
  prompts: number;
}

/** Every UI call: input schema and result type. Add a call here and both bridges serve it. */
export const API_CALLS = {
  'hub.status': { input: z.object({}), result: null as unknown as HubStatus },
  'tasks.rows': {
    input: z.object({
      status: z.enum(TASK_STATUSES).optional(),
      backend: backendName.optional(),
      run_id: runId.optional(),
      /** Case-insensitive text in the prompt. */
      search: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(200_000).default(100_000),
    }),
    result: null as unknown as HubResult<'list_rows'>,
  },
  'tasks.get': { input: z.object({ task_id: taskId }), result: null as unknown as TaskDetail },
  'tasks.enqueue': {
    input: z.object({
      prompt: z.string().refine((s) => s.trim() !== '', 'must not be blank'),
      backend: backendName.optional(),
      priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
      max_attempts: z.number().int().positive().optional(),
    }),
    result: null as unknown as { task_id: number },
  },
  'tasks.cancel': { input: z.object({ task_id: taskId }), result: null as unknown as Pick<HubResult<'cancel'>, 'task'> },
  'tasks.retry': { input: z.object({ task_id: taskId.optional() }), result: null as unknown as HubResult<'retry_failed'> },
  'workers.list': { input: z.object({}), result: null as unknown as HubResult<'workers'> },
  'runs.list': {
    input: z.object({ pack_name: z.string().min(1).optional(), limit: z.number().int().min(0).max(1000).default(50) }),
    // `failures` optional: a hub from before failures were listed answers without them.
    result: null as unknown as { runs: { run: RunInfo; rollups: RunRollup[]; failures?: RunFailure[] }[] },
  },
  'runs.get': { input: z.object({ run_id: runId }), result: null as unknown as RunRecord },
  'runs.start': {
    input: z.object({
      pack: z.string().min(1),
      backends: z.array(backendName).min(1).max(50),
      preset: z.enum(RUN_PRESETS).default('smoke'),
      label: z.string().max(200).optional(),
      /** Default: the pack header's `repeat`, else `packs.<pack>.repeat` of mittelo.config.json, else 1. */
      repeat: z.number().int().min(1).max(100).optional(),
    }),
    result: null as unknown as { run_id: string; tasks: number },
  },
  /**
   * "Start system test" in one click: the example pack `system` on the backends of the last system
   * test, else every ready backend that can edit files. Not started when there is a real choice to
   * make or nothing ready (`message` says what to do; docs/RUNS.md "System tests").
   */
  // Strict: it takes nothing, and a call with stray fields is refused rather than starting a run.
  'runs.startSystemTest': { input: z.object({}).strict(), result: null as unknown as SystemTestStart },
  /** Deletes a finished run with its tasks (the UI asks first); a run still going is refused. */
  'runs.delete': { input: z.object({ run_id: runId, confirm: z.literal(true) }), result: null as unknown as HubResult<'run_delete'> },
  /** The run as one self-contained HTML page (prompts × backends with every answer), to save. */
  /** The run's prompts × backends grid with every answer (the run page). */
  'runs.grid': { input: z.object({ run_id: runId }), result: null as unknown as RunGridView },
  'runs.exportHtml': { input: z.object({ run_id: runId }), result: null as unknown as { filename: string; html: string } },
  'runs.baseline': { input: z.object({ run_id: runId }), result: null as unknown as HubResult<'run_baseline'> },
  'runs.pick': {
    input: z.object({ run_id: runId, prompt_id: z.string().min(1).max(200), task_id: taskId }),
    result: null as unknown as HubResult<'run_pick'>,
  },
  'runs.prompts': { input: z.object({ run_id: runId }), result: null as unknown as { prompts: PromptEntry[] } },
  'runs.sideBySide': { input: z.object({ run_id: runId, prompt_id: z.string().min(1).max(200) }), result: null as unknown as SideBySide | null },
  /** Two runs compared; without ids: the latest run of the pack (or overall) against the one before it. */
  'compare.runs': {
    input: z.object({
      run_a: runId.optional(),
      run_b: runId.optional(),
      pack_name: z.string().min(1).optional(),
      /**
       * false: `pairs`, each row's `pair_keys` and each side's `task_ids` left empty (a fifth of the
       * size for 30,000 tasks), so the gate and matrix show first; ask again with true for them.
       */
      pairs: z.boolean().default(true),
    }),
    result: null as unknown as { comparison: Comparison | null; reason: string | null },
  },
  /** The comparison of two runs as one self-contained HTML report (what `mittelo compare A B --html FILE` writes), to save. */
  'compare.exportHtml': { input: z.object({ run_a: runId, run_b: runId }), result: null as unknown as { filename: string; html: string } },
  /** One prompt × backend row of two runs in full: each try side by side with its diff, the verdict. */
  'compare.row': {
    input: z.object({ run_a: runId, run_b: runId, prompt_id: z.string().min(1).max(200), backend: backendName }),
    result: null as unknown as RowDetail,
  },
  /** A prompt's pass rate on a backend across the last runs of its pack (oldest first). */
  'compare.history': {
    input: z.object({ pack_name: z.string().min(1).max(200), prompt_id: z.string().min(1).max(200), backend: backendName, limit: z.number().int().min(2).max(50).default(10) }),
    result: null as unknown as { points: HistoryPoint[] },
  },
  'packs.list': { input: z.object({}), result: null as unknown as { packs: PackInfo[] } },
  'packs.read': { input: z.object({ name: z.string().min(1).max(64) }), result: null as unknown as { name: string; text: string } },
  /** Checked as a whole (errors with line numbers) before it is written; `create` never replaces a pack. */
  'packs.save': {
    input: z.object({ name: z.string().min(1).max(64), text: z.string().max(1024 * 1024), create: z.boolean().default(false) }),
    result: null as unknown as { name: string; prompts: number },
  },
  /** A folder backend: `<backends folder>/<name>/run` from a script body (prompt on stdin, answer on stdout). */
  'backends.createFolder': {
    input: z.object({ name: backendName, script: z.string().min(1).max(256 * 1024) }),
    result: null as unknown as { name: string; path: string },
  },
  'backends.list': {
    /** recheck_not_ready: check again, past the ~30 s cache, the backends that were not ready (the start dialog: a CLI just installed shows at once). */
    input: z.object({ recheck_not_ready: z.boolean().optional() }),
    result: null as unknown as { backends: BackendView[] },
  },
  'backends.configure': {
    input: z.object({
      name: backendName,
      concurrency: z.number().int().min(1).max(64).optional(),
      model: z.string().max(200).nullable().optional(),
      tool_policy: z.enum(TOOL_POLICIES).optional(),
      binary_path: z.string().max(4096).nullable().optional(),
      /** Setting a path makes the app run that program: the UI asks first and sends `true` (docs/SECURITY.md). */
      confirm_binary_path: z.literal(true).optional(),
      /** Driver options (shell_cmd, acp_cmd, tmux_session); null or blank removes one. */
      options: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'an option name: lower-case letters, digits, _'), z.string().max(4096).nullable()).optional(),
    }),
    result: null as unknown as { ok: true },
  },
  'agents.start': { input: z.object({ backend: backendName, concurrency: z.number().int().min(1).max(64).optional() }), result: null as unknown as { ok: true } },
  'agents.stop': { input: z.object({ backend: backendName }), result: null as unknown as { ok: true } },
  'workspace.current': { input: z.object({}), result: null as unknown as WorkspaceView },
  /** Is this a folder the app can open? (The switcher checks a typed path before offering to switch.) */
  'workspace.check': { input: z.object({ path: z.string().min(1).max(4096) }), result: null as unknown as { dir: string; is_workspace: boolean } },
  /** The desktop app's folder picker; null when cancelled. Browser mode answers `unsupported`. */
  'workspace.pickFolder': { input: z.object({}), result: null as unknown as { path: string | null } },
  /**
   * Closes this workspace (agents give their tasks back, the hub stops, the database closes) and opens
   * another folder. Runs in progress are refused unless `confirm_stop_runs: true` (the UI asks first).
   */
  'workspace.switch': {
    input: z.object({ path: z.string().min(1).max(4096), confirm_stop_runs: z.literal(true).optional() }),
    result: null as unknown as { dir: string; notes: string[] },
  },
  'lock.check': { input: z.object({}), result: null as unknown as { report: DriftReport | null } },
  /** Writing the lock replaces the team's pins: the UI asks first and sends `confirm: true`. */
  'lock.write': { input: z.object({ confirm: z.literal(true) }), result: null as unknown as RecordResult },
  /**
   * Rehearse upgrading locked CLIs (`mittelo lock upgrade-check`) in the background; follow it with
   * lock.upgradeCheck.status. A candidate_path is a program the app will run: the UI asks first.
   */
  'lock.upgradeCheck.start': {
    input: z.object({
      /** Locked CLIs to rehearse; none: every npm-installed CLI in the lock. */
      backends: z.array(backendName).max(32).default([]),
      to: z.string().regex(/^[\w.+-]{1,64}$/, 'a version or npm dist-tag (latest, next, 2.1.332)').default('latest'),
      /** `baseline`: the pack of the newest baseline run of each CLI; a pack of the workspace by name; `none`. */
      pack: z.union([z.enum(['baseline', 'none']), z.object({ name: z.string().min(1).max(128) })]).default('baseline'),
      candidate_path: z.string().trim().min(1).max(4096).optional(),
      confirm_candidate_path: z.literal(true).optional(),
    }),
    result: null as unknown as { job: UpgradeJob },
  },
  'lock.upgradeCheck.status': { input: z.object({ job_id: z.string().uuid() }), result: null as unknown as { job: UpgradeJob } },
  /** "Write lock" after a green rehearsal: pins the candidate's version (the UI asks first). */
  'lock.adopt': {
    input: z.object({ job_id: z.string().uuid(), cli: backendName, confirm: z.literal(true) }),
    result: null as unknown as { lock_file: string; entry: LockEntry; install_command: string | null },
  },
} as const;

export type ApiName = keyof typeof API_CALLS;
export type ApiInput<N extends ApiName> = z.input<(typeof API_CALLS)[N]['input']>;
export type ApiParsedInput<N extends ApiName> = z.output<(typeof API_CALLS)[N]['input']>;
export type ApiResult<N extends ApiName> = (typeof API_CALLS)[N]['result'];

export const API_NAMES = Object.keys(API_CALLS) as ApiName[];

export function isApiName(name: string): name is ApiName {
  return Object.hasOwn(API_CALLS, name);
}

/** What the UI hears without asking: the hub's task events and the app's connection state. */
export type UiEvent = { kind: 'hub'; event: HubEvent } | { kind: 'connection'; online: boolean; reconnecting: boolean };

/** The error shape both bridges return: a code, words for people, the detail one click away. */
export interface ApiError {
  code: string;
  message: string;
  detail?: string;
}

/** Every bridge exposes exactly this to the renderer (window.mittelo in Electron, fetch in browser mode). */
export interface MitteloApi {
  call<N extends ApiName>(name: N, input: ApiInput<N>): Promise<ApiResult<N>>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: UiEvent) => void): () => void;
}

/** IPC channel names, never typed twice (in their own import-free module, so the preload stays small). */
export { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from './api-channels.js';
