/**
 * Progress of a run for a terminal: done/failed/running per backend, elapsed and ETA, redrawn in
 * place on a TTY (one line per backend), a line every few seconds otherwise.
 */
import type { Task } from '../queue/types.js';
import { checkTaskKinds, checkInWords, runChecks, type CheckResult, type Expect } from '../runs/expect.js';
import { checkTaskMeta, checkTaskResult, type CheckTaskKind } from '../runs/check-tasks.js';
import type { RunCheckTask } from '../runs/types.js';

export interface BackendProgress {
  backend: string;
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Done tasks whose checks all pass (so far, while checks run). */
  passed: number;
  /** Done tasks with a failed check. */
  checks_failed: number;
}

/** A task of the run as progress needs it; `checks` when known (a run record), else worked out live. */
export interface ProgressTask {
  task_id: number;
  backend: string;
  status?: Task['status'];
  prompt_id?: string;
  expect?: Expect | null;
  result?: string | null;
  checks?: CheckResult[];
}

interface Tracked {
  backend: string;
  status: Task['status'];
  promptId: string;
  expect: Expect | null;
  result: string | null;
  /** Exact results from the hub (a record); live ones are worked out from the answer. */
  checks: CheckResult[] | null;
  checkOf?: number;
  checkKind?: CheckTaskKind;
}

/** Limits need the artifact's figures, which events do not carry: live progress leaves them to the summary. */
const LIVE_SKIPPED: readonly string[] = ['max_latency_ms', 'max_cost', 'max_tokens'];

/** How many failures in words progress lists under the bars. */
const LISTED_FAILURES = 5;

export class RunProgress {
  private readonly tasks = new Map<number, Tracked>();
  constructor(
    tasks: ProgressTask[],
    private readonly started = Date.now(),
    private readonly ended: number | null = null,
    /** Check tasks of this run that appear later (events) are tracked too. */
    private readonly runId: string | null = null,
  ) {
    for (const t of tasks) {
      this.tasks.set(t.task_id, { backend: t.backend, status: t.status ?? 'queued', promptId: t.prompt_id ?? String(t.task_id), expect: t.expect ?? null, result: t.result ?? null, checks: t.checks ?? null });
    }
  }

  /** Tracks a check task of the run (record's `check_tasks`, or one announced by an event). */
  addCheckTask(task: Pick<Task, 'task_id' | 'status' | 'backend' | 'metadata' | 'result' | 'error'>): void {
    const meta = checkTaskMeta(task);
    if (!meta) return;
    this.tasks.set(task.task_id, { backend: task.backend ?? '', status: task.status, promptId: meta.prompt_id ?? '', expect: null, result: task.result, checks: null, checkOf: meta.check_of, checkKind: meta.check });
  }

  /** The check tasks of a run record. */
  addCheckTasks(checkTasks: RunCheckTask[] | undefined): void {
    for (const t of checkTasks ?? []) this.addCheckTask({ ...t, metadata: { check_of: t.check_of, check: t.check_kind, prompt_id: t.prompt_id } });
  }

  /** Applies a task change; false when the task is not part of this run. */
  update(task: Pick<Task, 'task_id' | 'status'> & Partial<Pick<Task, 'result' | 'run_id' | 'metadata' | 'backend' | 'error'>>): boolean {
    const known = this.tasks.get(task.task_id);
    if (!known) {
      if (this.runId === null || task.run_id !== this.runId || !task.metadata) return false;
      this.addCheckTask({ task_id: task.task_id, status: task.status, backend: task.backend ?? null, metadata: task.metadata, result: task.result ?? null, error: task.error ?? null });
      return this.tasks.has(task.task_id);
    }
    if (known.status !== task.status) known.checks = null;
    known.status = task.status;
    if (task.result !== undefined) known.result = task.result;
    return true;
  }

  get finished(): boolean {
    return [...this.tasks.values()].every((t) => t.status === 'done' || t.status === 'failed' || t.status === 'cancelled');
  }

