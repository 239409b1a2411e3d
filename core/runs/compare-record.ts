/**
 * A run's record as compare reads it: every task with its answer, checks and the artifact's figures,
 * CLI version, model, failure and workspace, but not the CLI's raw output, argv, environment or event
 * log (often most of a record's size, and never shown by a comparison). What the hub keeps of a
 * settled run (core/store/run-records.ts) and hands to compare in its own process.
 */
import type { Artifact } from '../queue/artifact.js';
import type { RunCheckTask, RunFailure, RunRollup, RunTask } from './types.js';

/**
 * Bump when what a kept record or summary holds or how it is built (checks, rollups, failures,
 * compactTask) changes: rows kept in another format are ignored and built again.
 */
export const RECORD_FORMAT = 1;

/** What is kept of a settled run besides its own row (read fresh on every call). */
export interface KeptBody {
  tasks: RunTask[];
  check_tasks: RunCheckTask[];
  last_end: number;
  terminal: boolean;
}

/** A settled run's summary, kept so listing runs after a restart reads no task. */
export interface KeptSummary {
  last_end: number;
  terminal: boolean;
  /** Tasks the record lists (0: the run has no finished_at). */
  tasks: number;
  rollups: RunRollup[];
  failures: RunFailure[];
}

function compactArtifact(artifact: Artifact): Artifact {
  const { stdout: _stdout, stderr: _stderr, argv: _argv, env: _env, events: _events, ...kept } = artifact;
  return { ...kept, argv: [], env: {}, stdout: '', stderr: '' };
}

export function compactTask<T extends RunTask>(task: T): T {
  return task.artifact ? { ...task, artifact: compactArtifact(task.artifact) } : task;
}
