/**
 * A run imported in pieces: a run can be far larger than one request line (two 5 MB answers already
 * pass the default 8 MiB), so the client sends the run, then its tasks a few at a time, then the texts
 * too long for one line in slices, and commits. The pieces wait here, in memory and bounded, and the
 * commit imports the whole run in one transaction: a broken-off import leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import { formatBytes } from '../read-bounded.js';
import type { ImportTextField, RunInfo, RunRecord, RunTask } from './types.js';

export type { ImportTextField };

/** Characters held for all imports in progress: what a client reads of one run at most (256 MiB). */
export const MAX_STAGED_CHARS = 256 * 1024 * 1024;
/** Imports in progress at once. */
const MAX_SESSIONS = 8;
/** An import no piece has reached for this long was abandoned; its pieces are dropped. */
export const IMPORT_IDLE_MS = 10 * 60 * 1000;
const MAX_TASKS = 100_000;

interface Session {
  run: RunInfo;
  tasks: RunTask[];
  chars: number;
  touchedAt: number;
}

function taskChars(task: RunTask): number {
  return JSON.stringify(task).length;
}

export class ImportStaging {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly maxChars = MAX_STAGED_CHARS,
  ) {}

  private stagedChars(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.chars;
    return total;
  }

  private dropAbandoned(): void {
    const now = this.clock();
    for (const [id, session] of this.sessions) if (now - session.touchedAt > IMPORT_IDLE_MS) this.sessions.delete(id);
  }

  private session(importId: string): Session {
    this.dropAbandoned();
    const session = this.sessions.get(importId);
    if (!session) throw new HubError('not_found', `import ${importId} is unknown or was abandoned (no piece for ${IMPORT_IDLE_MS / 60_000} minutes); start the import again`);
    session.touchedAt = this.clock();
    return session;
  }

  private reserve(session: Session, chars: number): void {
    if (this.stagedChars() + chars > this.maxChars) {
      throw new HubError('bad_request', `imports in progress would hold more than ${formatBytes(this.maxChars)}; import a smaller run or wait for the others`);
    }
    session.chars += chars;
  }

  begin(run: RunInfo): { import_id: string } {
    this.dropAbandoned();
    if (this.sessions.size >= MAX_SESSIONS) throw new HubError('conflict', `${MAX_SESSIONS} imports are already in progress; try again when one has finished`);
    const importId = `import-${randomBytes(8).toString('hex')}`;
    const session: Session = { run, tasks: [], chars: 0, touchedAt: this.clock() };
    this.reserve(session, JSON.stringify(run).length);
    this.sessions.set(importId, session);
    return { import_id: importId };
  }

  addTasks(importId: string, tasks: RunTask[]): { tasks: number } {
    const session = this.session(importId);
    if (session.tasks.length + tasks.length > MAX_TASKS) throw new HubError('bad_request', `a run has at most ${MAX_TASKS} tasks`);
    this.reserve(session, tasks.reduce((sum, task) => sum + taskChars(task), 0));
    session.tasks.push(...tasks);
    return { tasks: session.tasks.length };
  }

  /** Appends a slice to one text of a task already sent (sent with the start of that text). */
  appendText(importId: string, taskIndex: number, field: ImportTextField, text: string): { length: number } {
    const session = this.session(importId);
    const task = session.tasks[taskIndex];
    if (!task) throw new HubError('bad_request', `task ${taskIndex} of import ${importId} has not been sent (${session.tasks.length} so far)`);
    this.reserve(session, text.length);
    if (field === 'stdout' || field === 'stderr') {
      if (!task.artifact) throw new HubError('bad_request', `task ${taskIndex} of import ${importId} has no artifact to add ${field} to`);
      task.artifact[field] += text;
      return { length: task.artifact[field].length };
    }
    const current = task[field];
    if (current === null) throw new HubError('bad_request', `task ${taskIndex} of import ${importId} has no ${field} to add to (send "" first)`);
    const joined = current + text;
    task[field] = joined;
    return { length: joined.length };
  }

  /** The whole run, and the import is over (whatever the commit of it does). */
  take(importId: string): RunRecord {
    const session = this.session(importId);
    this.sessions.delete(importId);
    return { run: session.run, tasks: session.tasks };
  }

  abort(importId: string): { ok: true } {
    this.session(importId);
    this.sessions.delete(importId);
    return { ok: true };
  }
}
