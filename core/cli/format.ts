/**
 * Human output of the CLI: short, aligned, no colour codes when piped. Values a hub did not send
 * (the original mittelo has no priority, backend, cancelled count...) show as the dash of core/display.ts.
 */
import { DASH } from '../display.js';
import type { WireStats, WireTask } from '../wire/floor.js';

/** The dash for a value the hub did not send (or sent as null). */
function shown(value: string | number | null | undefined): string {
  return value === undefined || value === null ? DASH : String(value);
}

export function formatStats(stats: WireStats): string {
  return `queued ${shown(stats.queued)}  leased ${shown(stats.leased)}  done ${shown(stats.done)}  failed ${shown(stats.failed)}  cancelled ${shown(stats.cancelled)}`;
}

function oneLine(text: string | null, width: number): string {
  if (text === null) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function age(seconds: number, now = Date.now() / 1000): string {
  const d = Math.max(0, now - seconds);
  if (d < 60) return `${Math.round(d)}s ago`;
  if (d < 3600) return `${Math.round(d / 60)}m ago`;
  if (d < 86400) return `${Math.round(d / 3600)}h ago`;
  return `${Math.round(d / 86400)}d ago`;
}

export function formatTaskTable(tasks: WireTask[]): string {
  if (tasks.length === 0) return 'no tasks';
  const rows = tasks.map((t) => [
    String(t.task_id),
    t.status,
    shown(t.backend),
    shown(t.priority),
    age(t.updated_at),
    oneLine(t.prompt, 40),
    oneLine(t.status === 'failed' ? t.error : t.result, 40),
  ]);
  const header = ['ID', 'STATUS', 'BACKEND', 'PRI', 'UPDATED', 'PROMPT', 'RESULT / ERROR'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function formatTask(task: WireTask): string {
  // null is "any backend"; a hub that has no backends at all sends nothing.
  const backend = task.backend === undefined ? DASH : (task.backend ?? '(any)');
  const lines = [
    `task ${task.task_id}: ${task.status}`,
    `  backend:   ${backend}    priority: ${shown(task.priority)}    attempts: ${shown(task.attempts)}${task.max_attempts ? `/${task.max_attempts}` : ''}`,
    `  worker:    ${task.worker_id ?? DASH}`,
    `  created:   ${new Date(task.created_at * 1000).toISOString()}`,
  ];
  if (task.run_id) lines.push(`  run:       ${task.run_id}`);
  if (task.labels?.length) lines.push(`  labels:    ${task.labels.join(', ')}`);
  lines.push('  prompt:', indent(task.prompt));
  if (task.result !== null) lines.push('  result:', indent(task.result));
  if (task.error !== null) lines.push('  error:', indent(task.error));
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
