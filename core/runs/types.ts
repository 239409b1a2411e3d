/**
 * A run as comparison, export and the UI see it: the run's own record and its tasks, each with its
 * artifact and check results. Built by core/runs from the store; compared by core/compare.
 */
import type { Artifact } from '../queue/artifact.js';
import type { TaskStatus } from '../queue/types.js';
import type { CheckResult, Expect } from './expect.js';

export const RUN_PRESETS = ['system-test', 'pair-smoke', 'matrix', 'smoke', 'custom'] as const;
export type RunPreset = (typeof RUN_PRESETS)[number];

/** Texts of a task a run import may send in slices (everything else of a task is small). */
export const IMPORT_TEXT_FIELDS = ['prompt', 'result', 'error', 'stdout', 'stderr'] as const;
export type ImportTextField = (typeof IMPORT_TEXT_FIELDS)[number];

/** One CLI's state in the version lock at the time of the run (see core/lock). */
export interface LockEntryState {
  cli: string;
  locked_version: string | null;
  installed_version: string | null;
  status: 'ok' | 'missing' | 'older' | 'newer' | 'different' | 'flag_missing' | 'node_too_old' | 'unlocked';
}

export interface RunInfo {
  run_id: string;
  label: string | null;
  /** The pack's name (file name without .jsonl) groups runs for baselines and history. */
  pack_name: string;
  pack_path: string | null;
  preset: RunPreset;
  backends: string[];
  repeat: number;
  created_at: number;
  finished_at: number | null;
  host: string;
  /** The version lock as it stood when the run started (null when there is no lock file). */
  lock_state: LockEntryState[] | null;
  /** Marked as the baseline of its pack. */
  baseline: boolean;
  /** Compare-and-pick: the task chosen as best answer, per prompt id. */
  picks: Record<string, number>;
}

export interface RunTask {
  task_id: number;
  /** The pack entry's `id`, or a stable id derived from the prompt text. */
  prompt_id: string;
  prompt: string;
  backend: string;
  repeat_index: number;
  status: TaskStatus;
  result: string | null;
  error: string | null;
  artifact: Artifact | null;
  expect: Expect | null;
  checks: CheckResult[];
  /** All checks pass (true when there are none) and the task is done. */
  pass: boolean;
  /**
   * Set when the task was retried after the run ended: the fields above are what the run recorded
   * (they never change); `attempts` retries were made since, the latest is now `status`.
   */
  retried_after_run?: { attempts: number; status: TaskStatus };
}

/** Why a task did not pass, in words. */
export interface RunFailure {
  task_id: number;
  prompt_id: string;
  backend: string;
  repeat_index: number;
  /** `task`: the task failed (its error); `checks`: it answered, and these checks failed. */
  kind: 'task' | 'checks';
  reasons: string[];
}

/** A task the run made to check an answer (`command`, `judge`): recorded, not an answer of the run. */
export interface RunCheckTask extends RunTask {
  /** The task whose answer it checks. */
  check_of: number;
  check_kind: 'command' | 'judge';
}

export interface RunRecord {
  run: RunInfo;
  tasks: RunTask[];
  /** Check tasks (absent when the run has none). */
  check_tasks?: RunCheckTask[];
}

/** Per backend (and for the whole run): counts, latency and what was reported of tokens and cost. */
export interface RunRollup {
  backend: string | null;
  total: number;
  done: number;
  failed: number;
  running: number;
  queued: number;
  cancelled: number;
  passed: number;
  /** Done tasks whose checks failed (decided: not counting checks still running). */
  check_failures: number;
  /** Done tasks with a `command` / `judge` check still running. */
  checks_pending: number;
  latency_ms: { p50: number | null; p95: number | null; mean: number | null };
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}
