/**
 * The tasks of settled runs as their record lists them, kept in memory so reading a run again does
 * not read and parse every task and artifact and re-run every check (a run of 30,000 tasks takes
 * seconds to build). A run is settled when none of its tasks (answers and check tasks) waits or
 * runs; then only a retry, a cancel, an import or a delete can change what its record lists, and
 * each of those changes the run's version (see RunStore.version). An entry is used only while the
 * version it was built at is still the run's version. Bounded by an estimate of the memory held.
 */
import type { RunCheckTask, RunTask } from './types.js';

/** What a record lists besides the run's own row (which is read fresh on every call). */
export interface RecordBody {
  tasks: readonly RunTask[];
  check_tasks: readonly RunCheckTask[];
  /** The latest end of a task of the run (its finished_at when not frozen), 0 without tasks. */
  last_end: number;
  /** Every task as recorded has ended. */
  terminal: boolean;
}

/** About this much memory held by cached records at most (estimated from the texts they hold). */
export const MAX_CACHED_BYTES = 256 * 1024 * 1024;
/** Fixed overhead of one task: its fields, its artifact's numbers, its checks. */
const TASK_OVERHEAD_BYTES = 1_000;

function textBytes(task: RunTask): number {
  const a = task.artifact;
  // Strings are at most 2 bytes a character in V8.
  const chars = task.prompt.length + (task.result?.length ?? 0) + (task.error?.length ?? 0) + (a ? a.stdout.length + a.stderr.length + (a.failure_message?.length ?? 0) : 0);
  return TASK_OVERHEAD_BYTES + 2 * chars;
}

export function estimateBytes(body: RecordBody): number {
  let bytes = 0;
  for (const task of body.tasks) bytes += textBytes(task);
  for (const task of body.check_tasks) bytes += textBytes(task);
  return bytes;
}

interface Entry {
  version: string;
  body: RecordBody;
  bytes: number;
}

export class RecordCache {
  /** In order of use, least recent first. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_CACHED_BYTES) {}

  /** The body built at `version`, if it is still cached. */
  get(runId: string, version: string): RecordBody | undefined {
    const entry = this.entries.get(runId);
    if (!entry) return undefined;
    if (entry.version !== version) {
      this.drop(runId);
      return undefined;
    }
    this.entries.delete(runId);
    this.entries.set(runId, entry);
    return entry.body;
  }

  /** Keeps `body` (frozen: every reader shares it); a body bigger than the whole budget is not kept. */
  set(runId: string, version: string, body: RecordBody): RecordBody {
    this.drop(runId);
    const frozen: RecordBody = Object.freeze({ tasks: Object.freeze(body.tasks), check_tasks: Object.freeze(body.check_tasks), last_end: body.last_end, terminal: body.terminal });
    const bytes = estimateBytes(frozen);
    if (bytes > this.maxBytes) return frozen;
    while (this.bytes + bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    this.entries.set(runId, { version, body: frozen, bytes });
    this.bytes += bytes;
    return frozen;
  }

  drop(runId: string): void {
    const entry = this.entries.get(runId);
    if (!entry) return;
    this.entries.delete(runId);
    this.bytes -= entry.bytes;
  }

  /** Runs cached (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }
}