  /** A done task's checks: exact when the hub gave them, else from its answer and its check tasks. */
  private checksOf(taskId: number, t: Tracked): CheckResult[] {
    if (t.checks) return t.checks;
    if (t.status !== 'done' || !t.expect) return [];
    const checks = runChecks(t.expect, t.result ?? '', null).filter((c) => !LIVE_SKIPPED.includes(c.kind ?? ''));
    for (const kind of checkTaskKinds(t.expect)) {
      const checkTask = [...this.tasks.entries()].filter(([, c]) => c.checkOf === taskId && c.checkKind === kind).at(-1);
      const asTask = checkTask ? ({ task_id: checkTask[0], status: checkTask[1].status, result: checkTask[1].result, error: null } as Task) : undefined;
      checks.push(checkTaskResult(kind, t.expect, asTask, false));
    }
    return checks;
  }

  perBackend(): BackendProgress[] {
    const byBackend = new Map<string, BackendProgress>();
    for (const [taskId, t] of this.tasks) {
      if (t.checkOf !== undefined) continue;
      const row = byBackend.get(t.backend) ?? { backend: t.backend, total: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0, passed: 0, checks_failed: 0 };
      row.total++;
      if (t.status === 'leased') row.running++;
      else row[t.status]++;
      if (t.status === 'done') {
        const checks = this.checksOf(taskId, t);
        if (checks.some((c) => !c.pass && !c.pending)) row.checks_failed++;
        else if (!checks.some((c) => c.pending)) row.passed++;
      }
      byBackend.set(t.backend, row);
    }
    return [...byBackend.values()];
  }

  /** Check tasks (command, judge): how many, how many ended. */
  checkTasks(): { total: number; ended: number } {
    const checks = [...this.tasks.values()].filter((t) => t.checkOf !== undefined);
    return { total: checks.length, ended: checks.filter((t) => t.status === 'done' || t.status === 'failed' || t.status === 'cancelled').length };
  }

  /** Why done tasks failed their checks, in words: `number on echo: expected the answer to ...`. */
  checkFailures(limit = LISTED_FAILURES): string[] {
    const lines: string[] = [];
    for (const [taskId, t] of this.tasks) {
      if (t.checkOf !== undefined || t.status !== 'done') continue;
      const failing = this.checksOf(taskId, t).filter((c) => !c.pass && !c.pending);
      if (failing.length === 0) continue;
      if (lines.length === limit) {
        lines.push('...');
        break;
      }
      lines.push(`${t.promptId} on ${t.backend}: ${failing.map(checkInWords).join('; ')}`);
    }
    return lines;
  }

  /** Lines to show: one per backend with a bar, the checks, failed checks in words, then elapsed and ETA. */
  render(width = 24): string[] {
    const rows = this.perBackend();
    const total = rows.reduce((n, r) => n + r.total, 0);
    const ended = rows.reduce((n, r) => n + r.done + r.failed + r.cancelled, 0);
    const elapsed = ((this.ended ?? Date.now()) - this.started) / 1000;
    const eta = ended > 0 && ended < total ? (elapsed / ended) * (total - ended) : null;
    const nameWidth = Math.max(...rows.map((r) => r.backend.length), 7);
    const lines = rows.map((r) => {
      const endedHere = r.done + r.failed + r.cancelled;
      const filled = r.total === 0 ? 0 : Math.round((endedHere / r.total) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const checked = r.checks_failed > 0 ? ` (${r.passed} passed, ${r.checks_failed} failed checks)` : '';
      return `${r.backend.padEnd(nameWidth)} [${bar}] ${endedHere}/${r.total}  done ${r.done}${checked}  failed ${r.failed}  running ${r.running}${r.cancelled ? `  cancelled ${r.cancelled}` : ''}`;
    });
    const checks = this.checkTasks();
    if (checks.total > 0) lines.push(`${'checks'.padEnd(nameWidth)} ${checks.ended}/${checks.total} command/judge checks ended`);
    const failures = this.checkFailures();
    if (failures.length > 0) lines.push('failed checks:', ...failures.map((f) => `  ✗ ${f}`));
    lines.push(`elapsed ${formatSeconds(elapsed)}${eta === null ? '' : `  ETA ${formatSeconds(eta)}`}  (${ended}/${total})`);
    return lines;
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** Draws progress on a stream: redrawn in place on a TTY, else at most every `intervalMs`. */
export class ProgressPrinter {
  private drawnLines = 0;
  private lastPrint = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly intervalMs = 5000,
  ) {}

  draw(lines: string[], force = false): void {
    if (this.out.isTTY) {
      if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A`);
      for (const line of lines) this.out.write(`\x1b[2K${line}\n`);
      this.drawnLines = lines.length;
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    this.out.write(`${lines.join('\n')}\n`);
  }
}
