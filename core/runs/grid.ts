/**
 * A run as a prompts × backends grid (promptfoo's viewer is what users know): one row per prompt in
 * the run's order, one column per backend, each cell every attempt of that prompt on that backend
 * (its repeats). Used by the app's run page and the run's HTML export.
 */
import type { RunInfo, RunRecord, RunTask } from './types.js';

export interface GridRow {
  prompt_id: string;
  prompt: string;
  /** cells[i]: the tasks of this prompt on backends[i], by repeat index. */
  cells: RunTask[][];
}

export interface RunGrid {
  backends: string[];
  rows: GridRow[];
}

export type CellVerdict = { tone: 'good' | 'bad' | 'neutral'; text: string };

/** The grid as the app's run page gets it: each task with its verdict in words. */
export interface RunGridView {
  run: RunInfo;
  tasks: number;
  backends: string[];
  rows: { prompt_id: string; prompt: string; cells: (RunTask & { verdict: CellVerdict })[][] }[];
}

export function runGridView(record: RunRecord): RunGridView {
  const grid = runGrid(record);
  return {
    run: record.run,
    tasks: record.tasks.length,
    backends: grid.backends,
    rows: grid.rows.map((row) => ({ ...row, cells: row.cells.map((cell) => cell.map((task) => ({ ...task, verdict: cellVerdict(task) }))) })),
  };
}

export function runGrid(record: RunRecord): RunGrid {
  const backends = [...new Set([...record.run.backends, ...record.tasks.map((t) => t.backend)])];
  const rows = new Map<string, GridRow>();
  for (const task of record.tasks) {
    let row = rows.get(task.prompt_id);
    if (!row) {
      row = { prompt_id: task.prompt_id, prompt: task.prompt, cells: backends.map(() => []) };
      rows.set(task.prompt_id, row);
    }
    row.cells[backends.indexOf(task.backend)]?.push(task);
  }
  for (const row of rows.values()) for (const cell of row.cells) cell.sort((a, b) => a.repeat_index - b.repeat_index || a.task_id - b.task_id);
  // A backend the pack routed no prompt to has no column worth showing.
  const used = backends.map((_, i) => [...rows.values()].some((row) => (row.cells[i]?.length ?? 0) > 0));
  return {
    backends: backends.filter((_, i) => used[i]),
    rows: [...rows.values()].map((row) => ({ ...row, cells: row.cells.filter((_, i) => used[i]) })),
  };
}

/** One cell's verdict in words: what a reader scanning the grid needs first. */
export function cellVerdict(task: RunTask): CellVerdict {
  if (task.status === 'done') {
    const failed = task.checks.filter((c) => !c.pass);
    return failed.length === 0 ? { tone: 'good', text: task.checks.length ? 'passed' : 'done' } : { tone: 'bad', text: `${failed.length} check${failed.length === 1 ? '' : 's'} failed` };
  }
  if (task.status === 'failed') return { tone: 'bad', text: task.artifact?.failure_class ? `failed: ${task.artifact.failure_class.replace(/_/g, ' ')}` : 'failed' };
  return { tone: 'neutral', text: task.status === 'leased' ? 'running' : task.status };
}
