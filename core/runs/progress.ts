/**
 * Progress of a run for a terminal: done/failed/running per backend, elapsed and ETA, redrawn in
 * place on a TTY (one line per backend), a line every few seconds otherwise.
 */
import type { Task } from '../queue/types.js';

export interface BackendProgress {
  backend: string;
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
}

export class RunProgress {
  private readonly tasks = new Map<number, { backend: string; status: Task['status'] }>();
  constructor(
    tasks: { task_id: number; backend: string; status?: Task['status'] }[],
    private readonly started = Date.now(),
    private readonly ended: number | null = null,
  ) {
    for (const t of tasks) this.tasks.set(t.task_id, { backend: t.backend, status: t.status ?? 'queued' });
  }

  /** Applies a task change; false when the task is not part of this run. */
  update(task: Pick<Task, 'task_id' | 'status'>): boolean {
    const known = this.tasks.get(task.task_id);
    if (!known) return false;
    known.status = task.status;
    return true;
  }

  get finished(): boolean {
    return [...this.tasks.values()].every((t) => t.status === 'done' || t.status === 'failed' || t.status === 'cancelled');
  }

  perBackend(): BackendProgress[] {
    const byBackend = new Map<string, BackendProgress>();
    for (const { backend, status } of this.tasks.values()) {
      const row = byBackend.get(backend) ?? { backend, total: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
      row.total++;
      if (status === 'leased') row.running++;
      else row[status]++;
      byBackend.set(backend, row);
    }
    return [...byBackend.values()];
  }

  /** Lines to show: one per backend with a bar, then elapsed and ETA. */
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
      return `${r.backend.padEnd(nameWidth)} [${bar}] ${endedHere}/${r.total}  done ${r.done}  failed ${r.failed}  running ${r.running}${r.cancelled ? `  cancelled ${r.cancelled}` : ''}`;
    });
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
